"""The `z3` engine end to end: verdicts, methods, bounds, traces and timeouts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from ir_examples import lost_update
from oracle import explore, safety_verdict
from random_systems import cells, lock_order, pin_wait
from test_specs import DOMAIN_TABLE, PROPERTIES

from specdsl.engine import EngineOptions
from specdsl.interp import replay
from specdsl.ir import System
from specdsl.loader import load_system
from specdsl.result import Result
from specdsl.smt.engine import Z3Engine

SPECS = Path(__file__).parent.parent / "specs"


def _check(system: System, proofs: bool = True, **options: object) -> dict[str, Result]:
    opts = EngineOptions(**{"depth": 10, "timeout": 30.0, **options})  # type: ignore[arg-type]
    return {r.property: r for r in Z3Engine(proofs).check(system, system.properties, opts)}


def test_lost_update() -> None:
    rows = _check(lost_update())
    final = rows["Final"]
    assert (final.verdict, final.method, final.bound) == ("violated", "bmc", None)
    assert final.trace is not None and final.trace.depth == 4
    assert rows["BothRead"].verdict == "reached" and rows["BothRead"].trace.depth == 2  # type: ignore[union-attr]
    assert rows["TypeOK"].verdict == "holds" and rows["TypeOK"].bound is None
    assert rows["TypeOK"].method in ("k-induction", "pdr")
    terminates = rows["Terminates"]
    assert (terminates.verdict, terminates.method, terminates.bound) == ("holds", "l2s", None)
    assert _check(lost_update(), proofs=False)["Terminates"].bound == 10  # without proofs: the lasso search
    assert all(r.engine == "z3" and r.spec == "lost_update" for r in rows.values())


def test_deadlock_is_found() -> None:
    row = _check(lock_order())["DeadlockFree"]
    assert row.verdict == "violated" and row.trace is not None and row.trace.depth == 2


def test_livelock_under_preemption_is_a_lasso() -> None:
    system = pin_wait(sleeps=False)
    row = _check(system)["OwnerDone"]
    assert (row.verdict, row.method) == ("violated", "lasso")
    assert row.trace is not None and row.trace.loop_start == 2
    replay(system, [s.state for s in row.trace.steps], system.model("RT"), row.trace.loop_start)


def test_complete_depth_makes_bmc_complete() -> None:
    system = cells()
    graph = explore(system)
    rows = _check(system, proofs=False, complete_depth=graph.diameter)
    for name in ("TypeOK", "Consistent", "Counted", "DeadlockFree"):
        assert (rows[name].verdict, rows[name].bound, rows[name].method) == ("holds", None, "bmc")
        assert str(graph.diameter) in rows[name].message


def test_proofs_come_before_a_complete_bmc() -> None:
    system = cells()
    rows = _check(system, complete_depth=explore(system).diameter)
    for name in ("TypeOK", "Consistent", "Counted", "DeadlockFree"):
        assert (rows[name].verdict, rows[name].bound, rows[name].method) == ("holds", None, "k-induction")
        assert "inductive" in rows[name].message


def test_a_proof_carries_its_lemmas_in_the_specs_terms() -> None:
    rows = _check(lost_update())
    lemmas = rows["TypeOK"].lemmas
    assert lemmas and rows["DeadlockFree"].lemmas == lemmas and not rows["Final"].lemmas
    assert f"{len(lemmas)} lemmas" in rows["TypeOK"].message
    assert "not (x == 2 and not inc[1] at done)" in lemmas  # `inc_pc[1]` as the spec writes it


def test_a_violation_beyond_the_bound_is_found_where_strengthening_saw_it() -> None:
    """`Final` fails at depth 4; BMC to depth 2 alone would miss it, but strengthening
    meets a reachable state one step before the violation, so BMC searches that far."""
    row = _check(lost_update(), depth=2)["Final"]
    assert (row.verdict, row.method, row.bound) == ("violated", "bmc", None)
    assert row.trace is not None and row.trace.depth == 4
    assert "beyond --depth 2" in row.message
    assert _check(lost_update(), proofs=False, depth=2)["Final"].verdict == "holds"  # bounded, as asked


def test_tiny_timeout_is_unknown() -> None:
    rows = _check(lost_update(), timeout=1e-9)
    assert rows["Final"].verdict == "unknown" and "timeout" in rows["Final"].message
    assert rows["Terminates"].verdict == "unknown"


def test_values_outside_the_types_are_reported_and_leave_the_rest_unknown() -> None:
    """Z3 does not search past a state outside the types, so what it did not find is unknown."""
    rows = _check(cells(buggy=True), depth=4)
    assert rows["TypeOK"].verdict == "violated"
    assert rows["TypeOK"].trace.steps[-1].state["n"] == -1  # type: ignore[union-attr]
    assert rows["Counted"].verdict == "violated"
    assert rows["Consistent"].verdict == "unknown" and "TypeOK" in rows["Consistent"].message


@pytest.mark.parametrize("spec", ["baseline"])
def test_baseline_race_at_its_shortest_depth(spec: str) -> None:
    system = load_system(SPECS / f"{spec}.sw")
    graph = explore(system)
    opts = EngineOptions(depth=12, timeout=60)
    props = [system.property(n) for n in ("NoStaleMap", "NoLostData", "AbaWindow")]
    rows = {r.property: r for r in Z3Engine(proofs=False).check(system, props, opts)}
    for p in props:
        verdict, depth = safety_verdict(graph, p)
        assert rows[p.name].verdict == verdict
        assert rows[p.name].trace is not None and rows[p.name].trace.depth == depth  # type: ignore[union-attr]


def _summary(rows: list[Result]) -> list[tuple[object, ...]]:
    return [(r.property, r.verdict, r.bound, r.trace.depth if r.trace else None) for r in rows]


def test_parallel_threads_give_the_sequential_results() -> None:
    """Each check has its own Z3 context: checks on parallel threads neither clash
    ("context mismatch", crashes) nor change each other's answers."""
    systems = [lost_update(), pin_wait(False), cells(), lock_order()] * 2
    opts = EngineOptions(depth=6, timeout=30)

    def run(system: System) -> list[tuple[object, ...]]:
        return _summary(Z3Engine(proofs=False).check(system, system.properties, opts))

    sequential = [run(s) for s in systems]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(run, systems))
    assert Z3Engine.thread_safe and parallel == sequential


@pytest.mark.parametrize("name", sorted(DOMAIN_TABLE))
def test_the_domain_table_without_tlc(name: str) -> None:
    """`--engine z3` alone on the eight specs: every safety violation at the oracle's
    shortest depth, every liveness violation as a lasso, every safety cell that holds
    proved, every liveness cell that holds proved by liveness to safety."""
    system = load_system(SPECS / f"{name}.sw")
    rows = _check(system, depth=20, timeout=60)
    graph = explore(system)
    for prop, mark in zip(PROPERTIES, DOMAIN_TABLE[name]):
        row, p = rows[prop], system.property(prop)
        expected = "violated" if mark == "V" else "holds"
        assert row.verdict == expected, (prop, row.message)
        if p.kind == "temporal":
            assert (row.method, row.bound) == (("lasso", None) if mark == "V" else ("l2s", None)), prop
            assert mark != "V" or (row.trace is not None and row.trace.loop_start is not None)
        elif mark == "V":
            assert row.trace is not None and row.trace.depth == safety_verdict(graph, p)[1], prop
        else:
            assert (row.method, row.bound) == ("k-induction", None), (prop, row.message)
