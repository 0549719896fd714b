"""`specdsl gen`: write each spec's TLA+ module and TLC configurations.

Files are written atomically (a temporary file in the same directory, then
`os.replace`), and only when their content changes.  With `check=True`
nothing is written: the command lists the files that are missing or differ
from what it would write and exits 1 if there are any.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from specdsl.errors import SpecError
from specdsl.tla.emit import emit


def run_gen(paths: Sequence[str], overrides: Mapping[str, int], output_dir: str, check: bool) -> int:
    from specdsl.loader import find_specs, load_system

    try:
        specs = find_specs(paths)
        files: dict[str, str] = {}
        for spec in specs:
            files.update(emit(load_system(spec, overrides)).files())
    except SpecError as e:
        print(e.render(), file=sys.stderr)
        return 2
    if not specs:
        print(f"specdsl gen: no spec found in {' '.join(paths)}", file=sys.stderr)
        return 2
    out = Path(output_dir)
    stale = [name for name, text in files.items() if _read(out / name) != text]
    if check:
        for name in stale:
            state = "missing" if not (out / name).exists() else "stale"
            print(f"{out / name}: {state}", file=sys.stderr)
        if stale:
            print(
                "specdsl gen: generated files are out of date; run `specdsl gen` to refresh them",
                file=sys.stderr,
            )
        return 1 if stale else 0
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in stale:
            write_atomically(out / name, files[name])
            print(out / name)
    except OSError as e:
        print(f"specdsl gen: cannot write {e.filename or output_dir}: {e.strerror}", file=sys.stderr)
        return 2
    return 0


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
