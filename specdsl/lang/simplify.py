"""Smart constructors for IR expressions: fold constants and drop the
bookkeeping that symbolic execution leaves behind (`m EXCEPT ![k] = v` read at
`k`), so that the lowered IR stays readable in dumps and generated TLA+."""

from __future__ import annotations

from specdsl.interp import EvalError, evaluate
from specdsl.ir import (
    BOOL,
    FALSE,
    TRUE,
    Binary,
    Except,
    Expr,
    Field,
    Index,
    IntType,
    IsTag,
    Ite,
    Lit,
    MakeRecord,
    MakeTag,
    MapVal,
    Payload,
    Rec,
    Tag,
    TaggedType,
    Type,
    Unary,
    WithField,
)


def lit_int(v: int) -> Lit:
    return Lit(v, IntType(v, v))


def lit(value: object, t: Type) -> Lit:
    """A literal; integers always get their singleton type."""
    if isinstance(value, int) and not isinstance(value, bool):
        return lit_int(value)
    return Lit(value, t)  # type: ignore[arg-type]


def unary(op: str, a: Expr) -> Expr:
    if isinstance(a, Lit):
        return lit(evaluate(Unary(op, a), {}), BOOL)  # type: ignore[arg-type]
    if isinstance(a, Unary) and a.op == op:
        return a.arg
    return Unary(op, a)  # type: ignore[arg-type]


def binary(op: str, a: Expr, b: Expr, result: Type = BOOL) -> Expr:
    if isinstance(a, Lit) and isinstance(b, Lit):
        try:
            return lit(evaluate(Binary(op, a, b), {}), result)
        except EvalError:
            pass  # division by zero: left for the checker's callers to report at run time
    if op in ("add", "sub") and b == lit_int(0):
        return a
    if op == "add" and a == lit_int(0):
        return b
    if op == "and":
        if a == TRUE or b == FALSE:
            return b
        if b == TRUE or a == FALSE:
            return a
    elif op == "or":
        if a == FALSE or b == TRUE:
            return b
        if b == FALSE or a == TRUE:
            return a
    elif op == "implies":
        if a == TRUE:
            return b
        if a == FALSE or b == TRUE:
            return TRUE
    return Binary(op, a, b)


def conj(args: list[Expr]) -> Expr:
    out: Expr = TRUE
    for a in dict.fromkeys(args):  # a repeated conjunct adds nothing
        out = binary("and", out, a)
    return out


def disj(args: list[Expr]) -> Expr:
    out: Expr = FALSE
    for a in dict.fromkeys(args):
        out = binary("or", out, a)
    return out


def ite(c: Expr, a: Expr, b: Expr) -> Expr:
    if isinstance(c, Lit):
        return a if c.value else b
    if a == b:
        return a
    if a == TRUE and b == FALSE:
        return c
    return Ite(c, a, b)


def index(m: Expr, k: Expr, value_type: Type) -> Expr:
    while isinstance(m, Except):
        if m.key == k:
            return m.value
        if not (isinstance(m.key, Lit) and isinstance(k, Lit)):
            break
        m = m.map
    if isinstance(m, Lit) and isinstance(k, Lit) and isinstance(m.value, MapVal):
        return lit(m.value.get(k.value), value_type)
    return Index(m, k)


def except_(m: Expr, k: Expr, v: Expr) -> Expr:
    if isinstance(m, Except) and m.key == k:
        m = m.map
    if v == Index(m, k):
        return m
    return Except(m, k, v)


def field(r: Expr, name: str, field_type: Type) -> Expr:
    while isinstance(r, WithField):
        if r.name == name:
            return r.value
        r = r.record
    if isinstance(r, MakeRecord):
        return dict(r.fields)[name]
    if isinstance(r, Lit) and isinstance(r.value, Rec):
        return lit(r.value.get(name), field_type)
    return Field(r, name)


def with_field(r: Expr, name: str, v: Expr) -> Expr:
    if isinstance(r, WithField) and r.name == name:
        r = r.record
    if v == Field(r, name):
        return r
    return WithField(r, name, v)


def is_tag(e: Expr, tag: str) -> Expr:
    if isinstance(e, Lit) and isinstance(e.value, Tag):
        return TRUE if e.value.tag == tag else FALSE
    if isinstance(e, MakeTag):
        return TRUE if e.tag == tag else FALSE
    return IsTag(e, tag)


def payload(e: Expr, tag: str, payload_type: Type) -> Expr:
    if isinstance(e, MakeTag) and e.tag == tag and e.payload is not None:
        return e.payload
    if isinstance(e, Lit) and isinstance(e.value, Tag) and e.value.tag == tag and e.value.payload is not None:
        return lit(e.value.payload, payload_type)
    return Payload(e, tag)


def make_tag(t: TaggedType, tag: str, arg: Expr | None) -> Expr:
    if arg is None:
        return Lit(Tag(tag), t)
    if isinstance(arg, Lit):
        return Lit(Tag(tag, arg.value), t)
    return MakeTag(t, tag, arg)


def make_record(t: Type, fields: tuple[tuple[str, Expr], ...]) -> Expr:
    if all(isinstance(x, Lit) for _, x in fields):
        return Lit(Rec(tuple((n, x.value) for n, x in fields)), t)  # type: ignore[union-attr]
    return MakeRecord(t, fields)  # type: ignore[arg-type]
