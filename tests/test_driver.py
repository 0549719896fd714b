"""The driver: exit codes, engine order and options, vetting of
counterexamples, property selection, output files.  Engines are fakes
(`driver_fakes.FakeEngine`) run on the hand-built lost-update system."""

from __future__ import annotations

import json
import os
import signal
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest
from driver_fakes import FakeEngine, factories
from ir_examples import lost_update

from specdsl import driver
from specdsl.cli import build_parser
from specdsl.commands import check as check_command
from specdsl.engine import EngineOptions

SAFETY = ["TypeOK", "Final", "DeadlockFree", "BothRead"]


def check(monkeypatch, engines, *argv, systems=None) -> int:
    """`specdsl check` with the given fake engines and systems."""
    loaded = systems if systems is not None else [lost_update()]
    monkeypatch.setattr(check_command, "load_systems", lambda paths, overrides, *rest: loaded)
    args = build_parser().parse_args(["check", "lost_update.sw", *argv])
    return check_command.run_check(args, dict(args.overrides), engines=engines)


def props(*names: str) -> list[str]:
    return [arg for name in names for arg in ("--property", name)]


def both(**forced: dict[str, str]) -> dict[str, object]:
    return factories(
        tlc=FakeEngine("tlc", verdicts=forced.get("tlc", {})),
        z3=FakeEngine("z3", method="bmc", bound=30, verdicts=forced.get("z3", {})),
    )


# ---------------------------------------------------------------------------
# Exit codes


def test_every_verdict_as_expected_exits_0(monkeypatch, capsys):
    assert check(monkeypatch, both(z3={"Terminates": "holds"})) == 0
    out = capsys.readouterr().out
    assert "tlc violated @4" in out and "z3 holds (bounded ≤30)" in out


def test_a_property_without_expectation_must_hold(monkeypatch, capsys):
    system = replace(lost_update(), expectations=())
    assert check(monkeypatch, both(), *props(*SAFETY), systems=[system]) == 1
    assert "✗ lost_update · Final · tlc: violated @4, expected holds" in capsys.readouterr().out


def test_an_expected_violation_that_holds_is_unexpected(monkeypatch, capsys):
    system = replace(lost_update(), expectations=(("TypeOK", "violated"),))
    assert check(monkeypatch, both(), *props("TypeOK")) == 0  # lost_update's own expectations
    assert check(monkeypatch, both(), *props("TypeOK"), systems=[system]) == 1
    assert "expected violated" in capsys.readouterr().out


def test_an_unreachable_witness_exits_1(monkeypatch, capsys):
    engines = factories(tlc=FakeEngine("tlc", verdicts={"BothRead": "unreachable"}))
    assert check(monkeypatch, engines, "--engine", "tlc", *props("BothRead")) == 1
    assert "expected reached" in capsys.readouterr().out


def test_a_disagreement_exits_1_and_shows_both_verdicts_and_the_trace(monkeypatch, capsys):
    assert check(monkeypatch, both(z3={"Final": "holds"}), *props("Final")) == 1
    out = capsys.readouterr().out
    assert "DISAGREEMENT lost_update · Final" in out
    assert "tlc found violated at depth 4, but z3 says holds up to depth 30" in out
    assert "≠ tlc violated @4" in out and "≠ z3 holds (bounded ≤30)" in out
    assert "a 4-step trace that violates Final (found by tlc)" in out


def test_a_disagreement_is_reported_on_stderr_in_json_mode(monkeypatch, capsys):
    assert check(monkeypatch, both(z3={"Final": "holds"}), *props("Final"), "--format", "json") == 1
    captured = capsys.readouterr()
    json.loads(captured.out)
    assert "DISAGREEMENT lost_update · Final" in captured.err


def test_no_result_from_any_engine_exits_3(monkeypatch, capsys):
    # Terminates: unknown from the only engine that ran.
    assert check(monkeypatch, factories(tlc=FakeEngine("tlc")), "--engine", "tlc") == 3
    assert "? lost_update · Terminates · tlc: unknown" in capsys.readouterr().out


def test_one_engine_s_result_is_enough(monkeypatch):
    engines = both(tlc={"Terminates": "unknown"}, z3={"Terminates": "holds"})
    assert check(monkeypatch, engines) == 0


def test_an_engine_that_could_not_run_exits_3_though_the_other_decided(monkeypatch, capsys):
    engines = both(tlc={"Terminates": "error"}, z3={"Terminates": "holds"})
    assert check(monkeypatch, engines) == 3
    err = capsys.readouterr().err
    assert "specdsl: tlc could not check lost_update · Terminates: forced error second line; " in err
    assert "--engine z3 checks with z3 alone" in err


def test_a_missing_java_exits_3_naming_the_cause_once(monkeypatch, capsys):
    java = "Java not found (install Java 11+ or set JAVA_HOME); TLC cannot run"
    engines = factories(
        tlc=FakeEngine("tlc", raises=RuntimeError(java)),
        z3=FakeEngine("z3", verdicts={"Terminates": "holds"}),
    )
    assert check(monkeypatch, engines, "--format", "json") == 3
    [line] = [x for x in capsys.readouterr().err.splitlines() if "could not check" in x]
    assert line == (
        f"specdsl: tlc could not check 5 properties: tlc engine failed: RuntimeError: {java}; "
        "--engine z3 checks with z3 alone"
    )


def test_an_unexpected_verdict_outranks_an_engine_error(monkeypatch):
    system = replace(lost_update(), expectations=())
    engines = both(tlc={"Terminates": "error"}, z3={"Terminates": "holds"})
    assert check(monkeypatch, engines, systems=[system]) == 1


def test_an_unexpected_verdict_outranks_a_missing_result(monkeypatch):
    system = replace(lost_update(), expectations=())
    assert check(monkeypatch, factories(tlc=FakeEngine("tlc")), "--engine", "tlc", systems=[system]) == 1


def test_an_engine_that_raises_gives_error_results(monkeypatch, capsys):
    engines = factories(tlc=FakeEngine("tlc", raises=RuntimeError("java exploded\nbadly")))
    assert check(monkeypatch, engines, "--engine", "tlc", *props("TypeOK")) == 3
    assert "tlc engine failed: RuntimeError: java exploded badly" in capsys.readouterr().out


def missing_engine():
    raise ModuleNotFoundError("No module named 'specdsl.smt.engine'")


def test_an_engine_that_cannot_be_imported_is_an_engine_failure(monkeypatch, capsys):
    engines = {**both(z3={"Terminates": "holds"}), "z3": missing_engine}
    # TLC still decides the safety properties; Terminates has no result left.
    assert check(monkeypatch, engines) == 3
    out = capsys.readouterr().out
    assert "? z3 on 5 properties: error: z3 engine failed: ModuleNotFoundError" in out
    assert "tlc violated @4" in out


class Forgetful(FakeEngine):
    def check(self, system, properties, options):
        return super().check(system, properties, options)[1:]


def test_an_engine_that_leaves_a_property_out_gets_an_error_for_it(monkeypatch, capsys):
    engines = factories(tlc=Forgetful("tlc"))
    assert check(monkeypatch, engines, "--engine", "tlc", *props("TypeOK", "Final")) == 3
    assert "tlc engine returned no result for TypeOK" in capsys.readouterr().out


def test_a_counterexample_that_does_not_refute_the_property_is_an_internal_error(monkeypatch, capsys):
    # The fake's forced trace is the initial state alone, where TypeOK holds.
    engines = factories(tlc=FakeEngine("tlc", verdicts={"TypeOK": "violated"}))
    assert check(monkeypatch, engines, "--engine", "tlc", *props("TypeOK")) == 3
    assert "internal error: tlc counterexample rejected" in capsys.readouterr().out


def test_a_witness_trace_that_does_not_reach_it_is_an_internal_error(monkeypatch):
    engines = factories(tlc=FakeEngine("tlc", verdicts={"BothRead": "reached"}))
    assert check(monkeypatch, engines, "--engine", "tlc", *props("BothRead"), "--format", "json") == 3


# ---------------------------------------------------------------------------
# Engine order and options


def test_a_worker_process_that_dies_gives_error_results(monkeypatch, capsys):
    engines = both()
    engines["z3"] = FakeEngine("z3", raises=SystemExit(7))  # not an engine fault: the process ends
    assert check(monkeypatch, engines) == 3
    out = capsys.readouterr().out
    assert "tlc violated @4" in out
    assert "error: the worker process ended (exit code 7) before z3 finished" in out


def test_tlc_runs_first_and_its_search_depth_makes_z3_complete(monkeypatch, tmp_path):
    tlc, z3 = FakeEngine("tlc", log=tmp_path / "tlc"), FakeEngine("z3", method="bmc", log=tmp_path / "z3")
    check(monkeypatch, factories(tlc=tlc, z3=z3), "--depth", "7", "--timeout", "9")
    assert tlc.calls[0].diameter is None
    assert z3.calls[0] == EngineOptions(depth=7, timeout=9.0, workers=z3.calls[0].workers, diameter=4)


def test_engine_choice_runs_only_that_engine(monkeypatch, tmp_path):
    tlc, z3 = FakeEngine("tlc", log=tmp_path / "tlc"), FakeEngine("z3", log=tmp_path / "z3")
    check(monkeypatch, factories(tlc=tlc, z3=z3), "--engine", "z3", *props("TypeOK"))
    assert (len(tlc.calls), len(z3.calls)) == (0, 1)
    assert z3.calls[0].diameter is None


def test_specs_run_in_worker_processes_and_share_the_workers(monkeypatch, tmp_path):
    tlc = FakeEngine("tlc", log=tmp_path / "tlc")
    systems = [lost_update(), replace(lost_update(), name="lost_update_2")]
    only_tlc = ("--engine", "tlc", *props("TypeOK"))
    check(monkeypatch, factories(tlc=tlc), *only_tlc, "--workers", "2", systems=systems)
    assert [o.workers for o in tlc.calls] == [1, 1]
    assert len(set(tlc.pids)) == 2 and os.getpid() not in tlc.pids  # a process per spec
    check(monkeypatch, factories(tlc=tlc), *only_tlc, "--workers", "4")
    assert tlc.calls[-1].workers == 4


def test_the_costliest_spec_starts_first_and_the_report_keeps_the_spec_order(tmp_path):
    small = replace(lost_update(), name="small")
    big = replace(lost_update(), name="big")
    selected = [(small, small.properties[:1]), (big, big.properties)]  # big checks five properties
    assert driver.estimated_cost(*selected[1]) > driver.estimated_cost(*selected[0])
    tlc = FakeEngine("tlc", log=tmp_path / "tlc")
    run = driver.check_systems(selected, ["tlc"], factories(tlc=tlc), EngineOptions(workers=1))
    assert [json.loads(line)["spec"] for line in (tmp_path / "tlc").read_text().splitlines()] == [
        "big",
        "small",
    ]
    assert [s.system.name for s in run.specs] == ["small", "big"]


def test_results_are_in_property_then_engine_order(monkeypatch):
    engines = both(z3={"Terminates": "holds"})
    selected = check_command.select_properties([lost_update()], [])
    run = driver.check_systems(selected, ["tlc", "z3"], engines, EngineOptions(workers=1))
    order = [(j.result.property, j.result.engine) for j in run.specs[0].judged]
    names = [p.name for p in lost_update().properties]
    assert order == [(p, e) for p in names for e in ("tlc", "z3")]
    assert run.engines == ("tlc", "z3") and [n for n, _ in run.engine_seconds] == ["tlc", "z3"]


def test_messages_are_one_line(monkeypatch):
    engines = factories(tlc=FakeEngine("tlc", verdicts={"TypeOK": "unknown"}))
    selected = check_command.select_properties([lost_update()], ["TypeOK"])
    run = driver.check_systems(selected, ["tlc"], engines, EngineOptions(workers=1))
    assert run.specs[0].judged[0].result.message == "forced unknown second line"


# ---------------------------------------------------------------------------
# Input and output


def test_unknown_property_exits_2_listing_the_properties(monkeypatch, capsys):
    assert check(monkeypatch, both(), "--property", "Finall") == 2
    err = capsys.readouterr().err
    assert "unknown property Finall (did you mean Final?)" in err
    assert "TypeOK, Final, DeadlockFree, BothRead, Terminates" in err


def test_a_property_is_checked_only_in_the_specs_that_declare_it():
    other = replace(lost_update(), name="other", properties=lost_update().properties[:1])
    selected = check_command.select_properties([lost_update(), other], ["Final"])
    assert [(s.name, [p.name for p in ps]) for s, ps in selected] == [("lost_update", ["Final"])]


def test_bad_input_exits_2_with_the_loader_message(monkeypatch, capsys):
    def broken(paths, overrides, *rest):
        raise check_command.BadInput("specs/x.sw:3:5: error: unknown name pte")

    monkeypatch.setattr(check_command, "load_systems", broken)
    args = build_parser().parse_args(["check", "specs/x.sw"])
    assert check_command.run_check(args, {}, engines=both()) == 2
    assert capsys.readouterr().err == "specs/x.sw:3:5: error: unknown name pte\n"


def test_spec_errors_from_the_loader_are_all_rendered(tmp_path):
    pytest.importorskip("specdsl.lang.loader")
    (tmp_path / "a.sw").write_text("process p {\n  s:\n    x := nope\n}\n")
    (tmp_path / "b.sw").write_text("process q {\n  s:\n    y := 1 +\n}\n")
    with pytest.raises(check_command.BadInput) as info:
        check_command.load_systems([str(tmp_path)], {})
    message = str(info.value)
    assert "a.sw:3:" in message and "b.sw:" in message


def test_output_into_a_missing_directory_exits_2(monkeypatch, tmp_path, capsys):
    assert check(monkeypatch, both(), "--output", str(tmp_path / "no" / "report.json")) == 2
    assert "no such directory" in capsys.readouterr().err


def test_output_to_a_directory_exits_2_before_checking(monkeypatch, tmp_path, capsys):
    tlc = FakeEngine("tlc", log=tmp_path / "log")
    assert check(monkeypatch, factories(tlc=tlc), "--engine", "tlc", "--output", str(tmp_path)) == 2
    assert "is a directory" in capsys.readouterr().err and not tlc.calls


def test_output_through_a_symlink_writes_its_target(monkeypatch, tmp_path):
    (tmp_path / "link.json").symlink_to("report.json")
    check(monkeypatch, both(), *props("Final"), "--format", "json", "--output", str(tmp_path / "link.json"))
    assert (tmp_path / "link.json").is_symlink()
    assert json.loads((tmp_path / "report.json").read_text())["specs"][0]["name"] == "lost_update"


def test_output_file_is_written_and_stdout_stays_empty(monkeypatch, tmp_path, capsys):
    report = tmp_path / "report.json"
    code = check(monkeypatch, both(z3={"Terminates": "holds"}), "--format", "json", "--output", str(report))
    assert code == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert json.loads(report.read_text())["specs"][0]["name"] == "lost_update"
    assert f"report in {report}" in captured.err
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left


def test_itf_traces_are_written_next_to_the_report(monkeypatch, tmp_path, capsys):
    report = tmp_path / "report.xml"
    options = ("--format", "junit", "--output", str(report), "--trace", "itf")
    check(monkeypatch, both(), *props("Final", "BothRead"), *options)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "lost_update.BothRead.tlc.itf.json",
        "lost_update.BothRead.z3.itf.json",
        "lost_update.Final.tlc.itf.json",
        "lost_update.Final.z3.itf.json",
        "report.xml",
    ]
    assert f"wrote 4 ITF trace(s) to {tmp_path}" in capsys.readouterr().err


def test_trace_none_prints_no_diagram(monkeypatch, capsys):
    check(monkeypatch, both(), *props("Final"), "--trace", "none")
    assert "a 4-step trace" not in capsys.readouterr().out


def test_an_interrupted_run_keeps_what_finished_and_stops_the_rest(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the run's directory goes
    tlc = FakeEngine("tlc", sleep={"second": 60}, log=tmp_path / "log")
    systems = [replace(lost_update(), name="first"), replace(lost_update(), name="second")]

    def interrupt_once_the_slow_check_runs(spec: str, engine: str) -> None:
        while len(tlc.pids) < 2:  # the second spec's worker is in its check
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    selected = check_command.select_properties(systems, ["Final"])
    options = EngineOptions(workers=2)
    run = driver.check_systems(
        selected, ["tlc"], factories(tlc=tlc), options, interrupt_once_the_slow_check_runs
    )
    assert str(run.interruption) == "interrupted (SIGINT): 1 of 2 jobs done" and run.exit_code == 130
    assert [s.system.name for s in run.specs] == ["first"]
    assert [j.result.verdict for j in run.specs[0].judged] == ["violated"]
    [slow] = [entry["pid"] for entry in tlc.logged() if entry["spec"] == "second"]
    assert _gone(slow)
    assert not list(tmp_path.glob("specdsl-*"))


def _gone(pid: int) -> bool:
    """No such process (or a zombie nobody reaps)."""
    try:
        return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
