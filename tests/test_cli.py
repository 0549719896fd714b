"""`specdsl check` through the command line: usage errors, the engine
registry, and (once the front end and the engines exist) a real run."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from driver_fakes import FakeEngine
from ir_examples import lost_update

from specdsl.cli import main
from specdsl.commands import check as check_command

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize(
    "argv",
    [
        ["check"],
        ["check", "x.sw", "--engine", "cvc5"],
        ["check", "x.sw", "--format", "yaml"],
        ["check", "x.sw", "--depth", "0"],
        ["check", "x.sw", "--timeout", "-1"],
        ["check", "x.sw", "--set", "SLOTS"],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert capsys.readouterr().err


def test_check_uses_the_engine_registry(monkeypatch, capsys):
    monkeypatch.setattr(check_command, "load_systems", lambda paths, overrides, *rest: [lost_update()])
    monkeypatch.setitem(check_command.ENGINES, "tlc", FakeEngine("tlc"))  # a fake is its own factory
    monkeypatch.setitem(check_command.ENGINES, "z3", FakeEngine("z3", verdicts={"Terminates": "holds"}))
    assert main(["check", "lost_update.sw", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {r["engine"] for r in doc["specs"][0]["results"]} == {"tlc", "z3"}


def test_the_engines_run_in_tlc_then_z3_order():
    assert list(check_command.ENGINES) == ["tlc", "z3"]


def run_cli(*argv: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **environ}
    command = [sys.executable, "-m", "specdsl", *argv]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_a_missing_file_exits_2_without_a_traceback():
    pytest.importorskip("specdsl.lang.loader")
    proc = run_cli("check", "specs/no_such_spec.sw")
    assert proc.returncode == 2
    assert "no_such_spec.sw" in proc.stderr and "Traceback" not in proc.stderr


def test_the_baseline_race_end_to_end_with_tlc():
    pytest.importorskip("specdsl.lang.loader")
    pytest.importorskip("specdsl.tla.engine")
    proc = run_cli(
        "check", "specs/baseline.sw", "--engine", "tlc", "--workers", "1", "--property", "NoStaleMap",
        "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    [result] = json.loads(proc.stdout)["specs"][0]["results"]
    assert (result["verdict"], result["expected"]) == ("violated", "violated")
    assert result["trace"]["steps"][0]["action"] == "Init"


def test_java_missing_exits_3_naming_the_cause(tmp_path):
    # It used to exit 0: the TLC half of the matrix was missing and nothing said so but a note.
    pytest.importorskip("specdsl.lang.loader")
    proc = run_cli(
        "check", "specs/baseline.sw", "--property", "TypeOK", "--format", "json",
        JAVA_HOME=str(tmp_path / "nowhere"), PATH=str(tmp_path),
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert (
        "specdsl: tlc could not check baseline · TypeOK: Java not found (install Java 11+ or set JAVA_HOME); "
        "TLC cannot run; --engine z3 checks with z3 alone"
    ) in proc.stderr.splitlines()
    [tlc, z3] = json.loads(proc.stdout)["specs"][0]["results"]
    assert (tlc["verdict"], z3["verdict"]) == ("error", "holds")


def test_the_ci_example_runs_the_check_and_publishes_the_junit_report():
    text = (ROOT / "examples" / "github-ci.yml").read_text()
    assert "run: specdsl check specs/ --format junit --output report.xml\n" in text
    assert "report_paths: report.xml\n" in text
    assert text.count("if: always()") == 2  # publish and keep the report even when the check fails


def test_a_missing_dependency_is_one_line_not_a_traceback(monkeypatch, capsys):
    from specdsl import cli

    monkeypatch.setattr(cli, "DEPENDENCIES", ("lark", "no_such_package_xyz"))
    assert cli.main(["lint", "specs/"]) == 2
    err = capsys.readouterr().err
    assert "no_such_package_xyz not installed" in err and "pip install" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


# -- signals: everything stops, nothing is left behind ---------------------------------------


def descendants(tmpdir: Path) -> dict[int, str]:
    """pid -> command line of every process whose TMPDIR is tmpdir or inside it (the
    check, the multiprocessing helpers, the worker processes, their JVMs), from /proc."""
    marker = f"TMPDIR={tmpdir}".encode()
    found = {}
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and any(
                entry == marker or entry.startswith(marker + b"/")
                for entry in (proc / "environ").read_bytes().split(b"\0")
            ):
                found[int(proc.name)] = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # gone meanwhile, or a zombie
            continue
    return found


@pytest.fixture
def start_check(tmp_path):
    """Starts `specdsl check` in a process group of its own, its temporary files in
    a fresh TMPDIR; whatever the test's outcome, nothing it started is left running."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    started = []

    def start(*argv: str) -> tuple[subprocess.Popen[str], Path]:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmpdir)}
        command = [sys.executable, "-m", "specdsl", "check", *argv]
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )  # fmt: skip
        started.append(proc)
        return proc, tmpdir

    yield start
    for pid in [*(p.pid for p in started if p.poll() is None), *descendants(tmpdir)]:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def wait_for(condition, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.1)


def assert_nothing_left(tmpdir: Path) -> None:
    # The multiprocessing helpers notice the check's end on their own: give them a moment.
    wait_for(lambda: not descendants(tmpdir), "every process of the check end", seconds=10)
    assert [p.name for p in tmpdir.iterdir() if p.name.startswith(("specdsl-", "pymp-"))] == []


def test_ctrl_c_during_z3_stops_the_run_exits_130_and_keeps_an_incomplete_report(tmp_path, start_check):
    # Z3 used to swallow it: the run went on and exited with `interrupted from keyboard` unknowns.
    pytest.importorskip("specdsl.lang.loader")
    report = tmp_path / "report.json"
    argv = ("specs/prepare_timeout.sw", "--engine", "z3", "--format", "json", "--output", str(report))
    proc, tmpdir = start_check(*argv)
    wait_for(lambda: any(tmpdir.glob("specdsl-run-*")), "the run start")
    time.sleep(2)  # into Z3's checks (they take longer than that)
    os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "specdsl: interrupted (SIGINT): 0 of 1 jobs done" in err.splitlines()
    assert json.loads(report.read_text())["incomplete"] is True
    assert_nothing_left(tmpdir)


def test_sigterm_during_tlc_kills_the_jvm_and_exits_143(start_check):
    # SIGTERM used to leave the JVM running, reparented to init, with its specdsl-tlc-* directory.
    pytest.importorskip("specdsl.lang.loader")
    big = ("--set", "THREADS=3", "--set", "SLOTS=2", "--set", "WRITES=3", "--set", "SWAPOUTS=3")
    proc, tmpdir = start_check("specs/prepare_waitqueue.sw", "--engine", "tlc", *big)

    def jvms() -> list[int]:
        return [pid for pid, cmd in descendants(tmpdir).items() if "tlc2.TLC" in cmd]

    wait_for(jvms, "TLC start")
    started = jvms()  # the models of a spec may run side by side, each in a JVM
    proc.send_signal(signal.SIGTERM)  # to the main process only
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "specdsl: interrupted (SIGTERM): 0 of 1 jobs done" in err.splitlines()
    assert "INCOMPLETE: interrupted (SIGTERM)" in out
    for jvm in started:
        assert not Path(f"/proc/{jvm}").exists() or "State:\tZ" in Path(f"/proc/{jvm}/status").read_text()
    assert_nothing_left(tmpdir)


@pytest.mark.parametrize("command", [["lint"], ["gen", "--check", "-o", "generated_here"]])
def test_imports_outside_the_spec_directory_need_allow_import_outside(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("lib").mkdir()
    Path("lib/common.sw").write_text("var y: bool = false\n")
    Path("proj").mkdir()
    Path("proj/spec.sw").write_text('import "../lib/common.sw"\nprocess p {\n  a:\n    y := true\n}\n')
    assert main([command[0], "proj/spec.sw", *command[1:]]) == 2
    assert "pass --allow-import-outside" in capsys.readouterr().err
    allowed = main([command[0], "proj/spec.sw", "--allow-import-outside", *command[1:]])
    assert allowed == (0 if command == ["lint"] else 1)  # gen --check: the files are missing, not refused
    assert "--allow-import-outside" not in capsys.readouterr().err
