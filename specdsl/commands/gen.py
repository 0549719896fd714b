"""`specdsl gen`: write each spec's TLA+ module and TLC configurations, and touch nothing else.

gen owns only what it wrote (see `manifest`: a marker line in each file it
writes, a manifest in the directory).  It writes a file that is missing, or
that it wrote and nobody edited since; it deletes a file it wrote that no spec
generates any more, again only while unedited: a configuration of a model or
of witnesses its spec dropped, or any file of a spec that is gone from a
directory given as a path (gen then knows every spec of that directory).  A
file in the way that gen did not write, or that was edited since gen wrote
it, stops the run before anything is written: exit 2 and one line per file,
unless `force`, which overwrites such files and deletes edited orphans.  Hidden
files, files other than `.tla` and `.cfg` and files gen did not write are never
deleted, with `force` or without.  Writes are atomic, and only files whose
content changes are written.

Two specs whose files would have one name (`a-b.sw` and `a_b.sw` are both
module `a_b`; `A.sw` and `a.sw` are one file where file names ignore case) are
bad input: exit 2, nothing written.

With `check=True` nothing is written: every file gen would write, delete or
refuse to touch is listed, and so is the manifest when it would change; exit 0
when there is nothing to do, 1 when gen would bring the directory up to date,
2 when gen would refuse (without `force`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from specdsl.atomic import write_atomic
from specdsl.ir import Span
from specdsl.lang.errors import Diagnostic, SpecError
from specdsl.tla.emit import emit
from specdsl.tla.manifest import (
    MANIFEST,
    Entry,
    ManifestError,
    Ownership,
    entry_for,
    ownership,
    read_manifest,
    render_manifest,
    spec_of,
    with_marker,
)

SUFFIXES = (".tla", ".cfg")


@dataclass(frozen=True)
class _Generated:
    text: str  # as written: marker line included
    spec: Path


@dataclass(frozen=True)
class _Change:
    """What gen does to one file of the output directory, and why."""

    name: str
    delete: bool
    why: str
    refused: bool  # done only with --force


@dataclass(frozen=True)
class _Scope:
    """The specs a run knows about: an orphan of another spec is not this run's business."""

    specs: frozenset[Path]  # resolved
    dirs: frozenset[Path]  # the directories given as paths (resolved): every spec in them is known
    every_spec: bool  # every path is a directory

    def covers(self, out: Path, entry: Entry | None) -> bool:
        if entry is None:  # gen's by its marker alone: which spec wrote it is not recorded
            return self.every_spec
        spec = spec_of(out, entry)
        return spec in self.specs or spec.parent in self.dirs


_WRITE: dict[Ownership, tuple[str, bool]] = {
    "unedited": ("stale", False),
    "edited": ("edited since specdsl gen wrote it", True),
    "foreign": ("not written by specdsl gen", True),
}
_DELETE: dict[Ownership, tuple[str, bool]] = {
    "unedited": ("orphaned (no spec generates it)", False),
    "edited": ("orphaned (no spec generates it) but edited since specdsl gen wrote it", True),
}


def run_gen(
    paths: Sequence[str],
    overrides: Mapping[str, int],
    output_dir: str,
    check: bool,
    force: bool = False,
    allow_import_outside: bool = False,
) -> int:
    from specdsl.lang.loader import find_specs

    try:
        specs = _unique(find_specs(paths))
        files = _generate(specs, overrides, allow_import_outside)
    except SpecError as e:
        print(e.render(), file=sys.stderr)
        return 2
    if not specs:
        print(f"specdsl gen: no spec found in {' '.join(paths)}", file=sys.stderr)
        return 2
    out = Path(output_dir)
    try:
        manifest = read_manifest(out)
    except ManifestError as e:
        print(f"specdsl gen: {e}", file=sys.stderr)
        return 2
    dirs = [Path(p) for p in paths if Path(p).is_dir()]
    scope = _Scope(
        frozenset(s.resolve() for s in specs), frozenset(d.resolve() for d in dirs), len(dirs) == len(paths)
    )
    changes = _changes(out, files, manifest, scope)
    refused = [c for c in changes if c.refused and not force]
    if check:
        after = _next_manifest(out, files, manifest, files, [c.name for c in changes if c.delete])
        return _report(out, changes, _read(out / MANIFEST) != render_manifest(after), refused)
    if refused:
        for c in refused:
            print(_refusal(out, c), file=sys.stderr)
        print(
            f"specdsl gen: nothing written: {len(refused)} file(s) in the way (above); "
            "move them away, or run again with --force",
            file=sys.stderr,
        )
        return 2
    return _apply(out, files, manifest, changes)


def _apply(
    out: Path, files: Mapping[str, _Generated], manifest: Mapping[str, Entry], changes: Sequence[_Change]
) -> int:
    """Make `changes`, then record them in the manifest, also when a write fails half-way (the files
    written by then are gen's, and unedited)."""
    present = [name for name in files if name not in {c.name for c in changes}]  # already as generated
    deleted: list[str] = []
    failure: OSError | None = None
    try:
        out.mkdir(parents=True, exist_ok=True)
        for c in changes:
            if not c.delete:
                write_atomic(out / c.name, files[c.name].text)
                present.append(c.name)
                print(out / c.name)
        for c in changes:
            if c.delete:
                (out / c.name).unlink()
                deleted.append(c.name)
                print(f"removed {out / c.name}")
    except OSError as e:
        failure = e
    after = render_manifest(_next_manifest(out, files, manifest, present, deleted))
    try:
        if _read(out / MANIFEST) != after:
            write_atomic(out / MANIFEST, after)
    except OSError as e:
        failure = failure or e
    if failure is not None:
        print(f"specdsl gen: cannot write {failure.filename or out}: {failure.strerror}", file=sys.stderr)
        return 2
    return 0


def _generate(
    specs: Sequence[Path], overrides: Mapping[str, int], allow_import_outside: bool
) -> dict[str, _Generated]:
    """Every file the specs generate, by name; SpecError for two specs whose files share a name."""
    from specdsl.lang.loader import load_system

    files: dict[str, _Generated] = {}
    claimed: dict[str, tuple[str, Path]] = {}  # case-folded file name -> (file name, spec)
    clashes: dict[tuple[Path, Path], Diagnostic] = {}
    for spec in specs:
        for name, text in (
            emit(load_system(spec, overrides, allow_import_outside=allow_import_outside)).files().items()
        ):
            first, other = claimed.setdefault(name.casefold(), (name, spec))
            if (first, other) == (name, spec):
                files[name] = _Generated(with_marker(text), spec)
            elif (spec, other) not in clashes:
                where = "" if first == name else f" (as {first}: one file where file names ignore case)"
                clashes[spec, other] = Diagnostic(
                    Span(str(spec), 0, 0),
                    f"generates {name}, as {other} does{where}",
                    "a module's name is its spec's file name with every character other than a letter, "
                    "a digit or _ made _; rename one of the two specs",
                )
    if clashes:
        raise SpecError(clashes.values())
    return files


def _changes(
    out: Path, files: Mapping[str, _Generated], manifest: Mapping[str, Entry], scope: _Scope
) -> list[_Change]:
    """What gen would do to `out`, with or without --force: the files to write (missing, stale,
    or in the way), then the orphans to delete."""
    changes = []
    for name, generated in files.items():
        path = out / name
        if not os.path.lexists(path):
            changes.append(_Change(name, False, "missing", False))
            continue
        text = _read(path)
        if text != generated.text:
            changes.append(_Change(name, False, *_WRITE[ownership(text, manifest.get(name))]))
    for name in _candidates(out):
        if name in files:
            continue
        entry = manifest.get(name)
        owner = ownership(_read(out / name), entry)
        if owner != "foreign" and scope.covers(out, entry):
            changes.append(_Change(name, True, *_DELETE[owner]))
    return changes


def _next_manifest(
    out: Path,
    files: Mapping[str, _Generated],
    manifest: Mapping[str, Entry],
    present: Iterable[str],
    deleted: Iterable[str],
) -> dict[str, Entry]:
    """The manifest once the files named `present` hold what gen generates and those named
    `deleted` are gone: the old entries of the files still there, updated for `present`."""
    gone = set(deleted)
    entries = {n: e for n, e in manifest.items() if n not in gone and os.path.lexists(out / n)}
    return entries | {name: entry_for(out, files[name].spec, files[name].text) for name in present}


def _report(out: Path, changes: Sequence[_Change], manifest_stale: bool, refused: Sequence[_Change]) -> int:
    for c in changes:
        print(_refusal(out, c) if c in refused else f"{out / c.name}: {c.why}", file=sys.stderr)
    if manifest_stale:
        state = "missing" if not (out / MANIFEST).exists() else "stale"
        print(f"{out / MANIFEST}: {state}", file=sys.stderr)
    if refused:
        print(
            f"specdsl gen: {len(refused)} file(s) in the way (above): without --force gen writes nothing",
            file=sys.stderr,
        )
        return 2
    if changes or manifest_stale:
        print(
            "specdsl gen: generated files are out of date; run `specdsl gen` to refresh them", file=sys.stderr
        )
        return 1
    return 0


def _refusal(out: Path, c: _Change) -> str:
    return f"{out / c.name}: {c.why}; --force {'deletes' if c.delete else 'overwrites'} it"


def _candidates(out: Path) -> list[str]:
    """The files of `out` gen might have written: not hidden, `.tla` or `.cfg`."""
    if not out.is_dir():
        return []
    return sorted(
        p.name for p in out.iterdir() if not p.name.startswith(".") and p.suffix in SUFFIXES and p.is_file()
    )


def _unique(specs: Sequence[Path]) -> list[Path]:
    """`specs` without repeats (a spec given twice, by a directory and by its name)."""
    seen: dict[Path, Path] = {}
    for spec in specs:
        seen.setdefault(spec.resolve(), spec)
    return list(seen.values())


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # unreadable: not a file gen wrote
        return None
