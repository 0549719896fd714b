"""k-induction with simple paths, alone and over facts already proved inductive."""

from __future__ import annotations

import z3
from ir_examples import lost_update
from random_systems import cells

from specdsl.smt.encode import Encoding
from specdsl.smt.induction import k_induction
from specdsl.smt.solver import NEVER, Budget
from specdsl.smt.strengthen import Sample, strengthen


def _good(enc: Encoding, name: str) -> z3.BoolRef:
    p = enc.system.property(name)
    if p.kind == "deadlock":
        return z3.Not(enc.deadlock(p.expr))
    return z3.And(enc.pred(p.expr), enc.dom())  # type: ignore[arg-type]


def test_k_induction_proves_deadlock_freedom() -> None:
    enc = Encoding(lost_update())
    proof = k_induction(enc, _good(enc, "DeadlockFree"), 6, Budget(None, NEVER))
    assert proof.status == "proved" and proof.k <= 6


def test_k_induction_does_not_close_below_the_needed_depth() -> None:
    enc = Encoding(lost_update())
    proof = k_induction(enc, _good(enc, "TypeOK"), 2, Budget(None, NEVER))
    assert proof.status == "open" and proof.k == 2


def _invariant(enc: Encoding) -> tuple[z3.BoolRef, ...]:
    """What inductive strengthening proves about the system's type invariant."""
    return strengthen(enc, [enc.dom()], Budget(None, NEVER), Sample.of(enc.system)).invariant


def test_violated_property_is_not_proved_within_its_base_case() -> None:
    """`Final` fails at depth 4, so k-induction may only be asked up to k = 4."""
    enc = Encoding(lost_update())
    assert k_induction(enc, _good(enc, "Final"), 4, Budget(None, NEVER), _invariant(enc)).status == "open"


def test_proved_facts_help_k_induction() -> None:
    enc = Encoding(cells())
    good = _good(enc, "Counted")
    without = k_induction(enc, good, 8, Budget(None, NEVER))
    with_facts = k_induction(enc, good, 8, Budget(None, NEVER), _invariant(enc))
    assert with_facts.status == "proved"
    assert without.status != "proved" or with_facts.k <= without.k
