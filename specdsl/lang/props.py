"""Properties, scheduling models and expectations."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import fields

from specdsl.interp import EvalError, evaluate
from specdsl.ir import (
    Always,
    Eventually,
    Expr,
    FairnessRule,
    InDomain,
    LeadsTo,
    Lit,
    Model,
    Param,
    Property,
    Quant,
    StateVar,
    StepConstraint,
    TAnd,
    Temporal,
    TNot,
    TOr,
    TState,
    Value,
    Var,
)
from specdsl.irwalk import substitute
from specdsl.lang import ast
from specdsl.lang import simplify as s
from specdsl.lang.binders import unshadow
from specdsl.lang.exprs import PRE_STATE, Scope, binder_domain, lower_as, lower_bool
from specdsl.lang.symbols import CheckError, Globals, ProcInfo, did_you_mean
from specdsl.values import domain, format_value

Report = Callable[[CheckError], None]
IMPLICIT = ("TypeOK", "DeadlockFree")


def type_ok(variables: list[StateVar]) -> Property:
    """Every variable stays in its type (an update may leave it: a count below 0)."""
    return Property("TypeOK", "invariant", expr=s.conj([InDomain(Var(v.name), v.type) for v in variables]))


def deadlock_free(g: Globals, terminals: list[ast.Terminal], report: Report) -> Property:
    """Intended terminal states: every `process` instance done, or a `terminal` condition."""
    done = []
    for info in g.procs.values():
        if info.decl.environment:
            continue
        at_done = s.make_tag(info.pc_type, "done", None)
        if info.id_type is None:
            done.append(s.binary("eq", Var(info.pc_var), at_done))
        else:
            i = Param("i")
            done.append(
                Quant(
                    "forall",
                    "i",
                    info.id_type,
                    s.binary("eq", s.index(Var(info.pc_var), i, info.pc_type), at_done),
                )
            )
    intended = [s.conj(done)]
    scope = Scope(g, view=PRE_STATE, context="a `terminal` condition")
    for t in terminals:
        try:
            intended.append(lower_bool(t.expr, scope, "a `terminal` condition"))
        except CheckError as e:
            report(e)
    return Property("DeadlockFree", "deadlock", expr=unshadow(s.disj(intended)))


def declared(decl: ast.PropertyDecl, g: Globals, models: Mapping[str, Model]) -> Property:
    if decl.kind == "temporal":
        if decl.under is not None and decl.under not in models:
            hint = did_you_mean(decl.under, [m for m in models if m != "fair"])
            raise CheckError(decl.span, f"unknown scheduling assumption `{decl.under}`{hint}")
        scope = Scope(g, view=PRE_STATE, context="a property")
        return Property(
            decl.name,
            "temporal",
            formula=temporal(decl.expr, scope),
            model=decl.under or "fair",
            span=decl.span,
        )
    what = (
        "an invariant (use `property` for temporal formulas)"
        if decl.kind == "invariant"
        else "a `reach` witness"
    )
    expr = lower_bool(decl.expr, Scope(g, view=PRE_STATE, context=what), f"{what.split(' (')[0]}")
    return Property(decl.name, decl.kind, expr=unshadow(expr), span=decl.span)  # type: ignore[arg-type]


def _children(node: object) -> Iterator[object]:
    for f in fields(node):  # type: ignore[arg-type]
        if f.name == "span":
            continue
        value = getattr(node, f.name)
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, tuple):
                yield from (x for x in item if hasattr(x, "span"))
            elif hasattr(item, "span"):
                yield item


def _is_temporal(e: ast.Expr) -> bool:
    stack: list[object] = [e]
    while stack:
        node = stack.pop()
        if (isinstance(node, ast.Unary) and node.op in ("always", "eventually")) or (
            isinstance(node, ast.Binary) and node.op == "leadsto"
        ):
            return True
        stack.extend(_children(node))
    return False


def temporal(e: ast.Expr, scope: Scope) -> Temporal:
    """A temporal formula: state predicates at the leaves; `forall`/`exists`
    over a finite domain are expanded into conjunctions/disjunctions."""
    if not _is_temporal(e):
        return TState(unshadow(lower_bool(e, scope, "a state predicate")))
    if isinstance(e, ast.Unary) and e.op in ("always", "eventually", "not"):
        arg = temporal(e.arg, scope)
        return Always(arg) if e.op == "always" else Eventually(arg) if e.op == "eventually" else TNot(arg)
    if isinstance(e, ast.Binary) and e.op in ("leadsto", "and", "or", "implies"):
        a, b = temporal(e.lhs, scope), temporal(e.rhs, scope)
        if e.op == "leadsto":
            return LeadsTo(a, b)
        if e.op == "implies":
            return TOr((TNot(a), b))
        cls = TAnd if e.op == "and" else TOr
        return cls(_flat(a, cls) + _flat(b, cls))
    if isinstance(e, ast.Quantifier):
        t, set_expr = binder_domain(e.domain, scope)
        values = domain(t) if set_expr is None else _constant_set(set_expr, e.domain.span)
        parts = tuple(temporal(e.body, scope.bind(e.var, s.lit(v, t), t)) for v in values)
        return TAnd(parts) if e.kind == "forall" else TOr(parts)
    raise CheckError(
        e.span, "temporal formulas combine with `and`, `or`, `not`, `=>`, `forall` and `exists` only"
    )


def _flat(x: Temporal, cls: type) -> tuple[Temporal, ...]:
    return x.args if isinstance(x, cls) else (x,)  # type: ignore[attr-defined]


def _constant_set(x: Expr, span: ast.Span) -> tuple[Value, ...]:
    try:
        return tuple(sorted(evaluate(x, {}), key=format_value))  # type: ignore[arg-type]
    except (EvalError, KeyError):
        raise CheckError(span, "a temporal `forall`/`exists` needs a constant domain") from None


# ---------------------------------------------------------------------------
# Models


def fair_model(g: Globals) -> Model:
    rules = tuple(
        FairnessRule(p.name, None, p.decl.fairness)  # type: ignore[arg-type]
        for p in g.procs.values()
        if p.decl.fairness != "none"
    )
    return Model("fair", (), rules, "every process with its declared fairness")


def assumption(decl: ast.Assume, g: Globals, runnable: Mapping[str, Expr], fair: Model) -> Model:
    """`A[i] preempts B[j]`: B[j] steps only when A[i] is not runnable, and B[j] is strongly fair."""
    constraints = []
    rules = list(fair.fairness)
    words = []
    for pre in decl.preempts:
        hi, hi_id = _instance(pre.high, g)
        lo, lo_id = _instance(pre.low, g)
        if lo.decl.environment:
            raise CheckError(
                pre.low.span, f"`{lo.name}` is an environment process: it is not scheduled on this CPU"
            )
        hi_runnable = runnable[hi.name]
        if hi_id is not None:
            hi_runnable = substitute(hi_runnable, {"self": Lit(hi_id, hi.id_type)})  # type: ignore[arg-type]
        constraints.append(StepConstraint(lo.name, lo_id, s.unary("not", hi_runnable)))
        rules.append(FairnessRule(lo.name, lo_id, "strong"))
        words.append(f"{_show(hi, hi_id)} preempts {_show(lo, lo_id)}")
    return Model(decl.name, tuple(constraints), tuple(rules), "; ".join(words), decl.span)


def _show(info: ProcInfo, i: Value | None) -> str:
    return info.name if i is None else f"{info.name}[{format_value(i)}]"


def _instance(ref: ast.ProcRef, g: Globals) -> tuple[ProcInfo, Value | None]:
    info = g.procs.get(ref.name)
    if info is None:
        raise CheckError(ref.span, f"unknown process `{ref.name}`{did_you_mean(ref.name, g.procs)}")
    if info.id_type is None:
        if ref.index is not None:
            raise CheckError(ref.span, f"`{ref.name}` is a single process: it has no instances to index")
        return info, None
    if ref.index is None:
        raise CheckError(ref.span, f"`{ref.name}` is a process family: name one instance, `{ref.name}[i]`")
    x = lower_as(ref.index, Scope(g, context="a process id"), info.id_type, "a process id")
    v = evaluate(x, {})
    if v not in domain(info.id_type):
        raise CheckError(ref.index.span, f"`{ref.name}` has no instance {format_value(v)}")
    return info, v
