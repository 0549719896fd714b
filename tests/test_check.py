"""Checking and lowering: the IR that specs become, and the errors bad specs get."""

from __future__ import annotations

from pathlib import Path

import pytest

from specdsl.interp import evaluate, initial_states, successors
from specdsl.ir import (
    BOOL,
    FairnessRule,
    IntType,
    Lit,
    MapType,
    MapVal,
    Param,
    StepConstraint,
    System,
    Tag,
    TaggedType,
    Unary,
    Variant,
)
from specdsl.irdump import format_expr
from specdsl.irwalk import substitute
from specdsl.lang.errors import SpecError
from specdsl.lang.loader import find_specs, load_system
from specdsl.lang.lower import lower_spec
from specdsl.lang.syntax import parse
from tests.ir_examples import lost_update

DATA = Path(__file__).parent / "data"


def lower(text: str, overrides: dict[str, int] | None = None) -> System:
    return lower_spec([parse(text, "t.sw")], "t", "t.sw", overrides or {})


def errors(text: str, overrides: dict[str, int] | None = None) -> list[str]:
    with pytest.raises(SpecError) as info:
        lower(text, overrides)
    return [f"{d.span.line}:{d.span.col}: {d.message}" for d in info.value.diagnostics]


def reachable(system: System, model=None) -> set:
    seen = set(initial_states(system))
    frontier = list(seen)
    while frontier:
        nxt = []
        for state in frontier:
            for _, succ in successors(system, state, model):
                if succ not in seen:
                    seen.add(succ)
                    nxt.append(succ)
        frontier = nxt
    return seen


def steps(system: System) -> dict[str, tuple[str, list[str]]]:
    """Each action as (guard, ["var := value", ...]) in DSL syntax."""
    return {
        a.name: (format_expr(a.guard), [f"{u.var} := {format_expr(u.value)}" for u in a.updates])
        for a in system.actions
    }


HEAD = "type Thread = 1..2\nvar x: 0..3 = 0\nvar b: bool = false\n"

# ---------------------------------------------------------------------------
# The lost update, against the hand-built IR


def test_lost_update_matches_the_hand_built_system():
    mine = load_system(str(DATA / "lost_update.sw"))
    theirs = lost_update()
    assert [(v.name, v.type, v.init, v.role, v.owner) for v in mine.variables] == [
        (v.name, v.type, v.init, v.role, v.owner) for v in theirs.variables
    ]
    assert [(a.name, a.label, a.params, a.guard, a.updates) for a in mine.actions] == [
        (a.name, a.label, a.params, a.guard, a.updates) for a in theirs.actions
    ]
    assert [(m.name, m.constraints, m.fairness) for m in mine.models] == [
        (m.name, m.constraints, m.fairness) for m in theirs.models
    ]
    assert [p.name for p in mine.properties] == ["TypeOK", "Final", "BothRead", "Terminates", "DeadlockFree"]
    assert mine.expectations == (("Final", "violated"),)


def test_lost_update_reaches_the_violation():
    system = load_system(str(DATA / "lost_update.sw"))
    states = reachable(system)
    assert states == reachable(lost_update())
    final = system.property("Final").expr
    bad = [s for s in states if not evaluate(final, s)]
    assert [s["x"] for s in bad] == [1]
    assert any(evaluate(system.property("BothRead").expr, s) for s in states)


# ---------------------------------------------------------------------------
# Sleep, retry, fault counting, preemption


@pytest.fixture(scope="module")
def sleepy() -> System:
    return load_system(str(DATA / "sleepy.sw"))


def test_sleepy_variables(sleepy):
    ids = IntType(1, 2)
    pc = TaggedType("worker_pc", (Variant("enter"), Variant("again"), Variant("work"), Variant("done")))
    both = lambda v: (MapVal(((1, v), (2, v))),)  # noqa: E731
    got = {v.name: (v.type, v.init, v.role, v.owner) for v in sleepy.variables}
    assert got["worker_pc"] == (MapType(ids, pc), both(Tag("enter")), "pc", "worker")
    assert got["worker_asleep"] == (MapType(ids, BOOL), both(False), "sleep", "worker")
    assert got["worker_faults"] == (MapType(ids, IntType(0, 2)), both(0), "retries", "worker")
    assert got["ticker_pc"][2:] == ("pc", "ticker")
    assert [v.name for v in sleepy.variables] == [
        "owner", "held", "worker_pc", "worker_asleep", "worker_faults", "ticker_pc"
    ]  # fmt: skip


def test_sleepy_actions(sleepy):
    bump = "worker_faults := [worker_faults except [self] = if worker_faults[self] + 1 <= 2 then worker_faults[self] + 1 else 2]"  # noqa: E501
    awake = "not worker_asleep[self]"
    assert steps(sleepy) == {
        "worker_enter_1": (
            f"worker_pc[self] == enter and {awake} and held",
            ["worker_pc := [worker_pc except [self] = again]",
             "worker_asleep := [worker_asleep except [self] = true]", bump],
        ),
        "worker_enter_2": (
            f"worker_pc[self] == enter and {awake} and not held",
            ["owner := self", "held := true", "worker_pc := [worker_pc except [self] = work]", bump],
        ),
        "worker_again": (
            f"worker_pc[self] == again and {awake}",
            ["worker_pc := [worker_pc except [self] = enter]"],
        ),
        "worker_work": (
            f"worker_pc[self] == work and {awake}",
            ["owner := 0", "held := false", "worker_pc := [worker_pc except [self] = done]"],
        ),
        "worker_wake": ("worker_asleep[self]", ["worker_asleep := [worker_asleep except [self] = false]"]),
        "ticker_tick_1": ("ticker_pc == tick and not held", []),
        "ticker_tick_2": ("ticker_pc == tick and not held", ["ticker_pc := done"]),
    }  # fmt: skip
    wake = sleepy.action("worker_wake")
    assert (wake.label, wake.process, [b.name for b in wake.params]) == ("<wake>", "worker", ["self"])
    assert sleepy.action("worker_enter_2").span.line == 12


def test_sleepy_processes_and_runnable(sleepy):
    worker, ticker = sleepy.processes
    assert (worker.name, worker.id_name, worker.fairness, worker.environment) == (
        "worker",
        "t",
        "weak",
        False,
    )
    assert worker.labels == ("enter", "again", "work")
    assert (ticker.environment, ticker.fairness, ticker.id_type) == (True, "none", None)
    state = next(iter(initial_states(sleepy)))
    assert evaluate(worker.runnable, state, {"self": 1})
    asleep = state.replace({"worker_asleep": MapVal(((1, True), (2, False)))})
    assert not evaluate(worker.runnable, asleep, {"self": 1})
    assert evaluate(worker.runnable, asleep, {"self": 2})
    assert not evaluate(ticker.runnable, state.replace({"held": True}))


def test_sleepy_models(sleepy):
    fair, rt = sleepy.models
    assert (fair.name, fair.constraints, fair.fairness) == (
        "fair",
        (),
        (FairnessRule("worker", None, "weak"),),
    )
    assert rt.name == "RT" and rt.description == "worker[2] preempts worker[1]"
    runnable_2 = substitute(sleepy.process("worker").runnable, {"self": Lit(2, IntType(1, 2))})
    assert rt.constraints == (StepConstraint("worker", 1, Unary("not", runnable_2)),)
    assert rt.fairness == (FairnessRule("worker", None, "weak"), FairnessRule("worker", 1, "strong"))


def test_sleepy_properties_and_expectations(sleepy):
    names = [(p.name, p.kind, p.model) for p in sleepy.properties]
    assert names == [
        ("TypeOK", "invariant", "fair"),
        ("Exclusive", "invariant", "fair"),
        ("Finishes", "temporal", "RT"),
        ("DeadlockFree", "deadlock", "fair"),
    ]
    from specdsl.irdump import format_temporal

    assert format_temporal(sleepy.property("Finishes").formula) == (
        "(eventually worker_pc[1] == done) and (eventually worker_pc[2] == done)"
    )
    assert format_expr(sleepy.property("DeadlockFree").expr) == (
        "(forall i in 1..2: worker_pc[i] == done) or ticker_pc == done"
    )
    assert sleepy.expectations == (("Finishes", "holds"),)


def test_rt_model_blocks_the_low_priority_worker(sleepy):
    rt = sleepy.model("RT")
    state = next(iter(initial_states(sleepy)))
    movers = {(ga.action.name, ga.instance) for ga, _ in successors(sleepy, state, rt)}
    assert ("worker_enter_2", 2) in movers and ("worker_enter_2", 1) not in movers
    assert all(evaluate(sleepy.property("TypeOK").expr, s) for s in reachable(sleepy))


# ---------------------------------------------------------------------------
# Lowering rules


def test_later_statements_see_earlier_assignments():
    s = lower(HEAD + "process p {\n  a:\n    x := x + 1\n    x := x * 2\n    b := x == 2\n}\n")
    assert steps(s)["p_a"][1] == ["x := (x + 1) * 2", "b := (x + 1) * 2 == 2", "p_pc := done"]


def test_if_with_the_same_ending_becomes_a_conditional_update():
    s = lower(HEAD + "process p {\n  a:\n    if b { x := 1 } else { x := 2 }\n    goto a\n}\n")
    assert steps(s) == {"p_a": ("p_pc == a", ["x := if b then 1 else 2"])}


def test_if_with_different_endings_splits_the_step():
    s = lower(
        HEAD
        + "process p {\n  a:\n    x := 1\n    if b { return } else if x == 1 { x := 2 }\n  c:\n    skip\n}\n"
    )
    assert steps(s) == {
        "p_a_1": ("p_pc == a and b", ["x := 1", "p_pc := done"]),
        "p_a_2": (
            "p_pc == a and not b",
            ["x := if true then 2 else 1".replace("if true then 2 else 1", "2"), "p_pc := c"],
        ),
        "p_c": ("p_pc == c", ["p_pc := done"]),
    }


def test_either_await_lock_and_pick():
    s = lower(
        HEAD
        + "var free: set of 0..3 = {1}\nprocess p {\n  a:\n    lock b\n"
        + "    either { x := 1 } or { pick v in free where v > 0\n      x := v }\n  c:\n    unlock b\n}\n"
    )
    assert steps(s) == {
        "p_a_1": ("p_pc == a and not b", ["x := 1", "b := true", "p_pc := c"]),
        "p_a_2": ("p_pc == a and not b and v in free and v > 0", ["x := v", "b := true", "p_pc := c"]),
        "p_c": ("p_pc == c", ["b := false", "p_pc := done"]),
    }
    assert [b.name for b in s.action("p_a_2").params] == ["v"]
    assert format_expr(s.process("p").runnable) == (
        "p_pc == a and (not b or (exists v in 0..3: not b and v in free and v > 0)) or p_pc == c"
    )


def test_for_is_unrolled_and_min_max_become_conditionals():
    s = lower(
        HEAD
        + "var m: [0..1] -> 0..3 = [k in 0..1 -> 0]\nprocess p {\n  a:\n"
        + "    for k in 0..1 { m[k] := min(x, 2) }\n    x := max(x, 1)\n}\n"
    )
    assert steps(s)["p_a"][1] == [
        "x := if x >= 1 then x else 1",
        "m := [[m except [0] = if x <= 2 then x else 2] except [1] = if x <= 2 then x else 2]",
        "p_pc := done",
    ]


def test_pattern_binds_the_payload():
    s = lower(
        "type Pte = Swap(0..1) | None\nvar pte: Pte = None\nvar slot: 0..1 = 0\n"
        "process p {\n  a:\n    if pte is Swap(s) { slot := s } else { return }\n  b:\n    skip\n}\n"
    )
    assert steps(s)["p_a_1"] == ("p_pc == a and pte is Swap", ["slot := payload(pte, Swap)", "p_pc := b"])
    assert steps(s)["p_a_2"] == ("p_pc == a and not pte is Swap", ["p_pc := done"])


def test_locals_of_families_and_singletons():
    s = lower(
        HEAD
        + "process f[t in Thread] {\n  var y: 0..3 = t\n  a:\n    y := y + 1\n    x := f[3 - self].y\n}\n"
        "process g {\n  var z: bool = false\n  a:\n    z := f[1] at done\n    f[2].y := 0\n}\n"
        "invariant I: g.z => f[1].y >= 0\n"
    )
    init = {v.name: v.init for v in s.variables}
    assert init["f_y"] == (MapVal(((1, 1), (2, 2))),)
    assert steps(s)["f_a"][1] == [
        "x := [f_y except [self] = f_y[self] + 1][3 - self]",
        "f_y := [f_y except [self] = f_y[self] + 1]",
        "f_pc := [f_pc except [self] = done]",
    ]
    assert steps(s)["g_a"][1] == ["f_y := [f_y except [2] = 0]", "g_z := f_pc[1] == done", "g_pc := done"]
    assert format_expr(s.property("I").expr) == "g_z => f_y[1] >= 0"


def test_set_records_and_cardinality():
    s = lower(
        "type E = {count: 0..2, cached: bool}\nvar e: E = {count: 1, cached: false}\n"
        "var free: set of 0..2 = {}\nvar n: 0..3 in {0, 1}\n"
        "process p {\n  a:\n    e.count := #free\n    free := free union {2} diff {0}\n}\n"
    )
    assert {v.name: v.init for v in s.variables}["n"] == (0, 1)
    assert steps(s)["p_a"][1] == [
        "e := [e except .count = #{elem in 0..2 where elem in free}]",
        "free := free union {2} diff {0}",
        "p_pc := done",
    ]


def test_constants_fold_and_overrides_apply():
    text = "const N = 2\nconst M = N * 2\ntype Slot = 0..M-1\nvar x: Slot = M - 1\n"
    text += "process p {\n  a:\n    x := N\n}\n"
    s = lower(text)
    assert s.params == (("N", 2), ("M", 4))
    assert s.var("x").type == IntType(0, 3) and s.var("x").init == (3,)
    assert steps(s)["p_a"][1][0] == "x := 2"
    t = lower(text, {"N": 3})
    assert t.params == (("N", 3), ("M", 6)) and t.var("x").type == IntType(0, 5)


def test_definitions_are_inlined_without_capture():
    s = lower(
        HEAD
        + "def some(v: 0..3) = exists t in Thread: v == t\n"
        + "process p[t in Thread] {\n  a:\n    b := some(t)\n}\n"
        "invariant I: forall t in Thread: some(t)\n"
    )
    assert steps(s)["p_a"][1][0] == "b := exists t in 1..2: self == t"
    assert format_expr(s.property("I").expr) == "forall t in 1..2: exists t_1 in 1..2: t == t_1"


def test_binders_do_not_capture_pick_parameters():
    s = lower(
        HEAD
        + "var m: [Thread] -> bool = [t in Thread -> false]\n"
        + "process p {\n  a:\n    pick t in Thread\n    m[t] := true\n    b := forall t in Thread: m[t]\n}\n"
    )
    assert steps(s)["p_a"][1][0] == "b := forall t_1 in 1..2: [m except [t] = true][t_1]"


def test_temporal_formulas():
    s = lower(
        HEAD + "process p[t in Thread] {\n  a:\n    x := 1\n  w:\n    skip\n}\n"
        "property P: always eventually x == 1\nproperty Q: forall t in Thread: p[t] at w ~> p[t] at done\n"
        "property R: exists t in Thread: eventually b\n"
    )
    from specdsl.irdump import format_temporal

    assert format_temporal(s.property("P").formula) == "always eventually x == 1"
    assert format_temporal(s.property("Q").formula) == (
        "(p_pc[1] == w ~> p_pc[1] == done) and (p_pc[2] == w ~> p_pc[2] == done)"
    )
    assert format_temporal(s.property("R").formula) == "(eventually b) or (eventually b)"


# ---------------------------------------------------------------------------
# Errors


def test_unknown_name_with_suggestion():
    assert errors("var count: 0..3 = 0\nprocess p {\n  a:\n    count := cont + 1\n}\n") == [
        "4:14: unknown name `cont`; did you mean `count`?"
    ]


def test_type_errors():
    assert errors(HEAD + "process p {\n  a:\n    x := true\n    b := x + 1\n  c:\n    await x\n}\n") == [
        "6:10: cannot assign a boolean to a number",
        "7:10: cannot assign a number to a boolean",
        "9:11: the condition of `await` must be a boolean, but this is a number",
    ]


def test_label_rules():
    text = HEAD + "process p {\n  a:\n    goto c\n  a:\n    skip\n  done:\n    skip\n}\ninvariant I: p at z\n"
    assert errors(text) == [
        "6:10: `goto c`: process `p` has no such label",
        "7:3: duplicate label `a` in process `p`",
        "9:3: `done` is reserved: it is where a finished process is",
        "12:14: process `p` has no label `z`",
    ]


def test_wake_label_clashes_only_when_the_process_sleeps():
    assert errors(HEAD + "process p {\n  wake:\n    sleep\n}\n") == [
        "5:3: label `wake` clashes with the timer step of a sleeping process: rename it"
    ]
    lower(HEAD + "process p {\n  wake:\n    skip\n}\n")


def test_assignments_to_what_is_not_a_variable():
    text = (
        "const N = 1\n"
        + HEAD
        + "def d = 1\nprocess p[t in Thread] {\n  a:\n    N := 1\n    d := 1\n    t := 1\n}\n"
    )
    assert errors(text) == [
        "8:5: cannot assign to `N`: it is a constant",
        "9:5: cannot assign to `d`: it is a definition",
        "10:5: cannot assign to `t`: it is the process id",
    ]


def test_unreachable_statement_and_temporal_invariant():
    assert errors(HEAD + "process p {\n  a:\n    return\n    x := 1\n}\ninvariant I: eventually b\n") == [
        "7:5: unreachable: the step has already ended on every path",
        "9:14: temporal operator `eventually` is not allowed in an invariant"
        " (use `property` for temporal formulas)",
    ]


def test_state_space_guard_and_initial_values():
    assert errors(
        "var x: 0..100000 = 0\nvar y: [0..20] -> bool = [i in 0..20 -> false]\nvar z: 1..2 = 0\n"
        "process p {\n  a:\n    skip\n}\n"
    ) == [  # fmt: skip
        "1:8: type `0..100000` has 100001 values; the limit is 65536 (state-space guard)",
        "2:8: type `[0..20] -> bool` has 2097152 values; the limit is 65536 (state-space guard)",
        "3:15: initial value 0 is not a value of type `1..2`",
    ]


def test_unknown_override_and_model_errors():
    text = (
        HEAD
        + "const N = 1\nprocess p[t in Thread] {\n  a:\n    skip\n}\nenvironment e {\n  a:\n    skip\n}\n"
    )
    assert errors(text, {"M": 2}) == ["0:0: --set M: no constant `M` is declared"]
    assert errors(text, {"n": 2}) == ["0:0: --set n: no constant `n` is declared; did you mean `N`?"]
    bad = text + "assume A: p[1] preempts e\nassume B: p[3] preempts p[1]\nproperty P under C: eventually b\n"
    assert errors(bad) == [
        "13:25: `e` is an environment process: it is not scheduled on this CPU",
        "14:13: `p` has no instance 3",
        "15:10: unknown scheduling assumption `C`",
    ]


def test_expectations_and_duplicate_properties():
    text = HEAD + "process p {\n  a:\n    skip\n}\ninvariant I: b\ninvariant I: b\ninvariant TypeOK: b\n"
    text += "expect J holds\nexpect I holds\nexpect I violated\n"
    assert errors(text) == [
        "9:11: property `I` is already declared",
        "10:11: property `TypeOK` is already declared",
        "11:8: `expect`: no property `J`",
        "13:8: `I` already has an expectation",
    ]


def test_generated_names_must_not_clash():
    assert errors("var p_x: bool = false\nprocess p {\n  var x: bool = true\n  a:\n    skip\n}\n") == [
        "3:3: process `p` needs a variable `p_x`, but that name is already used"
    ]


def test_every_error_is_reported():
    text = (
        HEAD
        + "process p {\n  a:\n    x := y\n    b := 1\n  c:\n    goto d\n}\n"
        + "invariant I: z\ninvariant J: p at e\n"
    )
    assert len(errors(text)) == 5


def test_shared_tags_are_resolved_by_context():
    text = "type A = None | Some(0..1)\ntype B = None | Other\nvar a: A = None\nvar b: B = None\n"
    s = lower(text + "process p {\n  a:\n    a := None\n    b := if a == None then Other else None\n}\n")
    assert steps(s)["p_a"][1][0] == "a := None"
    assert errors(text + "invariant I: None == None\nprocess p {\n  a:\n    skip\n}\n") == [
        "5:14: `None` is a variant of several types (`A`, `B`); the context does not say which"
    ]


@pytest.mark.parametrize("spec", find_specs([str(Path(__file__).parents[1] / "specs")]), ids=lambda p: p.stem)
def test_the_protocols_load(spec):
    system = load_system(str(spec))
    assert system.name == spec.stem
    assert {"TypeOK", "DeadlockFree", "NoStaleMap", "FaultCompletesRT", "AbaWindow"} <= {
        p.name for p in system.properties
    }
    assert Param("self") not in [a.guard for a in system.actions]


def test_unused_declarations_are_checked_too():
    assert errors(
        "const A = B + 1\ntype T = Swap(Slt) | None\ndef d(s: 0..1) = s + true\n"
        + "process p {\n  a:\n    skip\n}\n"
    ) == [
        "1:11: unknown name `B`",
        "2:15: unknown type `Slt`",
        "3:22: the right operand of `+` must be a number, but this is a boolean",
    ]


def test_for_over_a_constant_set():
    s = lower(
        "var m: [0..3] -> bool = [k in 0..3 -> false]\n"
        + "process p {\n  a:\n    for k in {k in 0..3 where k % 2 == 1} { m[k] := true }\n}\n"
    )
    assert steps(s)["p_a"][1][0] == "m := [[m except [1] = true] except [3] = true]"
    assert errors(
        "var s: set of 0..1 = {}\nvar b: bool = false\nprocess p {\n  a:\n    for k in s { b := true }\n}\n"
    ) == ["5:14: `for` needs a type or a constant set to unroll over"]


def test_fault_counter_is_a_local_the_environment_may_reset():
    s = lower(
        HEAD
        + "process f[t in Thread] {\n  faults 3\n  starts asleep\n  a:\n    if b { return }\n  c:\n"
        + "    retry\n}\nenvironment env {\n  r:\n    for t in Thread { f[t].faults := 0 }\n}\n"
        + "invariant Few: forall t in Thread: f[t].faults <= 2\n"
    )
    counter = s.var("f_faults")
    assert (counter.type, counter.role) == (MapType(IntType(1, 2), IntType(0, 3)), "retries")
    assert s.var("f_asleep").init == (MapVal(((1, True), (2, True))),)
    bump = "f_faults := [f_faults except [self] = if f_faults[self] + 1 <= 3 then f_faults[self] + 1 else 3]"
    assert steps(s)["f_a_1"][1] == ["f_pc := [f_pc except [self] = done]"]
    assert steps(s)["f_a_2"][1] == ["f_pc := [f_pc except [self] = c]", bump]
    assert steps(s)["f_c"][1] == ["f_pc := [f_pc except [self] = a]"]
    assert steps(s)["env_r"][1] == [
        "f_faults := [[f_faults except [1] = 0] except [2] = 0]",
        "env_pc := done",
    ]
    assert format_expr(s.property("Few").expr) == "forall t in 1..2: f_faults[t] <= 2"


def test_runnable_never_reuses_a_bound_name():
    s = lower(
        HEAD
        + "def busy(v: Thread) = exists t in Thread: t == v\n"
        + "process p {\n  a:\n    pick t in Thread where busy(t)\n    x := t\n}\n"
    )
    assert format_expr(s.action("p_a").guard) == "p_pc == a and (exists t_1 in 1..2: t_1 == t)"
    assert format_expr(s.process("p").runnable) == (
        "p_pc == a and (exists t in 1..2: exists t_1 in 1..2: t_1 == t)"
    )


def test_a_divisor_that_may_be_zero_is_a_spec_error_not_an_engine_crash():
    text = "var x: 0..9 = 0\nvar d: -1..2 = 1\nconst Z = 0\nprocess p {\n  a:\n"
    assert errors(text + "    x := x / d\n    x := x / Z\n    x := x / (d - d)\n}\n") == [
        "6:14: the divisor of `/` may be 0: it ranges over -1..2",
        "7:14: division by zero",
        "8:15: the divisor of `/` may be 0: it ranges over -3..3",  # intervals, not values
    ]
    system = lower(text + "    x := x / max(d, 1) + x / (d - 3)\n}\n")
    assert steps(system)["p_a"][1][0] == "x := x / (if d >= 1 then d else 1) + x / (d - 3)"


def test_a_remainder_by_a_possibly_non_positive_divisor_is_a_spec_error():
    text = "var x: 0..9 = 0\nvar d: -1..2 = 1\nprocess p {\n  a:\n"
    assert errors(
        text + "    x := x % d\n    x := x % -3\n    x := x % 0\n}\ninvariant I: x % (d + 1) == 0\n"
    ) == [
        "5:14: the divisor of `%` must be positive, but it ranges over -1..2",
        "6:14: the divisor of `%` must be positive, but it is -3",
        "7:14: the divisor of `%` must be positive, but it is 0",
        "9:19: the divisor of `%` must be positive, but it ranges over 0..3",
    ]
    assert steps(lower(text + "    x := x % (d + 2)\n}\n"))["p_a"][1][0] == "x := x % (d + 2)"


def test_integers_beyond_tlc_range_are_refused_where_they_arise():
    text = (
        "const A = 2147483647\nconst B = A + 1\nvar x: 0..1 = 0\nprocess p {\n  a:\n    x := -(-A - 1)\n}\n"
    )
    assert errors(text) == [
        "2:11: this is 2147483648: beyond TLC's 32-bit integers (-2147483648..2147483647)",
        "6:10: this is 2147483648: beyond TLC's 32-bit integers (-2147483648..2147483647)",
    ]
    assert errors(text, {"A": 2**40}) == [
        "1:1: --set A=1099511627776: beyond TLC's 32-bit integers (-2147483648..2147483647)"
    ]
    assert errors("var x: 0..65535 = 0\ninvariant Sq: x * x * x >= 0\nprocess p {\n  a:\n    skip\n}\n") == [
        "2:15: this ranges over 0..4294836225: beyond TLC's 32-bit integers (-2147483648..2147483647)"
    ]


def test_a_huge_fault_bound_is_refused_not_lowered_into_a_check_that_never_ends():
    text = "var x: 0..3 = 0\nprocess p[t in 1..2] {\n  faults 70000000\n  start:\n    x := 1\n    retry\n}\n"
    assert errors(text) == [
        "3:10: the fault counter `p_faults` has type `0..70000000`, which has 70000001 values;"
        " the limit is 65536 (state-space guard)"
    ]


def test_variables_generated_over_process_ids_are_capped_like_declared_ones():
    text = "process p[t in 1..17] {\n  var seen: bool = false\n  starts asleep\n  a:\n    seen := true\n}\n"
    limit = "which has 131072 values; the limit is 65536 (state-space guard)"
    assert errors(text) == [
        f"1:9: `p_pc` has type `[1..17] -> p_pc`, {limit}",
        f"1:9: `p_asleep` has type `[1..17] -> bool`, {limit}",
        f"2:3: `p_seen` has type `[1..17] -> bool`, {limit}",
    ]
    lower(text.replace("1..17", "1..16"))  # 2^16 values: at the limit


def test_an_over_cap_type_stops_the_check_before_steps_are_lowered():
    """`--set THREADS=65536` grew quadratically (a `for` unrolled over every thread) before it was refused."""
    text = (
        "const THREADS = 2\ntype Thread = 1..THREADS\nvar hits: [Thread] -> bool = [t in Thread -> false]\n"
        "process p {\n  a:\n    for t in Thread { hits[t] := true }\n    x := unknown\n}\n"
    )
    assert errors(text, {"THREADS": 65536}) == [
        "3:11: type `[1..65536] -> bool` has too many values; the limit is 65536 (state-space guard)"
    ]  # the unknown names of the step are not reached
    with pytest.raises(SpecError) as info:
        lower(text, {"THREADS": 65536})
    assert info.value.diagnostics[0].hint.endswith("(set on the command line: --set THREADS=65536)")
    assert errors(text) == ["7:5: unknown name `x`"]


def test_a_state_of_too_many_components_is_refused_although_each_type_has_few_values():
    text = "var m: [0..60000] -> 0..0 = [i in 0..60000 -> 0]\nprocess p {\n  a:\n    skip\n}\n"
    assert errors(text) == ["1:1: a state would have more than 4096 components with `m` (60001 of its own)"]


def test_steps_with_too_many_parameter_values_are_refused_before_an_engine_enumerates_them():
    text = "var y: 0..1 = 0\nprocess p[t in 1..2] {\n  a:\n    pick i in 0..60000\n    pick j in 0..1\n}\n"
    assert errors(text) == [
        "3:3: the engines would enumerate more than 16384 steps with `p_a`"
        " (240004 of its own, one per value of its process id and `pick`s)"
    ]
    assert len(lower(text.replace("0..60000", "0..4000")).actions) == 1


def _step(body: list[str], head: str = "var y: 0..1 = 0\n") -> str:
    return head + "process p {\n  a:\n" + "".join(f"    {s}\n" for s in body) + "}\n"


def test_definitions_that_double_at_each_level_are_refused_not_inlined_exponentially():
    defs = "".join(f"def d{i} = d{i - 1} + d{i - 1}\n" for i in range(1, 30))  # d29: 2^29 leaves
    assert errors(_step(["await d29 >= 0"], "var y: 0..1 = 0\ndef d0 = y\n" + defs)) == [
        "15:11: this expression is too large once lowered: more than 10000 nodes"  # at d14's body
    ]


def test_statements_that_double_a_value_are_refused_before_the_step_grows_exponentially():
    assert errors(_step(["y := y + y"] * 30)) == [
        "16:10: this expression is too large once lowered: more than 10000 nodes"  # the 13th: 2^13 leaves
    ]


def test_a_step_deeper_than_the_backends_can_walk_is_refused_where_it_gets_too_deep():
    """100 statements `x := (x + 1) % 4` nest 200 levels: `specdsl gen` and TLC's
    engine died of RecursionError; at 60 statements they still work."""
    assert errors(_step(["y := (y + 1) % 4"] * 100)) == [
        "53:10: this expression is too large once lowered: nested more than 100 levels deep"
    ]
    assert errors(_step(["await y != 0"] * 120)) == [
        "102:5: the step grows too large here: its condition would be nested more than 100 levels deep"
    ]


def test_a_for_over_a_large_type_is_refused_instead_of_unrolled():
    """It was unrolled 60001 times into a RecursionError ("too deeply nested", no position)."""
    assert errors(_step(["for i in 0..60000 { y := 1 - y }"])) == [
        "4:5: `for` would copy its body 60001 times in this step; the limit is 64"
    ]
    assert errors(_step(["for i in 0..7 { for j in 0..8 { y := 1 - y } }"])) == [
        "4:21: `for` would copy its body 72 times in this step; the limit is 64"
    ]
    lower(_step(["for i in 0..7 { for j in 0..7 { y := 1 - y } }"]))


def test_a_step_of_too_many_either_branches_is_refused_before_its_actions_are_built():
    assert errors(_step(["either { y := 0 } or { y := 1 }"] * 9)) == [
        "12:5: the step splits into more than 256 actions here"
    ]
    assert len(lower(_step(["either { y := 0 } or { y := 1 }"] * 8)).actions) == 256
