"""Finite domains of IR types (their values, and how many: exact or capped), and values
printed in DSL syntax."""

from __future__ import annotations

import itertools
from functools import cache

from specdsl.ir import (
    MAX_VALUES,
    BoolType,
    IntType,
    MapType,
    MapVal,
    Rec,
    RecordType,
    SetType,
    Tag,
    TaggedType,
    Type,
    Value,
)


def domain_size(t: Type) -> int:
    """Number of values of `t`, computed without enumerating them."""
    if isinstance(t, BoolType):
        return 2
    if isinstance(t, IntType):
        return max(0, t.hi - t.lo + 1)
    if isinstance(t, TaggedType):
        return sum(1 if v.payload is None else domain_size(v.payload) for v in t.variants)
    if isinstance(t, RecordType):
        n = 1
        for _, ft in t.fields:
            n *= domain_size(ft)
        return n
    if isinstance(t, MapType):
        return domain_size(t.value) ** domain_size(t.key)
    if isinstance(t, SetType):
        return 2 ** domain_size(t.elem)
    raise TypeError(t)


@cache
def capped_size(t: Type, cap: int = MAX_VALUES + 1) -> int:
    """The number of values of `t`, or `cap` when there are at least that many
    (never builds the huge numbers `set of set of ...` would need)."""
    if isinstance(t, BoolType):
        n = 2
    elif isinstance(t, IntType):
        n = max(0, t.hi - t.lo + 1)
    elif isinstance(t, TaggedType):
        n = sum(1 if v.payload is None else capped_size(v.payload, cap) for v in t.variants)
    elif isinstance(t, RecordType):
        n = 1
        for _, ft in t.fields:
            n = min(n * capped_size(ft, cap), cap)
    elif isinstance(t, MapType):
        n = _capped_power(capped_size(t.value, cap), capped_size(t.key, cap), cap)
    elif isinstance(t, SetType):
        n = _capped_power(2, capped_size(t.elem, cap), cap)
    else:  # pragma: no cover - the Type union is closed
        raise TypeError(t)
    return min(n, cap)


def _capped_power(base: int, exp: int, cap: int) -> int:
    if base <= 1:
        return 1 if exp == 0 else base
    n = 1
    for _ in range(exp):
        n *= base
        if n >= cap:
            return cap
    return n


def domain(t: Type) -> tuple[Value, ...]:
    """Every value of `t`, in the canonical order (the order engines share)."""
    if isinstance(t, BoolType):
        return (False, True)
    if isinstance(t, IntType):
        return tuple(range(t.lo, t.hi + 1))
    if isinstance(t, TaggedType):
        out: list[Value] = []
        for v in t.variants:
            if v.payload is None:
                out.append(Tag(v.tag))
            else:
                out.extend(Tag(v.tag, p) for p in domain(v.payload))
        return tuple(out)
    if isinstance(t, RecordType):
        names = [n for n, _ in t.fields]
        return tuple(
            Rec(tuple(zip(names, combo))) for combo in itertools.product(*(domain(ft) for _, ft in t.fields))
        )
    if isinstance(t, MapType):
        keys = domain(t.key)
        return tuple(
            MapVal(tuple(zip(keys, combo))) for combo in itertools.product(domain(t.value), repeat=len(keys))
        )
    if isinstance(t, SetType):
        elems = domain(t.elem)
        return tuple(
            frozenset(e for e, bit in zip(elems, bits) if bit)
            for bits in itertools.product((False, True), repeat=len(elems))
        )
    raise TypeError(t)


def contains(t: Type, v: Value) -> bool:
    """Whether `v` is a value of `t` (without enumerating large domains)."""
    if isinstance(t, BoolType):
        return isinstance(v, bool)
    if isinstance(t, IntType):
        return isinstance(v, int) and not isinstance(v, bool) and t.lo <= v <= t.hi
    if isinstance(t, TaggedType):
        if not isinstance(v, Tag):
            return False
        for var in t.variants:
            if var.tag == v.tag:
                if var.payload is None:
                    return v.payload is None
                return v.payload is not None and contains(var.payload, v.payload)
        return False
    if isinstance(t, RecordType):
        return (
            isinstance(v, Rec)
            and [n for n, _ in v.fields] == [n for n, _ in t.fields]
            and all(contains(ft, fv) for (_, ft), (_, fv) in zip(t.fields, v.fields))
        )
    if isinstance(t, MapType):
        return (
            isinstance(v, MapVal)
            and [k for k, _ in v.items] == list(domain(t.key))
            and all(contains(t.value, x) for _, x in v.items)
        )
    if isinstance(t, SetType):
        return isinstance(v, frozenset) and all(contains(t.elem, e) for e in v)
    raise TypeError(t)


def format_value(v: Value) -> str:
    """A value in DSL syntax: `true`, `3`, `Swap(0)`, `[0 -> 1, 1 -> 0]`, `{1, 2}`."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Tag):
        return v.tag if v.payload is None else f"{v.tag}({format_value(v.payload)})"
    if isinstance(v, Rec):
        return "{" + ", ".join(f"{n}: {format_value(x)}" for n, x in v.fields) + "}"
    if isinstance(v, MapVal):
        return "[" + ", ".join(f"{format_value(k)} -> {format_value(x)}" for k, x in v.items) + "]"
    if isinstance(v, frozenset):
        return "{" + ", ".join(sorted(format_value(e) for e in v)) + "}"
    raise TypeError(v)
