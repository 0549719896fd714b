"""Labelled steps -> guarded actions, by symbolic execution.

A step is executed statement by statement over a set of *paths*.  A path holds
its guard conjuncts, the current value of every variable it changed (over the
pre-state), the `pick` parameters it introduced, and how it ends.  `either`
forks paths; so does an `if` whose branches end the step differently or block
(`await`, `lock`, `pick`); every other `if` runs both branches and merges them
into conditional values.  Each final path becomes one action.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from specdsl.interp import EvalError, evaluate
from specdsl.ir import BOOL, FALSE, TRUE, Binder, Expr, IntType, Param, Span, Type, Var
from specdsl.lang import ast
from specdsl.lang import simplify as s
from specdsl.lang.errors import Diagnostic
from specdsl.lang.exprs import (
    Bound,
    Scope,
    Target,
    binder_domain,
    cond_bindings,
    lower,
    lower_as,
    lower_bool,
    state_view,
    target,
    write,
)
from specdsl.lang.limits import MAX_STEP_ACTIONS, MAX_UNROLL, LimitExceeded
from specdsl.lang.symbols import CheckError, ProcInfo, did_you_mean
from specdsl.lang.types import compatible, kind
from specdsl.values import domain


@dataclass(frozen=True)
class Path:
    guard: tuple[Expr, ...] = ()
    values: dict[str, Expr] = field(default_factory=dict)
    params: tuple[Binder, ...] = ()
    bound: dict[str, Bound] = field(default_factory=dict)  # picks, payloads, loop variables
    end: tuple[str, str | None] | None = None  # ("goto", L) | ("return", None) | ...

    def assume(self, cond: Expr) -> Path:
        return replace(self, guard=self.guard + (cond,))


Report = Callable[[CheckError], None]


class StepLowering:
    """Lowers the steps of one process.  Errors are reported per statement
    (through `report`) and the statement is skipped, so one pass finds many."""

    def __init__(self, base: Scope, proc: ProcInfo, report: Report) -> None:
        self.base = base
        self.proc = proc
        self.report = report
        self._copies = 1  # of the statements being lowered, by the `for` loops around them

    # -- scopes

    def _scope(self, p: Path) -> Scope:
        used = {b.name for b in p.params} | ({"self"} if self.proc.family else set())
        return replace(
            self.base, bound={**self.base.bound, **p.bound}, view=state_view(p.values), used=frozenset(used)
        )

    # -- statements

    def block(self, stmts: tuple[ast.Stmt, ...], paths: list[Path]) -> list[Path]:
        for st in stmts:
            if paths and all(p.end is not None for p in paths):
                self.report(CheckError(st.span, "unreachable: the step has already ended on every path"))
                break
            out: list[Path] = []
            for p in paths:
                if p.end is not None:
                    out.append(p)
                    continue
                try:
                    out.extend(self.stmt(st, p))
                except CheckError as e:
                    self.report(e)
                    out.append(p)
            self._within_limits(st, out)
            paths = out
        return paths

    def _within_limits(self, st: ast.Stmt, paths: list[Path]) -> None:
        """The limits on what a step lowers to (see `limits`), after `st`."""
        if len(paths) > MAX_STEP_ACTIONS:
            raise LimitExceeded(
                Diagnostic(
                    st.span,
                    f"the step splits into more than {MAX_STEP_ACTIONS} actions here",
                    "each `either` branch, and each `if` whose branches block or end the step differently,"
                    " makes actions of its own: split the step with labels",
                )
            )
        extent = self.base.globals.extent
        for p in paths:
            parts = [(f"the new value of `{var}`", value, 0) for var, value in p.values.items()]
            for what, e, below in parts + [("its condition", c, len(p.guard)) for c in p.guard]:
                why = extent.excess(e, below)
                if why is not None:
                    raise LimitExceeded(
                        Diagnostic(
                            st.span,
                            f"the step grows too large here: {what} would be {why}",
                            "each statement of a step sees the values the earlier ones computed:"
                            " split the step with a label",
                        )
                    )

    def stmt(self, st: ast.Stmt, p: Path) -> list[Path]:
        if isinstance(st, ast.Assign):
            return [self._assign(st, p)]
        if isinstance(st, ast.If):
            return self._if(st, p)
        if isinstance(st, ast.Await):
            return [p.assume(lower_bool(st.cond, self._scope(p), "the condition of `await`"))]
        if isinstance(st, ast.Lock | ast.Unlock):
            return [self._lock(st, p)]
        if isinstance(st, ast.Either):
            return [q for branch in st.branches for q in self.block(branch, [p])]
        if isinstance(st, ast.Pick):
            return [self._pick(st, p)]
        if isinstance(st, ast.For):
            return self._for(st, p)
        if isinstance(st, ast.Jump):
            return [self._jump(st, p)]
        return [p]  # skip

    def _assign(self, st: ast.Assign, p: Path) -> Path:
        scope = self._scope(p)
        t = target(st.target, scope)
        value, tv = lower(st.value, scope, t.type)
        if not compatible(tv, t.type):
            raise CheckError(st.value.span, f"cannot assign {kind(tv)} to {kind(t.type)}")
        return self._store(t, value, st.target.span, p)

    def _store(self, t: Target, value: Expr, span: Span, p: Path) -> Path:
        var_type = self.base.globals.var_type(t.var)
        new = write(self._scope(p).read(t.var, span), t.path, value, t.type, var_type)
        return replace(p, values={**p.values, t.var: new})

    def _lock(self, st: ast.Lock | ast.Unlock, p: Path) -> Path:
        scope = self._scope(p)
        t = target(st.target, scope)
        if t.type != BOOL:
            word = "lock" if isinstance(st, ast.Lock) else "unlock"
            raise CheckError(st.target.span, f"`{word}` needs a boolean, but this is {kind(t.type)}")
        if isinstance(st, ast.Unlock):
            return self._store(t, FALSE, st.target.span, p)
        held = lower_as(st.target, scope, BOOL, "a lock")
        return self._store(t, TRUE, st.target.span, p.assume(s.unary("not", held)))

    def _pick(self, st: ast.Pick, p: Path) -> Path:
        scope = self._scope(p)
        t, set_expr = binder_domain(st.domain, scope)
        name = scope.fresh(st.var)
        p = replace(p, params=p.params + (Binder(name, t),), bound={**p.bound, st.var: Bound(Param(name), t)})
        if set_expr is not None:
            p = p.assume(s.binary("in", Param(name), set_expr))
        if st.where is not None:
            p = p.assume(lower_bool(st.where, self._scope(p), "the `where` condition"))
        return p

    def _for(self, st: ast.For, p: Path) -> list[Path]:
        """Unrolled: the body once per value of the domain (a type, or a constant set)."""
        t, set_expr = binder_domain(st.domain, self._scope(p))
        values = domain(t)
        if set_expr is not None:
            try:
                chosen = evaluate(set_expr, {})
            except (EvalError, KeyError):
                raise CheckError(
                    st.domain.span, "`for` needs a type or a constant set to unroll over"
                ) from None
            values = tuple(v for v in values if v in chosen)  # type: ignore[operator]
        copies = self._copies * len(values)
        if copies > MAX_UNROLL:
            raise LimitExceeded(
                Diagnostic(
                    st.span,
                    f"`for` would copy its body {copies} times in this step; the limit is {MAX_UNROLL}",
                    "a loop is unrolled (nested loops multiply): loop over a smaller type or a constant set",
                )
            )
        outside = p.bound
        paths = [p]
        enclosing, self._copies = self._copies, copies
        try:
            for v in values:
                paths = [replace(q, bound={**q.bound, st.var: Bound(s.lit(v, t), t)}) for q in paths]
                paths = self.block(st.body, paths)
        finally:
            self._copies = enclosing
        return _unbind(paths, [st.var], outside)

    def _jump(self, st: ast.Jump, p: Path) -> Path:
        if st.kind == "goto" and st.target not in self.proc.labels:
            hint = did_you_mean(st.target or "", self.proc.labels)
            raise CheckError(
                st.span, f"`goto {st.target}`: process `{self.proc.name}` has no such label{hint}"
            )
        return replace(p, end=(st.kind, st.target))

    # -- if

    def _if(self, st: ast.If, p: Path) -> list[Path]:
        scope = self._scope(p)
        cond = lower_bool(st.cond, scope, "the condition of `if`")
        then_bound = dict(cond_bindings(st.cond, scope).bound)
        extra = {k: v for k, v in then_bound.items() if k not in scope.bound or scope.bound[k] != v}
        then_start = replace(p, bound={**p.bound, **extra})
        if _splits(st):
            then = _unbind(self.block(st.then, [then_start.assume(cond)]), list(extra), p.bound)
            return then + self.block(st.orelse, [p.assume(s.unary("not", cond))])
        (a,) = self.block(st.then, [then_start])
        (b,) = self.block(st.orelse, [p])
        merged = {
            v: s.ite(cond, a.values.get(v, Var(v)), b.values.get(v, Var(v)))
            for v in dict.fromkeys([*a.values, *b.values])
        }
        return [replace(p, values=merged, end=a.end)]


def _unbind(paths: list[Path], names: list[str], outside: dict[str, Bound]) -> list[Path]:
    """`names` (a loop variable, a pattern's payload) go out of scope at the end
    of their block; a `pick` inside the block stays bound for the rest of the step."""

    def restore(bound: dict[str, Bound]) -> dict[str, Bound]:
        kept = {k: b for k, b in bound.items() if k not in names}
        return kept | {k: outside[k] for k in names if k in outside}

    return [replace(q, bound=restore(q.bound)) for q in paths]


def _blocks(stmts: tuple[ast.Stmt, ...]) -> bool:
    """Whether a block needs its own action: it blocks, chooses, or contains a branch that does."""
    for st in stmts:
        if isinstance(st, ast.Await | ast.Lock | ast.Pick | ast.Either):
            return True
        if isinstance(st, ast.If) and _splits(st):
            return True
        if isinstance(st, ast.For) and (_blocks(st.body) or _ending(st.body) is not None):
            return True
    return False


def may_block(stmts: tuple[ast.Stmt, ...]) -> bool:
    """Whether a step can be disabled by its own statements (`await`, `lock`,
    `pick`); otherwise its actions' conditions are exhaustive (if/else and
    either branches) and the step is enabled whenever control is at it."""
    for st in stmts:
        if isinstance(st, ast.Await | ast.Lock | ast.Pick):
            return True
        if isinstance(st, ast.If) and (may_block(st.then) or may_block(st.orelse)):
            return True
        if isinstance(st, ast.Either) and any(may_block(b) for b in st.branches):
            return True
        if isinstance(st, ast.For) and may_block(st.body):
            return True
    return False


def _ending(stmts: tuple[ast.Stmt, ...]) -> tuple[str, str | None] | None:
    """How a (non-splitting) block ends the step, or None when control falls through."""
    for st in stmts:
        if isinstance(st, ast.Jump):
            return (st.kind, st.target)
        if isinstance(st, ast.If):
            end = _ending(st.then)
            if end is not None:
                return end
    return None


def _splits(st: ast.If) -> bool:
    return _blocks(st.then) or _blocks(st.orelse) or _ending(st.then) != _ending(st.orelse)


def finish(proc: ProcInfo, step_index: int, path: Path) -> dict[str, Expr]:
    """The new values of a finished path, with the control updates (pc, sleep
    flag, fault counter) that its ending implies."""
    kind_, label = path.end or ("next", None)
    labels = proc.labels
    after = labels[step_index + 1] if step_index + 1 < len(labels) else "done"
    dest = {"goto": label, "return": "done", "retry": labels[0]}.get(kind_, after)
    values = dict(path.values)
    me = Param("self") if proc.family else None

    def put(var: str, value: Expr) -> None:
        cur = values.get(var, Var(var))
        values[var] = value if me is None else s.except_(cur, me, value)

    def get(var: str, t: Type) -> Expr:
        cur = values.get(var, Var(var))
        return cur if me is None else s.index(cur, me, t)

    if dest != labels[step_index]:  # the guard already says pc = this label
        put(proc.pc_var, s.make_tag(proc.pc_type, dest, None))  # type: ignore[arg-type]
    if kind_ == "sleep":
        assert proc.sleep_var is not None
        put(proc.sleep_var, TRUE)
    if proc.faults_var is not None and step_index == 0 and dest != "done":
        # Entering the fault handler counts a fault, unless the fault ends at once.
        n = proc.faults_max
        bumped = s.binary("add", get(proc.faults_var, IntType(0, n)), s.lit_int(1), IntType(1, n + 1))
        put(proc.faults_var, s.ite(s.binary("le", bumped, s.lit_int(n)), bumped, s.lit_int(n)))  # min(f+1, N)
    return values
