"""Temporal properties as TLC checks them: constant folding and the split into
initial predicates, `[]S` invariants and the rest (`specdsl.tla.temporal`)."""

from __future__ import annotations

import itertools

import pytest

from specdsl.behaviour import holds_on_lasso
from specdsl.interp import State
from specdsl.ir import (
    FALSE,
    TRUE,
    Always,
    Binary,
    Eventually,
    IntType,
    LeadsTo,
    Lit,
    TAnd,
    TNot,
    TOr,
    TState,
    Var,
)
from specdsl.tla.temporal import Parts, fold, split

X = IntType(0, 2)
P = TState(Binary("eq", Var("x"), Lit(1, X)))
Q = TState(Binary("eq", Var("x"), Lit(2, X)))
T, F = TState(TRUE), TState(FALSE)


@pytest.mark.parametrize(
    ("formula", "folded"),
    [
        (Eventually(T), True),
        (Always(F), False),
        (TNot(Eventually(F)), True),
        (LeadsTo(F, P), True),
        (LeadsTo(P, T), True),
        (LeadsTo(T, P), Always(Eventually(P))),
        (LeadsTo(P, F), Always(TNot(P))),
        (TAnd((Eventually(T), Eventually(P))), Eventually(P)),
        (TOr((Eventually(T), Eventually(P))), True),
        (TAnd((Always(P), TAnd((Eventually(Q), Eventually(T))))), TAnd((Always(P), Eventually(Q)))),
        (TOr((F, Always(F))), False),
        (LeadsTo(P, Q), LeadsTo(P, Q)),
        (TState(Binary("lt", Lit(1, X), Lit(2, X))), True),
    ],
)
def test_fold(formula, folded):
    assert fold(formula) == folded


def lassos():
    """Every lasso of x-values of length <= 3 (a state is the value of x)."""
    for n in (1, 2, 3):
        for values in itertools.product(range(3), repeat=n):
            for loop in range(n):
                yield [State(("x",), (v,)) for v in values], loop


FORMULAS = [
    Eventually(T),
    LeadsTo(T, P),
    LeadsTo(P, F),
    TAnd((Eventually(T), LeadsTo(P, Q))),
    TOr((Always(F), Eventually(Always(Q)))),
    TNot(TAnd((T, Always(P)))),
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_folding_keeps_the_meaning_on_every_small_lasso(formula):
    folded = fold(formula)
    for states, loop in lassos():
        expected = holds_on_lasso(formula, states, loop)
        assert (folded if isinstance(folded, bool) else holds_on_lasso(folded, states, loop)) == expected


def test_split_follows_tlc_top_level_conjuncts():
    formula = TAnd((P, Always(TOr((P, TNot(Q)))), TAnd((Eventually(Q), Always(Q))), Always(Eventually(P))))
    assert split(formula) == Parts(
        initially=(P,), always=(TOr((P, TNot(Q))), Q), live=(Eventually(Q), Always(Eventually(P)))
    )


def test_split_leaves_a_disjunction_and_a_box_of_a_temporal_formula_to_the_liveness_checker():
    assert split(TOr((Always(P), Eventually(Q)))) == Parts(live=(TOr((Always(P), Eventually(Q))),))
    assert split(Always(Always(P))) == Parts(live=(Always(Always(P)),))
    assert split(Always(P)) == Parts(always=(P,))


def test_split_of_a_constant():
    assert split(True) == Parts()
    assert split(False) == Parts(initially=(F,))
