"""`specdsl check` through the command line: usage errors, the engine
registry, and (once the front end and the engines exist) a real run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from driver_fakes import FakeEngine
from ir_examples import lost_update

from specdsl import driver
from specdsl.cli import main

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
    monkeypatch.setattr(driver, "load_systems", lambda paths, overrides: [lost_update()])
    monkeypatch.setitem(driver.ENGINES, "tlc", lambda: FakeEngine("tlc"))
    monkeypatch.setitem(driver.ENGINES, "z3", lambda: FakeEngine("z3", verdicts={"Terminates": "holds"}))
    assert main(["check", "lost_update.sw", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {r["engine"] for r in doc["specs"][0]["results"]} == {"tlc", "z3"}


def test_the_engines_run_in_tlc_then_z3_order():
    assert list(driver.ENGINES) == ["tlc", "z3"]


def run_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "specdsl", *argv]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_a_missing_file_exits_2_without_a_traceback():
    pytest.importorskip("specdsl.loader")
    proc = run_cli("check", "specs/no_such_spec.sw")
    assert proc.returncode == 2
    assert "no_such_spec.sw" in proc.stderr and "Traceback" not in proc.stderr


def test_the_baseline_race_end_to_end_with_tlc():
    pytest.importorskip("specdsl.loader")
    pytest.importorskip("specdsl.tla.engine")
    proc = run_cli(
        "check", "specs/baseline.sw", "--engine", "tlc", "--workers", "1", "--property", "NoStaleMap",
        "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    [result] = json.loads(proc.stdout)["specs"][0]["results"]
    assert (result["verdict"], result["expected"]) == ("violated", "violated")
    assert result["trace"]["steps"][0]["action"] == "Init"


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
