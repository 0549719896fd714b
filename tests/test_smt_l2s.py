"""Liveness proofs by liveness to safety: the product, its sample, and the proofs."""

from __future__ import annotations

from pathlib import Path

import pytest
import z3

from specdsl.engine import EngineOptions
from specdsl.ir import System
from specdsl.lang.loader import load_system
from specdsl.smt import l2s
from specdsl.smt.encode import Encoding
from specdsl.smt.engine import PROOF_WORK, Z3Engine, proof_goal
from specdsl.smt.solver import NEVER, Budget
from specdsl.smt.strengthen import Sample, strengthen

DATA = Path(__file__).parent / "data"
SPECS = Path(__file__).parent.parent / "specs"


def _variant(tmp_path: Path, name: str, old: str, new: str) -> System:
    """The spec tests/data/`name`.sw with `old` replaced by `new`."""
    text = (DATA / f"{name}.sw").read_text()
    assert old in text
    path = tmp_path / f"{name}.sw"
    path.write_text(text.replace(old, new))
    return load_system(path)


def _z3(system: System) -> dict[str, tuple[str, str, int | None]]:
    opts = EngineOptions(depth=12, timeout=60.0)
    return {
        r.property: (r.verdict, r.method, r.bound) for r in Z3Engine().check(system, system.properties, opts)
    }


@pytest.mark.parametrize(
    ("spec", "prop"), [("tests/data/intermittent.sw", "Takes"), ("specs/baseline.sw", "FaultCompletesRT")]
)
def test_the_fast_sample_is_the_products_reachable_states_in_the_interpreters_order(
    spec: str, prop: str
) -> None:
    system = load_system(Path(__file__).parent.parent / spec)
    p = system.property(prop)
    assert p.formula is not None
    prod = l2s.product(system, system.model(p.model), [(p.name, p.formula)])
    fast, reference = l2s.sample(prod, 100_000), Sample.of(prod.system, 100_000)
    assert fast.complete and reference.complete
    assert (fast.locations, fast.rows, fast.depths) == (reference.locations, reference.rows, reference.depths)


def test_a_liveness_proof_is_an_inductive_invariant_of_the_product_checked_afresh() -> None:
    """The lemmas of a proof, encoded again from their IR in a fresh encoding, hold
    initially, are kept by every step of the product, and imply the target."""
    system = load_system(SPECS / "baseline.sw")
    p = system.property("FaultCompletes")
    assert p.formula is not None
    prod = l2s.product(system, system.model(p.model), [(p.name, p.formula)])
    enc = Encoding(prod.system)
    found = strengthen(
        enc, [proof_goal(enc, t) for t in prod.targets], Budget(PROOF_WORK, NEVER), l2s.sample(prod, 100_000)
    )
    assert found.proved == {0} and found.lemmas

    fresh = Encoding(prod.system)
    parts = [fresh.pred(lemma.expr()) for lemma in found.lemmas]
    invariant = z3.And(*parts, proof_goal(fresh, prod.targets[0]))
    initially = z3.Solver(ctx=fresh.ctx)
    initially.add(fresh.init(), z3.Not(invariant))
    assert initially.check() == z3.unsat
    step = z3.Solver(ctx=fresh.ctx)
    step.add(invariant, fresh.trans(), z3.Not(fresh.primed(invariant)))
    assert step.check() == z3.unsat


def test_strong_fairness_proves_what_the_lasso_search_could_only_bound() -> None:
    rows = _z3(load_system(DATA / "intermittent.sw"))
    assert rows["Takes"] == ("holds", "l2s", None)
    assert rows["TakesAgain"] == ("holds", "l2s", None)


def test_weak_fairness_where_strong_is_needed_is_no_proof_but_a_lasso(tmp_path: Path) -> None:
    system = _variant(tmp_path, "intermittent", "fair strong", "fair weak")
    rows = _z3(system)
    assert rows["Takes"] == ("violated", "lasso", None)
    assert rows["TakesAgain"] == ("violated", "lasso", None)


def test_a_step_that_changes_nothing_does_not_make_a_fair_loop(tmp_path: Path) -> None:
    """`Sets` holds because only state-changing steps count for fairness (TLA+'s WF_vars);
    without fairness the process may stop and the proof must fail."""
    assert _z3(load_system(DATA / "noop_step.sw"))["Sets"] == ("holds", "l2s", None)
    unfair = _variant(tmp_path, "noop_step", "fair weak", "fair none")
    assert _z3(unfair)["Sets"] == ("violated", "lasso", None)


def test_the_lemmas_of_a_liveness_proof_name_the_saved_state_apart() -> None:
    system = load_system(DATA / "intermittent.sw")
    p = system.property("Takes")
    assert p.formula is not None
    prod = l2s.product(system, system.model(p.model), [(p.name, p.formula)])
    enc = Encoding(prod.system)
    found = strengthen(
        enc, [proof_goal(enc, t) for t in prod.targets], Budget(PROOF_WORK, NEVER), l2s.sample(prod, 100_000)
    )
    text = [lemma.in_terms_of(prod.system) for lemma in found.lemmas]
    assert any("@loop" in t for t in text), text
    assert all(t.startswith("not (") for t in text)
