"""Counterexample diagrams (`specdsl.report.diagram`): golden text for the lost update,
lassos, stutters, and the per-step changes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from driver_fakes import shortest_trace
from ir_examples import lost_update
from oracle import explore

from specdsl.interp import initial_states, successors
from specdsl.ir import (
    BOOL,
    NO_SPAN,
    TRUE,
    Action,
    Eventually,
    MapVal,
    Model,
    Process,
    Property,
    Rec,
    Span,
    StateVar,
    System,
    Tag,
    TaggedType,
    TState,
    Unary,
    Update,
    Var,
    Variant,
)
from specdsl.report import diagram
from specdsl.trace import Trace, build_trace
from specdsl.verdicts import Result

LOST_UPDATE = """\
lost_update: a 4-step trace that violates Final (found by tlc)

state 0: x = 0, inc_tmp = [1 -> 0, 2 -> 0], inc_pc = [1 -> read, 2 -> read]

     inc[1]             │ inc[2]
     ──────             │ ──────
  1  read (lost.sw:10)  │
  2                     │ read (lost.sw:10)
  3  write (lost.sw:12) │
       x: 0 -> 1        │
       → done           │
  4                     │ write (lost.sw:12)
                        │   → done
✗ Final (lost.sw:20) is false in state 4
"""


# The baseline race as the interpreter's breadth-first search finds it (TLC and
# Z3 find a race of the same length).  Regenerate when specs/baseline.sw changes.
BASELINE_RACE = """\
baseline: a 9-step trace that violates NoStaleMap (found by tlc)

state 0: pte = Swap(0), count = [0 -> 1], has_cache = [0 -> false], cache = [0 -> NoFolio],
    slot_data = [0 -> 0], frame_data = [1 -> 2, 2 -> 2], frame_used = [1 -> false, 2 -> false],
    frame_locked = [1 -> false, 2 -> false], latest = 0, swapouts = 0, zapped = false,
    user_pc = write, reclaim_pc = swap_out, cache_reclaim_pc = drop, zap_pc = zap,
    fault_orig = [1 -> None, 2 -> None], fault_slot = [1 -> 0, 2 -> 0],
    fault_seen = [1 -> 0, 2 -> 0], fault_pc = [1 -> start, 2 -> start],
    fault_asleep = [1 -> true, 2 -> true], fault_faults = [1 -> 0, 2 -> 0]

     fault[1]                       │ fault[2]                       │ reclaim
     ────────                       │ ────────                       │ ───────
  1  <wake> (baseline.sw:8)         │                                │
       asleep: true -> false        │                                │
  2  start (baseline.sw:16)         │                                │
       orig: None -> Swap(0)        │                                │
       faults: 0 -> 1               │                                │
  3  read (baseline.sw:20)          │                                │
       frame_data[1]: 2 -> 0        │                                │
       frame_used[1]: false -> true │                                │
  4                                 │ <wake> (baseline.sw:8)         │
                                    │   asleep: true -> false        │
  5                                 │ start (baseline.sw:16)         │
                                    │   orig: None -> Swap(0)        │
                                    │   faults: 0 -> 1               │
  6  map (baseline.sw:23)           │                                │
       pte: Swap(0) -> Present(1)   │                                │
       count[0]: 1 -> 0             │                                │
       → done                       │                                │
  7                                 │ read (baseline.sw:20)          │
                                    │   frame_used[2]: false -> true │
  8                                 │                                │ swap_out(f=1, s=0)
                                    │                                │     (swapin_common.sw:59)
                                    │                                │   pte: Present(1) -> Swap(0)
                                    │                                │   count[0]: 0 -> 1
                                    │                                │   frame_used[1]: true -> false
                                    │                                │   swapouts: 0 -> 1
                                    │                                │   fault_faults[1]: 1 -> 0
                                    │                                │   fault_faults[2]: 1 -> 0
  9                                 │ map (baseline.sw:23)           │
                                    │   pte: Swap(0) -> Present(2)   │
                                    │   count[0]: 1 -> 0             │
                                    │   → done                       │
✗ NoStaleMap (swapin_common.sw:97) is false in state 9
"""


def with_spans(system: System) -> System:
    """lost_update as if written in `specs/lost.sw`."""
    lines = {"read": 10, "write": 12}
    actions = tuple(replace(a, span=Span("specs/lost.sw", lines[a.label], 3)) for a in system.actions)
    final = replace(system.property("Final"), span=Span("specs/lost.sw", 20, 1))
    props = tuple(final if p.name == "Final" else p for p in system.properties)
    return replace(system, actions=actions, properties=props)


def counterexample(system: System, prop: str, engine: str = "tlc") -> Result:
    trace = shortest_trace(explore(system), system.property(prop))
    verdict = "reached" if system.property(prop).kind == "witness" else "violated"
    return Result(system.name, prop, system.property(prop).kind, engine, "explicit", verdict, trace=trace)  # type: ignore[arg-type]


def test_the_lost_update_race():
    system = with_spans(lost_update())
    assert diagram.render(system, counterexample(system, "Final")) == LOST_UPDATE


def test_a_witness_is_shown_as_reached():
    text = diagram.render(lost_update(), counterexample(lost_update(), "BothRead", "z3"))
    assert text.startswith("lost_update: a 2-step trace that reaches BothRead (found by z3)")
    assert text.endswith("✓ BothRead holds in state 2: the witness is reached\n")


def flipper() -> System:
    """One process flipping a bit forever; `x` never stays true."""
    pc = TaggedType("p_pc", (Variant("flip"), Variant("done")))
    flip = Action("p_flip", "p", "flip", (), TRUE, (Update("x", Unary("not", Var("x"))),), Span("f.sw", 4, 3))
    return System(
        name="flipper",
        file="f.sw",
        params=(),
        variables=(StateVar("x", BOOL, (False,)), StateVar("p_pc", pc, (Tag("flip"),), "pc", None)),
        processes=(Process("p", None, None, False, "weak", "p_pc", ("flip",), TRUE),),
        actions=(flip,),
        models=(Model("fair", (), ()),),
        properties=(Property("StaysTrue", "temporal", formula=Eventually(TState(Var("x"))), span=NO_SPAN),),
        expectations=(),
    )


def lasso(trace: Trace) -> Result:
    return Result("flipper", "StaysTrue", "temporal", "z3", "lasso", "violated", trace=trace)


def test_a_lasso_marks_where_the_loop_starts_and_shows_the_closing_step():
    system = flipper()
    states = [next(initial_states(system))]
    states.append(states[0].replace({"x": True}))
    states.append(states[0])
    trace = build_trace(system, states, loop_start=1)
    assert (
        diagram.render(system, lasso(trace))
        == """\
flipper: a 2-step lasso that violates StaysTrue (found by z3)

state 0: x = false, p_pc = flip

     p
     ─
  1  flip (f.sw:4)
       x: false -> true
   ↻ ── from state 1, the steps below repeat forever ──
  2  flip (f.sw:4)
       x: true -> false
  ↺  flip (f.sw:4)
       x: false -> true
✗ StaysTrue is violated: states 1..2 repeat forever
"""
    )


def test_a_loop_from_the_initial_state_is_marked_before_the_first_step():
    system = flipper()
    s0 = next(initial_states(system))
    trace = build_trace(system, [s0, s0.replace({"x": True})], loop_start=0)
    text = diagram.render(system, lasso(trace))
    assert "─\n   ↻ ── from state 0, the steps below repeat forever ──\n  1  flip" in text


def test_changes_show_only_changed_keys_and_fields_and_own_locals_by_short_name():
    system = lost_update()
    ga = successors(system, next(initial_states(system)))[0][0]  # inc[1].read
    pre = next(initial_states(system)).replace({"x": 2})
    post = pre.replace({"inc_tmp": MapVal(((1, 2), (2, 0)))})
    assert list(diagram._changes_of_step(system, ga, pre, post)) == ["tmp: 0 -> 2"]
    other = pre.replace({"inc_tmp": MapVal(((1, 0), (2, 1)))})
    assert list(diagram._changes_of_step(system, ga, pre, other)) == ["inc_tmp[2]: 0 -> 1"]
    old = Rec((("count", 1), ("cached", False)))
    new = MapVal(((0, Rec((("count", 0), ("cached", False)))),))
    assert list(diagram._diff("slot", MapVal(((0, old),)), new)) == ["slot[0].count: 1 -> 0"]


def test_environment_columns_appear_only_when_they_act():
    system = lost_update()
    env = Process("reclaim", None, None, True, "none", "reclaim_pc", ("step",), TRUE)
    system = replace(system, processes=(env, *system.processes))
    text = diagram.render(system, counterexample(system, "Final"))
    assert "reclaim" not in text
    assert "     inc[1]" in text  # protocol processes come first


def test_the_baseline_race():
    pytest.importorskip("specdsl.lang.loader")
    from specdsl.lang.loader import load_system

    system = load_system(Path(__file__).parent.parent / "specs" / "baseline.sw", {})
    assert diagram.render(system, counterexample(system, "NoStaleMap")) == BASELINE_RACE


def test_a_stuttering_end_is_not_drawn_as_a_loop():
    system = lost_update()
    trace = shortest_trace(explore(system), system.property("Final"))
    finished = build_trace(system, [ts.state for ts in trace.steps], loop_start=trace.depth)
    result = Result(system.name, "Terminates", "temporal", "tlc", "explicit", "violated", trace=finished)
    text = diagram.render(system, result)
    assert "↻" not in text and "↺" not in text
    assert text.endswith("✗ Terminates is violated: the system stays in state 4 forever\n")


def test_a_temporal_violation_without_a_loop_is_not_said_to_stay_forever():
    """TLC refutes `always P` by a finite trace to a state where P fails (the
    property is checked as an invariant): the system need not stay there."""
    system = lost_update()
    trace = shortest_trace(explore(system), system.property("Final"))
    result = Result(system.name, "Terminates", "temporal", "tlc", "explicit", "violated", trace=trace)
    text = diagram.render(system, result)
    assert "forever" not in text
    assert text.endswith("✗ Terminates is violated in state 4, whatever follows\n")
