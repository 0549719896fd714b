"""The eight swap-in specs: they load, they record the domain table's verdicts,
and an exhaustive search with the interpreter confirms their safety verdicts
and reaches every witness (so no verdict is vacuous)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from oracle import StateGraph, explore, safety_verdict

from specdsl.loader import find_specs, load_system

SPECS = Path(__file__).parent.parent / "specs"

# ../shared/domain/swapin-race.md, "Verdicts the history supports" (V = violated).
PROPERTIES = (
    "NoStaleMap", "CountSane", "NoLostData", "NoLeak", "FaultCompletes", "FaultCompletesRT", "BoundedRetries",
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
    """T0 reads the slot, T1 maps and frees it, the user writes, reclaim reuses the
    slot, T0's pte_same() passes and it maps its stale page."""
    g = graph("baseline")
    verdict, depth = safety_verdict(g, g.system.property("NoStaleMap"))
    assert verdict == "violated"
    bad = g.first(lambda s: not _holds(g, "NoStaleMap", s))
    labels = [g.parent[s][1].action.label for s in g.path_to(bad)[1:]]
    assert labels.index("swap_out") > labels.index("write") > labels.index("map")
    assert labels[-1] == "map"
    assert safety_verdict(g, g.system.property("NoLostData")) == ("violated", depth)


@pytest.mark.parametrize("name", ["baseline", "prepare_timeout", "pte_marker_locked"])
def test_two_slot_configuration_keeps_the_safety_verdicts(name):
    g = graph(name, slots=2)
    for prop in g.system.properties:
        if prop.kind == "invariant":
            assert safety_verdict(g, prop)[0] == (g.system.expected(prop.name) or "holds"), prop.name


def _holds(g: StateGraph, prop: str, state) -> bool:
    from specdsl.interp import evaluate

    return bool(evaluate(g.system.property(prop).expr, state))
