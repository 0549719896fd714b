"""The reference semantics: expressions, steps, replay."""

from __future__ import annotations

from dataclasses import replace

import pytest
from ir_examples import lost_update
from oracle import explore, safety_verdict

from specdsl.interp import (
    EvalError,
    ReplayError,
    State,
    apply,
    describe,
    evaluate,
    ground,
    initial_states,
    is_enabled,
    replay,
    successors,
)
from specdsl.ir import (
    BOOL,
    Binary,
    Except,
    Index,
    InDomain,
    IntType,
    IsTag,
    Ite,
    Lit,
    MakeTag,
    MapComp,
    MapVal,
    Param,
    Payload,
    Quant,
    SetComp,
    SetLit,
    Span,
    Tag,
    TaggedType,
    Unary,
    Update,
    Var,
    Variant,
)
from specdsl.trace import build_trace

SLOT = IntType(0, 1)
PTE = TaggedType("Pte", (Variant("Swap", SLOT), Variant("None")))


DIGIT = IntType(0, 9)


def lit(v, t=DIGIT):
    return Lit(v, t)


def test_arithmetic_rounds_toward_negative_infinity():
    assert evaluate(Binary("div", lit(-7), lit(2)), {}) == -4
    assert evaluate(Binary("mod", lit(-7), lit(2)), {}) == 1


def test_tagged_values_and_payloads():
    state = {"pte": Tag("Swap", 1)}
    assert evaluate(IsTag(Var("pte"), "Swap"), state) is True
    assert evaluate(Payload(Var("pte"), "Swap"), state) == 1
    assert evaluate(MakeTag(PTE, "Swap", lit(0)), {}) == Tag("Swap", 0)
    assert evaluate(IsTag(Var("pte"), "None"), state) is False


def test_maps_update_only_the_given_key():
    m = MapComp("s", SLOT, Param("s"))
    assert evaluate(m, {}) == MapVal(((0, 0), (1, 1)))
    updated = evaluate(Except(m, lit(1), lit(7)), {})
    assert updated == MapVal(((0, 0), (1, 7)))
    assert evaluate(Index(Except(m, lit(1), lit(7)), lit(0)), {}) == 0


def test_quantifiers_count_and_sets():
    body = Binary("ge", Param("x"), lit(1))
    assert evaluate(Quant("forall", "x", SLOT, body), {}) is False
    assert evaluate(Quant("exists", "x", SLOT, body), {}) is True
    assert evaluate(Quant("count", "x", IntType(0, 3), body), {}) == 3
    assert evaluate(SetComp("x", IntType(0, 3), body), {}) == frozenset({1, 2, 3})
    assert evaluate(Binary("in", lit(2), SetLit(SLOT, (lit(1), lit(2)))), {}) is True


def test_short_circuit_and_ite_do_not_evaluate_the_other_side():
    boom = Payload(Var("pte"), "Swap")  # would fail on None
    state = {"pte": Tag("None")}
    guarded = Binary("and", IsTag(Var("pte"), "Swap"), Binary("eq", boom, lit(0)))
    assert evaluate(guarded, state) is False
    assert evaluate(Ite(IsTag(Var("pte"), "Swap"), boom, lit(5)), state) == 5
    assert evaluate(Unary("not", Lit(False, BOOL)), {}) is True


def test_in_domain_catches_values_outside_the_type():
    assert evaluate(InDomain(lit(-1), IntType(0, 2)), {}) is False
    assert evaluate(InDomain(lit(2), IntType(0, 2)), {}) is True


def test_ground_enumerates_the_process_ids():
    system = lost_update()
    read = system.action("inc_read")
    assert [ga.instance for ga in ground(read)] == [1, 2]


def test_steps_assign_in_parallel_and_keep_the_rest():
    system = lost_update()
    (init,) = initial_states(system)
    ga = next(iter(ground(system.action("inc_read"))))
    assert is_enabled(ga, init)
    after = apply(ga, init)
    assert after["inc_pc"].get(1) == Tag("write")
    assert after["x"] == init["x"]
    assert describe(ga) == "inc[1].read"


def test_oracle_finds_the_lost_update_at_depth_four():
    system = lost_update()
    graph = explore(system)
    assert safety_verdict(graph, system.property("Final")) == ("violated", 4)
    assert safety_verdict(graph, system.property("TypeOK")) == ("holds", None)
    assert safety_verdict(graph, system.property("DeadlockFree")) == ("holds", None)
    assert safety_verdict(graph, system.property("BothRead")) == ("reached", 2)


def test_replay_recovers_the_steps_and_rejects_a_bogus_trace():
    system = lost_update()
    graph = explore(system)
    bad = graph.first(lambda s: not evaluate(system.property("Final").expr, s))
    path = graph.path_to(bad)
    trace = build_trace(system, path)
    assert [s.step.action.label for s in trace.steps[1:]] == ["read", "read", "write", "write"]
    assert trace.steps[0].step is None
    assert trace.depth == 4
    skipped = [path[0], path[2]]  # two reads in one step: not a step of the system
    with pytest.raises(ReplayError, match="state 0 to state 1"):
        replay(system, skipped)
    not_initial = [path[1]]
    with pytest.raises(ReplayError, match="not an initial state"):
        replay(system, not_initial)


def test_replay_accepts_a_lasso_that_stutters_at_a_terminal_state():
    system = lost_update()
    graph = explore(system)
    done = graph.first(lambda s: all(v == Tag("done") for _, v in s["inc_pc"].items))
    path = graph.path_to(done)
    trace = build_trace(system, path, loop_start=len(path) - 1)
    assert trace.loop_start == len(path) - 1
    assert trace.closing_step is None


def test_successors_of_a_finished_system_are_empty():
    system = lost_update()
    graph = explore(system)
    done = [s for s in graph.parent if all(v == Tag("done") for _, v in s["inc_pc"].items)]
    assert done and all(successors(system, s) == [] for s in done)
    assert isinstance(done[0], State)


def test_a_division_by_zero_the_checker_missed_names_the_step_and_its_source():
    """The checker refuses divisors that may break Binary's precondition; should one get
    through (a state outside TypeOK), evaluating the step says where, not a bare error."""
    system = lost_update()
    write = system.action("inc_write")
    zero = Binary("sub", Var("x"), Var("x"))
    span = Span("lost.sw", 12, 5)
    bad_update = replace(write, updates=(Update("x", Binary("div", lit(1), zero)),), span=span)
    bad_guard = replace(
        write, guard=Binary("eq", Binary("mod", lit(1), Unary("neg", lit(2))), lit(1)), span=span
    )
    state = next(initial_states(system))
    for action, message in [
        (bad_update, "division by zero: 1 / 0 in step inc[1].write (lost.sw:12:5)"),
        (bad_guard, "remainder by a non-positive number: 1 % -2 in step inc[1].write (lost.sw:12:5)"),
    ]:
        ga = next(ground(action))
        with pytest.raises(EvalError) as e:
            apply(ga, state) if action is bad_update else is_enabled(ga, state)
        assert (str(e.value), e.value.span) == (message, span)
