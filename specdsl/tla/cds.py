"""A class-data-sharing archive of TLC's classes: a TLC run's JVM starts faster.

A run on the specs' state spaces is mostly JVM and TLC start-up, and each spec
has a run per model.  Java's dynamic CDS (Java 13+) writes the classes a run
loaded into an archive when it exits (`-XX:ArchiveClassesAtExit`); later runs
map them instead of loading and verifying them again (`-XX:SharedArchiveFile`).
Measured alternately on a loaded 2-core machine (`benchmarks/bench_tlc.py`,
medians of 7, Java 17, TLC 2.15): a run on a trivial module 1.48 -> 1.23 s
wall, 0.65 -> 0.47 CPU-s; pte_marker's base run 2.16 -> 1.80 s wall, 0.89 ->
0.77 CPU-s.  Writing the archive cost the first run 0.9 s wall, 0.4 CPU-s.
`specdsl check specs/ --engine tlc` (medians of 3, alternately): 23.3 -> 20.4 s
wall, 17.6 -> 15.4 CPU-s, the same results.

The archive is kept per user (`$XDG_CACHE_HOME/specdsl`, else
`~/.cache/specdsl`), named by the identity of the jar and of Java (resolved
path, size, modification time: a new jar or JDK gets a new archive).  The first
run writes it under a name of its own; a JVM that must map it (`-Xshare:on`)
checks it; only then is it renamed into place, so no run ever maps a partial
archive (a truncated one crashes the JVM).  An archive in place is checked the
same way once per process before it is used (one damaged later is written
again).  Whatever goes wrong (no cache directory, an unwritable one, a Java
without dynamic CDS, an archive the JVM refuses) means no archive: the run
goes as before, with no error.  The JVM
says nothing about the archive (`-Xlog:cds*=off`): its warnings would go to
TLC's standard output.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from specdsl.tla.run import ToolError, Tools, java_version

MIN_JAVA = 13  # the first with dynamic archives
QUIET = "-Xlog:cds*=off"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "specdsl")


def archive_path(tools: Tools, directory: Path) -> Path:
    """Where the archive of this jar and this Java lives."""
    identity = []
    for path in (tools.jar, tools.java):
        resolved = Path(path).resolve()
        stat = resolved.stat()
        identity.append(f"{resolved}:{stat.st_size}:{stat.st_mtime_ns}")
    digest = hashlib.sha256("\n".join(identity).encode()).hexdigest()[:16]
    return directory / f"tlc-{digest}.jsa"


@contextlib.contextmanager
def class_archive(tools: Tools, directory: Path | None = None) -> Iterator[Tools]:
    """`tools` with the JVM flags that map the archive, or that write it when
    the run's JVM exits (then, when the run is over, it is checked and put in
    place); `tools` unchanged when there can be no archive."""
    found = _archive(tools, directory or cache_dir())
    if found is None:
        yield tools
        return
    final, ready = found
    if ready:
        yield _with(tools, f"-XX:SharedArchiveFile={final}")
        return
    written = final.with_name(f"{final.stem}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        yield _with(tools, f"-XX:ArchiveClassesAtExit={written}")
        with contextlib.suppress(OSError):
            if _mappable(tools, written):
                os.replace(written, final)
    finally:
        with contextlib.suppress(OSError):
            written.unlink()


def _archive(tools: Tools, directory: Path) -> tuple[Path, bool] | None:
    """The archive, and whether it is there to map (else a run is to write
    it); None when there can be none."""
    try:
        if java_version(tools.java) < MIN_JAVA:
            return None
        final = archive_path(tools, directory)
        if final.is_file() and _mappable(tools, final):
            return final, True
        directory.mkdir(parents=True, exist_ok=True)  # a damaged archive is written again
        return (final, False) if os.access(directory, os.W_OK | os.X_OK) else None
    except (OSError, ToolError):
        return None


def _with(tools: Tools, flag: str) -> Tools:
    return Tools(tools.java, tools.jar, (*tools.jvm_flags, QUIET, flag))


def _mappable(tools: Tools, archive: Path) -> bool:
    stat = archive.stat()
    return _maps(tools.java, tools.jar, str(archive), stat.st_size, stat.st_mtime_ns)


@cache
def _maps(java: str, jar: str, archive: str, _size: int, _mtime: int) -> bool:
    """Whether a JVM maps `archive` with this jar (`-Xshare:on` makes it fail
    otherwise): 0.1 s, once per version of the file.  A damaged archive crashes
    that JVM: it leaves no crash report in the working directory."""
    crash = ("-XX:ErrorFile=/dev/null", "-XX:-CreateCoredumpOnCrash")
    cmd = [java, *crash, "-Xshare:on", QUIET, f"-XX:SharedArchiveFile={archive}", "-cp", jar, "-version"]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False
