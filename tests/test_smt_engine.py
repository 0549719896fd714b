"""The `z3` engine end to end: verdicts, methods, bounds, traces and timeouts."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Callable
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
from specdsl.lang.loader import load_system
from specdsl.smt import engine as smt_engine
from specdsl.smt.encode import Encoding
from specdsl.smt.engine import Z3Engine
from specdsl.smt.lasso import search
from specdsl.smt.solver import NEVER, Deadline
from specdsl.verdicts import Result

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
    assert rows["TypeOK"].method == "strengthening"
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


def test_a_strengthening_proof_is_not_reported_as_k_induction() -> None:
    """An invariant of learned lemmas (k = 1) is method `strengthening`: `k-induction` is
    kept for a proof by k-induction over the proved facts."""
    typeok = _check(lost_update())["TypeOK"]
    assert (typeok.verdict, typeok.method, typeok.bound) == ("holds", "strengthening", None)
    assert typeok.lemmas and "inductive (k = 1)" in typeok.message


def test_the_diameter_makes_bmc_complete() -> None:
    system = cells()
    graph = explore(system)
    rows = _check(system, proofs=False, diameter=graph.diameter)
    for name in ("TypeOK", "Consistent", "Counted", "DeadlockFree"):
        assert (rows[name].verdict, rows[name].bound, rows[name].method) == ("holds", None, "bmc")
        assert str(graph.diameter) in rows[name].message


def test_proofs_come_before_a_complete_bmc() -> None:
    system = cells()
    rows = _check(system, diameter=explore(system).diameter)
    for name in ("TypeOK", "Consistent", "Counted", "DeadlockFree"):
        assert (rows[name].verdict, rows[name].bound, rows[name].method) == ("holds", None, "strengthening")
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


def test_tiny_timeout_is_unknown_and_names_the_users_timeout_not_a_negative_remainder() -> None:
    """Nothing was established before it passed; the message once read 'timeout after -0.00966s'."""
    rows = _check(lost_update(), timeout=1e-9)
    assert {(r.verdict, r.bound, r.message) for r in rows.values()} == {
        ("unknown", None, "cut by --timeout 1e-09 while encoding the system")
    }


def _ticking() -> Callable[[], float]:
    """A clock that advances one second each time it is read: a deadline of n seconds
    passes after n looks, wherever the run stands, however busy the machine."""
    return itertools.count().__next__


def test_a_run_cut_by_the_timeout_keeps_the_depth_it_covered() -> None:
    system = lost_update()
    opts = EngineOptions(depth=10**6, timeout=200)
    rows = {r.property: r for r in Z3Engine(False, clock=_ticking()).check(system, system.properties, opts)}
    cut = rows["TypeOK"]
    assert cut.verdict == "holds" and cut.bound is not None and 0 < cut.bound < 10**6, cut.message
    assert cut.message.endswith(f"; cut by --timeout 200 at depth {cut.bound + 1}")
    p = system.property("TypeOK")
    uncut = Z3Engine(proofs=False).check(system, [p], EngineOptions(depth=cut.bound, timeout=60))[0]
    assert (uncut.verdict, uncut.method, uncut.bound) == (cut.verdict, cut.method, cut.bound)


def test_a_lasso_search_cut_by_the_timeout_keeps_the_depth_it_covered() -> None:
    """(The engine proves `Terminates` by liveness to safety, so the search is asked directly.)"""
    system = lost_update()
    enc, p = Encoding(system), system.property("Terminates")
    assert p.formula is not None
    formulas = [(p.name, p.formula)]
    cut = search(enc, system.model(p.model), formulas, 10**6, Deadline.after(200, _ticking()))[p.name]
    assert cut.status == "stopped" and 1 < cut.depth < 10**6
    whole = search(enc, system.model(p.model), formulas, cut.depth - 1, NEVER)[p.name]
    assert (whole.status, whole.depth) == ("clear", cut.depth - 1)


def _without_timings(rows: list[Result]) -> list[Result]:
    return [r.with_(seconds=0.0) for r in rows]


def test_a_work_budget_that_suffices_decides_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The strengthening of baseline spends about 1.2 million units: under a budget twice
    or a hundred times that, every verdict, method, bound, lemma, message and trace of its
    safety properties is the same; under one that does not suffice, the proofs give up and
    say why."""
    system = load_system(SPECS / "baseline.sw")
    props = [p for p in system.properties if p.kind != "temporal"]
    opts = EngineOptions(depth=10, timeout=600)

    def run(work: int) -> list[Result]:
        monkeypatch.setattr(smt_engine, "STRENGTHEN_WORK", work)
        return _without_timings(Z3Engine().check(system, props, opts))

    ample = run(120_000_000)
    proved = {r.property for r in ample if r.method == "strengthening" and r.lemmas}
    assert proved == {"TypeOK", "CountSane", "NoLeak", "BoundedRetries", "DeadlockFree"}
    assert {r.property for r in ample if r.trace} == {"NoStaleMap", "NoLostData", "AbaWindow"}
    assert run(2_400_000) == ample
    monkeypatch.setattr(smt_engine, "PROOF_WORK", 100_000)  # k-induction and PDR, tried next
    short = {r.property: r for r in run(100_000)}
    assert (short["TypeOK"].verdict, short["TypeOK"].method, short["TypeOK"].bound) == ("holds", "bmc", 10)
    assert "strengthening: work budget spent (100,000 Z3 resource units)" in short["TypeOK"].message


@pytest.mark.slow
def test_results_are_the_same_idle_and_beside_a_busy_loop() -> None:
    """pte_marker, every property: the same verdicts, methods, bounds, lemmas, messages and
    traces whether the machine is idle or a busy loop competes for the CPU (four runs of
    its BoundedRetries under load once gave four different traces)."""
    system = load_system(SPECS / "pte_marker.sw")
    opts = EngineOptions(depth=14, timeout=600)

    def run() -> list[Result]:
        return _without_timings(Z3Engine().check(system, system.properties, opts))

    idle = run()
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        loaded = run()
    finally:
        busy.kill()
        busy.wait()
    assert loaded == idle
    assert all(r.verdict in ("holds", "violated", "reached") for r in idle)


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
            assert (row.method, row.bound) == ("strengthening", None), (prop, row.message)
