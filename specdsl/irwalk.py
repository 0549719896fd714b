"""Generic traversals of IR expressions, shared by the checker and the backends."""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import fields, replace
from functools import cache

from specdsl.ir import Expr, MapComp, Param, Quant, SetComp, Var

EXPR_TYPES: frozenset[type] = frozenset(typing.get_args(Expr))
_BINDERS = (MapComp, SetComp, Quant)


def is_expr(x: object) -> bool:
    return type(x) in EXPR_TYPES


def _is_named_expr(x: object) -> bool:
    """A `(name, expr)` pair, as in MakeRecord.fields."""
    return isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], str) and is_expr(x[1])


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def children(e: Expr) -> Iterator[Expr]:
    """The direct sub-expressions of `e`, in field order."""
    for name in _field_names(type(e)):
        value = getattr(e, name)
        if is_expr(value):
            yield value
        elif isinstance(value, tuple):
            for item in value:
                if is_expr(item):
                    yield item
                elif _is_named_expr(item):
                    yield item[1]


def walk(e: Expr) -> Iterator[Expr]:
    """`e` and every sub-expression, pre-order."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(list(children(node))))


def vars_read(e: Expr) -> frozenset[str]:
    """Names of the state variables `e` reads."""
    return frozenset(n.name for n in walk(e) if isinstance(n, Var))


def transform(e: Expr, fn: Callable[[Expr], Expr | None]) -> Expr:
    """Rebuild `e` top-down: where `fn(node)` returns an expression it replaces
    the node (its subtree is not visited); otherwise the children are rebuilt."""
    out = fn(e)
    if out is not None:
        return out
    changes: dict[str, object] = {}
    for f in fields(e):  # type: ignore[arg-type]
        value = getattr(e, f.name)
        if is_expr(value):
            changes[f.name] = transform(value, fn)
        elif isinstance(value, tuple) and any(is_expr(i) or _is_named_expr(i) for i in value):
            changes[f.name] = tuple(
                transform(i, fn) if is_expr(i) else (i[0], transform(i[1], fn)) if _is_named_expr(i) else i
                for i in value
            )
    return replace(e, **changes) if changes else e  # type: ignore[type-var]


class FreeParams:
    """The free `Param` names of expressions, remembered per node (by identity), so that
    asking it of every sub-expression of a tree costs one walk."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[Expr, frozenset[str]]] = {}

    def __call__(self, e: Expr) -> frozenset[str]:
        hit = self._seen.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        if isinstance(e, Param):
            out = frozenset((e.name,))
        else:
            out = frozenset().union(*(self(c) for c in children(e)))
            if isinstance(e, _BINDERS):
                out -= {e.var}
        self._seen[id(e)] = (e, out)  # the node is kept alive with its entry, so its id is not reused
        return out


def substitute(e: Expr, mapping: Mapping[str, Expr]) -> Expr:
    """Replace free `Param(name)` by `mapping[name]`; a comprehension or
    quantifier shadows the name it binds."""

    def fn(node: Expr) -> Expr | None:
        if isinstance(node, Param):
            return mapping.get(node.name, node)
        if isinstance(node, _BINDERS) and node.var in mapping:
            inner = {k: v for k, v in mapping.items() if k != node.var}
            body = "cond" if isinstance(node, SetComp) else "body"
            return replace(node, **{body: substitute(getattr(node, body), inner)})  # type: ignore[type-var]
        return None

    return transform(e, fn)
