"""The JSON report against its contract (architecture.md, "JSON report")."""

from __future__ import annotations

import json
import signal
from dataclasses import replace

from driver_fakes import FakeEngine, run_matrix
from ir_examples import lost_update

from specdsl.ir import Span, StateVar
from specdsl.report.json import render
from specdsl.verdicts import Interruption

RESULT_FIELDS = {
    "property": str, "kind": str, "engine": str, "method": str, "verdict": str, "bound": (int, type(None)),
    "expected": (str, type(None)), "states": (int, type(None)), "seconds": (int, float), "message": str,
    "trace": (dict, type(None)),
}  # fmt: skip


def spanned():
    """lost_update as if written in specs/lost.sw (actions and variables with lines)."""
    system = lost_update()
    file = "specs/lost.sw"
    actions = tuple(replace(a, span=Span(file, 10 + i, 3)) for i, a in enumerate(system.actions))
    variables = tuple(replace(v, span=Span(file, 3 + i, 1)) for i, v in enumerate(system.variables))
    return replace(system, file=file, params=(("THREADS", 2),), actions=actions, variables=variables)


def report() -> dict:
    text = render(run_matrix([spanned()], tlc=FakeEngine("tlc"), z3=FakeEngine("z3", method="bmc", bound=12)))
    return json.loads(text)


def test_top_level_and_spec_fields():
    doc = report()
    assert set(doc) == {"specdsl_version", "incomplete", "specs"} and doc["specdsl_version"] == "0.1.0"
    assert doc["incomplete"] is False
    [spec] = doc["specs"]
    assert set(spec) == {"name", "file", "params", "results"}
    assert (spec["name"], spec["file"], spec["params"]) == ("lost_update", "specs/lost.sw", {"THREADS": 2})


def test_every_result_has_exactly_the_contract_fields_and_types():
    results = report()["specs"][0]["results"]
    assert len(results) == 10
    for r in results:
        assert set(r) == set(RESULT_FIELDS)
        for name, kind in RESULT_FIELDS.items():
            assert isinstance(r[name], kind), (name, r[name])
        assert r["kind"] in {"invariant", "temporal", "deadlock", "witness"}
        assert r["engine"] in {"tlc", "z3"}
        assert r["method"] in {"explicit", "bmc", "k-induction", "strengthening", "pdr", "lasso", "l2s"}
        assert r["verdict"] in {"holds", "violated", "reached", "unreachable", "unknown", "error"}
        assert r["expected"] in {"holds", "violated", None}


def test_verdicts_bounds_and_expectations():
    rows = {(r["property"], r["engine"]): r for r in report()["specs"][0]["results"]}
    assert rows["TypeOK", "tlc"]["bound"] is None and rows["TypeOK", "z3"]["bound"] == 12
    assert rows["TypeOK", "tlc"]["states"] == 13 and rows["TypeOK", "z3"]["states"] is None
    assert rows["Final", "z3"]["verdict"] == "violated" and rows["Final", "z3"]["expected"] == "violated"
    assert rows["TypeOK", "tlc"]["expected"] is None
    assert rows["Terminates", "tlc"]["verdict"] == "unknown" and rows["Terminates", "tlc"]["message"]


def test_a_trace_in_dsl_syntax():
    rows = {(r["property"], r["engine"]): r for r in report()["specs"][0]["results"]}
    trace = rows["Final", "tlc"]["trace"]
    assert trace["loop_start"] is None
    steps = trace["steps"]
    assert [s["index"] for s in steps] == [0, 1, 2, 3, 4]
    for s in steps:
        assert set(s) == {"index", "process", "action", "source", "state"}
        assert all(isinstance(v, str) for v in s["state"].values())
    assert steps[0] == {
        "index": 0,
        "process": None,
        "action": "Init",
        "source": "specs/lost.sw:3",
        "state": {"x": "0", "inc_tmp": "[1 -> 0, 2 -> 0]", "inc_pc": "[1 -> read, 2 -> read]"},
    }
    assert [steps[1][k] for k in ("process", "action", "source")] == ["inc[1]", "read", "specs/lost.sw:10"]
    assert steps[4]["state"]["x"] == "1"


def test_hand_built_ir_has_no_source():
    doc = json.loads(render(run_matrix(names=["Final"], tlc=FakeEngine("tlc"))))
    steps = doc["specs"][0]["results"][0]["trace"]["steps"]
    assert {s["source"] for s in steps} == {None}


def test_a_variable_declared_in_an_imported_file_is_not_init_s_source():
    system = spanned()
    first = replace(system.variables[0], span=Span("specs/common.sw", 1, 1))
    system = replace(system, variables=(first, *system.variables[1:]))
    assert isinstance(first, StateVar)
    doc = json.loads(render(run_matrix([system], ["Final"], tlc=FakeEngine("tlc"))))
    assert doc["specs"][0]["results"][0]["trace"]["steps"][0]["source"] == "specs/lost.sw:4"


def test_an_interrupted_run_is_marked_incomplete():
    run = run_matrix(names=["Final"], tlc=FakeEngine("tlc"))
    doc = json.loads(render(replace(run, interruption=Interruption(signal.SIGINT, 1, 2))))
    assert doc["incomplete"] is True and doc["specs"][0]["results"][0]["verdict"] == "violated"
