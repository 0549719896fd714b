"""The `-tool` output parser and the TLA+ value parser, on outputs captured from TLC 2.15.

tests/data/tla/outputs/*.out are real TLC outputs (see README there); the
states in them are read back into IR values of `lost_update` / `swap_system`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ir_examples import lost_update
from test_tla_emit import ENTRY, MODE, PTE, SLOT, THREAD, swap_system

from specdsl.ir import BOOL, IntType, MapType, MapVal, Rec, SetType, Tag
from specdsl.tla.emit import emit
from specdsl.tla.output import (
    SanyError,
    TlaFunction,
    TlaParseError,
    TlaRecord,
    TlaString,
    parse_messages,
    parse_state,
    parse_value,
    sany_error,
    sany_output,
    summarize,
    to_ir,
)

OUTPUTS = Path(__file__).parent / "data" / "tla" / "outputs"


def run_of(name: str):
    return summarize(parse_messages((OUTPUTS / f"{name}.out").read_text()))


def test_messages_are_split_by_code():
    messages = parse_messages((OUTPUTS / "invariant.out").read_text())
    codes = [m.code for m in messages]
    assert codes[0] == 2262 and 2110 in codes and codes.count(2217) == 5
    assert next(m for m in messages if m.code == 2110).severity == 1


def test_invariant_violation():
    run = run_of("invariant")
    (v,) = run.violations
    assert (v.kind, v.name, run.complete, run.explored) == ("invariant", "Final", False, False)
    assert len(v.states) == 5 and v.loop_start is None
    assert run.distinct == 12 and run.depth is None  # the search stopped: no diameter
    state = parse_state(v.states[-1])
    assert state["x"] == 1 and state["inc_pc"] == (TlaString("done"), TlaString("done"))


def test_invariant_violated_by_the_initial_state():
    (v,) = run_of("initial").violations
    assert (v.kind, v.name) == ("invariant", "StartsAtOne")
    assert len(v.states) == 1 and parse_state(v.states[0])["x"] == 0


def test_witness_reached():
    (v,) = run_of("witness").violations
    assert (v.kind, v.name, len(v.states)) == ("invariant", "BothRead_unreached", 3)


def test_deadlock():
    run = run_of("deadlock")
    (v,) = run.violations
    assert v.kind == "deadlock" and len(v.states) == 5 and not run.explored


def test_success_gives_the_diameter_and_state_count():
    run = run_of("success")
    assert (run.violations, run.complete, run.explored, run.distinct, run.depth) == ((), True, True, 13, 5)


def test_continue_reports_every_violation_with_its_own_trace_and_completes():
    """The engine's run: first-failure-only checks with -continue (see continue.out)."""
    run = run_of("continue")
    assert [(v.name, len(v.states)) for v in run.violations] == [("BothRead_once", 3), ("Final_once", 5)]
    assert (run.complete, run.explored, run.distinct, run.depth, run.failed) == (True, True, 13, 5, False)


def test_a_deadlock_stops_the_search_even_with_continue():
    """TLC then prints a depth anyway: it is not the depth of a complete search."""
    run = run_of("continue_deadlock")
    assert [v.kind for v in run.violations] == ["invariant", "invariant", "deadlock"]
    assert len(run.violations[-1].states) == 5
    assert (run.complete, run.explored, run.depth, run.failed) == (False, False, None, False)


def test_a_liveness_violation_after_the_whole_search_leaves_it_explored():
    """TLC prints no depth then: it is the level of the last progress report."""
    run = run_of("continue_lasso")
    assert [v.kind for v in run.violations] == ["invariant", "invariant", "temporal"]
    lasso = run.violations[-1]
    assert lasso.stuttering and lasso.loop_start == len(lasso.states) - 1 == 3
    assert (run.complete, run.explored, run.distinct, run.depth) == (False, True, 13, 5)


def test_a_liveness_violation_found_during_the_search_leaves_it_unexplored():
    """A periodic liveness check of a long run checks the current state space and stops the search."""
    text = (OUTPUTS / "continue_lasso.out").read_text()
    cut = text.replace("for the complete state space", "for the current state space")
    cut = cut.replace("0 states left on queue", "7 states left on queue")
    run = summarize(parse_messages(cut))
    assert [v.kind for v in run.violations][-1] == "temporal"
    assert (run.complete, run.explored, run.depth, run.failed) == (False, False, None, False)


def test_temporal_lasso_back_to_state():
    (v,) = run_of("lasso").violations
    assert v.kind == "temporal" and not v.stuttering
    assert v.loop_start is not None and 0 <= v.loop_start < len(v.states) - 1


def test_temporal_lasso_ending_in_stuttering():
    (v,) = run_of("stuttering").violations
    assert v.kind == "temporal" and v.stuttering
    assert v.loop_start == len(v.states) - 1


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("eval_error", "TLC error 1000: : Attempted to apply function: (0 :> 0 @@ 1 :> 1) to argument 2"),
        ("oom", "TLC ran out of memory"),
        ("constant_false", "TLC error 2230: The invariant of Never is equal to FALSE"),
        ("parse_error", "SANY rejected the module"),
        ("semantic_error", "SANY rejected the module"),
    ],
)
def test_errors_are_one_line(name, expected):
    run = run_of(name)
    assert run.failed and run.error.startswith(expected)
    assert "\n" not in run.error


def test_no_output_at_all_is_an_error():
    assert summarize([]).failed


def test_sany_diagnostics_locate_the_error():
    text = (OUTPUTS / "parse_error.out").read_text()
    assert sany_error(sany_output(text)) == SanyError(5, "Bad", 'Was expecting "==== or more Module body"')
    text = (OUTPUTS / "semantic_error.out").read_text()
    assert sany_error(sany_output(text)) == SanyError(5, "Sem", "Unknown operator: `y'.")


# -- values -------------------------------------------------------------------------


def test_parse_values():
    assert parse_value("<<1, -2, TRUE>>") == (1, -2, True)
    assert parse_value('[tag |-> "Swap", val |-> 0]') == TlaRecord((("tag", TlaString("Swap")), ("val", 0)))
    assert parse_value("(0 :> FALSE @@ 1 :> TRUE)") == TlaFunction(((0, False), (1, True)))
    assert parse_value('{"a\\"b", "c"}') == frozenset({TlaString('a"b'), TlaString("c")})
    assert parse_value("{}") == frozenset() and parse_value("<<>>") == ()


@pytest.mark.parametrize("text", ["<<1, 2", "[a |-> ]", "1 2", "?", '"open'])
def test_bad_values_raise(text):
    with pytest.raises(TlaParseError):
        parse_value(text)


def test_values_map_back_to_ir_values():
    fields = emit(swap_system()).names.fields
    assert to_ir(parse_value('[tag |-> "Swap", val |-> 1]'), PTE, fields) == Tag("Swap", 1)
    assert to_ir(parse_value('[tag |-> "None"]'), PTE, fields) == Tag("None")
    assert to_ir(parse_value('"Busy"'), MODE, fields) == Tag("Busy")
    entry = to_ir(parse_value("[count |-> 2, IF_1 |-> TRUE]"), ENTRY, fields)
    assert entry == Rec((("count", 2), ("IF", True)))
    # a map over 1..n prints as a tuple, over other integers with :> and @@, over strings as a record
    assert to_ir(parse_value("<<3, 4>>"), MapType(THREAD, IntType(0, 9)), fields) == MapVal(((1, 3), (2, 4)))
    by_slot = to_ir(parse_value("(1 :> TRUE @@ 0 :> FALSE)"), MapType(SLOT, BOOL), fields)
    assert by_slot == MapVal(((0, False), (1, True)))  # keys in domain order, whatever TLC's order
    by_mode = to_ir(parse_value("[Busy |-> 1, Idle |-> 0]"), MapType(MODE, IntType(0, 1)), fields)
    assert by_mode == MapVal(((Tag("Idle"), 0), (Tag("Busy"), 1)))
    assert to_ir(parse_value("{1, 0}"), SetType(SLOT), fields) == frozenset({0, 1})


@pytest.mark.parametrize(
    ("text", "type_"),
    [
        ('"Swap"', PTE),  # a payload type is a record, never a bare string
        ('[tag |-> "Gone"]', PTE),
        ('[tag |-> "Swap"]', PTE),
        ('[tag |-> "None", val |-> 1]', PTE),
        ("<<1>>", MapType(THREAD, SLOT)),  # wrong domain
        ("1", BOOL),
        ("[count |-> 1]", ENTRY),
    ],
)
def test_values_of_the_wrong_shape_are_rejected(text, type_):
    with pytest.raises(TlaParseError):
        to_ir(parse_value(text), type_, emit(swap_system()).names.fields)


def test_captured_trace_states_read_back_as_ir_states():
    system = lost_update()
    names = emit(system).names
    last = parse_state(run_of("invariant").violations[0].states[-1])
    values = {v.name: to_ir(last[names.variables[v.name]], v.type, names.fields) for v in system.variables}
    assert values == {
        "x": 1,
        "inc_tmp": MapVal(((1, 0), (2, 0))),
        "inc_pc": MapVal(((1, Tag("done")), (2, Tag("done")))),
    }


def test_tlc_reports_an_always_property_as_an_invariant_violation_per_violating_state():
    """The cause of a wrong `holds`: TLC checks a property `[]P` (P a state
    predicate) as an invariant, with the invariant's message code."""
    run = run_of("always_property")
    assert [(v.kind, v.name) for v in run.violations] == [("invariant", "BelowTwo")] * 2
    assert run.complete and not run.error


def test_a_property_false_in_an_initial_state_is_a_violation_not_a_tlc_error():
    run = run_of("initial_property")
    (v,) = run.violations
    assert (v.kind, v.name) == ("initial", "StartsAtOne")
    assert (run.error, run.failed, run.complete) == ("", False, False)
    assert len(v.states) == 1 and parse_state(v.states[0])["x"] == 0
