"""Bound names in lowered expressions: no binder may reuse a name that is
already bound around it.

Inlining definitions and quantifying `pick` parameters in `runnable` can nest
two binders of the same name (`exists s: ... forall s: ...`).  That is sound,
but TLA+ rejects it (SANY: multiply-defined symbol), so the checker renames the
inner binder before any backend sees the expression.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from specdsl.ir import Expr, MapComp, Param, Quant, SetComp
from specdsl.irwalk import substitute, transform, walk

_BINDERS = (MapComp, SetComp, Quant)


def unshadow(e: Expr, bound: Iterable[str] = ()) -> Expr:
    """`e` with every binder that shadows an enclosing one (or a name in
    `bound`, such as an action's parameters) renamed to a fresh name."""
    outer = frozenset(bound)
    taken = set(outer)
    for node in walk(e):
        if isinstance(node, Param):
            taken.add(node.name)
        elif isinstance(node, _BINDERS):
            taken.add(node.var)

    def fresh(name: str) -> str:
        i = 1
        while f"{name}_{i}" in taken:
            i += 1
        taken.add(f"{name}_{i}")
        return f"{name}_{i}"

    def go(x: Expr, bound_here: frozenset[str]) -> Expr:
        def fn(node: Expr) -> Expr | None:
            if not isinstance(node, _BINDERS):
                return None
            body_field = "cond" if isinstance(node, SetComp) else "body"
            body, var = getattr(node, body_field), node.var
            if var in bound_here:
                new = fresh(var)
                body, var = substitute(body, {var: Param(new)}), new
            return replace(node, var=var, **{body_field: go(body, bound_here | {var})})  # type: ignore[type-var]

        return transform(x, fn)

    return go(e, outer)
