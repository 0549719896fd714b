"""State variables and their initial values (globals, locals, pc, sleep flags, retry counters)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from specdsl.interp import EvalError, evaluate
from specdsl.ir import BOOL, IntType, MapType, MapVal, SetType, StateVar, Tag, Type, Value
from specdsl.lang import ast
from specdsl.lang import simplify as s
from specdsl.lang.exprs import Scope, lower_as
from specdsl.lang.symbols import CheckError, Globals, ProcInfo
from specdsl.lang.types import describe
from specdsl.values import contains, domain, format_value


def initial_values(decl: ast.VarDecl, t: Type, scope: Scope) -> tuple[Value, ...]:
    """The allowed initial values of a variable of type `t` (`= v` or `in S`)."""
    if decl.init is None:
        raise CheckError(decl.span, f"`{decl.name}` needs an initial value: `= value` or `in set`")
    if decl.init_is_choice:
        choices = _evaluate(lower_as(decl.init, scope, SetType(t), "the initial choices"), decl.init.span)
        assert isinstance(choices, frozenset)
        for v in choices:
            _check_in(v, t, decl.init.span)
        if not choices:
            raise CheckError(decl.init.span, f"`{decl.name}` has no initial value to choose from")
        return tuple(v for v in domain(t) if v in choices)
    v = _evaluate(lower_as(decl.init, scope, t, "the initial value"), decl.init.span)
    _check_in(v, t, decl.init.span)
    return (v,)


def _evaluate(x, span: ast.Span) -> Value:
    try:
        return evaluate(x, {})
    except EvalError as e:
        raise CheckError(span, f"cannot compute the initial value: {e}") from None


def _check_in(v: Value, t: Type, span: ast.Span) -> None:
    if not contains(t, v):
        raise CheckError(span, f"initial value {format_value(v)} is not a value of type `{describe(t)}`")


def global_vars(g: Globals, report: Callable[[CheckError], None]) -> list[StateVar]:
    out = []
    scope = Scope(g, context="an initial value")
    for decl in g.values.values():
        if not isinstance(decl, ast.VarDecl):
            continue
        try:
            t = g.resolve_type(decl.type)
            g.var_types[decl.name] = t
            out.append(StateVar(decl.name, t, initial_values(decl, t, scope), "global", None, decl.span))
        except CheckError as e:
            report(e)
    return out


def process_vars(info: ProcInfo, g: Globals, report: Callable[[CheckError], None]) -> list[StateVar]:
    """Locals, then pc, sleep flag and retry counter, each a map over the ids for a family."""
    decl = info.decl
    ids = domain(info.id_type) if info.id_type is not None else (None,)

    def scope_for(i: Value | None) -> Scope:
        scope = Scope(g, context="an initial value")
        if i is None or info.id_type is None:
            return scope
        scope = scope.bind("self", s.lit(i, info.id_type), info.id_type)
        return scope.bind(decl.id_name, s.lit(i, info.id_type), info.id_type) if decl.id_name else scope

    def make(name: str, t: Type, per_id: list[tuple[Value, ...]], role: str, span: ast.Span) -> StateVar:
        if info.id_type is None:
            return StateVar(name, t, per_id[0], role, decl.name, span)  # type: ignore[arg-type]
        inits = tuple(MapVal(tuple(zip(ids, combo))) for combo in itertools.product(*per_id))
        return StateVar(name, MapType(info.id_type, t), inits, role, decl.name, span)  # type: ignore[arg-type]

    out = []
    for v in decl.locals:
        if v.name not in info.locals or info.locals[v.name][0] == info.faults_var:
            continue  # its type did not resolve, or it clashes with `faults N`: already reported
        var, t = info.locals[v.name]
        try:
            out.append(make(var, t, [initial_values(v, t, scope_for(i)) for i in ids], "local", v.span))
        except CheckError as e:
            report(e)
    first = info.labels[0] if info.labels else "done"
    out.append(make(info.pc_var, info.pc_type, [(Tag(first),)] * len(ids), "pc", decl.span))
    if info.sleep_var is not None:
        out.append(make(info.sleep_var, BOOL, [(decl.starts_asleep,)] * len(ids), "sleep", decl.span))
    if info.faults_var is not None:
        ft = IntType(0, info.faults_max)
        out.append(make(info.faults_var, ft, [(0,)] * len(ids), "retries", decl.span))
    return out
