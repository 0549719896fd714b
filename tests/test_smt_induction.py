"""k-induction with simple paths, and lemmas proved by Houdini before they are used."""

from __future__ import annotations

import z3
from ir_examples import lost_update
from oracle import explore
from random_systems import cells

from specdsl.smt.encode import Encoding, Unrolling
from specdsl.smt.induction import candidate_clauses, concrete_leaves, houdini, k_induction, lemmas
from specdsl.smt.solver import Budget


def _good(enc: Encoding, name: str) -> z3.BoolRef:
    p = enc.system.property(name)
    if p.kind == "deadlock":
        return z3.Not(enc.deadlock(p.expr))
    return z3.And(enc.pred(p.expr), enc.dom())  # type: ignore[arg-type]


def test_k_induction_proves_deadlock_freedom() -> None:
    enc = Encoding(lost_update())
    proof = k_induction(enc, _good(enc, "DeadlockFree"), 6, Budget(30))
    assert proof.status == "proved" and proof.k <= 6


def test_k_induction_does_not_close_below_the_needed_depth() -> None:
    enc = Encoding(lost_update())
    proof = k_induction(enc, _good(enc, "TypeOK"), 2, Budget(30))
    assert proof.status == "open" and proof.k == 2


def test_violated_property_is_not_proved_within_its_base_case() -> None:
    """`Final` fails at depth 4, so k-induction may only be asked up to k = 4."""
    enc = Encoding(lost_update())
    found = lemmas(enc, Budget(30))
    assert found is not None
    assert k_induction(enc, _good(enc, "Final"), 4, Budget(30), found).status == "open"


def test_lemmas_are_inductive_invariants() -> None:
    enc = Encoding(cells())
    found = lemmas(enc, Budget(30))
    assert found
    u = Unrolling(enc)
    solver = z3.Solver(ctx=enc.ctx)
    solver.add(u.at(enc.trans(), 0), *(u.at(c, 0) for c in found))
    assert solver.check(z3.Not(z3.And([u.at(c, 1) for c in found]))) == z3.unsat
    init = z3.Solver(ctx=enc.ctx)
    init.add(enc.init())
    assert init.check(z3.Not(z3.And(found))) == z3.unsat


def test_houdini_drops_what_is_not_inductive() -> None:
    system = lost_update()
    enc = Encoding(system)
    final = enc.pred(system.property("Final").expr)  # type: ignore[arg-type]
    kept = houdini(enc, [enc.dom(), final], Budget(30))
    assert kept is not None and all(not c.eq(final) for c in kept)


def test_candidate_clauses_hold_on_reachable_states() -> None:
    system = cells()
    enc = Encoding(system)
    samples = [concrete_leaves(enc, s) for s in explore(system).parent]
    clauses = candidate_clauses(enc, samples)
    assert clauses
    for clause in clauses:
        assert all(any(lit.holds(s) for lit in clause) for s in samples)


def test_lemmas_help_k_induction() -> None:
    enc = Encoding(lost_update())
    found = lemmas(enc, Budget(30))
    assert found is not None
    with_lemmas = k_induction(enc, _good(enc, "DeadlockFree"), 6, Budget(30), found)
    without = k_induction(enc, _good(enc, "DeadlockFree"), 6, Budget(30))
    assert with_lemmas.status == "proved" and with_lemmas.k <= without.k
