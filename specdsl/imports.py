"""Reading `.sw` files and following their imports.

Import paths are relative to the importing file; a path keeps the form it was
given in (relative stays relative), so diagnostics name files as the user does.
A file imported twice is read once; a cycle is an error at the import that
closes it.
"""

from __future__ import annotations

import codecs
import os
from functools import lru_cache
from pathlib import Path

from specdsl import ast
from specdsl.errors import Diagnostic, SpecError
from specdsl.ir import Span
from specdsl.source import decode
from specdsl.syntax import parse

# UTF-32 first: its little-endian mark starts with UTF-16's.
_OTHER_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def read_source(file: str) -> str:
    """The text of `file` (see `source.decode`); unreadable, binary or
    non-UTF-8 files raise SpecError."""
    try:
        data = Path(file).read_bytes()
    except OSError as e:
        raise SpecError([Diagnostic(Span(file, 0, 0), f"cannot read the file: {e.strerror or e}")]) from None
    for mark, encoding in _OTHER_ENCODINGS:
        if data.startswith(mark):
            message = f"the file is {encoding} text: save it as UTF-8"
            raise SpecError([Diagnostic(Span(file, 0, 0), message)])
    if b"\0" in data:
        raise SpecError([Diagnostic(Span(file, 0, 0), "not a text file (it contains NUL bytes)")])
    try:
        return decode(data)
    except UnicodeDecodeError as e:
        before = decode(data[: e.start])  # valid UTF-8: the error is at the first bad byte
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        message = f"the file is not valid UTF-8 (byte 0x{data[e.start]:02x})"
        raise SpecError([Diagnostic(Span(file, line, col), message)]) from None


def parse_file(file: str) -> ast.Module:
    """The syntax tree of `file`; a file unchanged since it was last parsed
    (a library imported by every spec) is not parsed again."""
    try:
        st = os.stat(file)
    except OSError:
        return parse(read_source(file), file)  # read_source reports why
    return _parse_cached(file, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=64)
def _parse_cached(file: str, _mtime_ns: int, _size: int) -> ast.Module:
    return parse(read_source(file), file)


def load_modules(file: str) -> list[ast.Module]:
    """`file` and everything it imports, imports first (each file once)."""
    done: dict[Path, ast.Module] = {}
    order: list[ast.Module] = []
    active: list[tuple[Path, str]] = []
    problems: list[Diagnostic] = []

    def visit(path: str, via: ast.Import | None) -> None:
        real = Path(path).resolve()
        if real in done:
            return
        chain = [shown for r, shown in active]
        if any(r == real for r, _ in active):
            start = [r for r, _ in active].index(real)
            cycle = " -> ".join([*chain[start:], path])
            assert via is not None
            problems.append(Diagnostic(via.span, f"import cycle: {cycle}"))
            return
        if via is not None and not real.is_file():
            problems.append(
                Diagnostic(via.span, f"cannot find the imported file `{via.path}` (looked for {path})")
            )
            return
        try:
            module = parse_file(path)
        except SpecError as e:
            problems.extend(e.diagnostics)
            return
        active.append((real, path))
        for d in module.decls:
            if isinstance(d, ast.Import):
                visit(os.path.normpath(os.path.join(os.path.dirname(path), d.path)), d)
        active.pop()
        done[real] = module
        order.append(module)

    visit(file, None)
    if problems:
        raise SpecError(problems)
    return order
