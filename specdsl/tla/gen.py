"""`specdsl gen`: write each spec's TLA+ module and TLC configurations.

Files are written atomically (a temporary file in the same directory, then
`os.replace`), and only when their content changes.  Generated files that no
spec generates any more (see `orphans`) are removed.  With `check=True`
nothing is written: the command lists the files that are missing, differ from
what it would write or are orphaned, and exits 1 if there are any.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from specdsl.errors import SpecError
from specdsl.tla.emit import emit


def run_gen(
    paths: Sequence[str],
    overrides: Mapping[str, int],
    output_dir: str,
    check: bool,
    allow_import_outside: bool = False,
) -> int:
    from specdsl.loader import find_specs, load_system

    try:
        specs = find_specs(paths)
        files: dict[str, str] = {}
        names = set()
        for spec in specs:
            system = load_system(spec, overrides, allow_import_outside=allow_import_outside)
            names.add(system.name)
            files.update(emit(system).files())
    except SpecError as e:
        print(e.render(), file=sys.stderr)
        return 2
    if not specs:
        print(f"specdsl gen: no spec found in {' '.join(paths)}", file=sys.stderr)
        return 2
    out = Path(output_dir)
    stale = [name for name, text in files.items() if _read(out / name) != text]
    every_spec = all(Path(p).is_dir() for p in paths)
    orphaned = orphans(out, files, names, every_spec)
    if check:
        for name in stale:
            state = "missing" if not (out / name).exists() else "stale"
            print(f"{out / name}: {state}", file=sys.stderr)
        for name in orphaned:
            print(f"{out / name}: orphaned (no spec generates it)", file=sys.stderr)
        if stale or orphaned:
            print(
                "specdsl gen: generated files are out of date; run `specdsl gen` to refresh them",
                file=sys.stderr,
            )
        return 1 if stale or orphaned else 0
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in stale:
            write_atomically(out / name, files[name])
            print(out / name)
        for name in orphaned:
            (out / name).unlink()
            print(f"removed {out / name}")
    except OSError as e:
        print(f"specdsl gen: cannot write {e.filename or output_dir}: {e.strerror}", file=sys.stderr)
        return 2
    return 0


def orphans(out: Path, files: Mapping[str, str], specs: set[str], every_spec: bool) -> list[str]:
    """TLA+ modules and configurations in `out` that are not among `files`: those named
    after one of `specs` (a configuration of a model or of witnesses the spec no longer
    has), or, when `every_spec` (the paths were directories, so every spec is known),
    any of them (the files of a deleted spec)."""
    if not out.is_dir():
        return []
    names = sorted(p.name for p in out.iterdir() if p.suffix in (".tla", ".cfg") and p.is_file())
    return [n for n in names if n not in files and (every_spec or _owner(n) in specs)]


def _owner(name: str) -> str:
    """The spec a generated file name belongs to: `S.tla`, `S.cfg`, `S_reach.cfg`, `S_live_M.cfg`."""
    match = re.fullmatch(r"(.+?)(?:_reach|_live_\w+)?\.(?:tla|cfg)", name)
    return match.group(1) if match else name


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError):  # unreadable: rewrite it (or report it as stale)
        return None


def write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the file from other users of a checkout
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
