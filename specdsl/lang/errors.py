"""Errors in specs: a diagnostic names file:line:col, shows the line and a caret.

Every component reports bad input through `SpecError`, which carries all the
diagnostics found (not only the first), so one run shows everything to fix.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from specdsl.ir import Span
from specdsl.lang.source import decode


@dataclass(frozen=True)
class Diagnostic:
    """One error.  A span with line 0 is about the whole file (no excerpt)."""

    span: Span
    message: str
    hint: str = ""

    def render(self) -> str:
        s = self.span
        if s.line <= 0:
            out = [f"{s.file}: error: {self.message}"]
        else:
            out = [f"{s.file}:{s.line}:{s.col}: error: {self.message}"]
            line = _source_line(s.file, s.line)
            if line is not None:
                text, col = _excerpt(line, s.col)
                prefix = "".join("\t" if ch == "\t" else " " for ch in text[: col - 1])
                out += [f"    {text}", f"    {prefix}^"]
        if self.hint:
            out.append(f"    hint: {self.hint}")
        return "\n".join(out)


class SpecError(Exception):
    """Bad input: one or more diagnostics."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__(self.diagnostics[0].message if self.diagnostics else "bad input")

    def render(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)


EXCERPT_WIDTH = 100


def _excerpt(line: str, col: int) -> tuple[str, int]:
    """At most EXCERPT_WIDTH characters of `line` around `col`, and the column within them."""
    col = max(col, 1)
    if len(line) <= EXCERPT_WIDTH:
        return line, col
    start = max(0, min(col - 1 - EXCERPT_WIDTH // 2, len(line) - EXCERPT_WIDTH))
    text = line[start : start + EXCERPT_WIDTH]
    if start > 0:
        text = "..." + text
        col += 3
    if start + EXCERPT_WIDTH < len(line):
        text += "..."
    return text, col - start


def _printable(text: str) -> str:
    """Control characters (other than tab) would garble a terminal: show them as `?`."""
    return "".join(ch if ch == "\t" or ch.isprintable() else "?" for ch in text)


@lru_cache(maxsize=64)
def _lines(path: str, _mtime_ns: int, _size: int) -> tuple[str, ...]:
    with open(path, "rb") as f:
        return tuple(_printable(line) for line in decode(f.read(), errors="replace").split("\n"))


def _source_line(path: str, line: int) -> str | None:
    try:
        st = os.stat(path)
        lines = _lines(path, st.st_mtime_ns, st.st_size)
    except OSError:
        return None
    return lines[line - 1] if 0 < line <= len(lines) else None
