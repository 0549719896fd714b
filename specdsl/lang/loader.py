"""The front end's API: find the specs under some paths (the one place that does), load one
as an IR system."""

from __future__ import annotations

import pathlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from specdsl.ir import Span, System
from specdsl.lang.errors import Diagnostic, SpecError
from specdsl.lang.imports import load_modules, read_source
from specdsl.lang.lower import lower_spec

_PROCESS = re.compile(r"^\s*process\b", re.MULTILINE)


def declares_protocol(path: pathlib.Path) -> bool:
    """Whether the file itself declares a `process` (a library only shares
    state, environment and properties).  Unreadable files count as protocols,
    so that their errors are reported rather than skipped."""
    try:
        text = read_source(str(path))
    except SpecError:
        return True
    return bool(_PROCESS.search(re.sub(r"//[^\n]*", "", text)))


@dataclass(frozen=True)
class SpecFile:
    path: pathlib.Path
    protocol: bool  # declares a process (`declares_protocol`)
    named: bool  # named on the command line, not found in a directory


def spec_files(paths: Sequence[str]) -> list[SpecFile]:
    """Each PATH is a `.sw` file or a directory (its `.sw` files, sorted), in order.
    Every PATH that does not exist is an error, all reported at once."""
    out: list[SpecFile] = []
    missing = []
    for p in paths:
        path = pathlib.Path(p)
        if path.is_dir():
            found = sorted(f for f in path.glob("*.sw") if f.is_file())
            out += [SpecFile(f, declares_protocol(f), named=False) for f in found]
        elif path.exists():
            out.append(SpecFile(path, declares_protocol(path), named=True))
        else:
            missing.append(Diagnostic(Span(p, 0, 0), "no such file or directory"))
    if missing:
        raise SpecError(missing)
    return out


def find_specs(paths: Sequence[str]) -> list[pathlib.Path]:
    """The specs to check: each file named (taken as is) and the protocols in each directory
    (a library found there is checked by the specs that import it)."""
    return [f.path for f in spec_files(paths) if f.protocol or f.named]


def load_system(
    path: str | pathlib.Path,
    overrides: Mapping[str, int] = {},  # noqa: B006 - read only
    *,
    allow_import_outside: bool = False,
) -> System:
    """Parse, import, check and lower one spec; raises SpecError on bad input.
    Its imports must stay in its directory unless `allow_import_outside`."""
    file = str(path)
    try:
        modules = load_modules(file, allow_import_outside)
        return lower_spec(modules, pathlib.Path(file).stem, file, overrides)
    except RecursionError:
        raise SpecError([Diagnostic(Span(file, 0, 0), "the spec is too deeply nested to check")]) from None
