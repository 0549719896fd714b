"""Temporal formulas evaluated on lassos (used to attribute TLC's liveness counterexamples)."""

from __future__ import annotations

import pytest

from specdsl.interp import State
from specdsl.ir import Always, Binary, Eventually, IntType, LeadsTo, Lit, TAnd, TNot, TOr, TState, Var
from specdsl.tla.ltl import holds_on_lasso

N = IntType(0, 3)


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
