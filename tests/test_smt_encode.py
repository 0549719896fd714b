"""The Z3 encoding agrees with the interpreter: guards, successors, properties, arithmetic."""

from __future__ import annotations

import pytest
import z3
from ir_examples import lost_update
from oracle import explore
from random_systems import cells, lock_order, pin_wait

from specdsl.interp import State, apply, evaluate, is_enabled
from specdsl.ir import Binary, IntType, Lit, System, Unary, Var
from specdsl.smt.encode import Encoding, Unrolling
from specdsl.smt.expr import Evaluator
from specdsl.smt.sym import SInt, Terms, bits_for, const, flatten

SYSTEMS = [lost_update(), lock_order(), pin_wait(False), cells()]


def _fix(enc: Encoding, u: Unrolling, i: int, state: State) -> list[z3.BoolRef]:
    """Constraints fixing state i of the unrolling to `state`."""
    out = []
    for v in enc.system.variables:
        want = flatten(enc.tm, v.type, const(enc.tm, v.type, state[v.name]))
        have = flatten(enc.tm, v.type, u.view(i)[v.name])
        for w, h in zip(want, have):
            if isinstance(h, SInt):
                out.append(h.term == enc.tm.at_width(w, h.term.size()) if enc.tm.bv else h.term == w.term)
            else:
                out.append(h == w)
    return out


@pytest.mark.parametrize("bv", [True, False])
@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: s.name)
def test_steps_match_the_interpreter(system: System, bv: bool) -> None:
    """From every reachable state, each ground action is enabled in Z3 iff the
    interpreter says so, and its Z3 successor is the interpreter's."""
    enc = Encoding(system, bv=bv)
    u = Unrolling(enc)
    step = u.at(enc.trans(), 0)
    for state in list(explore(system).parent)[:60]:
        solver = z3.Solver(ctx=enc.ctx)
        solver.add(_fix(enc, u, 0, state))
        for i, ga in enumerate(enc.ground):
            solver.push()
            solver.add(step, u.sel(0) == i)
            answer = solver.check()
            assert (answer == z3.sat) == is_enabled(ga, state), (state, ga)
            if answer == z3.sat:
                assert u.decode(solver.model(), 1) == apply(ga, state)
            solver.pop()


@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: s.name)
def test_properties_match_the_interpreter(system: System) -> None:
    enc = Encoding(system)
    u = Unrolling(enc)
    props = [p for p in system.properties if p.expr is not None]
    for state in list(explore(system).parent)[:60]:
        solver = z3.Solver(ctx=enc.ctx)
        solver.add(_fix(enc, u, 0, state))
        assert solver.check() == z3.sat
        m = solver.model()
        for p in props:
            got = z3.is_true(m.eval(u.at(enc.pred(p.expr), 0), model_completion=True))  # type: ignore[arg-type]
            assert got == evaluate(p.expr, state), (p.name, state)  # type: ignore[arg-type]


def test_stored_range_covers_values_outside_the_type() -> None:
    """A count that an update can take to -1 is stored wide enough to show it."""
    enc = Encoding(cells(buggy=True))
    leaf = next(x for x in enc.leaves if x.spec.name == "n")
    assert (leaf.spec.lo, leaf.spec.hi) == (0, 2)
    assert leaf.lo == -1 and leaf.hi == 3


def test_bits_for_signed_ranges() -> None:
    assert bits_for(0, 1) == 2
    assert bits_for(-1, 0) == 1
    assert bits_for(-4, 3) == 3
    assert bits_for(0, 4) == 4


@pytest.mark.parametrize("bv", [True, False])
@pytest.mark.parametrize("op", ["div", "mod", "add", "sub", "mul"])
def test_arithmetic_is_exact_and_rounds_down(op: str, bv: bool) -> None:
    """Integer operations over symbolic operands agree with Python (floor division), wherever
    the IR defines them (a `mod` divisor is positive, as in TLA+)."""
    tm = Terms(bv)
    a, b = SInt(z3.Const("a", tm.sort(-7, 7)), -7, 7), SInt(z3.Const("b", tm.sort(-3, 3)), -3, 3)
    term = Evaluator(tm, {"a": a, "b": b}).eval(Binary(op, Var("a"), Var("b")), {})
    assert isinstance(term, SInt)
    for x in range(-7, 8):
        for y in (1, 2, 3) if op == "mod" else (-3, -2, -1, 1, 2, 3):
            want = evaluate(Binary(op, Lit(x, IntType(-7, 7)), Lit(y, IntType(-3, 3))), {})
            got = z3.simplify(z3.substitute(term.term, (a.term, _val(tm, a, x)), (b.term, _val(tm, b, y))))
            assert (got.as_signed_long() if bv else got.as_long()) == want, (x, y)
            assert term.lo <= want <= term.hi


def _val(tm: Terms, a: SInt, v: int) -> z3.ExprRef:
    return z3.BitVecVal(v, a.term.size(), tm.ctx) if tm.bv else z3.IntVal(v, tm.ctx)


def test_negation_and_constants_fold() -> None:
    ev = Evaluator(Terms(True), {})
    out = ev.eval(Unary("neg", Lit(3, IntType(3, 3))), {})
    assert isinstance(out, SInt) and out.const == -3
    assert z3.is_true(ev.eval(Binary("lt", Lit(1, IntType(1, 1)), Lit(2, IntType(2, 2))), {}))
