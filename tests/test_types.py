"""Type relations and the state-space guard's size computation."""

from __future__ import annotations

from specdsl.ir import BOOL, MAX_VALUES, IntType, MapType, RecordType, SetType, TaggedType, Variant
from specdsl.lang.types import arith_range, compatible, join, state_cells
from specdsl.values import capped_size, domain_size

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


def test_state_cells_count_the_components_a_state_stores_not_the_values():
    assert state_cells(BOOL) == state_cells(IntType(0, 9)) == 1
    assert state_cells(PTE) == 2  # the tag and the payload
    assert state_cells(MapType(IntType(0, 60000), IntType(0, 0))) == 60001  # one value, many components
    assert state_cells(SetType(IntType(1, 5))) == 5
    assert state_cells(RecordType("R", (("a", BOOL), ("m", MapType(IntType(1, 2), PTE))))) == 5
