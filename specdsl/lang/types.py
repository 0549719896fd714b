"""Type relations used by the checker: compatibility, joins, and the state-space guard
(the value cap itself, `ir.MAX_VALUES`, is the IR's promise to the engines)."""

from __future__ import annotations

from specdsl.ir import (
    BoolType,
    IntType,
    MapType,
    RecordType,
    SetType,
    TaggedType,
    Type,
)
from specdsl.values import capped_size

MAX_STATE_CELLS = 4096  # scalar components of one state (a map of 60000 keys to 0..0 has one value)
MAX_GROUND_ACTIONS = 16384  # actions times the values of their parameters: what the engines enumerate
# Every integer a spec can compute lies here: TLC's integers are 32-bit and it
# stops with an error on overflow; Python's would grow without bound.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
INT_RANGE = f"{INT_MIN}..{INT_MAX}"


def within_int_range(t: IntType) -> bool:
    return t.lo >= INT_MIN and t.hi <= INT_MAX


def state_cells(t: Type) -> int:
    """The scalar components a value of `t` is stored in: one per number,
    boolean or tag (and its payload's), one per key of a map, one per possible
    element of a set.  Assumes `t` passed the value cap (its keys are few)."""
    if isinstance(t, TaggedType):
        return 1 + max((state_cells(v.payload) for v in t.variants if v.payload is not None), default=0)
    if isinstance(t, RecordType):
        return sum(state_cells(ft) for _, ft in t.fields)
    if isinstance(t, MapType):
        return capped_size(t.key) * state_cells(t.value)
    if isinstance(t, SetType):
        return capped_size(t.elem)
    return 1


def compatible(a: Type, b: Type) -> bool:
    """Whether values of `a` and `b` can be compared or assigned to each other
    (integer ranges are all compatible: a range is checked at run time by TypeOK)."""
    if isinstance(a, IntType) and isinstance(b, IntType):
        return True
    if isinstance(a, MapType) and isinstance(b, MapType):
        return compatible(a.key, b.key) and compatible(a.value, b.value)
    if isinstance(a, SetType) and isinstance(b, SetType):
        return compatible(a.elem, b.elem)
    return a == b


def join(a: Type, b: Type) -> Type:
    """The smallest type holding both (for compatible types)."""
    if isinstance(a, IntType) and isinstance(b, IntType):
        return IntType(min(a.lo, b.lo), max(a.hi, b.hi))
    if isinstance(a, SetType) and isinstance(b, SetType):
        return SetType(join(a.elem, b.elem))
    if isinstance(a, MapType) and isinstance(b, MapType):
        return MapType(a.key, join(a.value, b.value))
    return a


def arith_range(op: str, a: IntType, b: IntType) -> IntType:
    """Interval arithmetic, for the type of an integer expression."""
    if op in ("add", "sub", "mul"):
        if op == "add":
            vals = [a.lo + b.lo, a.hi + b.hi]
        elif op == "sub":
            vals = [a.lo - b.hi, a.hi - b.lo]
        else:
            vals = [x * y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        return IntType(min(vals), max(vals))
    divisors = [d for d in (b.lo, b.hi, -1, 1) if d != 0 and b.lo <= d <= b.hi]
    if op == "mod":
        m = max((abs(d) for d in divisors), default=1)
        return IntType(min(0, -(m - 1)) if b.lo < 0 else 0, m - 1 if b.hi > 0 else 0)
    vals = [x // d for x in (a.lo, a.hi) for d in divisors] or [0]
    return IntType(min(vals + [0]), max(vals + [0]))


def describe(t: Type) -> str:
    """A type as the user wrote it (`Pte`, `0..2`, `[Slot] -> bool`)."""
    if isinstance(t, MapType):
        return f"[{describe(t.key)}] -> {describe(t.value)}"
    if isinstance(t, SetType):
        return f"set of {describe(t.elem)}"
    return str(t)


def kind(t: Type) -> str:
    """`a number`, `a boolean`, `a Pte`...: for error messages."""
    if isinstance(t, IntType):
        return "a number"
    if isinstance(t, BoolType):
        return "a boolean"
    if isinstance(t, SetType):
        return f"a set ({describe(t)})"
    if isinstance(t, MapType):
        return f"a map ({describe(t)})"
    return f"a {t}"
