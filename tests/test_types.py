"""Type relations and the state-space guard's size computation."""

from __future__ import annotations

from specdsl.ir import BOOL, IntType, MapType, RecordType, SetType, TaggedType, Variant
from specdsl.types import MAX_VALUES, arith_range, capped_size, compatible, join
from specdsl.values import domain_size

PTE = TaggedType("Pte", (Variant("Swap", IntType(0, 1)), Variant("None")))


def test_capped_size_agrees_with_domain_size_below_the_cap():
    for t in [BOOL, IntType(-1, 3), PTE, MapType(IntType(1, 2), PTE), SetType(PTE),
              RecordType("R", (("a", BOOL), ("b", IntType(0, 2))))]:  # fmt: skip
        assert capped_size(t) == domain_size(t)


def test_capped_size_never_builds_huge_numbers():
    huge = SetType(SetType(SetType(IntType(0, 1000))))
    assert capped_size(huge) == MAX_VALUES + 1
    assert capped_size(MapType(IntType(0, 10**6), IntType(0, 0))) == 1
    assert capped_size(IntType(0, 10**8), 10**12) == 10**8 + 1


def test_compatibility_and_join():
    assert compatible(IntType(0, 1), IntType(5, 9))
    assert not compatible(IntType(0, 1), BOOL)
    assert compatible(SetType(IntType(0, 1)), SetType(IntType(0, 3)))
    assert not compatible(PTE, TaggedType("Other", (Variant("None"),)))
    assert join(IntType(0, 1), IntType(3, 4)) == IntType(0, 4)
    assert join(SetType(IntType(0, 0)), SetType(IntType(2, 2))) == SetType(IntType(0, 2))


def test_interval_arithmetic():
    assert arith_range("add", IntType(0, 2), IntType(1, 1)) == IntType(1, 3)
    assert arith_range("sub", IntType(0, 2), IntType(1, 1)) == IntType(-1, 1)
    assert arith_range("mul", IntType(-1, 2), IntType(-3, 1)) == IntType(-6, 3)
    assert arith_range("mod", IntType(0, 9), IntType(3, 3)) == IntType(0, 2)
    div = arith_range("div", IntType(0, 9), IntType(2, 3))
    assert div.lo <= 0 and div.hi >= 4
