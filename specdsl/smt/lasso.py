"""Lasso search for temporal properties: a fair path that loops back and violates the property.

At depth k the path has states 0..k and state k equals state l for some loop
start l < k: the infinite behaviour is 0..l-1 followed by l..k-1 forever.  The
last step may instead be a stutter (a state where no fair process is enabled
may repeat forever): then l = k-1 and the loop is that one state.  Inside the
loop the model's fairness holds: a weakly fair process instance that is enabled
in every loop state takes a loop step, a strongly fair one that is enabled in
some loop state takes a loop step ("enabled" = one of its ground actions is
enabled and allowed by the model's constraints).

The violation of the property is a constraint on the lasso that is exact for
the shapes below, and closed under and/or/not of them:
`eventually p`, `always p`, `always eventually p`, `eventually always p`,
`p ~> q` and a state predicate p (in the initial state), with p and q state
predicates.  Other shapes are reported as unsupported, never as holding.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import z3

from specdsl.interp import State
from specdsl.ir import (
    Always,
    Binary,
    Eventually,
    Expr,
    LeadsTo,
    Model,
    TAnd,
    Temporal,
    TNot,
    TOr,
    TState,
    Unary,
)
from specdsl.smt.encode import Encoding, Unrolling
from specdsl.smt.solver import Budget, check, new_solver, reason
from specdsl.smt.sym import and_, implies, not_, or_


class UnsupportedFormula(Exception):
    """A temporal formula outside the shapes lasso search decides."""


def state_expr(f: Temporal) -> Expr | None:
    """`f` as a state predicate, when it has no temporal operator."""
    if isinstance(f, TState):
        return f.expr
    if isinstance(f, TNot):
        arg = state_expr(f.arg)
        return None if arg is None else Unary("not", arg)
    if isinstance(f, TAnd | TOr):
        args = [state_expr(a) for a in f.args]
        if any(a is None for a in args):
            return None
        out = args[0]
        for a in args[1:]:
            out = Binary("and" if isinstance(f, TAnd) else "or", out, a)  # type: ignore[arg-type]
        return out
    return None


@dataclass(frozen=True)
class Lasso:
    """The symbolic lasso at one depth: `n` states in the behaviour, `inloop[i]` for each."""

    u: Unrolling
    enc: Encoding
    n: int
    inloop: Sequence[z3.BoolRef]

    def holds(self, e: Expr, i: int) -> z3.BoolRef:
        return self.u.at(self.enc.pred(e), i)


def violation(f: Temporal, lasso: Lasso) -> z3.BoolRef:
    """A constraint true exactly when the lasso's behaviour violates `f`."""
    p = state_expr(f)
    if p is not None:
        return not_(lasso.holds(p, 0))
    if isinstance(f, TAnd):
        return or_(*(violation(a, lasso) for a in f.args))
    if isinstance(f, TOr):
        return and_(*(violation(a, lasso) for a in f.args))
    if isinstance(f, TNot):
        return not_(violation(f.arg, lasso))
    states = range(lasso.n)
    if isinstance(f, Eventually):
        p = state_expr(f.arg)
        if p is not None:
            return and_(*(not_(lasso.holds(p, i)) for i in states))
        if isinstance(f.arg, Always) and (p := state_expr(f.arg.arg)) is not None:
            return or_(*(and_(lasso.inloop[i], not_(lasso.holds(p, i))) for i in states))
    if isinstance(f, Always):
        p = state_expr(f.arg)
        if p is not None:
            return or_(*(not_(lasso.holds(p, i)) for i in states))
        if isinstance(f.arg, Eventually) and (p := state_expr(f.arg.arg)) is not None:
            return and_(*(implies(lasso.inloop[i], not_(lasso.holds(p, i))) for i in states))
    if isinstance(f, LeadsTo):
        p, q = state_expr(f.lhs), state_expr(f.rhs)
        if p is not None and q is not None:
            never_q = [not_(lasso.holds(q, i)) for i in states]
            suffix: list[z3.BoolRef] = [z3.BoolVal(True)] * (lasso.n + 1)
            for i in reversed(states):
                suffix[i] = and_(never_q[i], suffix[i + 1])
            trigger = or_(*(and_(lasso.holds(p, i), suffix[i]) for i in states))
            return and_(trigger, *(implies(lasso.inloop[i], never_q[i]) for i in states))
    raise UnsupportedFormula(f"temporal formula shape {type(f).__name__} is not supported by lasso search")


def check_supported(f: Temporal, enc: Encoding) -> None:
    """Raise UnsupportedFormula unless lasso search decides `f`."""
    u = Unrolling(enc)
    violation(f, Lasso(u, enc, 1, [z3.BoolVal(True)]))


@dataclass(frozen=True)
class LassoResult:
    """`found`: `states` (the path up to the last state before the loop closes) and
    `loop_start`; `clear`: no lasso up to `depth`; `unknown`: Z3 gave up at `depth`."""

    status: Literal["found", "clear", "unknown"]
    depth: int
    seconds: float
    states: tuple[State, ...] = ()
    loop_start: int | None = None
    message: str = ""


def search(
    enc: Encoding,
    model: Model,
    formulas: Sequence[tuple[str, Temporal]],
    depth: int,
    timeout: float,
) -> dict[str, LassoResult]:
    """The shortest fair lasso violating each formula, with up to `depth` steps."""
    start = time.monotonic()
    u = Unrolling(enc)
    solver = new_solver(enc.ar.bv)
    solver.add(u.at(enc.init(), 0))
    step = z3.And(enc.sel_range(True), enc.trans(model))
    stutter = len(enc.ground)
    fair = enc.fairness(model)
    enabled = [enc.enabled_instance(inst, model) for inst, _ in fair]
    took = [enc.took(inst) for inst, _ in fair]
    budgets = {name: Budget(timeout) for name, _ in formulas}
    results: dict[str, LassoResult] = {}
    pending = list(formulas)
    for k in range(1, depth + 1):
        solver.add(u.at(step, k - 1))
        inloop = [z3.Bool(f"inloop{k}@{i}") for i in range(k)]
        shape = [inloop[k - 1]]
        shape += [implies(inloop[i], inloop[i + 1]) for i in range(k - 1)]
        starts = [and_(inloop[0])] + [and_(inloop[i], not_(inloop[i - 1])) for i in range(1, k)]
        shape += [implies(s, u.same(k, i)) for i, s in enumerate(starts)]
        shape += [u.sel(i) != stutter for i in range(k - 1)]
        shape.append(implies(u.sel(k - 1) == stutter, starts[k - 1]))
        for (_, kind), en, tk in zip(fair, enabled, took):
            stepped = or_(*(and_(inloop[i], u.at(tk, i)) for i in range(k)))
            if kind == "weak":
                idle = or_(*(and_(inloop[i], not_(u.at(en, i))) for i in range(k)))
            else:
                idle = and_(*(implies(inloop[i], not_(u.at(en, i))) for i in range(k)))
            shape.append(or_(idle, stepped))
        act = z3.Bool(f"lasso@{k}")
        solver.add(z3.Implies(act, and_(*shape)))
        lasso = Lasso(u, enc, k, inloop)
        for name, f in list(pending):
            lit = z3.Bool(f"viol!{name}@{k}")
            solver.add(z3.Implies(lit, violation(f, lasso)))
            answer = check(solver, budgets[name], act, lit)
            if answer == z3.unsat:
                continue
            pending.remove((name, f))
            elapsed = time.monotonic() - start
            if answer == z3.sat:
                m = solver.model()
                loop_start = next(i for i in range(k) if z3.is_true(m.eval(inloop[i], model_completion=True)))
                results[name] = LassoResult("found", k, elapsed, tuple(u.states(m, k)), loop_start)
            else:
                results[name] = LassoResult("unknown", k, elapsed, message=reason(solver, budgets[name]))
        if not pending:
            break
    for name, _ in pending:
        results[name] = LassoResult("clear", depth, time.monotonic() - start)
    return results
