"""TLC and Z3 agree on every invariant, deadlock and witness: on random small systems
and on the real specs.  Z3 runs BMC to the depth of TLC's complete search, so both
results are complete and a verdict difference is a bug in one of the engines."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from random_systems import systems

from specdsl.agreement import compare
from specdsl.engine import EngineOptions
from specdsl.ir import System
from specdsl.lang.loader import load_system
from specdsl.smt.engine import Z3Engine
from specdsl.tla.engine import TlcEngine

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="TLC needs Java")
SPECS = Path(__file__).parent.parent / "specs"


def _agree(system: System, temporal: bool = False) -> None:
    """Safety verdicts (and, with `temporal`, liveness verdicts: Z3's lassos up to twice
    TLC's search depth) agree; both engines find the same shortest safety traces."""
    props = [p for p in system.properties if temporal or p.kind != "temporal"]
    tlc = TlcEngine().check(system, props, EngineOptions(workers=1, timeout=60))
    diameters = {r.diameter for r in tlc if r.diameter is not None}
    depth = max(diameters) if diameters else 12
    z3 = Z3Engine(proofs=False).check(
        system, props, EngineOptions(depth=2 * depth + 2, timeout=60, diameter=depth)
    )
    for a, b in zip(tlc, z3):
        assert b.verdict != "error", b.message
        if a.verdict == "error":  # a TLC-side failure (reported by the TLC tests), nothing to compare
            continue
        assert compare(a, b) is None, compare(a, b)
        if a.kind != "temporal" and a.verdict in ("violated", "reached") and b.verdict == a.verdict:
            assert a.trace is not None and b.trace is not None
            assert a.trace.depth == b.trace.depth, a.property  # both engines find the shortest


@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(systems())
def test_random_systems(system: System) -> None:
    _agree(system, temporal=True)


@pytest.mark.parametrize("spec", ["baseline", "pte_marker"])
def test_real_specs(spec: str) -> None:
    _agree(load_system(SPECS / f"{spec}.sw"))


@pytest.mark.slow
@pytest.mark.parametrize(
    "spec",
    [p.stem for p in sorted(SPECS.glob("*.sw")) if p.stem not in ("swapin_common", "baseline", "pte_marker")],
)
def test_every_real_spec(spec: str) -> None:
    _agree(load_system(SPECS / f"{spec}.sw"))


def test_both_engines_ignore_steps_that_change_nothing_for_fairness() -> None:
    """TLA+'s WF_vars counts only steps that change the state; the Z3 lasso search must too."""
    system = load_system(Path(__file__).parent / "data" / "noop_step.sw")
    prop = [system.property("Sets")]
    tlc = TlcEngine().check(system, prop, EngineOptions(workers=1, timeout=60))
    z3 = Z3Engine().check(system, prop, EngineOptions(depth=8, timeout=60))
    assert (tlc[0].verdict, z3[0].verdict) == ("holds", "holds")
