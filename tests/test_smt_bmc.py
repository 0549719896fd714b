"""Incremental BMC finds the shortest path to each goal, as a breadth-first search does."""

from __future__ import annotations

import itertools

import pytest
import z3
from ir_examples import lost_update
from oracle import explore, safety_verdict
from random_systems import cells, lock_order, pin_wait

from specdsl.interp import replay
from specdsl.ir import Property, System
from specdsl.smt.bmc import Goal, bmc
from specdsl.smt.encode import Encoding
from specdsl.smt.solver import NEVER, Deadline

SYSTEMS = [lost_update(), lock_order(), pin_wait(False), cells()]


def _goal(enc: Encoding, p: Property) -> Goal:
    if p.kind == "deadlock":
        return Goal(p.name, enc.deadlock(p.expr))
    good = enc.pred(p.expr)  # type: ignore[arg-type]
    return Goal(p.name, good if p.kind == "witness" else z3.Not(good))


@pytest.mark.parametrize("reduce", [True, False])
@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: s.name)
def test_shortest_paths_match_breadth_first_search(system: System, reduce: bool) -> None:
    """With or without partial-order reduction, the first depth a goal is reached at is its shortest."""
    enc = Encoding(system)
    props = [p for p in system.properties if p.kind != "temporal"]
    run = bmc(enc, [_goal(enc, p) for p in props], depth=8, deadline=NEVER, reduce=reduce)
    graph = explore(system)
    for p in props:
        verdict, depth = safety_verdict(graph, p)
        r = run.results[p.name]
        if verdict in ("violated", "reached"):
            assert r.status == "reached" and r.depth == depth, p.name
            replay(system, r.states)  # raises if the path does not follow the semantics
            assert len(r.states) == depth + 1  # type: ignore[operator]
        else:
            assert r.status == "clear" and r.depth == 8, p.name


def test_push_pop_gives_the_same_answers() -> None:
    system = lost_update()
    enc = Encoding(system)
    goals = [_goal(enc, p) for p in system.properties if p.kind != "temporal"]
    a = bmc(enc, goals, depth=6, deadline=NEVER, incremental="assumptions")
    b = bmc(enc, goals, depth=6, deadline=NEVER, incremental="pushpop")
    assert {n: (r.status, r.depth) for n, r in a.results.items()} == {
        n: (r.status, r.depth) for n, r in b.results.items()
    }


def test_value_outside_its_type_is_found() -> None:
    system = cells(buggy=True)
    enc = Encoding(system)
    run = bmc(enc, [_goal(enc, system.property("TypeOK"))], depth=4, deadline=NEVER)
    r = run.results["TypeOK"]
    assert r.status == "reached" and r.depth == 1
    assert r.states[-1]["n"] == -1


def test_every_depth_is_timed() -> None:
    system = lost_update()
    enc = Encoding(system)
    run = bmc(enc, [_goal(enc, system.property("TypeOK"))], depth=5, deadline=NEVER)
    assert len(run.depth_seconds) == 6


def test_a_passed_deadline_stops_the_search_before_depth_0() -> None:
    system = lost_update()
    enc = Encoding(system)
    run = bmc(enc, [_goal(enc, system.property("Final"))], depth=6, deadline=Deadline.after(0))
    r = run.results["Final"]
    assert (r.status, r.depth, r.message) == ("stopped", 0, "cut by --timeout 0")


def test_a_deep_bound_stops_at_the_deadline_instead_of_unrolling_every_step() -> None:
    """`--depth 100000` once built 100000 copies of the step (59 s, 1.1 GB) past a 5 s timeout."""
    system = lost_update()
    enc = Encoding(system)
    deadline = Deadline.after(30, itertools.count().__next__)  # passes after 30 looks at the clock
    run = bmc(enc, [_goal(enc, system.property("TypeOK"))], depth=10**6, deadline=deadline)
    r = run.results["TypeOK"]
    assert (r.status, r.message) == ("stopped", "cut by --timeout 30")
    assert 0 < r.depth < 30 and len(run.depth_seconds) <= r.depth + 1
