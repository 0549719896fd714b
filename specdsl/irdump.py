"""A readable dump of an IR system (`specdsl lint --dump-ir`), the printer
of IR expressions in DSL syntax (`format_expr`), shared with traces and diagrams,
and the printer of a lemma in the spec's own terms (`format_excluded`).

IR constructs that the DSL cannot write directly print as
`[m except [k] = v]`, `[r except .f = v]`, `payload(e, Tag)` and
`#{x in T where c}`.
"""

from __future__ import annotations

from collections.abc import Sequence

from specdsl.ir import (
    Action,
    Always,
    Binary,
    BoolType,
    Eventually,
    Except,
    Expr,
    Field,
    Index,
    InDomain,
    IsTag,
    Ite,
    LeadsTo,
    Lit,
    MakeRecord,
    MakeTag,
    MapComp,
    Model,
    Param,
    Payload,
    Process,
    Property,
    Quant,
    SetComp,
    SetLit,
    StateVar,
    System,
    TAnd,
    Temporal,
    TNot,
    TState,
    Type,
    Unary,
    Value,
    Var,
    WithField,
)
from specdsl.values import domain, format_value

_BINARY: dict[str, tuple[str, int]] = {
    "implies": ("=>", 1),
    "or": ("or", 2),
    "and": ("and", 3),
    "eq": ("==", 5),
    "ne": ("!=", 5),
    "lt": ("<", 5),
    "le": ("<=", 5),
    "gt": (">", 5),
    "ge": (">=", 5),
    "in": ("in", 5),
    "add": ("+", 6),
    "sub": ("-", 6),
    "union": ("union", 6),
    "inter": ("inter", 6),
    "diff": ("diff", 6),
    "mul": ("*", 7),
    "div": ("/", 7),
    "mod": ("%", 7),
}
_ATOM = 10


def format_expr(e: Expr) -> str:
    """`e` in DSL syntax, with the fewest parentheses that keep its meaning."""
    return _fmt(e)[0]


def _wrap(e: Expr, least: int) -> str:
    text, prec = _fmt(e)
    return text if prec >= least else f"({text})"


def _fmt(e: Expr) -> tuple[str, int]:  # noqa: C901 - one case per node
    if isinstance(e, Lit):
        return format_value(e.value), _ATOM
    if isinstance(e, Var | Param):
        return e.name, _ATOM
    if isinstance(e, Unary):
        if e.op == "not":
            return f"not {_wrap(e.arg, 4)}", 4
        return f"-{_wrap(e.arg, 8)}", 8
    if isinstance(e, Binary):
        sym, prec = _BINARY[e.op]
        if e.op == "implies":
            return f"{_wrap(e.lhs, prec + 1)} => {_wrap(e.rhs, prec)}", prec
        if prec == 5:  # comparisons do not chain
            return f"{_wrap(e.lhs, prec + 1)} {sym} {_wrap(e.rhs, prec + 1)}", prec
        return f"{_wrap(e.lhs, prec)} {sym} {_wrap(e.rhs, prec + 1)}", prec
    if isinstance(e, Ite):
        return f"if {format_expr(e.cond)} then {format_expr(e.then)} else {format_expr(e.orelse)}", 0
    if isinstance(e, Index):
        return f"{_wrap(e.map, 9)}[{format_expr(e.key)}]", 9
    if isinstance(e, Field):
        return f"{_wrap(e.record, 9)}.{e.name}", 9
    if isinstance(e, IsTag):
        return f"{_wrap(e.arg, 6)} is {e.tag}", 5
    if isinstance(e, Payload):
        return f"payload({format_expr(e.arg)}, {e.tag})", _ATOM
    if isinstance(e, MakeTag):
        return e.tag if e.payload is None else f"{e.tag}({format_expr(e.payload)})", _ATOM
    if isinstance(e, MakeRecord):
        return "{" + ", ".join(f"{n}: {format_expr(x)}" for n, x in e.fields) + "}", _ATOM
    if isinstance(e, MapComp):
        return f"[{e.var} in {e.key_type} -> {format_expr(e.body)}]", _ATOM
    if isinstance(e, Except):
        return f"[{format_expr(e.map)} except [{format_expr(e.key)}] = {format_expr(e.value)}]", _ATOM
    if isinstance(e, WithField):
        return f"[{format_expr(e.record)} except .{e.name} = {format_expr(e.value)}]", _ATOM
    if isinstance(e, SetLit):
        return "{" + ", ".join(format_expr(x) for x in e.elems) + "}", _ATOM
    if isinstance(e, SetComp):
        return f"{{{e.var} in {e.domain} where {format_expr(e.cond)}}}", _ATOM
    if isinstance(e, Quant):
        if e.kind == "count":
            return f"#{{{e.var} in {e.domain} where {format_expr(e.body)}}}", 8
        return f"{e.kind} {e.var} in {e.domain}: {format_expr(e.body)}", 0
    if isinstance(e, InDomain):
        return f"{_wrap(e.arg, 6)} in {e.type}", 5
    raise TypeError(f"unknown expression node {type(e).__name__}")


def format_temporal(f: Temporal) -> str:
    """A temporal formula in DSL syntax (`always`/`eventually` extend to the right)."""
    return _tfmt(f)[0]


def _twrap(f: Temporal, least: int) -> str:
    text, prec = _tfmt(f)
    return text if prec >= least else f"({text})"


def _tfmt(f: Temporal) -> tuple[str, int]:
    if isinstance(f, TState):
        return _fmt(f.expr)
    if isinstance(f, Always | Eventually):
        word = "always" if isinstance(f, Always) else "eventually"
        return f"{word} {_twrap(f.arg, 1)}", 1
    if isinstance(f, LeadsTo):
        return f"{_twrap(f.lhs, 1)} ~> {_twrap(f.rhs, 1)}", 0
    if isinstance(f, TNot):
        return f"not {_twrap(f.arg, 4)}", 4
    word, prec = (" and ", 3) if isinstance(f, TAnd) else (" or ", 2)
    return word.join(_twrap(a, prec + 1) for a in f.args), prec


# ---------------------------------------------------------------------------
# The dump


def dump(system: System) -> str:
    out = [f"system {system.name} ({system.file})"]
    if system.params:
        out.append("params: " + ", ".join(f"{n} = {v}" for n, v in system.params))
    out.append("variables:")
    out += [f"  {_variable(v)}" for v in system.variables]
    out.append("processes:")
    for p in system.processes:
        out += _process(p)
    out.append("actions:")
    for a in system.actions:
        out += _action(a)
    out.append("models:")
    for m in system.models:
        out += _model(m)
    out.append("properties:")
    for prop in system.properties:
        out += _property(prop)
    if system.expectations:
        out.append("expectations:")
        out += [f"  {name} {verdict}" for name, verdict in system.expectations]
    return "\n".join(out) + "\n"


def _variable(v: StateVar) -> str:
    init = (
        format_value(v.init[0])
        if len(v.init) == 1
        else "one of {" + ", ".join(map(format_value, v.init)) + "}"
    )
    role = v.role if v.owner is None else f"{v.role} of {v.owner}"
    return f"{v.name}: {v.type} = {init}  [{role}]"


def _process(p: Process) -> list[str]:
    kind = "environment" if p.environment else "process"
    ids = "" if p.id_type is None else f"[{p.id_name or 'self'} in {p.id_type}]"
    return [
        f"  {kind} {p.name}{ids}: fair {p.fairness}, pc {p.pc_var}, labels {', '.join(p.labels)}",
        f"    runnable: {format_expr(p.runnable)}",
    ]


def _action(a: Action) -> list[str]:
    params = ", ".join(f"{b.name} in {b.type}" for b in a.params)
    where = f"{a.span.file}:{a.span.line}" if a.span.line else "generated"
    out = [f"  {a.name}({params})  [{a.process}.{a.label}, {where}]", f"    guard: {format_expr(a.guard)}"]
    out += [f"    {u.var} := {format_expr(u.value)}" for u in a.updates]
    return out


def _model(m: Model) -> list[str]:
    out = [f"  {m.name}: {m.description}"]
    for c in m.constraints:
        who = c.process if c.instance is None else f"{c.process}[{format_value(c.instance)}]"
        out.append(f"    {who} steps only when {format_expr(c.allowed)}")
    for r in m.fairness:
        who = r.process if r.instance is None else f"{r.process}[{format_value(r.instance)}]"
        out.append(f"    fair {r.kind}: {who}")
    return out


def _property(p: Property) -> list[str]:
    if p.kind == "temporal":
        assert p.formula is not None
        return [f"  temporal {p.name} under {p.model}: {format_temporal(p.formula)}"]
    assert p.expr is not None
    if p.kind == "deadlock":
        return [f"  deadlock {p.name}: every state has a step, or {format_expr(p.expr)}"]
    return [f"  {p.kind} {p.name}: {format_expr(p.expr)}"]


def format_excluded(
    system: System, literals: Sequence[tuple[str, Value | None, Type, tuple[Value, ...]]]
) -> str:
    """`not (l1 in V1 and l2 in V2 ...)` for locations (a variable, or the entry `key` of a
    map variable) in the spec's own terms, as a `.sw` file could write it: program
    counters as `fault[1] at read`, locals as `fault[1].orig`, booleans bare.  A sleep
    flag has no name in the language: the IR's is used (`fault_asleep[1]`)."""
    parts = [_membership(system, var, key, t, values) for var, key, t, values in literals]
    if len(parts) > 1:
        parts = [f"({p})" if " or " in p and not p.startswith("not (") else p for p in parts]
    return f"not ({' and '.join(parts)})"


def _membership(system: System, var: str, key: Value | None, t: Type, values: tuple[Value, ...]) -> str:
    """`location in values` (labels: the shorter of the list and its complement)."""
    v = system.var(var)
    base, _, copy = var.partition("@")  # `pte@loop`: a copy of `pte` (see smt/l2s.py)
    at = "" if key is None else f"[{format_value(key)}]"
    at_copy = f"{at}@{copy}" if copy else at
    others = [x for x in domain(t) if x not in values] if len(values) > 1 else []
    if v.role == "pc":
        negate = 0 < len(others) < len(values)
        text = " or ".join(f"{v.owner}{at_copy} at {format_value(x)}" for x in (others if negate else values))
        if not negate:
            return text
        return f"not ({text})" if len(others) > 1 else f"not {text}"
    local = v.owner is not None and v.role != "sleep"
    name = f"{v.owner}{at}.{base.removeprefix(f'{v.owner}_')}" if local else f"{base}{at}"
    name += f"@{copy}" if copy else ""
    if isinstance(t, BoolType):
        return name if values == (True,) else f"not {name}"
    if len(values) == 1:
        return f"{name} == {format_value(values[0])}"
    if len(others) == 1:
        return f"{name} != {format_value(others[0])}"
    return f"{name} in {{{', '.join(format_value(x) for x in values)}}}"
