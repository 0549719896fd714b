"""The eight swap-in specs: they load, they record the domain table's verdicts,
and an exhaustive search with the interpreter confirms their safety verdicts
and reaches every witness (so no verdict is vacuous).  And a neighbour of the
eight, written over the same world without touching specdsl/."""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path

import pytest
from oracle import StateGraph, explore, safety_verdict

from specdsl.cli import main
from specdsl.ir import Tag
from specdsl.lang.loader import find_specs, load_system

SPECS = Path(__file__).parent.parent / "specs"

# ../shared/domain/swapin-race.md, "Verdicts the history supports" (V = violated).
PROPERTIES = (
    "NoStaleMap",
    "CountSane",
    "NoLostData",
    "NoLeak",
    "FaultCompletes",
    "FaultCompletesRT",
    "BoundedRetries",
)
DOMAIN_TABLE = {
    "baseline": "V.V....",
    "prepare_retry": ".....VV",
    "prepare_schedule": ".....VV",
    "prepare_timeout": "......V",
    "prepare_waitqueue": "......V",
    "pte_marker": ".....VV",
    "pte_marker_locked": ".......",
    "always_swapcache": ".......",
}


@cache
def graph(name: str, slots: int = 1) -> StateGraph:
    return explore(load_system(SPECS / f"{name}.sw", {"SLOTS": slots}))


def test_the_spec_directory_holds_exactly_the_eight_protocols():
    assert sorted(p.stem for p in find_specs([str(SPECS)])) == sorted(DOMAIN_TABLE)


@pytest.mark.parametrize("name", sorted(DOMAIN_TABLE))
def test_expect_clauses_record_the_domain_table(name):
    system = load_system(SPECS / f"{name}.sw")
    for prop, mark in zip(PROPERTIES, DOMAIN_TABLE[name]):
        assert (system.expected(prop) or "holds") == ("violated" if mark == "V" else "holds"), prop


@pytest.mark.parametrize("name", sorted(DOMAIN_TABLE))
def test_safety_verdicts_match_the_expectations(name):
    g = graph(name)
    for prop in g.system.properties:
        if prop.kind in ("invariant", "deadlock"):
            verdict, depth = safety_verdict(g, prop)
            assert verdict == (g.system.expected(prop.name) or "holds"), (prop.name, depth)


@pytest.mark.parametrize("name", sorted(DOMAIN_TABLE))
def test_every_witness_is_reachable(name):
    g = graph(name)
    witnesses = [p for p in g.system.properties if p.kind == "witness"]
    assert any(p.name == "AbaWindow" for p in witnesses)
    for prop in witnesses:
        assert safety_verdict(g, prop)[0] == "reached", prop.name


def test_baseline_race_is_the_one_from_the_commit_message():
    """The shortest race: T0 reads the slot after T1's swap_free() (zram returns
    junk), reclaim reuses the slot, T0's pte_same() passes and it maps junk."""
    g = graph("baseline")
    verdict, depth = safety_verdict(g, g.system.property("NoStaleMap"))
    assert verdict == "violated"
    bad = g.first(lambda s: not _holds(g, "NoStaleMap", s))
    steps = [g.parent[s][1] for s in g.path_to(bad)[1:]]
    labels = [ga.action.label for ga in steps]
    assert labels[-1] == "map" and "swap_out" in labels
    first_map = labels.index("map")
    assert steps[first_map].instance != steps[-1].instance
    assert first_map < labels.index("swap_out")
    assert safety_verdict(g, g.system.property("NoLostData")) == ("violated", depth)


def test_baseline_also_maps_an_old_version_after_a_user_write():
    """The first trace of the commit message: T0 read the slot before it was freed,
    the user wrote to T1's page, reclaim reused the slot; T0 maps the old content."""
    g = graph("baseline")
    old = g.first(
        lambda s: any(s["pte"] == Tag("Present", f) and s["frame_data"].get(f) < s["latest"] for f in (1, 2))
    )
    assert old is not None
    labels = [g.parent[s][1].action.label for s in g.path_to(old)[1:]]
    assert labels.index("write") < labels.index("swap_out") < len(labels) - 1


@pytest.mark.parametrize("name", ["baseline", "prepare_timeout", "pte_marker_locked"])
def test_two_slot_configuration_keeps_the_safety_verdicts(name):
    g = graph(name, slots=2)
    for prop in g.system.properties:
        if prop.kind == "invariant":
            assert safety_verdict(g, prop)[0] == (g.system.expected(prop.name) or "holds"), prop.name


def _holds(g: StateGraph, prop: str, state) -> bool:
    from specdsl.interp import evaluate

    return bool(evaluate(g.system.property(prop).expr, state))


def test_the_rt_verdict_of_prepare_timeout_rests_on_the_sleep_handing_over_the_cpu():
    """Under `fault[2] preempts fault[1]` the preempted thread is strongly fair: a
    thread that sleeps infinitely often hands the CPU over infinitely often. With
    only weak fairness the timer may fire every time before T1 steps, and the
    livelock of prepare_schedule returns (the domain notes' warning)."""
    from dataclasses import replace

    from specdsl.engine import EngineOptions
    from specdsl.ir import FairnessRule
    from specdsl.tla.engine import TlcEngine

    system = load_system(SPECS / "prepare_timeout.sw")
    prop = system.property("FaultCompletesRT")
    rt = system.model("RT")
    assert FairnessRule("fault", 1, "strong") in rt.fairness
    weak_rt = replace(rt, fairness=tuple(r for r in rt.fairness if r.kind != "strong"))
    weakened = replace(system, models=tuple(weak_rt if m.name == "RT" else m for m in system.models))
    (strong,) = TlcEngine().check(system, [prop], EngineOptions(workers=1))
    (weak,) = TlcEngine().check(weakened, [prop], EngineOptions(workers=1))
    assert strong.verdict == "holds"
    assert weak.verdict == "violated" and weak.trace is not None and weak.trace.loop_start is not None


@pytest.mark.skipif(shutil.which("java") is None, reason="TLC needs Java")
@pytest.mark.parametrize("slots", [1, 2])
def test_a_neighbour_written_without_touching_specdsl_holds_in_both_engines(slots, capsys):
    """The temporary-extra-count idea (tests/data/neighbours/extra_count.sw) over the same
    world: every property holds and the race window is reached, in TLC and Z3 alike."""
    spec = Path(__file__).parent / "data" / "neighbours" / "extra_count.sw"
    overrides = ["--set", f"SLOTS={slots}", "--set", "EXTRA_REFS=1"]
    code = main(["check", str(spec), *overrides, "--allow-import-outside", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    results = report["specs"][0]["results"]
    assert code == 0, [r for r in results if r["verdict"] not in ("holds", "reached")]
    assert {r["engine"] for r in results} == {"tlc", "z3"}
    assert {(r["property"], r["verdict"]) for r in results if r["kind"] == "witness"} == {
        ("AbaWindow", "reached")
    }
