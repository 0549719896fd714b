"""Every property kind the language allows, holding and violated, under the base
model and under a scheduling model (`assume RT: rt preempts owner`), through
both engines, each verdict compared with the interpreter's: `oracle.py`'s
breadth-first search for invariants, witnesses and deadlock freedom,
`live_oracle.py`'s fair-cycle search for temporal properties.

tests/data/kinds/spin.sw has the temporal shapes (`always p`, `eventually p`,
`infinitely often p`, `eventually always p`, `p ~> q`, and/or/not of them, a
state predicate), each checked here under both of its models; stuck.sw has a
deadlock.  Counterexamples are checked too: a safety trace is a shortest one, a
lasso is fair and refutes its property, a finite trace for a temporal property
(TLC's, for a `[]p` conjunct) leaves no fair continuation that satisfies it.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from live_oracle import FairCycles
from oracle import explore, safety_verdict

from specdsl.behaviour import holds_on_lasso, starved
from specdsl.engine import Engine, EngineOptions
from specdsl.ir import Property, System, TNot
from specdsl.lang.loader import load_system
from specdsl.smt.engine import Z3Engine
from specdsl.tla.engine import TlcEngine
from specdsl.verdicts import Result

KINDS = Path(__file__).parent / "data" / "kinds"
SHAPES = ("Always", "Eventually", "Often", "Persist", "Leads", "Combo", "State")  # spin.sw's names


def under_every_model(system: System) -> System:
    """Each temporal property of the base model, also under each other model (`<name>_<model>`)."""
    copies = tuple(
        replace(p, name=f"{p.name}_{m.name}", model=m.name)
        for p in system.properties
        if p.kind == "temporal" and p.model == system.models[0].name
        for m in system.models[1:]
    )
    return replace(system, properties=(*system.properties, *copies))


SPECS = {name: under_every_model(load_system(KINDS / f"{name}.sw")) for name in ("spin", "stuck")}


def reference(system: System, prop: Property) -> tuple[str, int | None]:
    """The interpreter's verdict, and for safety the depth of a shortest counterexample."""
    if prop.kind != "temporal":
        return safety_verdict(explore(system), prop)
    assert prop.formula is not None
    found = FairCycles(system, system.model(prop.model)).violation(prop.formula)
    return ("holds" if found is None else "violated"), None


def shape(prop: Property) -> str:
    return prop.kind if prop.kind != "temporal" else next(s for s in SHAPES if prop.name.startswith(s))


def test_the_specs_have_every_kind_holding_and_violated_under_every_model():
    """What makes the engine tests below cover every kind both ways (a fault in
    the specs or the reference would show here first)."""
    outcomes: dict[tuple[str, str | None], set[str]] = {}
    for system in SPECS.values():
        for p in system.properties:
            model = p.model if p.kind == "temporal" else None
            outcomes.setdefault((shape(p), model), set()).add(reference(system, p)[0])
    both = {"holds", "violated"}
    assert outcomes[("invariant", None)] == both and outcomes[("deadlock", None)] == both
    assert outcomes[("witness", None)] == {"reached", "unreachable"}
    for s in SHAPES:
        assert outcomes[(s, "fair")] == both and outcomes[(s, "RT")] == both, s


def test_the_reference_and_the_lasso_judge_agree_on_every_violation():
    for system in SPECS.values():
        for p in system.properties:
            if p.kind == "temporal":
                assert p.formula is not None
                found = FairCycles(system, system.model(p.model)).violation(p.formula)
                if found is not None:
                    assert not holds_on_lasso(p.formula, found.states, found.loop_start), p.name


def check(engine: Engine, system: System) -> list[Result]:
    depth = explore(system).diameter
    options = EngineOptions(depth=2 * depth + 4, timeout=120, diameter=depth)
    return engine.check(system, system.properties, options)


def assert_agrees_with_the_reference(system: System, results: list[Result]) -> None:
    for r in results:
        prop = system.property(r.property)
        verdict, depth = reference(system, prop)
        assert r.verdict == verdict, f"{r.engine} {r.property}: {r.verdict} ({r.message}), expected {verdict}"
        if r.verdict not in ("violated", "reached"):
            assert r.trace is None
            continue
        assert r.trace is not None
        states = [s.state for s in r.trace.steps]
        if prop.kind != "temporal":
            assert r.trace.depth == depth, f"{r.engine} {r.property}: not a shortest trace"
            continue
        assert prop.formula is not None
        model = system.model(prop.model)
        if r.trace.loop_start is None:  # a prefix: every fair behaviour that starts so violates it
            assert FairCycles(system, model).violation(TNot(prop.formula), states) is None, r.property
        else:
            assert not holds_on_lasso(prop.formula, states, r.trace.loop_start), r.property
            assert starved(system, model, r.trace) == "", r.property


@pytest.mark.skipif(shutil.which("java") is None, reason="TLC needs Java")
@pytest.mark.parametrize("spec", sorted(SPECS))
def test_tlc_agrees_with_the_reference(spec):
    system = SPECS[spec]
    results = check(TlcEngine(), system)
    assert {r.bound for r in results} == {None}
    assert_agrees_with_the_reference(system, results)


@pytest.mark.parametrize("spec", sorted(SPECS))
def test_z3_agrees_with_the_reference(spec):
    system = SPECS[spec]
    assert_agrees_with_the_reference(system, check(Z3Engine(), system))
