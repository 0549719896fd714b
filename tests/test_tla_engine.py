"""The `tlc` engine end to end: real TLC runs (one worker) on small IR systems,
every property kind, traces replayed; one run per model; internal errors and
timeouts as results."""

from __future__ import annotations

from dataclasses import replace

import pytest
from ir_examples import lost_update
from random_systems import pin_wait
from test_tla_emit import load_spec, spec_files, swap_system

from specdsl.engine import EngineOptions
from specdsl.interp import initial_states
from specdsl.ir import (
    FALSE,
    TRUE,
    Always,
    Binary,
    Eventually,
    IntType,
    LeadsTo,
    Lit,
    Property,
    System,
    TAnd,
    TOr,
    TState,
    Unary,
    Var,
)
from specdsl.tla import engine as engine_module
from specdsl.tla.emit import emit
from specdsl.tla.engine import TlcEngine
from specdsl.tla.output import parse_messages, summarize
from specdsl.tla.run import Invocation

OPTIONS = EngineOptions(workers=1, timeout=120)


def check(system: System, names: list[str] | None = None, options: EngineOptions = OPTIONS) -> dict:
    props = [p for p in system.properties if names is None or p.name in names]
    results = TlcEngine().check(system, props, options)
    assert [r.property for r in results] == [p.name for p in props]
    return {r.property: r for r in results}


@pytest.fixture
def runs(monkeypatch) -> list[tuple[str, Invocation]]:
    """Every TLC run of the test: its configuration and what TLC printed."""
    seen: list[tuple[str, Invocation]] = []
    real = engine_module.run_tlc

    def recording(tools, module, modules, config, **options):
        inv = real(tools, module, modules, config, **options)
        seen.append((config, inv))
        return inv

    monkeypatch.setattr(engine_module, "run_tlc", recording)
    return seen


def reported(inv: Invocation) -> list[str | None]:
    """The checks TLC itself reported violated in one run."""
    return [v.name for v in summarize(parse_messages(inv.stdout)).violations]


@pytest.fixture(scope="module")
def lost() -> dict:
    return check(lost_update())


@pytest.fixture(scope="module")
def swap() -> dict:
    return check(swap_system())


def test_rows_are_complete_explicit_tlc_results(lost):
    for r in lost.values():
        assert (r.engine, r.method, r.bound, r.spec) == ("tlc", "explicit", None, "lost_update")
        assert r.states and r.states > 0 and r.seconds > 0 and r.message == ""


def test_invariant_violated_with_a_replayed_trace(lost):
    r = lost["Final"]
    assert r.verdict == "violated" and r.trace is not None
    assert r.trace.depth == 4 and r.trace.loop_start is None
    assert [s.step.action.label for s in r.trace.steps[1:]] == ["read", "read", "write", "write"]
    assert r.trace.steps[-1].state["x"] == 1


def test_invariant_and_deadlock_hold_with_the_complete_diameter(lost):
    assert lost["TypeOK"].verdict == "holds" and lost["DeadlockFree"].verdict == "holds"
    assert lost["TypeOK"].states == 13
    assert {r.diameter for r in lost.values()} == {5}


def test_witness_reached_at_its_shortest_depth(lost):
    r = lost["BothRead"]
    assert r.verdict == "reached" and r.trace is not None and r.trace.depth == 2


def test_temporal_holds_under_weak_fairness(lost):
    assert lost["Terminates"].verdict == "holds" and lost["Terminates"].trace is None


def test_temporal_violated_by_stuttering_without_fairness():
    r = check(lost_update("none"), ["Terminates"])["Terminates"]
    assert r.verdict == "violated" and r.trace is not None
    assert r.trace.loop_start == len(r.trace) - 1  # the last state repeats forever


def test_swap_system_verdicts(swap):
    verdicts = {name: r.verdict for name, r in swap.items()}
    assert verdicts == {
        "TypeOK": "holds",
        "CountSane": "holds",
        "OneMapper": "violated",
        "DeadlockFree": "holds",
        "Reswapped": "reached",
        "Impossible": "unreachable",
        "Done": "holds",
        "Settles": "violated",
        "Toggles": "holds",
        "DoneRT": "holds",
    }


def test_temporal_lasso_loops_back_and_names_only_the_refuted_property(swap):
    r = swap["Settles"]
    trace = r.trace
    assert trace is not None and trace.loop_start is not None
    assert trace.loop_start < len(trace) - 1 and trace.closing_step is not None
    assert trace.closing_step.action.name == "toggler_flip"


def test_a_model_with_constraints_is_its_own_state_space(swap):
    assert swap["DoneRT"].states < swap["Done"].states
    assert swap["DoneRT"].diameter is None  # only the base model's depth bounds BMC
    assert swap["Done"].diameter == swap["TypeOK"].diameter == 7


def test_traces_carry_tagged_records_and_sets(swap):
    last = swap["Reswapped"].trace.steps[-1]
    assert str(last.step.action.name) == "reclaim_swap" and dict(last.step.binding) == {"s": 1}
    assert last.state["free"] == frozenset()


def test_deadlock_stops_the_run_and_another_run_decides_the_rest(runs):
    """TLC stops at a deadlock even with -continue: what it found stands."""
    base = lost_update()
    system = replace(
        base, properties=tuple(replace(p, expr=FALSE) if p.kind == "deadlock" else p for p in base.properties)
    )
    r = check(system, ["DeadlockFree", "TypeOK", "Final", "BothRead"])
    assert r["DeadlockFree"].verdict == "violated" and r["DeadlockFree"].trace.depth == 4
    assert r["TypeOK"].verdict == "holds" and r["TypeOK"].diameter == 5
    assert (r["Final"].verdict, r["BothRead"].verdict) == ("violated", "reached")
    assert len(runs) == 2
    again, _ = runs[1]
    assert "TypeOK_once" in again and "Final" not in again and "BothRead" not in again
    assert "-deadlock here" in again  # the second run checks no deadlock


# -- one run per model ---------------------------------------------------------------


def test_one_run_decides_every_property_of_the_base_model(runs):
    r = check(lost_update())
    assert len(runs) == 1
    assert {x.verdict for x in r.values()} == {"holds", "violated", "reached"}
    assert {x.states for x in r.values()} == {13}  # every row, violated or not, counts the whole space
    assert sorted(reported(runs[0][1])) == ["BothRead_once", "Final_once"]  # one trace each


def test_a_check_hidden_by_another_at_the_same_state_gets_that_shortest_trace(runs):
    """TLC checks a new state's invariants in order and moves on at the first
    that fails: `Final` and its copy fail first at the same (only) state, so TLC
    reports one of them; the other is refuted by that trace."""
    base = lost_update()
    final = base.property("Final")
    system = replace(base, properties=(*base.properties, replace(final, name="FinalToo")))
    r = check(system, ["Final", "FinalToo", "BothRead"])
    assert len(runs) == 1 and reported(runs[0][1]) == ["BothRead_once", "Final_once"]
    assert r["FinalToo"].verdict == "violated" and r["FinalToo"].trace.depth == 4
    assert r["FinalToo"].trace == r["Final"].trace


def test_a_liveness_violation_and_invariant_violations_in_one_run(runs):
    r = check(lost_update("none"))
    assert len(runs) == 1
    assert r["Terminates"].verdict == "violated" and r["Terminates"].trace.loop_start is not None
    assert (r["Final"].verdict, r["Final"].trace.depth) == ("violated", 4)
    assert (r["BothRead"].verdict, r["BothRead"].trace.depth) == ("reached", 2)
    assert r["TypeOK"].verdict == "holds" and r["DeadlockFree"].verdict == "holds"
    # TLC checks liveness after the complete search, so it is still the diameter
    assert {x.diameter for x in r.values()} == {5} and {x.states for x in r.values()} == {13}


def test_a_liveness_violation_during_the_search_leaves_the_rest_to_another_run(runs, monkeypatch):
    """A long run's periodic liveness check stops TLC before the search ends:
    what it found stands, but nothing holds on the strength of that run."""
    real = engine_module.run_tlc

    def cut_short(*args, **options):
        inv = real(*args, **options)
        if len(runs) > 1:
            return inv
        stdout = inv.stdout.replace("for the complete state space", "for the current state space")
        return replace(inv, stdout=stdout.replace("0 states left on queue", "7 states left on queue"))

    monkeypatch.setattr(engine_module, "run_tlc", cut_short)
    r = check(lost_update("none"))
    assert len(runs) == 2
    again, _ = runs[1]
    assert "Terminates" not in again and "Final" not in again and "TypeOK_once" in again
    assert {n: x.verdict for n, x in r.items()} == {
        "TypeOK": "holds",
        "Final": "violated",
        "DeadlockFree": "holds",
        "BothRead": "reached",
        "Terminates": "violated",
    }
    assert r["Final"].trace.depth == 4 and {x.diameter for x in r.values()} == {5}


def test_temporal_properties_the_lasso_does_not_refute_are_checked_again(runs):
    """TLC stops at the first lasso: swap's Settles is refuted, Done and
    Toggles need a second run; RT is a run of its own."""
    check(swap_system())
    configs = [config for config, _ in runs]
    assert len(configs) == 3
    assert sum("Settles" in c for c in configs) == 1 and sum("Toggles" in c for c in configs) == 2
    assert sum("SPECIFICATION Spec_RT" in c for c in configs) == 1


def test_invariant_violated_by_the_initial_state():
    base = lost_update()
    prop = Property("StartsAtOne", "invariant", expr=Binary("eq", Var("x"), Lit(1, IntType(1, 1))))
    r = check(replace(base, properties=(*base.properties, prop)), ["StartsAtOne"])["StartsAtOne"]
    assert r.verdict == "violated" and r.trace.depth == 0


def test_constant_checks_that_tlc_refuses_are_decided_at_the_initial_state():
    base = lost_update()
    extra = (
        Property("Never", "invariant", expr=FALSE),
        Property("Always", "invariant", expr=TRUE),
        Property("Trivially", "witness", expr=TRUE),
    )
    r = check(replace(base, properties=(*base.properties, *extra)), ["Never", "Always", "Trivially"])
    assert [r[n].verdict for n in ("Never", "Always", "Trivially")] == ["violated", "holds", "reached"]
    assert r["Never"].trace.steps[0].state == next(initial_states(base))


# -- the same traces run after run ----------------------------------------------------


def test_a_tlc_run_never_uses_several_workers_or_a_random_fingerprint(runs):
    """Several workers, or TLC's random choice of fingerprint polynomial, made
    pte_marker's lasso (and, with workers, its safety traces) differ from run
    to run: `workers` is how many cores the check may use, each run has one worker."""
    check(lost_update(), options=EngineOptions(workers=2, timeout=120))
    ((_, inv),) = runs
    (mode,) = [m.body for m in parse_messages(inv.stdout) if m.code == 2187]
    assert " with fp 0 and seed " in mode and " with 1 worker " in mode


@pytest.mark.slow
def test_the_same_spec_gives_the_same_traces_run_after_run():
    system = load_spec(next(p for p in spec_files() if p.stem == "pte_marker"))
    props = [system.property(n) for n in ("FaultCompletesRT", "BoundedRetries", "AbaWindow")]
    traces = {tuple(r.trace for r in TlcEngine().check(system, props, OPTIONS)) for _ in range(4)}
    assert len(traces) == 1 and None not in next(iter(traces))


# -- temporal properties TLC does not give to its liveness checker ---------------------

BELOW_TWO = TState(Binary("lt", Var("x"), Lit(2, IntType(2, 2))))  # lost_update: x = 2 at depth 4
X_IS_TWO = TState(Binary("eq", Var("x"), Lit(2, IntType(2, 2))))


def with_temporal(system: System, **formulas) -> System:
    extra = tuple(Property(name, "temporal", formula=f) for name, f in formulas.items())
    return replace(system, properties=(*system.properties, *extra))


def test_always_p_under_a_scheduling_model_is_violated_not_reported_holding(runs):
    """TLC checks `[]P` as an invariant and reports it as one ("Invariant NoSpinRT
    is violated"): the engine read no such report for a temporal property and
    said `holds (complete)`.  Now it is an invariant of the run, refuted by the
    shortest trace, replayed under the model."""
    base = pin_wait(sleeps=False)
    spinning = base.property("RtSpins").expr
    no_spin = Property("NoSpinRT", "temporal", formula=Always(TState(Unary("not", spinning))), model="RT")
    r = check(replace(base, properties=(*base.properties, no_spin)), ["NoSpinRT"])["NoSpinRT"]
    assert r.verdict == "violated" and r.trace is not None
    assert r.trace.loop_start is None and r.trace.depth == 2
    assert [s.step.action.name for s in r.trace.steps[1:]] == ["owner_pin", "rt_wake"]
    (config, inv) = runs[0]
    assert "SPECIFICATION Spec_RT" in config and "NoSpinRT_once" in config and "PROPERTY" not in config
    assert reported(inv) == ["NoSpinRT_once"]  # one trace, not one per violating state


def test_always_p_in_the_base_model_is_not_an_unexpected_invariant_error():
    r = check(with_temporal(lost_update(), BelowTwo=Always(BELOW_TWO)))
    assert r["BelowTwo"].verdict == "violated" and r["BelowTwo"].trace.depth == 4
    assert {x.verdict for n, x in r.items() if n != "BelowTwo"} == {"holds", "violated", "reached"}
    assert r["TypeOK"].verdict == "holds" and r["Final"].trace.depth == 4


def test_always_and_eventually_conjuncts_are_split_and_a_disjunction_is_left_whole(runs):
    system = with_temporal(
        lost_update(),
        Both=TAnd((Always(BELOW_TWO), Eventually(X_IS_TWO))),
        Either=TOr((Always(BELOW_TWO), Eventually(X_IS_TWO))),
    )
    r = check(system, ["Both", "Either"])
    assert r["Both"].verdict == "violated" and r["Both"].trace.loop_start is None
    assert r["Both"].trace.depth == 4
    assert r["Either"].verdict == "holds"
    first, again = (config for config, _ in runs)
    assert "Both_once" in first and "Both_rest" in first and "Either_rest" in first
    # TLC's lasso refutes Both_rest (x ends at 1), which the finite trace refuted already
    assert "Both" not in again and "Either_rest" in again


def test_a_state_predicate_property_is_checked_on_the_initial_states_not_a_tlc_error(runs):
    """TLC checks such a conjunct on the initial states, and reports a failure
    with a code (2108) the engine took for an error of TLC, then stops.  The
    engine checks `Init => I` as an invariant instead: no run is cut short."""
    x_is = lambda v: TState(Binary("eq", Var("x"), Lit(v, IntType(v, v))))  # noqa: E731
    system = with_temporal(lost_update(), StartsAtOne=x_is(1), StartsAtZero=x_is(0))
    r = check(system, ["StartsAtOne", "StartsAtZero", "Final"])
    assert r["StartsAtOne"].verdict == "violated" and r["StartsAtOne"].trace.depth == 0
    assert r["StartsAtZero"].verdict == "holds"
    assert r["Final"].verdict == "violated" and r["Final"].trace.depth == 4
    assert len(runs) == 1 and "PROPERTY" not in runs[0][0]


def test_eventually_true_holds_instead_of_an_internal_error():
    """TLC 2.15 finds a bogus lasso for `<>TRUE` and `FALSE ~> P` (it drops
    constant state predicates from its tableau): the engine called it an
    internal error.  Constants are folded before TLC sees them."""
    system = with_temporal(
        lost_update(),
        EventuallyTrue=Eventually(TState(TRUE)),
        FromFalse=LeadsTo(TState(FALSE), X_IS_TWO),
        ToTrue=LeadsTo(X_IS_TWO, TState(TRUE)),
        AlwaysTrue=Always(TState(TRUE)),
    )
    r = check(system, ["EventuallyTrue", "FromFalse", "ToTrue", "AlwaysTrue"])
    assert {n: x.verdict for n, x in r.items()} == dict.fromkeys(r, "holds")
    assert {x.message for x in r.values()} == {""}


def test_a_constant_subformula_leaves_a_real_counterexample_a_lasso():
    system = with_temporal(lost_update("none"), Done=TAnd((Eventually(TState(TRUE)), Eventually(X_IS_TWO))))
    r = check(system, ["Done"])["Done"]
    assert r.verdict == "violated" and r.trace is not None and r.trace.loop_start is not None


def test_a_constant_false_property_is_violated_at_an_initial_state_without_tlc(runs):
    system = with_temporal(lost_update(), Never=Always(TState(FALSE)), Nor=Eventually(TState(FALSE)))
    r = check(system, ["Never", "Nor"])
    assert [r[n].verdict for n in ("Never", "Nor")] == ["violated", "violated"]
    assert r["Never"].trace.depth == 0 and runs == []


def test_a_trace_that_does_not_replay_is_an_internal_error(monkeypatch):
    """TLC checks a module whose `write` adds 2: its states do not follow the IR."""
    real_emit = emit

    def wrong_emit(system):
        emitted = real_emit(system)
        return replace(emitted, text=emitted.text.replace("inc_tmp[self] + 1", "inc_tmp[self] + 2"))

    monkeypatch.setattr(engine_module, "emit", wrong_emit)
    r = check(lost_update(), ["BothRead", "Final"])
    assert r["BothRead"].verdict == "reached"  # the trace up to both reads still replays
    assert r["Final"].verdict == "error"
    assert r["Final"].message.startswith(
        "internal error: TLC trace does not replay: no step leads from state"
    )


def test_sany_rejecting_a_module_is_an_internal_error_with_the_line(monkeypatch):
    real_emit = emit

    def broken_emit(system):
        emitted = real_emit(system)
        return replace(emitted, text=emitted.text.replace("UNCHANGED x\n", "UNCHANGED x +\n"))

    monkeypatch.setattr(engine_module, "emit", broken_emit)
    r = check(lost_update(), ["TypeOK", "Terminates"])
    for result in r.values():
        assert result.verdict == "error"
        assert result.message.startswith(
            "internal error: SANY rejected the generated module lost_update.tla: "
        )
        assert result.message.endswith("(line 26: /\\ UNCHANGED x +)")
        assert "\n" not in result.message


def test_timeout_is_unknown():
    options = EngineOptions(workers=1, timeout=0.2)
    r = check(lost_update(), ["TypeOK", "Terminates"], options)
    assert {x.verdict for x in r.values()} == {"unknown"}
    assert r["TypeOK"].message == "TLC timed out after 0.2 s"


def test_a_fault_in_the_engine_never_escapes(monkeypatch):
    def explode(system):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine_module, "emit", explode)
    r = check(lost_update(), ["TypeOK"])
    assert r["TypeOK"].verdict == "error"
    assert r["TypeOK"].message == "internal error in the TLC engine: RuntimeError: boom"


@pytest.mark.slow
@pytest.mark.parametrize("spec", spec_files(), ids=lambda p: p.stem)
def test_every_spec_gets_a_verdict_for_every_property(spec):
    """No error or unknown on the real specs, and every counterexample replays
    (verdicts are the specs' business: the driver's tests compare them with `expect`)."""
    system = load_spec(spec)
    for r in TlcEngine().check(system, system.properties, OPTIONS):
        assert r.verdict not in ("error", "unknown"), f"{r.property}: {r.message}"
        assert (r.trace is not None) == (r.verdict in ("violated", "reached"))
