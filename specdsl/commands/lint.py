"""`specdsl lint`: parse and check specs, print every error, optionally dump the IR.

Protocols are checked fully.  A library found in a directory is only parsed:
it may refer to processes that the files importing it define, so it cannot be
checked on its own (its importers check it).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

from specdsl.ir import Span
from specdsl.irdump import dump
from specdsl.lang.errors import Diagnostic, SpecError
from specdsl.lang.imports import parse_file
from specdsl.lang.loader import load_system, spec_files


def lint_file(
    file: str,
    protocol: bool,
    overrides: Mapping[str, int],
    dump_ir: bool,
    allow_import_outside: bool = False,
) -> list[Diagnostic]:
    try:
        if not protocol:
            parse_file(file)
            return []
        system = load_system(file, overrides, allow_import_outside=allow_import_outside)
        if dump_ir:
            sys.stdout.write(dump(system))
        return []
    except SpecError as e:
        return e.diagnostics
    except RecursionError:
        return [Diagnostic(Span(file, 0, 0), "the spec is too deeply nested to check")]
    except Exception as e:  # a checker bug must still not print a traceback at the user
        return [Diagnostic(Span(file, 0, 0), f"internal error while checking: {type(e).__name__}: {e}")]


def run_lint(
    paths: Sequence[str],
    overrides: Mapping[str, int],
    dump_ir: bool = False,
    allow_import_outside: bool = False,
) -> int:
    """Exit status: 0 when every file is clean, 2 when any has an error."""
    try:
        files = spec_files(paths)
    except SpecError as e:
        print(e.render(), file=sys.stderr)
        return 2
    failed = False
    for f in files:
        diagnostics = lint_file(str(f.path), f.protocol, overrides, dump_ir, allow_import_outside)
        if diagnostics:
            failed = True
            print(SpecError(diagnostics).render(), file=sys.stderr)
    return 2 if failed else 0
