"""Symbolic IR values: an IR value flattened into Z3 leaves (booleans and integers).

Every term is built by a `Terms` object in its own Z3 context, so that encodings
of different systems never share Z3 state and may be solved on parallel threads.

Integers are exact.  Every integer term carries an interval that contains every
value it can take, so bit-vector widths follow from the types (interval
analysis) and no operation can wrap around; in integer mode (`bv=False`) the
terms are Z3 integers and the intervals only serve constant folding.

Layouts: a map over a finite key type is one value per key (in domain order), a
record one value per field, a set one boolean per element of its element type,
and a tagged value an integer tag (the variant's index) plus payload slots.
Variants with integer payloads share one integer slot; other variants share a
slot when their payload types are equal.  The payload of a variant that does not
hold is left unconstrained by equality and membership (the IR lets it be anything).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache

import z3
from z3.z3 import _to_expr_ref
from z3.z3core import Z3_mk_and, Z3_mk_or, Z3_substitute
from z3.z3types import Ast

from specdsl.ir import (
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
from specdsl.values import domain


class Substitution:
    """A fixed substitution of terms, applied through Z3's C API: z3py's `substitute`
    re-checks the sorts of every pair at each call, which took a fifth of the
    engine's time on the smaller specs (one substitution per template and step)."""

    def __init__(self, pairs: Sequence[tuple[z3.ExprRef, z3.ExprRef]]) -> None:
        self._pairs = list(pairs)  # keeps the terms alive: the arrays hold bare pointers
        self._from = (Ast * len(pairs))(*(a.as_ast() for a, _ in pairs))
        self._to = (Ast * len(pairs))(*(b.as_ast() for _, b in pairs))

    def __call__(self, term: z3.ExprRef) -> z3.ExprRef:
        ctx = term.ctx
        return _to_expr_ref(
            Z3_substitute(ctx.ref(), term.as_ast(), len(self._pairs), self._from, self._to), ctx
        )


def bits_for(lo: int, hi: int) -> int:
    """The width of the smallest signed bit-vector holding every value of lo..hi."""
    w = 1
    while not (-(1 << (w - 1)) <= lo and hi <= (1 << (w - 1)) - 1):
        w += 1
    return w


@dataclass(frozen=True, eq=False)
class SInt:
    term: z3.ExprRef  # a bit-vector (signed) or an integer
    lo: int
    hi: int

    @property
    def const(self) -> int | None:
        return self.lo if self.lo == self.hi else None


class Terms:
    """Builds terms in one Z3 context: booleans folded where constant, and exact
    integer arithmetic over bit-vectors (`bv=True`) or Z3 integers."""

    def __init__(self, bv: bool = True, ctx: z3.Context | None = None) -> None:
        self.bv = bv
        self.ctx = ctx or z3.Context()
        self.true = z3.BoolVal(True, self.ctx)
        self.false = z3.BoolVal(False, self.ctx)
        self._true, self._false = self.true.get_id(), self.false.get_id()

    # -- booleans (the hot path of encoding: constants are told by their id, and
    # conjunctions are made through the C API, without z3py's per-argument checks)

    def bool(self, v: bool) -> z3.BoolRef:
        return self.true if v else self.false

    def var(self, name: str) -> z3.BoolRef:
        return z3.Bool(name, self.ctx)

    def and_(self, *args: z3.BoolRef) -> z3.BoolRef:
        rest = [a for a in args if a.get_id() != self._true]
        if any(a.get_id() == self._false for a in rest):
            return self.false
        if not rest:
            return self.true
        return rest[0] if len(rest) == 1 else self._connect(Z3_mk_and, rest)

    def or_(self, *args: z3.BoolRef) -> z3.BoolRef:
        rest = [a for a in args if a.get_id() != self._false]
        if any(a.get_id() == self._true for a in rest):
            return self.true
        if not rest:
            return self.false
        return rest[0] if len(rest) == 1 else self._connect(Z3_mk_or, rest)

    def _connect(self, make: Callable[..., object], args: Sequence[z3.BoolRef]) -> z3.BoolRef:
        return z3.BoolRef(
            make(self.ctx.ref(), len(args), (Ast * len(args))(*(a.as_ast() for a in args))), self.ctx
        )

    def not_(self, a: z3.BoolRef) -> z3.BoolRef:
        if a.get_id() == self._true:
            return self.false
        if a.get_id() == self._false:
            return self.true
        return z3.Not(a)

    def implies(self, a: z3.BoolRef, b: z3.BoolRef) -> z3.BoolRef:
        return self.or_(self.not_(a), b)

    def bool_ite(self, c: z3.BoolRef, a: z3.BoolRef, b: z3.BoolRef) -> z3.BoolRef:
        if z3.is_true(c) or a.eq(b):
            return a
        if z3.is_false(c):
            return b
        return z3.If(c, a, b)

    def bool_eq(self, a: z3.BoolRef, b: z3.BoolRef) -> z3.BoolRef:
        if a.eq(b):
            return self.true
        if z3.is_true(a) or z3.is_true(b):
            return b if z3.is_true(a) else a
        if z3.is_false(a) or z3.is_false(b):
            return self.not_(b if z3.is_false(a) else a)
        return a == b

    # -- integers

    def const(self, v: int) -> SInt:
        term = z3.BitVecVal(v, bits_for(v, v), self.ctx) if self.bv else z3.IntVal(v, self.ctx)
        return SInt(term, v, v)

    def sort(self, lo: int, hi: int) -> z3.SortRef:
        return z3.BitVecSort(bits_for(lo, hi), self.ctx) if self.bv else z3.IntSort(self.ctx)

    def at_width(self, a: SInt, w: int) -> z3.ExprRef:
        """`a`'s term as a `w`-bit vector (exact when a's interval fits in w bits)."""
        if not self.bv:
            return a.term
        if a.const is not None:
            return z3.BitVecVal(a.const, w, self.ctx)
        cur = a.term.size()
        if cur < w:
            return z3.SignExt(w - cur, a.term)
        return z3.Extract(w - 1, 0, a.term) if cur > w else a.term

    def fit(self, a: SInt, lo: int, hi: int) -> z3.ExprRef:
        """`a`'s term in the sort of interval lo..hi (which must contain a's)."""
        return self.at_width(a, bits_for(lo, hi)) if self.bv else a.term

    def _align(self, *args: SInt, lo: int, hi: int) -> tuple[z3.ExprRef, ...]:
        if not self.bv:
            return tuple(a.term for a in args)
        w = max(bits_for(lo, hi), *(bits_for(a.lo, a.hi) for a in args))
        return tuple(self.at_width(a, w) for a in args)

    def _op(self, lo: int, hi: int, fn: Callable[..., z3.ExprRef], *args: SInt) -> SInt:
        if lo == hi:
            return self.const(lo)
        return SInt(fn(*self._align(*args, lo=lo, hi=hi)), lo, hi)

    def add(self, a: SInt, b: SInt) -> SInt:
        return self._op(a.lo + b.lo, a.hi + b.hi, lambda x, y: x + y, a, b)

    def sub(self, a: SInt, b: SInt) -> SInt:
        return self._op(a.lo - b.hi, a.hi - b.lo, lambda x, y: x - y, a, b)

    def neg(self, a: SInt) -> SInt:
        return self._op(-a.hi, -a.lo, lambda x: -x, a)

    def mul(self, a: SInt, b: SInt) -> SInt:
        corners = [x * y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        return self._op(min(corners), max(corners), lambda x, y: x * y, a, b)

    def div(self, a: SInt, b: SInt) -> SInt:
        """Floor division; division by zero gives an unspecified value."""
        if a.const is not None and b.const:
            return self.const(a.const // b.const)
        m = max(abs(a.lo), abs(a.hi), 1)
        room = m + max(abs(b.lo), abs(b.hi))  # the intermediate x - x mod y
        return SInt(self._floor_div(*self._align(a, b, lo=-room, hi=room)), -m, m)

    def mod(self, a: SInt, b: SInt) -> SInt:
        """Floor modulo (the sign follows the divisor)."""
        if a.const is not None and b.const:
            return self.const(a.const % b.const)
        lo, hi = min(0, b.lo + 1, a.lo), max(0, b.hi - 1, a.hi)
        return self._op(lo, hi, self._floor_mod, a, b)

    def _floor_div(self, x: z3.ExprRef, y: z3.ExprRef) -> z3.ExprRef:
        if self.bv:
            return (x - x % y) / y  # exact: z3py % on bit-vectors is bvsmod, the floor remainder
        return z3.If(y >= 0, x / y, (-x) / (-y))  # Z3's integer division is Euclidean

    def _floor_mod(self, x: z3.ExprRef, y: z3.ExprRef) -> z3.ExprRef:
        return x % y if self.bv else x - y * self._floor_div(x, y)

    def ite(self, c: z3.BoolRef, a: SInt, b: SInt) -> SInt:
        if z3.is_true(c):
            return a
        if z3.is_false(c):
            return b
        if a.term.eq(b.term) and (a.lo, a.hi) == (b.lo, b.hi):
            return a
        lo, hi = min(a.lo, b.lo), max(a.hi, b.hi)
        x, y = self._align(a, b, lo=lo, hi=hi)
        return SInt(z3.If(c, x, y), lo, hi)

    def compare(self, op: str, a: SInt, b: SInt) -> z3.BoolRef:
        """`op` is one of eq, lt, le; folded when the intervals decide it."""
        if op == "eq":
            if a.hi < b.lo or b.hi < a.lo:
                return self.false
            if a.const is not None and a.const == b.const:
                return self.true
        elif op == "lt":
            if a.hi < b.lo:
                return self.true
            if a.lo >= b.hi:
                return self.false
        elif a.hi <= b.lo:
            return self.true
        elif a.lo > b.hi:
            return self.false
        x, y = self._align(a, b, lo=min(a.lo, b.lo), hi=max(a.hi, b.hi))
        if op == "eq":
            return x == y
        return x < y if op == "lt" else x <= y  # on bit-vectors, z3py's < and <= are signed

    def within(self, a: SInt, lo: int, hi: int) -> z3.BoolRef:
        return self.and_(self.compare("le", self.const(lo), a), self.compare("le", a, self.const(hi)))

    def value(self, model: z3.ModelRef, term: z3.ExprRef) -> int:
        v = model.eval(term, model_completion=True)
        return v.as_signed_long() if self.bv else v.as_long()


# ---------------------------------------------------------------------------
# Structured values


@dataclass(frozen=True, eq=False)
class STag:
    type: TaggedType
    tag: SInt
    slots: tuple[SVal, ...]


@dataclass(frozen=True, eq=False)
class SRec:
    fields: tuple[tuple[str, SVal], ...]

    def get(self, name: str) -> SVal:
        return dict(self.fields)[name]


@dataclass(frozen=True, eq=False)
class SMap:
    key: Type
    items: tuple[SVal, ...]  # in the key type's domain order


@dataclass(frozen=True, eq=False)
class SSet:
    elem: Type
    bits: tuple[z3.BoolRef, ...]  # one per value of `elem`, in domain order


SVal = z3.BoolRef | SInt | STag | SRec | SMap | SSet


@cache
def tag_slots(t: TaggedType) -> tuple[tuple[Type, ...], tuple[int | None, ...]]:
    """The payload slot types of `t` and, per variant, the slot holding its payload."""
    keys: list[object] = []
    lo: int | None = None
    hi: int | None = None
    index: list[int | None] = []
    for v in t.variants:
        p = v.payload
        if p is None:
            index.append(None)
            continue
        key: object = "int" if isinstance(p, IntType) else p
        if isinstance(p, IntType):
            lo = p.lo if lo is None else min(lo, p.lo)
            hi = p.hi if hi is None else max(hi, p.hi)
        if key not in keys:
            keys.append(key)
        index.append(keys.index(key))
    types = tuple(IntType(lo, hi) if k == "int" else k for k in keys)  # type: ignore[arg-type, misc]
    return types, tuple(index)  # type: ignore[return-value]


def tag_index(t: TaggedType, tag: str) -> int:
    return [v.tag for v in t.variants].index(tag)


def first_value(t: Type) -> Value:
    """The first value of `t` in domain order (the canonical filler of unused payload slots)."""
    if isinstance(t, BoolType):
        return False
    if isinstance(t, IntType):
        return t.lo
    if isinstance(t, TaggedType):
        v = t.variants[0]
        return Tag(v.tag, None if v.payload is None else first_value(v.payload))
    if isinstance(t, RecordType):
        return Rec(tuple((n, first_value(ft)) for n, ft in t.fields))
    if isinstance(t, MapType):
        return MapVal(tuple((k, first_value(t.value)) for k in domain(t.key)))
    if isinstance(t, SetType):
        return frozenset()
    raise TypeError(t)


def const(tm: Terms, t: Type, v: Value) -> SVal:
    """The symbolic constant for value `v` of type `t`."""
    if isinstance(t, BoolType):
        return tm.bool(bool(v))
    if isinstance(t, IntType):
        return tm.const(v)  # type: ignore[arg-type]
    if isinstance(t, TaggedType):
        assert isinstance(v, Tag)
        types, index = tag_slots(t)
        i = tag_index(t, v.tag)
        slots = [const(tm, st, first_value(st)) for st in types]
        if index[i] is not None:
            slots[index[i]] = const(tm, types[index[i]], v.payload)  # type: ignore[index, arg-type]
        return STag(t, tm.const(i), tuple(slots))
    if isinstance(t, RecordType):
        assert isinstance(v, Rec)
        return SRec(tuple((n, const(tm, ft, v.get(n))) for n, ft in t.fields))
    if isinstance(t, MapType):
        assert isinstance(v, MapVal)
        return SMap(t.key, tuple(const(tm, t.value, x) for _, x in v.items))
    if isinstance(t, SetType):
        assert isinstance(v, frozenset)
        return SSet(t.elem, tuple(tm.bool(e in v) for e in domain(t.elem)))
    raise TypeError(t)


def equal(tm: Terms, a: SVal, b: SVal) -> z3.BoolRef:
    """Value equality (payloads of variants that do not hold are ignored)."""
    if isinstance(a, SInt):
        return tm.compare("eq", a, b)  # type: ignore[arg-type]
    if isinstance(a, STag):
        assert isinstance(b, STag)
        _, index = tag_slots(a.type)
        parts = [tm.compare("eq", a.tag, b.tag)]
        for i, slot in enumerate(index):
            if slot is not None:
                is_i = tm.compare("eq", a.tag, tm.const(i))
                if not z3.is_false(is_i):
                    parts.append(tm.implies(is_i, equal(tm, a.slots[slot], b.slots[slot])))
        return tm.and_(*parts)
    if isinstance(a, SRec):
        assert isinstance(b, SRec)
        return tm.and_(*(equal(tm, x, b.get(n)) for n, x in a.fields))
    if isinstance(a, SMap):
        assert isinstance(b, SMap)
        return tm.and_(*(equal(tm, x, y) for x, y in zip(a.items, b.items)))
    if isinstance(a, SSet):
        assert isinstance(b, SSet)
        _, xs, ys = align_sets(tm, a, b)
        return tm.and_(*(tm.bool_eq(x, y) for x, y in zip(xs, ys)))
    return tm.bool_eq(a, b)  # type: ignore[arg-type]


def align_sets(tm: Terms, a: SSet, b: SSet) -> tuple[Type, tuple[z3.BoolRef, ...], tuple[z3.BoolRef, ...]]:
    """Both sets' bits over one element type (integer ranges are widened to their hull)."""
    if a.elem == b.elem:
        return a.elem, a.bits, b.bits
    if not (isinstance(a.elem, IntType) and isinstance(b.elem, IntType)):
        raise TypeError(f"sets over {a.elem} and {b.elem}")
    t = IntType(min(a.elem.lo, b.elem.lo), max(a.elem.hi, b.elem.hi))

    def widen(s: SSet) -> tuple[z3.BoolRef, ...]:
        bits = dict(zip(domain(s.elem), s.bits))
        return tuple(bits.get(x, tm.false) for x in domain(t))

    return t, widen(a), widen(b)


def ite(tm: Terms, c: z3.BoolRef, a: SVal, b: SVal) -> SVal:
    if z3.is_true(c):
        return a
    if z3.is_false(c):
        return b
    if isinstance(a, SInt):
        return tm.ite(c, a, b)  # type: ignore[arg-type]
    if isinstance(a, STag):
        assert isinstance(b, STag)
        return STag(
            a.type, tm.ite(c, a.tag, b.tag), tuple(ite(tm, c, x, y) for x, y in zip(a.slots, b.slots))
        )
    if isinstance(a, SRec):
        assert isinstance(b, SRec)
        return SRec(tuple((n, ite(tm, c, x, b.get(n))) for n, x in a.fields))
    if isinstance(a, SMap):
        assert isinstance(b, SMap)
        return SMap(a.key, tuple(ite(tm, c, x, y) for x, y in zip(a.items, b.items)))
    if isinstance(a, SSet):
        assert isinstance(b, SSet)
        t, xs, ys = align_sets(tm, a, b)
        return SSet(t, tuple(tm.bool_ite(c, x, y) for x, y in zip(xs, ys)))
    return tm.bool_ite(c, a, b)  # type: ignore[arg-type]


def in_domain(tm: Terms, t: Type, a: SVal) -> z3.BoolRef:
    """Whether `a` is a value of type `t`."""
    if isinstance(t, BoolType):
        return tm.true
    if isinstance(t, IntType):
        assert isinstance(a, SInt)
        return tm.within(a, t.lo, t.hi)
    if isinstance(t, TaggedType):
        assert isinstance(a, STag)
        _, index = tag_slots(t)
        parts = [tm.within(a.tag, 0, len(t.variants) - 1)]
        for i, v in enumerate(t.variants):
            if v.payload is not None:
                ok = in_domain(tm, v.payload, a.slots[index[i]])  # type: ignore[index]
                parts.append(tm.implies(tm.compare("eq", a.tag, tm.const(i)), ok))
        return tm.and_(*parts)
    if isinstance(t, RecordType):
        assert isinstance(a, SRec)
        return tm.and_(*(in_domain(tm, ft, a.get(n)) for n, ft in t.fields))
    if isinstance(t, MapType):
        assert isinstance(a, SMap)
        return tm.and_(*(in_domain(tm, t.value, x) for x in a.items))
    if isinstance(t, SetType):
        assert isinstance(a, SSet)
        inside = set(domain(t.elem))
        return tm.and_(*(tm.not_(b) for x, b in zip(domain(a.elem), a.bits) if x not in inside))
    raise TypeError(t)


# ---------------------------------------------------------------------------
# Leaves: flattening values into scalars and back


@dataclass(frozen=True)
class LeafSpec:
    """One scalar of a flattened variable: a boolean, or an integer in lo..hi."""

    name: str
    is_bool: bool
    lo: int = 0
    hi: int = 0


def leaf_specs(t: Type, name: str) -> list[LeafSpec]:
    """The scalars of type `t`, named after their path, in the order `build` consumes them."""
    if isinstance(t, BoolType):
        return [LeafSpec(name, True)]
    if isinstance(t, IntType):
        return [LeafSpec(name, False, t.lo, t.hi)]
    if isinstance(t, TaggedType):
        types, _ = tag_slots(t)
        out = [LeafSpec(f"{name}.tag", False, 0, len(t.variants) - 1)]
        for i, st in enumerate(types):
            out += leaf_specs(st, f"{name}.${i}")
        return out
    if isinstance(t, RecordType):
        return [leaf for n, ft in t.fields for leaf in leaf_specs(ft, f"{name}.{n}")]
    if isinstance(t, MapType):
        return [leaf for k in domain(t.key) for leaf in leaf_specs(t.value, f"{name}[{k}]")]
    if isinstance(t, SetType):
        return [LeafSpec(f"{name}{{{e}}}", True) for e in domain(t.elem)]
    raise TypeError(t)


def build(t: Type, leaves: Iterator[SVal]) -> SVal:
    """The value of type `t` made of the next leaves (booleans and SInts) of `leaves`."""
    if isinstance(t, BoolType | IntType):
        return next(leaves)
    if isinstance(t, TaggedType):
        types, _ = tag_slots(t)
        tag = next(leaves)
        assert isinstance(tag, SInt)
        return STag(t, tag, tuple(build(st, leaves) for st in types))
    if isinstance(t, RecordType):
        return SRec(tuple((n, build(ft, leaves)) for n, ft in t.fields))
    if isinstance(t, MapType):
        return SMap(t.key, tuple(build(t.value, leaves) for _ in domain(t.key)))
    if isinstance(t, SetType):
        return SSet(t.elem, tuple(next(leaves) for _ in domain(t.elem)))  # type: ignore[misc]
    raise TypeError(t)


def flatten(tm: Terms, t: Type, a: SVal) -> list[SVal]:
    """The leaves of `a` (a value of type `t`), in `leaf_specs` order."""
    if isinstance(t, BoolType | IntType):
        return [a]
    if isinstance(t, TaggedType):
        assert isinstance(a, STag)
        types, _ = tag_slots(t)
        return [a.tag, *(leaf for st, s in zip(types, a.slots) for leaf in flatten(tm, st, s))]
    if isinstance(t, RecordType):
        assert isinstance(a, SRec)
        return [leaf for n, ft in t.fields for leaf in flatten(tm, ft, a.get(n))]
    if isinstance(t, MapType):
        assert isinstance(a, SMap)
        return [leaf for x in a.items for leaf in flatten(tm, t.value, x)]
    if isinstance(t, SetType):
        assert isinstance(a, SSet)
        return list(a.bits if a.elem == t.elem else _restrict(tm, a, t.elem))
    raise TypeError(t)


def _restrict(tm: Terms, a: SSet, elem: Type) -> tuple[z3.BoolRef, ...]:
    bits = dict(zip(domain(a.elem), a.bits))
    return tuple(bits.get(x, tm.false) for x in domain(elem))


def decode(t: Type, a: SVal, scalar: Callable[[SVal], bool | int]) -> Value:
    """The IR value of `a` (type `t`), with each leaf's value given by `scalar`."""
    if isinstance(t, BoolType):
        return bool(scalar(a))
    if isinstance(t, IntType):
        return int(scalar(a))
    if isinstance(t, TaggedType):
        assert isinstance(a, STag)
        _, index = tag_slots(t)
        i = int(scalar(a.tag))
        v = t.variants[i]
        if v.payload is None:
            return Tag(v.tag)
        return Tag(v.tag, decode(v.payload, a.slots[index[i]], scalar))  # type: ignore[index]
    if isinstance(t, RecordType):
        assert isinstance(a, SRec)
        return Rec(tuple((n, decode(ft, a.get(n), scalar)) for n, ft in t.fields))
    if isinstance(t, MapType):
        assert isinstance(a, SMap)
        return MapVal(tuple((k, decode(t.value, x, scalar)) for k, x in zip(domain(t.key), a.items)))
    if isinstance(t, SetType):
        assert isinstance(a, SSet)
        return frozenset(e for e, b in zip(domain(a.elem), a.bits) if scalar(b))
    raise TypeError(t)


def leaf_terms(leaves: Sequence[SVal]) -> list[z3.ExprRef]:
    return [x.term if isinstance(x, SInt) else x for x in leaves]  # type: ignore[misc]
