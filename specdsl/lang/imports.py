"""Reading `.sw` files and following their imports.

Import paths are relative to the importing file; a path keeps the form it was
given in (relative stays relative), so diagnostics name files as the user does.
A file imported twice is read once; a cycle is an error at the import that
closes it.

Only `.sw` files are read (by name and, through symbolic links, by target), so
that no diagnostic ever shows a line of some other file; and an import may not
leave the directory of the spec named on the command line (its tree) unless
the caller allows it (`--allow-import-outside`): a spec from elsewhere cannot
make specdsl read files around it.
"""

from __future__ import annotations

import codecs
import os
from functools import lru_cache
from pathlib import Path

from specdsl.ir import Span
from specdsl.lang import ast
from specdsl.lang.errors import Diagnostic, SpecError
from specdsl.lang.source import decode
from specdsl.lang.syntax import parse

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
    problem = not_a_spec(file)
    if problem is not None:
        raise SpecError([Diagnostic(Span(file, 0, 0), problem)])
    try:
        st = os.stat(file)
    except OSError:
        return parse(read_source(file), file)  # read_source reports why
    return _parse_cached(file, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=64)
def _parse_cached(file: str, _mtime_ns: int, _size: int) -> ast.Module:
    return parse(read_source(file), file)


def not_a_spec(path: str) -> str | None:
    """Why `path` must not be read as a spec, or None (a missing file is left
    to the reader, which says so)."""
    if not path.endswith(".sw"):
        return "not a `.sw` file"
    target = os.path.realpath(path)
    if not target.endswith(".sw"):
        return f"a link to `{target}`, which is not a `.sw` file"
    if os.path.isdir(target):
        return "a directory, not a file"
    if os.path.exists(target) and not os.path.isfile(target):
        return "not a regular file"
    return None


def load_modules(file: str, allow_import_outside: bool = False) -> list[ast.Module]:
    """`file` and everything it imports, imports first (each file once).
    Imports must resolve inside the directory of `file` unless `allow_import_outside`."""
    tree = Path(os.path.realpath(os.path.dirname(os.path.abspath(file))))
    done: dict[Path, ast.Module] = {}
    order: list[ast.Module] = []
    active: list[tuple[Path, str]] = []
    problems: list[Diagnostic] = []

    def resolve(path: str, via: ast.Import) -> Path | None:
        """The file an import names, or None (the reason is reported at the import)."""
        try:
            real = Path(os.path.realpath(path, strict=True))
        except FileNotFoundError:
            problems.append(
                Diagnostic(via.span, f"cannot find the imported file `{via.path}` (looked for {path})")
            )
            return None
        except OSError as e:  # a symbolic link loop, a permission denied on the way
            problems.append(Diagnostic(via.span, f"cannot import `{via.path}`: {e.strerror or e}"))
            return None
        problem = not_a_spec(path)
        if problem is None and not allow_import_outside and not real.is_relative_to(tree):
            where = os.path.dirname(file) or "."
            problem = (
                f"it is outside `{where}`, the directory of the spec being checked "
                "(pass --allow-import-outside to allow that)"
            )
        if problem is not None:
            problems.append(Diagnostic(via.span, f"cannot import `{via.path}`: {problem}"))
            return None
        return real

    def visit(path: str, via: ast.Import | None) -> None:
        real = Path(os.path.realpath(path)) if via is None else resolve(path, via)
        if real is None or real in done:
            return
        chain = [shown for r, shown in active]
        if any(r == real for r, _ in active):
            start = [r for r, _ in active].index(real)
            cycle = " -> ".join([*chain[start:], path])
            assert via is not None
            problems.append(Diagnostic(via.span, f"import cycle: {cycle}"))
            return
        try:
            module = parse_file(path)
        except SpecError as e:
            problems.extend(d if via is None else _at_import(d, path, via) for d in e.diagnostics)
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


def _at_import(d: Diagnostic, path: str, via: ast.Import) -> Diagnostic:
    """A problem with a whole imported file (it cannot be read, it is empty) is
    shown at the import that names it; one inside the file stays where it is."""
    if d.span.file != path or d.span.line > 0:
        return d
    return Diagnostic(via.span, f"imported file `{via.path}`: {d.message}", d.hint)
