"""Lassos judged by the IR semantics: temporal formulas evaluated on them, and their fairness."""

from __future__ import annotations

from pathlib import Path

import pytest
from ir_examples import lost_update
from oracle import explore

from specdsl.behaviour import holds_on_lasso, starved
from specdsl.interp import State, initial_states, successors
from specdsl.ir import Always, Binary, Eventually, IntType, LeadsTo, Lit, System, TAnd, TNot, TOr, TState, Var
from specdsl.lang.loader import load_system
from specdsl.trace import Trace, TraceStep, build_trace

N = IntType(0, 3)
DATA = Path(__file__).parent / "data"


def states(*xs: int) -> list[State]:
    return [State(("x",), (x,)) for x in xs]


def x_is(n: int) -> TState:
    return TState(Binary("eq", Var("x"), Lit(n, N)))


@pytest.mark.parametrize(
    ("formula", "xs", "loop", "expected"),
    [
        (Eventually(x_is(2)), (0, 1, 2), 2, True),
        (Eventually(x_is(3)), (0, 1, 2), 1, False),
        (Always(Eventually(x_is(0))), (0, 1, 2), 1, False),  # 0 is only in the prefix
        (Always(Eventually(x_is(1))), (0, 1, 2), 1, True),
        (Eventually(Always(x_is(2))), (0, 1, 2), 2, True),  # stutters in 2 forever
        (Eventually(Always(x_is(2))), (0, 1, 2), 1, False),
        (LeadsTo(x_is(1), x_is(0)), (0, 1, 2), 1, False),
        (LeadsTo(x_is(0), x_is(2)), (0, 1, 2), 1, True),
        (TAnd((Eventually(x_is(1)), TNot(Eventually(x_is(3))))), (0, 1), 0, True),
        (TOr((Always(x_is(0)), Eventually(x_is(1)))), (0, 2), 0, False),
        (TOr((Always(x_is(0)), Eventually(x_is(1)))), (0, 0), 0, True),
        (x_is(0), (0, 1), 1, True),  # a state predicate speaks of the first state
    ],
)
def test_formulas_on_lassos(formula, xs, loop, expected):
    assert holds_on_lasso(formula, states(*xs), loop) is expected


def _stutter_at(system: System, state: State) -> Trace:
    """The lasso that reaches `state` and stays there forever."""
    path = explore(system).path_to(state)
    return build_trace(system, path, system.models[0], loop_start=len(path) - 1)


@pytest.mark.parametrize("fairness", ["weak", "strong"])
def test_a_loop_that_starves_an_enabled_fair_process_is_unfair(fairness: str) -> None:
    system = lost_update(fairness)
    init = next(initial_states(system))
    assert starved(system, system.models[0], _stutter_at(system, init)) == (
        f"inc[1] is {fairness}ly fair and enabled in the loop, yet takes no step in it"
    )


def test_stuttering_once_every_process_is_done_is_fair() -> None:
    system = lost_update()
    graph = explore(system)
    final = next(s for s in graph.parent if not successors(system, s))
    assert starved(system, system.models[0], _stutter_at(system, final)) == ""


def test_without_fairness_any_loop_is_fair() -> None:
    system = lost_update("none")
    assert starved(system, system.models[0], _stutter_at(system, next(initial_states(system)))) == ""


def test_a_step_that_changes_nothing_does_not_count_for_fairness() -> None:
    """`p` keeps taking its no-op branch while its other branch, which sets x, is enabled."""
    system = load_system(DATA / "noop_step.sw")
    init = next(initial_states(system))
    noop = next(ga for ga, nxt in successors(system, init) if nxt == init)
    trace = Trace((TraceStep(0, init, None),), loop_start=0, closing_step=noop)
    assert starved(system, system.models[0], trace) == (
        "p is weakly fair and enabled in the loop, yet takes no step in it"
    )
