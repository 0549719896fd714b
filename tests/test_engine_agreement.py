"""Agreement between engines (`specdsl.agreement`)."""

from __future__ import annotations

import pytest
from driver_fakes import shortest_trace
from ir_examples import lost_update
from oracle import explore

from specdsl.agreement import compare, disagreements
from specdsl.verdicts import Result

SYSTEM = lost_update()
FINAL_TRACE = shortest_trace(explore(SYSTEM), SYSTEM.property("Final"))  # depth 4


def result(engine: str, verdict: str, bound: int | None = None, traced: bool = False) -> Result:
    trace = FINAL_TRACE if traced else None
    return Result("lost_update", "Final", "invariant", engine, "bmc", verdict, bound=bound, trace=trace)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tlc", "z3", "disagree"),
    [
        (("holds", None), ("holds", 10), False),
        (("holds", None), ("violated", None), True),  # both complete
        (("violated", None), ("holds", 4), True),  # z3 covered depth 4, where the violation is
        (("violated", None), ("holds", 30), True),
        (("violated", None), ("holds", 3), False),  # z3 stopped before the violation
        (("violated", None), ("holds", None), True),  # a proof against a counterexample
        (("violated", None), ("violated", None), False),
        (("violated", None), ("unknown", None), False),
        (("error", None), ("holds", None), False),
        (("unknown", None), ("error", None), False),
    ],
)
def test_compare(tlc, z3, disagree):
    a = result("tlc", tlc[0], tlc[1], traced=tlc[0] == "violated")
    b = result("z3", z3[0], z3[1], traced=z3[0] == "violated")
    assert (compare(a, b) is not None) == disagree
    assert (compare(b, a) is not None) == disagree  # symmetric


def test_witnesses_compare_like_violations():
    reached = Result("s", "W", "witness", "tlc", "explicit", "reached", trace=FINAL_TRACE)
    assert compare(reached, reached.with_(engine="z3", verdict="unreachable", bound=10)) is not None
    assert compare(reached, reached.with_(engine="z3", verdict="unreachable", bound=2, trace=None)) is None


def test_the_reason_says_who_claims_what():
    d = compare(result("tlc", "violated", traced=True), result("z3", "holds", 30))
    assert d is not None
    assert d.reason == "tlc found violated at depth 4, but z3 says holds up to depth 30"
    d = compare(result("tlc", "holds"), result("z3", "holds", None).with_(verdict="violated"))
    assert d is not None and d.reason == "tlc says holds, z3 says violated (both complete)"


def test_disagreements_pairs_results_of_different_engines():
    results = [result("tlc", "violated", traced=True), result("z3", "holds", 10)]
    assert len(disagreements(results)) == 1
    assert disagreements([result("tlc", "holds"), result("tlc", "holds", 3)]) == []
