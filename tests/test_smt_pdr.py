"""Spacer proofs, and the plain-solver re-check of the invariants it returns."""

from __future__ import annotations

import pytest
import z3
from ir_examples import lost_update
from random_systems import cells

from specdsl.smt.encode import Encoding
from specdsl.smt.pdr import pdr, recheck
from specdsl.smt.solver import NEVER, Budget


def _good(enc: Encoding, name: str) -> z3.BoolRef:
    return z3.And(enc.pred(enc.system.property(name).expr), enc.dom())  # type: ignore[arg-type]


@pytest.mark.parametrize("bv", [True, False])
def test_spacer_proves_and_the_invariant_rechecks(bv: bool) -> None:
    enc = Encoding(lost_update(), bv=bv)
    proof = pdr(enc, _good(enc, "TypeOK"), Budget(None, NEVER))
    assert proof.status == "proved", proof.message


def test_spacer_does_not_prove_a_violated_invariant() -> None:
    enc = Encoding(lost_update())
    assert pdr(enc, _good(enc, "Final"), Budget(None, NEVER)).status == "open"


def test_proved_lemmas_may_be_assumed() -> None:
    enc = Encoding(cells(), bv=False)
    proof = pdr(enc, _good(enc, "Counted"), Budget(None, NEVER), assumed=[enc.dom()])
    assert proof.status == "proved", proof.message


def test_recheck_rejects_a_wrong_invariant() -> None:
    enc = Encoding(lost_update())
    good = _good(enc, "TypeOK")
    assert recheck(enc, enc.tm.true, good, Budget(None, NEVER)).startswith("safety")
    x = enc.pre[0]  # x == 0 holds initially but is not closed under a step
    assert recheck(enc, x == 0, good, Budget(None, NEVER)).startswith("consecution")
    assert recheck(enc, x == 1, good, Budget(None, NEVER)).startswith("initiation")
