"""Renaming shadowing binders (TLA+ forbids reusing a bound name)."""

from __future__ import annotations

import itertools

from specdsl.interp import evaluate
from specdsl.ir import Binary, Index, IntType, MapComp, MapVal, Param, Quant, SetComp, Var
from specdsl.irdump import format_expr
from specdsl.lang.binders import unshadow

T = IntType(0, 1)


def test_nested_binders_of_one_name_are_renamed_without_changing_the_meaning():
    inner = Quant("exists", "s", T, Binary("eq", Param("s"), Param("t")))
    e = Quant("forall", "s", T, Binary("or", Index(Var("m"), Param("s")), inner))
    out = unshadow(e)
    assert format_expr(out) == "forall s in 0..1: m[s] or (exists s_1 in 0..1: s_1 == t)"
    for a, b, t in itertools.product((False, True), (False, True), (0, 1)):
        state = {"m": MapVal(((0, a), (1, b)))}
        assert evaluate(out, state, {"t": t}) == evaluate(e, state, {"t": t})


def test_parameters_count_as_bound_and_fresh_names_avoid_free_names():
    e = Binary(
        "and",
        Binary("eq", Param("s_1"), Param("s")),
        Quant("exists", "s", T, Binary("eq", Param("s"), Param("s_1"))),
    )
    assert format_expr(unshadow(e, ["s"])) == "s_1 == s and (exists s_2 in 0..1: s_2 == s_1)"


def test_every_kind_of_binder():
    e = SetComp("k", T, Binary("in", Param("k"), SetComp("k", T, Param("k"))))
    m = MapComp("k", T, Quant("exists", "k", T, Param("k")))
    assert format_expr(unshadow(m)) == "[k in 0..1 -> exists k_1 in 0..1: k_1]"
    assert format_expr(unshadow(e)) == "{k in 0..1 where k in {k_1 in 0..1 where k_1}}"


def test_no_shadowing_no_change():
    e = Quant("forall", "a", T, Quant("exists", "b", T, Binary("eq", Param("a"), Param("b"))))
    assert unshadow(e) == e
