"""The TLA+ emitter: golden module, SANY on every generated module, names, values.

`swap_system()` is a hand-built IR that exercises what `lost_update` does not:
tagged values with payloads, an enumeration, records, sets, maps of tagged
values, a `pick` parameter, singleton and environment processes, a scheduling
model with a per-instance constraint and strong fairness, every temporal
operator, and identifiers that clash with TLA+ (`CASE`, `Len`, a field `IF`).
The engine tests import it.
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from ir_examples import lost_update

from specdsl.ir import (
    BOOL,
    FALSE,
    TRUE,
    Action,
    Always,
    Binary,
    Binder,
    Eventually,
    Except,
    FairnessRule,
    Field,
    Index,
    InDomain,
    IntType,
    IsTag,
    Ite,
    LeadsTo,
    Lit,
    MakeRecord,
    MakeTag,
    MapComp,
    MapType,
    MapVal,
    Model,
    Param,
    Payload,
    Process,
    Property,
    Quant,
    Rec,
    RecordType,
    SetLit,
    SetType,
    StateVar,
    StepConstraint,
    System,
    Tag,
    TaggedType,
    TAnd,
    TNot,
    TState,
    Unary,
    Update,
    Var,
    Variant,
    WithField,
)
from specdsl.tla.emit import emit, render_wrapper
from specdsl.tla.names import Namer, identifier
from specdsl.tla.output import parse_messages, summarize
from specdsl.tla.run import find_jar, locate, run_tlc

DATA = Path(__file__).parent / "data" / "tla"

SLOT = IntType(0, 1)
THREAD = IntType(1, 2)
PTE = TaggedType("Pte", (Variant("Swap", SLOT), Variant("Present", SLOT), Variant("None")))
MODE = TaggedType("Mode", (Variant("Idle"), Variant("Busy")))
ENTRY = RecordType("Entry", (("count", IntType(0, 2)), ("IF", BOOL)))
FPC = TaggedType("fault_pc", (Variant("read"), Variant("map"), Variant("done")))
ONE = Lit(1, THREAD)
NO_SLOTS = SetLit(SLOT, ())


def _lit(v, t):
    return Lit(v, t)


def _pc_is(label: str, who) -> Binary:
    return Binary("eq", Index(Var("fault_pc"), who), _lit(Tag(label), FPC))


def _set_pc(label) -> Update:
    value = label if not isinstance(label, str) else _lit(Tag(label), FPC)
    return Update("fault_pc", Except(Var("fault_pc"), Param("self"), value))


def _per_thread(v) -> MapVal:
    return MapVal(((1, v), (2, v)))


def _and(*args):
    out = args[0]
    for a in args[1:]:
        out = Binary("and", out, a)
    return out


def swap_system() -> System:
    """Two faults read the PTE and map it if unchanged; reclaim swaps a present
    page out to a free slot (budget 1); a weakly fair toggler flips `CASE`."""
    self_ = Binder("self", THREAD)
    orig = Index(Var("fault_orig"), Param("self"))
    same = Binary("eq", Var("pte"), orig)
    slot = Payload(orig, "Swap")
    read = Action(
        "fault_read",
        "fault",
        "read",
        (self_,),
        _pc_is("read", Param("self")),
        (
            Update("fault_orig", Except(Var("fault_orig"), Param("self"), Var("pte"))),
            _set_pc(Ite(IsTag(Var("pte"), "Swap"), _lit(Tag("map"), FPC), _lit(Tag("done"), FPC))),
        ),
    )
    map_ = Action(
        "fault_map",
        "fault",
        "map",
        (self_,),
        _pc_is("map", Param("self")),
        (
            Update("pte", Ite(same, MakeTag(PTE, "Present", slot), Var("pte"))),
            Update(
                "slots",
                Ite(
                    same,
                    Except(Var("slots"), slot, WithField(Index(Var("slots"), slot), "count", _lit(0, SLOT))),
                    Var("slots"),
                ),
            ),
            _set_pc("done"),
        ),
    )
    s = Param("s")
    swap = Action(
        "reclaim_swap",
        "reclaim",
        "swap",
        (Binder("s", SLOT),),
        _and(
            Binary("gt", Var("Len"), _lit(0, SLOT)),
            IsTag(Var("pte"), "Present"),
            Binary("in", s, Var("free")),
        ),
        (
            Update("pte", MakeTag(PTE, "Swap", s)),
            Update("free", Binary("diff", Var("free"), SetLit(SLOT, (s,)))),
            Update(
                "slots",
                Except(
                    Var("slots"),
                    s,
                    MakeRecord(ENTRY, (("count", _lit(1, IntType(1, 1))), ("IF", _lit(True, BOOL)))),
                ),
            ),
            Update("Len", Binary("sub", Var("Len"), _lit(1, IntType(1, 1)))),
        ),
    )
    toggle = Action(
        "toggler_flip",
        "toggler",
        "flip",
        (),
        _lit(True, BOOL),
        (
            Update(
                "CASE",
                Ite(IsTag(Var("CASE"), "Idle"), MakeTag(MODE, "Busy"), MakeTag(MODE, "Idle")),
            ),
        ),
    )
    entry0 = Rec((("count", 1), ("IF", False)))
    entry1 = Rec((("count", 0), ("IF", False)))
    variables = (
        StateVar("pte", PTE, (Tag("Swap", 0),)),
        StateVar("slots", MapType(SLOT, ENTRY), (MapVal(((0, entry0), (1, entry1))),)),
        StateVar("free", SetType(SLOT), (frozenset({1}),)),
        StateVar("Len", IntType(0, 1), (1,)),
        StateVar("CASE", MODE, (Tag("Idle"),)),
        StateVar(
            "fault_orig",
            MapType(THREAD, PTE),
            (MapVal(((1, Tag("None")), (2, Tag("None")))),),
            "local",
            "fault",
        ),
        StateVar(
            "fault_pc", MapType(THREAD, FPC), (MapVal(((1, Tag("read")), (2, Tag("read")))),), "pc", "fault"
        ),
    )
    type_ok = _and(*(InDomain(Var(v.name), v.type) for v in variables))
    mapped_from_swap = _and(_pc_is("done", Param("t")), IsTag(Index(Var("fault_orig"), Param("t")), "Swap"))
    done = [Eventually(TState(_pc_is("done", _lit(t, THREAD)))) for t in (1, 2)]
    fault_runnable = Unary("not", _pc_is("done", Param("self")))
    all_done = Quant("forall", "t", THREAD, _pc_is("done", Param("t")))
    return System(
        name="swap",
        file="tests/test_tla_emit.py",
        params=(("SLOTS", 2),),
        variables=variables,
        processes=(
            Process("fault", "t", THREAD, False, "weak", "fault_pc", ("read", "map"), fault_runnable),
            Process("reclaim", None, None, True, "none", "", ("swap",), _lit(True, BOOL)),
            Process("toggler", None, None, True, "weak", "", ("flip",), _lit(True, BOOL)),
        ),
        actions=(read, map_, swap, toggle),
        models=(
            Model("fair", (), (FairnessRule("fault", None, "weak"), FairnessRule("toggler", None, "weak"))),
            Model(
                "RT",
                (StepConstraint("fault", 1, _pc_is("done", _lit(2, THREAD))),),
                (
                    FairnessRule("fault", None, "weak"),
                    FairnessRule("fault", 1, "strong"),
                    FairnessRule("toggler", None, "weak"),
                ),
                "fault[2] preempts fault[1]",
            ),
        ),
        properties=(
            Property("TypeOK", "invariant", expr=type_ok),
            Property(
                "CountSane",
                "invariant",
                expr=_and(
                    Binary(
                        "le",
                        Quant(
                            "count",
                            "s",
                            SLOT,
                            Binary("gt", Field(Index(Var("slots"), Param("s")), "count"), _lit(0, SLOT)),
                        ),
                        _lit(2, IntType(2, 2)),
                    ),
                    Binary(
                        "eq", Binary("inter", Var("free"), SetLit(SLOT, (_lit(0, SLOT),))), SetLit(SLOT, ())
                    ),
                    Binary(
                        "eq",
                        MapComp("t", THREAD, Index(Var("fault_orig"), Param("t"))),
                        Var("fault_orig"),
                    ),
                ),
            ),
            Property(
                "OneMapper",
                "invariant",
                expr=Binary("le", Quant("count", "t", THREAD, mapped_from_swap), _lit(1, IntType(1, 1))),
            ),
            Property("DeadlockFree", "deadlock", expr=all_done),
            Property("Reswapped", "witness", expr=Binary("eq", Var("pte"), _lit(Tag("Swap", 1), PTE))),
            Property(
                "Impossible",
                "witness",
                expr=_and(Binary("eq", Var("Len"), _lit(0, SLOT)), Binary("in", _lit(1, SLOT), Var("free"))),
            ),
            Property("Done", "temporal", formula=TAnd(tuple(done))),
            Property("Settles", "temporal", formula=Eventually(Always(TState(IsTag(Var("CASE"), "Idle"))))),
            Property("Toggles", "temporal", formula=Always(Eventually(TState(IsTag(Var("CASE"), "Busy"))))),
            Property(
                "DoneRT",
                "temporal",
                formula=LeadsTo(
                    TState(_pc_is("read", _lit(1, THREAD))), TState(_pc_is("done", _lit(1, THREAD)))
                ),
                model="RT",
            ),
        ),
        expectations=(("OneMapper", "violated"), ("Settles", "violated")),
    )


def sany(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["java", "-cp", find_jar(), "tla2sany.SANY", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_sany_clean(tmp_path: Path, system: System) -> None:
    emitted = emit(system)
    for name, text in emitted.files().items():
        (tmp_path / name).write_text(text)
    proc = sany(tmp_path / emitted.filename)
    assert proc.returncode == 0 and "error" not in proc.stdout.lower(), proc.stdout


# -- golden files ----------------------------------------------------------------


def test_lost_update_matches_the_golden_files():
    files = emit(lost_update()).files()
    expected = {p.name: p.read_text() for p in (DATA / "golden").iterdir()}
    assert files == expected


def test_output_is_deterministic():
    assert emit(swap_system()).files() == emit(swap_system()).files()


# -- SANY --------------------------------------------------------------------------


@pytest.mark.parametrize("system", [lost_update(), lost_update("none"), swap_system()], ids=lambda s: s.name)
def test_generated_modules_pass_sany(tmp_path, system):
    assert_sany_clean(tmp_path, system)


def spec_files() -> list[Path]:
    """Every protocol in specs/ (none while the front end does not exist)."""
    try:
        from specdsl.lang.loader import find_specs
    except ImportError:
        return []
    return find_specs([str(Path(__file__).parent.parent / "specs")])


def load_spec(path: Path) -> System:
    from specdsl.lang.errors import SpecError
    from specdsl.lang.loader import load_system

    try:
        return load_system(path, {})
    except SpecError as e:
        pytest.skip(f"{path.name} does not load (the front end's tests report it): {e}")


@pytest.mark.parametrize("spec", spec_files(), ids=lambda p: p.stem)
def test_every_spec_in_specs_passes_sany(tmp_path, spec):
    assert_sany_clean(tmp_path, load_spec(spec))


# -- the module's content ------------------------------------------------------------


def test_actions_are_parametrised_and_commented():
    text = emit(swap_system()).text
    assert "fault_read(self) ==" in text
    assert "\\* fault.read" in text
    assert "reclaim_swap(s) ==" in text
    assert "\\E s \\in 0..1 : reclaim_swap(s)" in text
    assert "\\E self \\in 1..2 : fault(self)" in text


def test_fairness_and_models():
    text = emit(swap_system()).text
    assert "\\A self \\in 1..2 : WF_vars(fault(self))" in text
    assert "WF_vars(toggler)" in text
    # the model's constraint guards instance 1 only, and its fairness applies to the constrained actions
    assert '(self = 1 => fault_pc[2] = "done")' in text
    assert "SF_vars(fault_RT(1))" in text
    assert "Spec_RT ==" in text and "[][Next_RT]_vars" in text


def test_deadlock_terminal_states_stutter():
    text = emit(lost_update()).text
    assert 'Terminated == (\\A t \\in 1..2 : inc_pc[t] = "done") /\\ UNCHANGED vars' in text
    assert "\\/ Terminated" in text


def test_tagged_values_records_and_sets():
    text = emit(swap_system()).text
    assert 'Swap(x) == [tag |-> "Swap", val |-> x]' in text
    assert 'None == [tag |-> "None"]' in text
    assert "Pte == {Swap(x) : x \\in 0..1} \\cup {Present(x) : x \\in 0..1} \\cup {None}" in text
    assert 'Mode == {"Idle", "Busy"}' in text
    assert "pte = Swap(0)" in text
    assert "Cardinality(" in text and "EXTENDS Naturals, FiniteSets, TLC" in text


def test_clashing_identifiers_are_renamed():
    e = emit(swap_system())
    assert e.names.variables["CASE"] == "CASE_1"
    assert e.names.variables["Len"] == "Len_1"
    assert e.names.fields[ENTRY, "IF"] == "IF_1"
    assert e.names.variables["pte"] == "pte"
    assert "fault_pc_type ==" in e.text  # the pc type's set does not clash with the variable


def test_witnesses_are_negated_invariants_and_configs_split():
    e = emit(swap_system())
    assert "Reswapped_unreached == ~Reswapped" in e.text
    configs = {c.filename: c.text for c in e.configs}
    assert set(configs) == {"swap.cfg", "swap_reach.cfg", "swap_live_fair.cfg", "swap_live_RT.cfg"}
    assert "CONSTRAINT" not in "".join(configs.values())
    assert "SPECIFICATION Spec_RT" in configs["swap_live_RT.cfg"]
    assert "-deadlock" not in configs["swap.cfg"]  # deadlock checking stays on for safety
    assert "OneMapper" in configs["swap.cfg"] and "Reswapped_unreached" in configs["swap_reach.cfg"]


def test_the_wrapper_module_of_a_run_passes_sany(tmp_path):
    """The private module a TLC run checks: one first-failure-only invariant
    per invariant and witness."""
    system = swap_system()
    emitted = emit(system)
    checks = [p for p in system.properties if p.kind in ("invariant", "witness")]
    text = render_wrapper(emitted, checks)
    assert f"EXTENDS {emitted.module}, TLC" in text
    assert "ASSUME \\A k \\in 1..5 : TLCSet(k, 0)" in text
    assert "OneMapper_once == OneMapper \\/ TLCGet(3) = 1 \\/ (TLCSet(3, 1) /\\ FALSE)" in text
    assert "Reswapped_once == Reswapped_unreached \\/ TLCGet(4) = 1" in text
    for name, module_text in ((emitted.module, emitted.text), (emitted.wrapper, text)):
        (tmp_path / f"{name}.tla").write_text(module_text)
    proc = sany(tmp_path / f"{emitted.wrapper}.tla")
    assert proc.returncode == 0 and "error" not in proc.stdout.lower(), proc.stdout


def test_the_wrapper_splits_temporal_properties_as_tlc_would_and_passes_sany(tmp_path):
    """`[]S` conjuncts and state predicates (`Init => I`) become a
    first-failure-only invariant (TLC would check the first as an invariant
    anyway, once per violating state, and stop at a failure of the second);
    the rest one property."""
    base = swap_system()
    idle = TState(IsTag(Var("CASE"), "Idle"))
    busy = TState(IsTag(Var("CASE"), "Busy"))
    mixed = Property("Mixed", "temporal", formula=TAnd((busy, Always(idle), Eventually(busy), Always(busy))))
    only_always = Property("OnlyAlways", "temporal", formula=Always(idle), model="RT")
    system = replace(base, properties=(*base.properties, mixed, only_always))
    emitted = emit(system)
    checks = [system.property(n) for n in ("OneMapper", "Mixed", "OnlyAlways", "Toggles")]
    text = render_wrapper(emitted, checks)
    assert "ASSUME \\A k \\in 1..3 : TLCSet(k, 0)" in text
    mixed_once = '((CASE_1 = "Idle") /\\ (CASE_1 = "Busy") /\\ (Init => (CASE_1 = "Busy")))'
    assert f"Mixed_once == {mixed_once} \\/ TLCGet(2) = 1" in text
    assert 'Mixed_rest == <>(CASE_1 = "Busy")' in text
    assert 'OnlyAlways_once == (CASE_1 = "Idle") \\/ TLCGet(3) = 1' in text and "OnlyAlways_rest" not in text
    assert 'Toggles_rest == []<>(CASE_1 = "Busy")' in text and "Toggles_once" not in text
    for name, module_text in ((emitted.module, emitted.text), (emitted.wrapper, text)):
        (tmp_path / f"{name}.tla").write_text(module_text)
    proc = sany(tmp_path / f"{emitted.wrapper}.tla")
    assert proc.returncode == 0 and "error" not in proc.stdout.lower(), proc.stdout


def test_constant_subformulas_are_folded_out_of_the_module(tmp_path):
    """TLC 2.15 finds a bogus counterexample to `<>TRUE` (`temporal.fold`)."""
    base = lost_update()
    done = TState(Binary("eq", Var("x"), _lit(2, IntType(0, 2))))
    extra = (
        Property("Trivial", "temporal", formula=Eventually(TState(TRUE))),
        Property("Never", "temporal", formula=Always(TState(FALSE))),
        Property("Partly", "temporal", formula=TAnd((Eventually(TState(TRUE)), LeadsTo(TState(TRUE), done)))),
    )
    system = replace(base, properties=(*base.properties, *extra))
    text = emit(system).text
    assert "Trivial == TRUE" in text
    assert "Never == FALSE" in text
    assert "Partly == []<>(x = 2)" in text
    assert_sany_clean(tmp_path, system)


def test_a_property_that_is_a_bare_variable_is_one_tlc_accepts(tmp_path):
    """TLC takes a property's conjuncts apart and rejects one that is a bare
    variable ("The operator flag ... cannot be used as a property")."""
    base = lost_update()
    flag = StateVar("flag", BOOL, (False,))
    flagged = TState(Var("flag"))
    extra = (
        Property("Flag", "temporal", formula=TNot(flagged)),
        Property("Bare", "temporal", formula=TAnd((TNot(flagged), Eventually(flagged)))),
        Property("Alone", "temporal", formula=flagged),
    )
    system = replace(base, variables=(*base.variables, flag), properties=(*base.properties, *extra))
    emitted = emit(system)
    assert "Alone == flag = TRUE" in emitted.text and "    /\\ ~flag\n    /\\ <>flag" in emitted.text
    live = next(c for c in emitted.configs if c.filename.endswith("_live_fair.cfg"))
    inv = run_tlc(
        locate(),
        emitted.module,
        {emitted.module: emitted.text},
        live.text,
        workers=1,
        timeout=120,
        deadlock=False,
    )
    run = summarize(parse_messages(inv.stdout))
    assert not run.error and run.violations, inv.stdout  # Alone fails initially, Bare never happens


def test_wrapper_names_avoid_every_name_of_the_module():
    """They are claimed after the module is printed (the golden files show it
    does not change): a property named like a wrapper keeps its name."""
    base = lost_update()
    clash = Property("TypeOK_once", "invariant", expr=base.property("TypeOK").expr)
    emitted = emit(replace(base, properties=(*base.properties, clash)))
    assert "TypeOK_once ==" in emitted.text
    assert emitted.names.once["TypeOK"] == "TypeOK_once_1" and "DeadlockFree" not in emitted.names.once


# -- names -----------------------------------------------------------------------------


def test_identifier_sanitises():
    assert identifier("fault-read") == "fault_read"
    assert identifier("WF_x") == "id_WF_x"
    assert identifier("123") == "id_123"
    assert identifier("ok_1") == "ok_1"


def test_namer_is_deterministic_and_avoids_reserved_words():
    n = Namer(["Init"])
    assert n.claim("Init") == "Init_1"
    assert n.claim("Init") == "Init_2"
    assert n.claim("ENABLED") == "ENABLED_1"
    assert n.claim("Cardinality", "type") == "Cardinality_type"
    assert n.claim("x") == "x"


def test_bound_names_avoid_globals_and_enclosing_binders(tmp_path):
    # `x` is a variable of lost_update, and the quantifiers nest the same name
    inner = Quant("exists", "x", THREAD, Binary("eq", Index(Var("inc_tmp"), Param("x")), Var("x")))
    outer = Quant("forall", "x", THREAD, Binary("or", inner, Binary("eq", Param("x"), _lit(1, THREAD))))
    base = lost_update()
    system = replace(base, properties=(*base.properties, Property("Nested", "invariant", expr=outer)))
    text = emit(system).text
    assert "\\A x_1 \\in 1..2 : (\\E x_2 \\in 1..2 : inc_tmp[x_2] = x) \\/ x_1 = 1" in text
    assert_sany_clean(tmp_path, system)


def test_boolean_updates_are_parenthesised(tmp_path):
    """`b' = x = y` and `b' = x /\\ y` would not mean the update: SANY rejects the
    first and reads the second as `(b' = x) /\\ y`."""
    base = lost_update()
    flag = StateVar("flag", BOOL, (False,))
    action = base.actions[0]
    set_flag = replace(
        action,
        updates=(
            *action.updates,
            Update("flag", Binary("and", Binary("eq", Var("x"), _lit(0, THREAD)), Var("flag"))),
        ),
    )
    system = replace(base, variables=(*base.variables, flag), actions=(set_flag, *base.actions[1:]))
    text = emit(system).text
    assert "flag' = (x = 0 /\\ flag)" in text
    assert_sany_clean(tmp_path, system)
