"""Lasso search for temporal properties: a fair path that loops back and violates the property.

A lasso of depth k has states 0..k, and state k agrees with a loop start l < k
on the variables that steer the behaviour (`ghost.py`; the ghosts may differ:
`traces.lasso_trace` repeats the loop until they repeat too).  The behaviour is
0..l-1 followed by l..k-1 forever.  The last step may instead be a stutter (a
state where no fair process is enabled may repeat forever): then l = k-1 and the
loop is that one state.  Inside the loop the model's fairness holds: a weakly
fair process instance that is enabled in every loop state takes a loop step, a
strongly fair one that is enabled in some loop state takes a loop step
("enabled" = one of its ground actions is enabled and allowed by the model).

The encoding is incremental, after Latvala, Biere, Heljanko and Junttila
("Simple is better", 2005): a copy L of the loop state, a selector l_i per state
(l_i => state i = L, at most one), InLoop_i (some l_j with j <= i), and, for
each loop condition and formula, an accumulator per state defined from the
previous one ("p held in some loop state up to i").  Depth k adds O(1)
constraints; "the path closes at k" (state k = L, no earlier stutter, fairness
and the violation read at k-1) is a defined literal.  The scheme it replaces
restated O(k) loop constraints at every depth.  The path may stutter once its
loop has started, so it can always be extended: one query then asks for a lasso
closing at any depth of a chunk of depths (cheaper than a query per depth), and
only a chunk that has one is searched depth by depth for the shortest.

The violation of the property is exact for the shapes below, and closed under
and/or/not of them: `eventually p`, `always p`, `always eventually p`,
`eventually always p`, `p ~> q` and a state predicate p (in the initial state),
with p and q state predicates.  Other shapes are reported as unsupported, never
as holding.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import z3

from specdsl.interp import GroundAction, State
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
from specdsl.smt.ghost import steering
from specdsl.smt.solver import SIDE_WORK, Answer, Budget, Deadline, ask, check, new_solver


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


Shape = Literal["now", "F", "G", "GF", "FG", "leadsto", "and", "or", "not"]


def shape(f: Temporal) -> tuple[Shape, tuple[Expr, ...]]:
    """`f` as a decided shape and its state predicates (none for and/or/not)."""
    p = state_expr(f)
    if p is not None:
        return "now", (p,)
    if isinstance(f, TAnd | TOr | TNot):
        return ("and" if isinstance(f, TAnd) else "or" if isinstance(f, TOr) else "not"), ()
    if isinstance(f, Eventually | Always):
        inner = Always if isinstance(f, Eventually) else Eventually
        if (p := state_expr(f.arg)) is not None:
            return ("F" if isinstance(f, Eventually) else "G"), (p,)
        if isinstance(f.arg, inner) and (p := state_expr(f.arg.arg)) is not None:
            return ("FG" if isinstance(f, Eventually) else "GF"), (p,)
    if isinstance(f, LeadsTo):
        p, q = state_expr(f.lhs), state_expr(f.rhs)
        if p is not None and q is not None:
            return "leadsto", (p, q)
    raise UnsupportedFormula(f"temporal formula shape {type(f).__name__} is not supported by lasso search")


def _atoms(f: Temporal) -> Iterator[tuple[Expr, ...]]:
    """The state predicates of each temporal atom of a supported formula."""
    kind, preds = shape(f)
    if kind in ("and", "or", "not"):
        for a in _parts(f):
            yield from _atoms(a)
    else:
        yield preds


def _parts(f: Temporal) -> tuple[Temporal, ...]:
    if isinstance(f, TAnd | TOr):
        return f.args
    return (f.arg,) if isinstance(f, TNot) else ()  # type: ignore[attr-defined]


def state_exprs(f: Temporal) -> Iterator[Expr]:
    """The state predicates of a supported formula."""
    for preds in _atoms(f):
        yield from preds


def check_supported(f: Temporal, enc: Encoding) -> None:
    """Raise UnsupportedFormula unless lasso search decides `f` (and `Unsupported`
    when the encoding cannot express one of its state predicates)."""
    for e in state_exprs(f):
        enc.pred(e)


CHUNK = 8  # depths per chunk query

# Accumulators over the positions 0..i of the lasso, each defined from the one at i-1.
Acc = Literal["some", "all", "loop_some", "loop_all", "persist"]


class LassoEncoding:
    """The incremental lasso encoding of one system under one model, in one solver."""

    def __init__(
        self, enc: Encoding, model: Model, formulas: Sequence[Temporal], facts: Sequence[z3.BoolRef] = ()
    ) -> None:
        self.enc, self.tm = enc, enc.tm
        self.u = Unrolling(enc)
        self.solver = new_solver(enc.tm)
        self.facts = enc.tm.and_(*facts)  # proved invariant: they hold in every state of a path
        self.solver.add(self.u.at(enc.init(), 0), self.u.at(self.facts, 0))
        self.step = enc.trans(model, stutter=True)
        steer = steering(enc.system, model, (e for f in formulas for e in state_exprs(f)))
        self.steer = [v.name for v in enc.system.variables if v.name in steer]
        self.loop = enc.view(enc.fresh_leaves("@loop"))
        self.fair = [
            (kind, enc.took(inst), enc.enabled_instance(inst, model)) for inst, kind in enc.fairness(model)
        ]
        self.starts: list[z3.BoolRef] = []  # l_i: the loop starts at state i
        self.inloop: list[z3.BoolRef] = []  # InLoop_i: state i is in the loop
        self.stuttered: list[z3.BoolRef] = []  # a step up to i stutters
        self._acc: dict[tuple[object, ...], tuple[tuple[z3.ExprRef, ...], z3.BoolRef]] = {}
        self._closes: dict[int, z3.BoolRef] = {}
        self._same: list[z3.BoolRef] = []  # per state, `_at_loop`

    @property
    def depth(self) -> int:
        return len(self.starts)

    def _define(self, name: str, value: z3.BoolRef) -> z3.BoolRef:
        var = self.tm.var(name)
        self.solver.add(var == value)
        return var

    def _at_loop(self, i: int) -> z3.BoolRef:
        """State i agrees with the loop state on the steering variables."""
        while len(self._same) <= i:
            self._same.append(self.enc.same(self.u.view(len(self._same)), self.loop, self.steer))
        return self._same[i]

    def extend(self) -> None:
        """One more step: state `depth` -> `depth + 1`, and the loop selector of state `depth`."""
        i, tm, u = self.depth, self.tm, self.u
        self.solver.add(u.at(self.step, i), u.at(self.facts, i + 1))
        start = tm.var(f"loopstart@{i}")
        was_in = self.inloop[-1] if self.inloop else tm.false
        had_stutter = self.stuttered[-1] if self.stuttered else tm.false
        self.solver.add(tm.implies(start, self._at_loop(i)), tm.implies(was_in, tm.not_(start)))
        self.starts.append(start)
        inloop = self._define(f"inloop@{i}", tm.or_(was_in, start))
        self.inloop.append(inloop)
        self.stuttered.append(self._define(f"stuttered@{i}", tm.or_(had_stutter, self._stutters(i))))
        self.solver.add(tm.implies(self._stutters(i), inloop))  # the prefix does not stutter

    def _stutters(self, i: int) -> z3.BoolRef:
        return self.u.sel(i) == self.enc.stutter

    def acc(self, kind: Acc, i: int, *templates: z3.BoolRef) -> z3.BoolRef:
        """Over positions 0..i: `some`/`all` (the template held in some/every
        state), `loop_some`/`loop_all` (in some/every loop state), `persist` (for
        some j <= i, the first template held at j and the second at j..i)."""
        tm = self.tm
        if i < 0:
            return tm.bool(kind in ("all", "loop_all"))
        key = (kind, i, *(t.get_id() for t in templates))
        if key not in self._acc:
            prev = self.acc(kind, i - 1, *templates)
            now = [self.u.at(t, i) for t in templates]
            if kind == "some":
                value = tm.or_(prev, now[0])
            elif kind == "all":
                value = tm.and_(prev, now[0])
            elif kind == "loop_some":
                value = tm.or_(prev, tm.and_(self.inloop[i], now[0]))
            elif kind == "loop_all":
                value = tm.and_(prev, tm.implies(self.inloop[i], now[0]))
            else:
                value = tm.and_(tm.or_(prev, now[0]), now[1])
            # the templates are kept alive with the entry, so their ids are not reused
            self._acc[key] = (templates, self._define(f"{kind}{len(self._acc)}@{i}", value))
        return self._acc[key][1]

    def closes(self, k: int) -> z3.BoolRef:
        """The path closes into a fair lasso at depth k (<= `depth`)."""
        if k not in self._closes:
            tm, n = self.tm, k - 1  # n: the last position of the behaviour
            # only the last step may stutter, in a state inside the types, and it is then the whole loop
            last = tm.and_(self.starts[n], self.u.at(self.enc.dom(), n))
            parts = [self._at_loop(k), self.inloop[n], tm.implies(self._stutters(n), last)]
            parts.append(tm.not_(self.stuttered[n - 1]) if n > 0 else tm.true)
            for kind, took, enabled in self.fair:
                stepped = self.acc("loop_some", n, took)
                idle = tm.not_(enabled)
                free = self.acc("loop_some", n, idle) if kind == "weak" else self.acc("loop_all", n, idle)
                parts.append(tm.or_(free, stepped))
            self._closes[k] = self._define(f"closes@{k}", tm.and_(*parts))
        return self._closes[k]

    def violation(self, f: Temporal, k: int) -> z3.BoolRef:
        """True exactly when the behaviour of the lasso closing at depth k violates `f`."""
        tm, n = self.tm, k - 1
        kind, preds = shape(f)
        if kind in ("and", "or", "not"):
            parts = [self.violation(a, k) for a in _parts(f)]
            return tm.or_(*parts) if kind == "and" else tm.and_(*parts) if kind == "or" else tm.not_(parts[0])
        good = [self.enc.pred(p) for p in preds]
        bad = [tm.not_(g) for g in good]
        if kind == "now":
            return self.u.at(bad[0], 0)
        if kind == "F":
            return self.acc("all", n, bad[0])
        if kind == "G":
            return self.acc("some", n, bad[0])
        if kind == "FG":
            return self.acc("loop_some", n, bad[0])
        if kind == "GF":
            return self.acc("loop_all", n, bad[0])
        # p ~> q fails: p at some j, then q never again (from j on, and in the loop)
        return tm.and_(self.acc("persist", n, good[0], bad[1]), self.acc("loop_all", n, bad[1]))

    def started_by(self, k: int, bound: int | None) -> z3.BoolRef:
        """For the lasso closing at depth k: its loop starts at state `bound` or before."""
        return self.tm.true if bound is None or bound >= k - 1 else self.inloop[bound]

    def lasso(
        self, model: z3.ModelRef, k: int
    ) -> tuple[tuple[State, ...], int, tuple[GroundAction | None, ...]]:
        """The states 0..k of a model, the loop start, and the loop's steps (None: a stutter)."""
        start = next(i for i in range(k) if z3.is_true(model.eval(self.starts[i], model_completion=True)))
        loop = tuple(self.u.action(model, i) for i in range(start, k))
        return tuple(self.u.states(model, k + 1)), start, loop


@dataclass(frozen=True)
class LassoResult:
    """`found`: `states` 0..depth, the last agreeing with `states[loop_start]` on the
    steering variables, and `loop`, the steps from the loop start to the last state
    (None: a stutter); `clear`: no lasso up to `depth`; `stopped`: the search stopped
    at `depth` (no lasso closes at a smaller depth), `message` says why.  A lasso
    found when the search for a shorter one was stopped says so in `message`."""

    status: Literal["found", "clear", "stopped"]
    depth: int
    seconds: float
    states: tuple[State, ...] = ()
    loop_start: int | None = None
    loop: tuple[GroundAction | None, ...] = ()
    message: str = ""


def absorbing(enc: Encoding, model: Model, e: Expr, deadline: Deadline) -> bool:
    """Whether no step (under `model`) leaves the states where `e` holds (False when
    the solver cannot tell within `SIDE_WORK`)."""
    now = enc.pred(e)
    solver = new_solver(enc.tm)
    solver.add(now, enc.trans(model), z3.Not(enc.primed(now)))
    return check(solver, Budget(SIDE_WORK, deadline)) == z3.unsat


def loop_only(enc: Encoding, model: Model, f: Temporal, deadline: Deadline) -> bool:
    """Whether the violation of `f` depends on the loop's states only.  `eventually p`
    fails when p never holds: with p absorbing, when p fails in the loop; `always p`
    fails when p fails somewhere: with `not p` absorbing, somewhere in the loop."""
    kind, preds = shape(f)
    if kind in ("and", "or", "not"):
        return all(loop_only(enc, model, a, deadline) for a in _parts(f))
    if kind in ("GF", "FG"):
        return True
    if kind in ("F", "G"):
        return absorbing(enc, model, preds[0] if kind == "F" else Unary("not", preds[0]), deadline)
    return False


def search(
    enc: Encoding,
    model: Model,
    formulas: Sequence[tuple[str, Temporal]],
    depth: int,
    deadline: Deadline,
    chunk: int = CHUNK,
    diameter: int | None = None,
    facts: Sequence[z3.BoolRef] = (),
) -> dict[str, LassoResult]:
    """The shortest fair lasso violating each formula, with up to `depth` steps, until
    the run's `deadline` (checked before each step of the unrolling, and within each
    query; the depth is the search's budget: no work limit).
    Each formula is asked for a lasso of any depth in a chunk of depths, and
    only a chunk that has one is searched depth by depth, from its first depth.

    `diameter`: every reachable state is reachable in at most this many steps
    (TLC's complete search depth).  When `model` constrains no step and a
    formula's violation depends on the loop only, the prefix of a lasso can be
    replaced by a shortest path to its loop start: the loop need only be looked
    for from states 0..diameter (which spares the costliest lassos, with long
    prefixes: 1.5x on pte_marker).

    `facts`: templates proved invariant (what `strengthen` proved inductive).
    They hold in every reachable state, so asserting them in every state of the
    path removes no behaviour, and spares the solver re-deriving them (1.4-1.6x
    on FaultCompletes of prepare_timeout and pte_marker; `specdsl check specs/`
    37 s -> 34 s)."""
    if not formulas:
        return {}
    start = time.monotonic()
    if deadline.passed():  # before the lasso encoding is built (a big system takes a while)
        return {name: LassoResult("stopped", 1, 0.0, message=deadline.why()) for name, _ in formulas}
    lasso = LassoEncoding(enc, model, [f for _, f in formulas], facts)
    budget = Budget(None, deadline)
    results: dict[str, LassoResult] = {}
    shortened = diameter is not None and not model.constraints
    prefix = {n: diameter if shortened and loop_only(enc, model, f, deadline) else None for n, f in formulas}

    def case(name: str, f: Temporal, k: int) -> z3.BoolRef:
        """A lasso violating `f` closes at depth k."""
        return z3.And(lasso.closes(k), lasso.violation(f, k), lasso.started_by(k, prefix[name]))

    def found(answer: Answer, k: int, note: str = "") -> LassoResult:
        assert answer.model is not None
        states, loop_start, loop = lasso.lasso(answer.model, k)
        return LassoResult("found", k, time.monotonic() - start, states, loop_start, loop, note)

    def settle(name: str, f: Temporal, lo: int, hi: int) -> LassoResult | None:
        """The result for `f` from the depths lo..hi (None: no lasso there)."""
        somewhere = ask(lasso.solver, budget, z3.Or([case(name, f, k) for k in range(lo, hi + 1)]))
        if somewhere.result == z3.unsat:
            return None
        if somewhere.model is None:
            return LassoResult("stopped", lo, time.monotonic() - start, message=somewhere.why)
        for k in range(lo, hi + 1):  # the shortest lasso of the chunk
            answer = ask(lasso.solver, budget, case(name, f, k))
            if answer.result == z3.sat:
                return found(answer, k)
            if answer.result == z3.unknown:  # keep the chunk's lasso, which may not be the shortest
                closing = somewhere.model.eval
                k = next(j for j in range(k, hi + 1) if z3.is_true(closing(case(name, f, j), True)))
                return found(somewhere, k, f"a shorter one was not looked for: {answer.why}")
        raise AssertionError("a chunk with a lasso has none at any of its depths")

    pending = list(formulas)
    lo = 1
    while lo <= depth and pending:
        hi = min(depth, lo + chunk - 1)
        while lasso.depth < hi and not deadline.passed():  # a deep bound must not outlast the deadline
            lasso.extend()
        cut = LassoResult("stopped", lo, time.monotonic() - start, message=deadline.why())
        for name, f in list(pending):
            r = settle(name, f, lo, hi) if lasso.depth == hi else cut
            if r is not None:
                results[name] = r
                pending.remove((name, f))
        lo = hi + 1
    for name, _ in pending:
        results[name] = LassoResult("clear", depth, time.monotonic() - start)
    return results
