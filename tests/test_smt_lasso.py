"""Lasso search: fair loops that violate temporal properties, and the formula shapes it decides."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import z3
from ir_examples import PC, THREAD, lost_update
from random_systems import pin_wait

from specdsl.interp import replay
from specdsl.ir import (
    Always,
    Binary,
    Eventually,
    Index,
    LeadsTo,
    Lit,
    Model,
    System,
    Tag,
    TAnd,
    Temporal,
    TNot,
    TState,
    Var,
)
from specdsl.lang.loader import load_system
from specdsl.smt.encode import Encoding
from specdsl.smt.lasso import CHUNK, LassoResult, UnsupportedFormula, check_supported, loop_only, search
from specdsl.smt.solver import NEVER, Budget, Deadline
from specdsl.smt.strengthen import Sample, strengthen
from specdsl.smt.traces import lasso_trace
from specdsl.trace import Trace

SPECS = Path(__file__).parent.parent / "specs"


def _run(
    system: System, formula: Temporal, model: str = "fair", depth: int = 8, **options: object
) -> LassoResult:
    enc = Encoding(system)
    return search(enc, system.model(model), [("P", formula)], depth, deadline=NEVER, **options)["P"]  # type: ignore[arg-type]


def _trace(system: System, r: LassoResult, model: str = "fair") -> Trace:
    assert r.status == "found" and r.loop_start is not None
    return lasso_trace(system, r.states, system.model(model), r.loop_start, r.loop)


def _at(label: str, t: int) -> TState:
    return TState(Binary("eq", Index(Var("inc_pc"), Lit(t, THREAD)), Lit(Tag(label), PC)))


def test_preempting_spinner_starves_the_owner() -> None:
    system = pin_wait(sleeps=False)
    p = system.property("OwnerDone")
    trace = _trace(system, _run(system, p.formula, p.model), p.model)  # type: ignore[arg-type]
    assert (len(trace), trace.loop_start) == (3, 2)
    replay(system, [s.state for s in trace.steps], system.model("RT"), trace.loop_start)


def test_sleeping_waiter_lets_the_strongly_fair_owner_run() -> None:
    system = pin_wait(sleeps=True)
    p = system.property("OwnerDone")
    assert _run(system, p.formula, p.model).status == "clear"  # type: ignore[arg-type]


def test_weakly_fair_process_is_not_starved() -> None:
    """Without the RT constraint the owner is weakly fair and always enabled until done."""
    system = pin_wait(sleeps=False)
    assert _run(system, system.property("OwnerDoneFair").formula).status == "clear"  # type: ignore[arg-type]


@pytest.mark.parametrize("chunk", [1, 8])
def test_terminal_state_stutters(chunk: int) -> None:
    """Both threads finish; `always eventually T1 not done` fails on the final stutter
    (also when the query asks about deeper paths, which must stutter on)."""
    system = lost_update()
    trace = _trace(system, _run(system, Always(Eventually(TNot(_at("done", 1)))), chunk=chunk))
    assert trace.loop_start == len(trace) - 1 and trace.steps[-1].state["inc_pc"].get(1) == Tag("done")  # type: ignore[union-attr]


def test_unfair_system_may_stop_anywhere() -> None:
    system = lost_update(fairness="none")
    trace = _trace(system, _run(system, system.property("Terminates").formula))  # type: ignore[arg-type]
    assert (len(trace), trace.loop_start) == (1, 0)


@pytest.mark.parametrize(
    ("formula", "status"),
    [
        (Eventually(_at("done", 1)), "clear"),
        (Always(Eventually(_at("done", 2))), "clear"),
        (LeadsTo(_at("write", 1), _at("done", 1)), "clear"),
        (Always(TNot(_at("done", 1))), "found"),
        (Eventually(Always(_at("read", 2))), "found"),
        (LeadsTo(_at("read", 1), _at("write", 2)), "found"),
        (TAnd((Eventually(_at("done", 1)), Always(_at("read", 1)))), "found"),
    ],
)
@pytest.mark.parametrize(
    "options",
    [{}, {"chunk": 1}, {"diameter": 4}],
    ids=["default", "chunk1", "diameter"],
)
def test_formula_shapes(formula: Temporal, status: str, options: dict[str, object]) -> None:
    """Whatever the chunks or the prefix bound, the same verdict and depth."""
    r = _run(lost_update(), formula, **options)
    assert (r.status, r.depth) == (status, _run(lost_update(), formula, chunk=1).depth)


def test_unsupported_shape_is_rejected() -> None:
    with pytest.raises(UnsupportedFormula):
        check_supported(Always(LeadsTo(_at("read", 1), _at("done", 1))), Encoding(lost_update()))


def test_model_with_no_fairness_allows_any_stop() -> None:
    system = lost_update()
    stop = Model("stop", (), ())
    enc = Encoding(system)
    r = search(enc, stop, [("P", Eventually(_at("done", 1)))], 4, deadline=NEVER)["P"]
    assert r.status == "found"


def test_loop_on_steering_variables_is_repeated_until_the_ghosts_repeat() -> None:
    """prepare_schedule's real-time livelock: Z3 closes the loop where the retry
    counter (a ghost) still differs; the interpreter repeats the loop until it
    saturates, and the longer lasso replays."""
    system = load_system(SPECS / "prepare_schedule.sw")
    p = system.property("FaultCompletesRT")
    r = _run(system, p.formula, p.model, depth=12)  # type: ignore[arg-type]
    assert r.status == "found" and r.loop_start is not None
    assert r.states[-1] != r.states[r.loop_start]
    trace = _trace(system, r, p.model)
    assert len(trace) > r.depth
    replay(system, [s.state for s in trace.steps], system.model(p.model), trace.loop_start)


def test_absorbing_predicates_make_violations_depend_on_the_loop_only() -> None:
    system = lost_update()
    enc, fair = Encoding(system), system.model("fair")
    assert loop_only(enc, fair, Eventually(_at("done", 1)), NEVER)  # done is never left
    assert not loop_only(enc, fair, Eventually(_at("write", 1)), NEVER)  # write is
    both = TAnd((Always(Eventually(_at("read", 1))), Eventually(Always(_at("done", 2)))))
    assert loop_only(enc, fair, both, NEVER)
    assert not loop_only(enc, fair, LeadsTo(_at("read", 1), _at("done", 1)), NEVER)


@pytest.mark.parametrize(("sleeps", "status"), [(False, "found"), (True, "clear")])
def test_proved_facts_remove_no_behaviour(sleeps: bool, status: str) -> None:
    """Asserting what strengthening proved in every state changes no verdict and no lasso length."""
    system = pin_wait(sleeps)
    p = system.property("OwnerDone")
    enc = Encoding(system)
    invariants = [z3.And(enc.pred(q.expr), enc.dom()) for q in system.properties if q.kind == "invariant"]  # type: ignore[arg-type]
    facts = strengthen(enc, invariants, Budget(None, NEVER), Sample.of(system)).invariant
    assert facts
    model = system.model(p.model)
    runs = [search(enc, model, [("P", p.formula)], 8, NEVER, facts=f)["P"] for f in ((), facts)]  # type: ignore[list-item]
    assert [(r.status, r.depth) for r in runs] == [(status, runs[0].depth)] * 2


def test_a_no_op_step_does_not_make_a_fair_lasso() -> None:
    system = load_system(Path(__file__).parent / "data" / "noop_step.sw")
    assert _run(system, system.property("Sets").formula).status == "clear"  # type: ignore[arg-type]


def test_a_deep_bound_stops_at_the_deadline_instead_of_unrolling_every_step() -> None:
    system = lost_update()
    deadline = Deadline.after(100, itertools.count().__next__)  # passes after 100 looks at the clock
    r = search(Encoding(system), system.model("fair"), [("P", Eventually(_at("done", 1)))], 10**6, deadline)[
        "P"
    ]
    assert (r.status, r.message) == ("stopped", "cut by --timeout 100")
    assert 1 < r.depth < 100 and (r.depth - 1) % CHUNK == 0  # stopped at the start of a chunk
