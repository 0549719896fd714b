"""What `specdsl gen` wrote: a marker line in each file it writes, a manifest in the directory.

The marker is the first line of every file gen writes, a comment in TLA+ and in
a TLC configuration alike: it names specdsl and holds the sha256 of the rest of
the file, so an edit below it shows.  The manifest, `.specdsl-manifest.json` in
the output directory, lists each file gen wrote there with its spec (relative to
the directory, so that it does not depend on where gen ran) and the sha256 of
the whole file as written, marker included.

Together they decide whose a file is (`ownership`).  The manifest is the
record: a file it lists is gen's, unedited only while it hashes to what the
manifest says (removing or changing the marker line is an edit too).  The
marker stands in for a file the manifest does not list (a lost or deleted
manifest): a file that starts with a marker is gen's, unedited while the rest
hashes to the marker's sha256.  Every other file is foreign.  A file written by
a specdsl that predates markers is foreign too: nothing tells whether it was
edited, so gen overwrites it only with --force.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from specdsl.atomic import write_atomic

MANIFEST = ".specdsl-manifest.json"
VERSION = 1
_MARKER = re.compile(r"\\\* specdsl gen: sha256 ([0-9a-f]{64})\b")
_ABOUT = (
    "The files specdsl gen wrote into this directory: file -> its spec (relative to this directory) and "
    "the sha256 of the file as written. gen replaces or deletes only these, and only while unedited."
)

Ownership = Literal["unedited", "edited", "foreign"]


@dataclass(frozen=True)
class Entry:
    spec: str  # the spec's file, relative to the output directory
    sha256: str  # of the file as gen wrote it, marker included


class ManifestError(Exception):
    """The manifest cannot be read: gen would not know which files are its own."""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def with_marker(text: str) -> str:
    """`text` as gen writes it: below a marker line with the sha256 of `text`."""
    return f"\\* specdsl gen: sha256 {digest(text)} of the lines below\n{text}"


def ownership(text: str | None, entry: Entry | None) -> Ownership:
    """Whose a file is, by its content (`None`: unreadable) and its manifest entry, if any."""
    if text is None:
        return "foreign" if entry is None else "edited"
    if entry is not None:
        return "unedited" if digest(text) == entry.sha256 else "edited"
    first, newline, rest = text.partition("\n")
    marker = _MARKER.match(first)
    if marker is None or not newline:
        return "foreign"
    return "unedited" if digest(rest) == marker.group(1) else "edited"


def entry_for(out: Path, spec: Path, text: str) -> Entry:
    return Entry(Path(os.path.relpath(spec.resolve(), out.resolve())).as_posix(), digest(text))


def spec_of(out: Path, entry: Entry) -> Path:
    """The spec file an entry names (resolved)."""
    return (out / entry.spec).resolve()


def read_manifest(out: Path) -> dict[str, Entry]:
    """The manifest of `out` (empty when it has none); ManifestError when it is not one gen wrote."""
    path = out / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):  # no manifest, or no directory yet
        return {}
    except (OSError, UnicodeDecodeError) as e:
        raise ManifestError(f"{path}: cannot read it: {getattr(e, 'strerror', None) or e}") from None
    try:
        data = json.loads(text)
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
        return {
            name: Entry(str(item["spec"]), str(item["sha256"]))
            for name, item in data["files"].items()
            if _plain_name(name)
        }
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise ManifestError(
            f"{path}: not a manifest of specdsl gen ({type(e).__name__}: {e}); "
            "remove it and gen falls back to the marker line of each file"
        ) from None


def render_manifest(entries: Mapping[str, Entry]) -> str:
    files = {name: {"spec": e.spec, "sha256": e.sha256} for name, e in sorted(entries.items())}
    return json.dumps({"about": _ABOUT, "version": VERSION, "files": files}, indent=2) + "\n"


def write_manifest(out: Path, entries: Mapping[str, Entry]) -> None:
    write_atomic(out / MANIFEST, render_manifest(entries))


def _plain_name(name: str) -> bool:
    """A manifest names files of its own directory only: an entry such as `../x.tla` or
    `.hidden.tla` (a hand-edited manifest) is ignored, so gen never reaches outside it."""
    return name == Path(name).name and not name.startswith(".")
