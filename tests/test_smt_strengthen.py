"""Inductive strengthening: the lemmas learned from counterexamples to induction, and what they prove."""

from __future__ import annotations

from pathlib import Path

import pytest
import z3
from hypothesis import HealthCheck, given, settings
from ir_examples import lost_update
from oracle import explore, safety_verdict
from random_systems import cells, systems

from specdsl.interp import State, evaluate
from specdsl.ir import SAFETY_KINDS, IntType, MapType, MapVal, System, Tag
from specdsl.lang.loader import load_system
from specdsl.smt.encode import Encoding
from specdsl.smt.engine import PROOF_WORK, proof_goal
from specdsl.smt.solver import NEVER, Budget, Deadline
from specdsl.smt.strengthen import (
    MAX_LEMMAS,
    Cover,
    Lemma,
    Location,
    Sample,
    Strengthening,
    locations,
    strengthen,
)

SPECS = Path(__file__).parent.parent / "specs"


def _invariants(system: System) -> list[str]:
    return [p.name for p in system.properties if p.kind == "invariant"]


def _run(system: System, sample: Sample | None = None) -> tuple[Encoding, Strengthening]:
    enc = Encoding(system)
    targets = [z3.And(enc.pred(system.property(n).expr), enc.dom()) for n in _invariants(system)]  # type: ignore[arg-type]
    return enc, strengthen(enc, targets, Budget(None, NEVER), sample or Sample.of(system))


def _assert_inductive(enc: Encoding, invariant: tuple[z3.BoolRef, ...]) -> None:
    """Checked with fresh plain solvers, independently of the strengthening loop."""
    if not invariant:
        return
    init = z3.Solver(ctx=enc.ctx)
    init.add(enc.init(), z3.Not(z3.And(*invariant)))
    assert init.check() == z3.unsat
    step = z3.Solver(ctx=enc.ctx)
    step.add(*invariant, enc.trans(), z3.Not(z3.And(*(enc.primed(c) for c in invariant))))
    assert step.check() == z3.unsat


def test_every_holding_invariant_is_proved_and_the_invariant_is_inductive() -> None:
    system = cells()
    enc, found = _run(system)
    names = _invariants(system)
    graph = explore(system)
    holding = {n for n in names if safety_verdict(graph, system.property(n))[0] == "holds"}
    assert {names[i] for i in found.proved} == holding
    _assert_inductive(enc, found.invariant)


def test_a_violated_invariant_is_dropped_by_a_reachable_state() -> None:
    system = lost_update()
    _, found = _run(system)
    final = _invariants(system).index("Final")
    assert final not in found.proved
    cti, depth = found.dropped[final]
    graph = explore(system)
    assert depth is not None and graph.depth[cti] == depth


def test_lemmas_hold_in_every_reachable_state() -> None:
    system = load_system(SPECS / "baseline.sw")
    _, found = _run(system)
    assert found.lemmas
    for state in explore(system).parent:
        assert all(evaluate(lemma.expr(), state) is True for lemma in found.lemmas)


def test_a_partial_sample_may_steer_wrong_but_never_proves_a_violation() -> None:
    """With one sampled state, lemmas exclude reachable states; the loop must still drop them."""
    system = lost_update()
    enc, found = _run(system, Sample.of(system, limit=1))
    assert _invariants(system).index("Final") not in found.proved
    _assert_inductive(enc, found.invariant)


def test_a_lemma_blocks_its_state_and_no_sampled_one() -> None:
    system = cells()
    sample = Sample.of(system)
    reachable = list(explore(system).parent)
    unreachable = reachable[0].replace({"n": 2})  # both cells empty, yet counted as two
    lemma = Cover(sample).block(sample.row(unreachable))
    assert lemma is not None and len(lemma.cube) < len(sample.locations)
    assert evaluate(lemma.expr(), unreachable) is False
    assert all(evaluate(lemma.expr(), s) is True for s in reachable)
    assert Cover(sample).block(sample.row(reachable[-1])) is None


def test_locations_are_variables_and_map_entries() -> None:
    system = cells()
    locs = locations(system)
    assert [(loc.var, loc.key) for loc in locs if loc.var == "cell"] == [("cell", 0), ("cell", 1)]
    assert all(loc.key is None for loc in locs if not isinstance(system.var(loc.var).type, MapType))


def test_lemmas_read_as_dsl() -> None:
    system = cells()
    cell = next(loc for loc in locations(system) if loc.var == "cell" and loc.key == 1)
    n = next(loc for loc in locations(system) if loc.var == "n")  # 0..2
    assert str(Lemma(((cell, (Tag("Empty"),)), (n, (1,))))) == "not (cell[1] == Empty and n == 1)"
    assert str(Lemma(((n, (1, 2)),))) == "not n != 0"
    pc = next(loc for loc in locations(load_system(SPECS / "baseline.sw")) if loc.var == "fault_pc")
    assert str(Lemma(((pc, (Tag("start"), Tag("done"))),))) == "not fault_pc[1] in {start, done}"


@pytest.mark.parametrize("spec", ["pte_marker_locked", "always_swapcache"])
def test_the_safety_of_the_locked_fixes_is_proved(spec: str) -> None:
    """The issue's proof goal: every invariant of these two fixes, without a bound."""
    system = load_system(SPECS / f"{spec}.sw")
    enc, found = _run(system)
    assert found.proved == frozenset(range(len(_invariants(system))))
    _assert_inductive(enc, found.invariant)


@pytest.mark.slow
def test_two_slots_are_proved_within_a_proof_methods_budget() -> None:
    """With --set SLOTS=2, always_swapcache (the hungriest of the eight: about 21 million
    units) proves every invariant and deadlock freedom within `PROOF_WORK`, the budget the
    engine gives when TLC's depth is known, with room to spare (ten seconds of wall time, the
    budget before, left such cells to a fallback or unknown on a loaded machine)."""
    system = load_system(SPECS / "always_swapcache.sw", {"SLOTS": 2})
    enc = Encoding(system)
    props = [p for p in system.properties if p.kind in SAFETY_KINDS]
    budget = Budget(PROOF_WORK, NEVER)
    found = strengthen(enc, [proof_goal(enc, p) for p in props], budget, Sample.of(system))
    assert {props[i].name for i in found.proved} == {p.name for p in props if p.kind != "witness"}
    assert budget.spent * 2 < PROOF_WORK


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(systems())
def test_random_systems_proves_exactly_what_holds(system: System) -> None:
    """What is proved holds; and with every reachable state sampled and inside its
    types, every invariant that holds is proved (a dropped one met a reachable state)."""
    enc, found = _run(system)
    assert not found.gave_up
    graph = explore(system)
    names = _invariants(system)
    holding = {i for i, n in enumerate(names) if safety_verdict(graph, system.property(n))[0] == "holds"}
    assert found.proved <= holding
    if "TypeOK" in {names[i] for i in holding} and len(found.lemmas) < MAX_LEMMAS:
        assert found.proved == holding
    _assert_inductive(enc, found.invariant)


@pytest.mark.parametrize(
    ("budget", "why"),
    [
        (Budget(1000, NEVER), "work budget spent (1,000 Z3 resource units)"),
        (Budget(None, Deadline.after(0)), "cut by --timeout 0"),
    ],
)
def test_a_spent_budget_or_a_passed_deadline_proves_nothing_and_says_so(budget: Budget, why: str) -> None:
    system = cells()
    enc = Encoding(system)
    found = strengthen(enc, [enc.dom()], budget, Sample.of(system))
    assert (found.proved, found.invariant) == (frozenset(), ())
    assert found.gave_up.startswith(why)


@pytest.mark.parametrize(("hi", "expected"), [(3, "not x in {2, 3}"), (100, "not x == 3")])
def test_a_literal_widens_to_the_unsampled_values_of_a_small_type_only(hi: int, expected: str) -> None:
    x = Location("x", IntType(0, hi))
    sample = Sample((x,), ((0,), (1,)), (0, 1), complete=True)
    assert str(Cover(sample).block((3,))) == expected


def test_lemmas_in_the_specs_terms_are_valid_dsl_that_means_the_same(tmp_path: Path) -> None:
    """Each lemma, written as the spec would write it, is pasted into a copy of the spec
    as an invariant: it parses, checks, and agrees with the lemma on every reachable
    state and on states where the lemma is false (its cube forced into a reachable state)."""
    system = load_system(SPECS / "pte_marker_locked.sw")
    _, found = _run(system)
    for name in ("pte_marker_locked.sw", "swapin_common.sw"):
        (tmp_path / name).write_text((SPECS / name).read_text())
    spec = tmp_path / "pte_marker_locked.sw"
    texts = [lemma.in_terms_of(system) for lemma in found.lemmas]
    spec.write_text(spec.read_text() + "".join(f"\ninvariant Lemma{i}: {t}" for i, t in enumerate(texts)))
    pasted = load_system(spec)
    reachable = list(explore(system).parent)
    for i, lemma in enumerate(found.lemmas):
        written = pasted.property(f"Lemma{i}").expr
        forced = [_force(s, lemma) for s in reachable[:: max(1, len(reachable) // 40)]]
        for state in [*reachable, *forced]:
            assert evaluate(written, state) == evaluate(lemma.expr(), state), texts[i]  # type: ignore[arg-type]
        assert not any(evaluate(lemma.expr(), s) for s in forced)


def _force(state: State, lemma: Lemma) -> State:
    """`state` with every location of the lemma's cube set to the first of its values."""
    for loc, values in lemma.cube:
        if loc.key is None:
            state = state.replace({loc.var: values[0]})
        else:
            old = state[loc.var]
            assert isinstance(old, MapVal)
            items = tuple((k, values[0] if k == loc.key else v) for k, v in old.items)
            state = state.replace({loc.var: MapVal(items)})
    return state
