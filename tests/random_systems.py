"""Small IR systems for engine tests, built without the language front end:
hand-built shapes (a deadlock, a real-time livelock with sleep/wake, a map of
tagged values), and a hypothesis strategy generating random small systems."""

from __future__ import annotations

from hypothesis import strategies as st

from specdsl.ir import (
    BOOL,
    TRUE,
    Action,
    Always,
    Binary,
    Binder,
    Eventually,
    Except,
    Expr,
    FairnessRule,
    Index,
    InDomain,
    IntType,
    IsTag,
    Ite,
    LeadsTo,
    Lit,
    MakeTag,
    MapType,
    MapVal,
    Model,
    Param,
    Payload,
    Process,
    Property,
    Quant,
    SetLit,
    SetType,
    StateVar,
    StepConstraint,
    System,
    Tag,
    TaggedType,
    Temporal,
    TState,
    Unary,
    Update,
    Var,
    Variant,
)


def _pc_type(name: str, labels: tuple[str, ...]) -> TaggedType:
    return TaggedType(f"{name}_pc", tuple(Variant(x) for x in (*labels, "done")))


def _at(proc: str, pc: TaggedType, label: str) -> Expr:
    return Binary("eq", Var(f"{proc}_pc"), Lit(Tag(label), pc))


def _goto(proc: str, pc: TaggedType, label: str) -> Update:
    return Update(f"{proc}_pc", Lit(Tag(label), pc))


def _and(*args: Expr) -> Expr:
    out = args[0]
    for a in args[1:]:
        out = Binary("and", out, a)
    return out


def _not(e: Expr) -> Expr:
    return Unary("not", e)


def _type_ok(variables: tuple[StateVar, ...]) -> Property:
    return Property("TypeOK", "invariant", expr=_and(*(InDomain(Var(v.name), v.type) for v in variables)))


def _singleton(
    name: str, labels: tuple[str, ...], fairness: str, runnable: Expr, env: bool = False
) -> Process:
    return Process(name, None, None, env, fairness, f"{name}_pc", labels, runnable)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# A deadlock: two processes take two locks in opposite orders.


def lock_order() -> System:
    """`p` takes a then b, `q` takes b then a.  Deadlock at depth 2."""
    pcs = {n: _pc_type(n, ("first", "second", "release")) for n in ("p", "q")}
    order = {"p": ("a", "b"), "q": ("b", "a")}
    actions = []
    for n, (x, y) in order.items():
        pc = pcs[n]
        for label, lock, nxt in (("first", x, "second"), ("second", y, "release")):
            actions.append(
                Action(
                    f"{n}_{label}",
                    n,
                    label,
                    (),
                    _and(_at(n, pc, label), _not(Var(f"lock_{lock}"))),
                    (Update(f"lock_{lock}", TRUE), _goto(n, pc, nxt)),
                )
            )
        actions.append(
            Action(
                f"{n}_release",
                n,
                "release",
                (),
                _at(n, pc, "release"),
                (
                    Update("lock_a", Lit(False, BOOL)),
                    Update("lock_b", Lit(False, BOOL)),
                    _goto(n, pc, "done"),
                ),
            )
        )
    variables = (
        StateVar("lock_a", BOOL, (False,)),
        StateVar("lock_b", BOOL, (False,)),
        *(StateVar(f"{n}_pc", pcs[n], (Tag("first"),), "pc", n) for n in ("p", "q")),
    )
    both_done = _and(*(_at(n, pcs[n], "done") for n in ("p", "q")))
    processes = tuple(
        _singleton(n, ("first", "second", "release"), "weak", _not(_at(n, pcs[n], "done")))
        for n in ("p", "q")
    )
    return System(
        "lock_order",
        "tests/random_systems.py",
        (),
        variables,
        processes,
        tuple(actions),
        (Model("fair", (), (FairnessRule("p", None, "weak"), FairnessRule("q", None, "weak"))),),
        (_type_ok(variables), Property("DeadlockFree", "deadlock", expr=both_done)),
        (),
    )


# ---------------------------------------------------------------------------
# A real-time livelock: `rt` preempts `owner`; rt either spins or sleeps while owner holds a pin.


def pin_wait(sleeps: bool) -> System:
    """`owner` pins then unpins; `rt` (starting asleep) waits for the pin to go.
    Under RT (rt preempts owner) a spinning rt starves the owner forever
    (`OwnerDone` violated by a lasso of 3 steps); a sleeping rt lets it run."""
    opc = _pc_type("owner", ("pin", "unpin"))
    rpc = _pc_type("rt", ("wait",))
    asleep = Var("rt_asleep")
    pinned = Var("pinned")
    rt_runnable = _and(_not(_at("rt", rpc, "done")), _not(asleep))
    actions = (
        Action(
            "owner_pin",
            "owner",
            "pin",
            (),
            _at("owner", opc, "pin"),
            (Update("pinned", TRUE), _goto("owner", opc, "unpin")),
        ),
        Action(
            "owner_unpin",
            "owner",
            "unpin",
            (),
            _at("owner", opc, "unpin"),
            (Update("pinned", Lit(False, BOOL)), _goto("owner", opc, "done")),
        ),
        Action(
            "rt_busy",
            "rt",
            "wait",
            (),
            _and(_at("rt", rpc, "wait"), _not(asleep), pinned),
            (Update("rt_asleep", Lit(sleeps, BOOL)), _goto("rt", rpc, "wait")),
        ),
        Action(
            "rt_free",
            "rt",
            "wait",
            (),
            _and(_at("rt", rpc, "wait"), _not(asleep), _not(pinned)),
            (_goto("rt", rpc, "done"),),
        ),
        Action("rt_wake", "rt", "<wake>", (), asleep, (Update("rt_asleep", Lit(False, BOOL)),)),
    )
    variables = (
        StateVar("pinned", BOOL, (False,)),
        StateVar("rt_asleep", BOOL, (True,)),
        StateVar("owner_pc", opc, (Tag("pin"),), "pc", "owner"),
        StateVar("rt_pc", rpc, (Tag("wait"),), "pc", "rt"),
    )
    done = _and(_at("owner", opc, "done"), _at("rt", rpc, "done"))
    fair = (FairnessRule("owner", None, "weak"), FairnessRule("rt", None, "weak"))
    rt_model = Model(
        "RT",
        (StepConstraint("owner", None, _not(rt_runnable)),),
        (FairnessRule("owner", None, "strong"), FairnessRule("rt", None, "weak")),
    )
    return System(
        f"pin_wait_{'sleep' if sleeps else 'spin'}",
        "tests/random_systems.py",
        (),
        variables,
        (
            _singleton("owner", ("pin", "unpin"), "weak", _not(_at("owner", opc, "done"))),
            _singleton("rt", ("wait",), "weak", rt_runnable),
        ),
        actions,
        (Model("fair", (), fair), rt_model),
        (
            _type_ok(variables),
            Property("DeadlockFree", "deadlock", expr=done),
            Property(
                "OwnerDone", "temporal", formula=Eventually(TState(_at("owner", opc, "done"))), model="RT"
            ),
            Property("OwnerDoneFair", "temporal", formula=Eventually(TState(_at("owner", opc, "done")))),
            Property("RtSpins", "witness", expr=_and(pinned, _not(asleep), _at("rt", rpc, "wait"))),
        ),
        (),
    )


# ---------------------------------------------------------------------------
# A map of tagged values, a set, `pick` parameters and a count that can leave its type.

CELL = TaggedType("Cell", (Variant("Empty"), Variant("Full", IntType(1, 2))))
SLOT = IntType(0, 1)
N = IntType(0, 2)


def cells(buggy: bool = False) -> System:
    """An environment fills and drains two cells, tracking them in a set and a count.
    With `buggy`, drain does not check that the cell is full: the count goes to -1
    at depth 1 (TypeOK is violated there)."""
    s = Param("s")
    cell_s = Index(Var("cell"), s)
    one = Lit(1, IntType(1, 1))
    full = IsTag(cell_s, "Full")
    fill = Action(
        "env_fill",
        "env",
        "step",
        (Binder("s", SLOT),),
        _and(IsTag(cell_s, "Empty"), Binary("lt", Var("n"), Lit(2, N))),
        (
            Update("cell", Except(Var("cell"), s, MakeTag(CELL, "Full", Binary("add", Var("n"), one)))),
            Update("used", Binary("union", Var("used"), SetLit(SLOT, (s,)))),
            Update("n", Binary("add", Var("n"), one)),
        ),
    )
    drain = Action(
        "env_drain",
        "env",
        "step",
        (Binder("s", SLOT),),
        TRUE if buggy else full,
        (
            Update("cell", Except(Var("cell"), s, Lit(Tag("Empty"), CELL))),
            Update("used", Binary("diff", Var("used"), SetLit(SLOT, (s,)))),
            Update("n", Binary("sub", Var("n"), one)),
        ),
    )
    empty = MapVal(((0, Tag("Empty")), (1, Tag("Empty"))))
    variables = (
        StateVar("cell", MapType(SLOT, CELL), (empty,)),
        StateVar("used", SetType(SLOT), (frozenset(),)),
        StateVar("n", N, (0,)),
        StateVar("env_pc", _pc_type("env", ("step",)), (Tag("step"),), "pc", "env"),
    )
    x = Param("x")
    cell_x = Index(Var("cell"), x)
    consistent = Quant("forall", "x", SLOT, Binary("eq", IsTag(cell_x, "Full"), Binary("in", x, Var("used"))))
    counted = Binary("eq", Var("n"), Quant("count", "x", SLOT, Binary("in", x, Var("used"))))
    positive = Quant(
        "forall",
        "x",
        SLOT,
        Binary("implies", IsTag(cell_x, "Full"), Binary("ge", Payload(cell_x, "Full"), one)),
    )
    return System(
        f"cells{'_buggy' if buggy else ''}",
        "tests/random_systems.py",
        (),
        variables,
        (_singleton("env", ("step",), "none", TRUE, env=True),),
        (fill, drain),
        (Model("fair", (), ()),),
        (
            _type_ok(variables),
            Property("Consistent", "invariant", expr=consistent),
            Property("Counted", "invariant", expr=counted),
            Property("Positive", "invariant", expr=positive),
            Property(
                "NotBothTwo",
                "invariant",
                expr=_not(Quant("forall", "x", SLOT, Binary("eq", cell_x, Lit(Tag("Full", 2), CELL)))),
            ),
            Property("BothFull", "witness", expr=Quant("forall", "x", SLOT, IsTag(cell_x, "Full"))),
            Property("DeadlockFree", "deadlock", expr=Lit(False, BOOL)),
        ),
        (),
    )


# ---------------------------------------------------------------------------
# Random systems: a family of two processes with a few labelled steps over a small
# int, a bool, a tagged value and a map; random guards, updates and invariants.

V = IntType(0, 3)
OPT = TaggedType("Opt", (Variant("Nothing"), Variant("Some", IntType(0, 1))))
IDS = IntType(1, 2)
KEY = IntType(0, 1)


def _int(draw: st.DrawFn, depth: int = 0) -> Expr:
    choice = draw(st.integers(0, 4 if depth < 2 else 1))
    if choice == 0:
        return Var("v")
    if choice == 1:
        return Lit(draw(st.integers(0, 3)), V)
    if choice == 2:
        return Index(Var("m"), Lit(draw(st.integers(0, 1)), KEY))
    op = draw(st.sampled_from(["add", "sub"]))
    return Binary(op, _int(draw, depth + 1), _int(draw, depth + 1))


def _bool(draw: st.DrawFn, depth: int = 0) -> Expr:
    choice = draw(st.integers(0, 4 if depth < 2 else 2))
    if choice == 0:
        return Var("flag")
    if choice == 1:
        return IsTag(Var("opt"), "Some")
    if choice == 2:
        return Binary(draw(st.sampled_from(["eq", "lt", "le", "ne"])), _int(draw, 1), _int(draw, 1))
    if choice == 3:
        return _not(_bool(draw, depth + 1))
    return Binary(draw(st.sampled_from(["and", "or"])), _bool(draw, depth + 1), _bool(draw, depth + 1))


def _clamped(e: Expr) -> Expr:
    lo, hi = Lit(0, V), Lit(3, V)
    return Ite(Binary("lt", e, lo), lo, Ite(Binary("gt", e, hi), hi, e))


def _update(draw: st.DrawFn) -> Update:
    target = draw(st.sampled_from(["v", "flag", "opt", "m"]))
    if target == "v":
        e = _int(draw)
        return Update("v", e if draw(st.integers(0, 5)) == 0 else _clamped(e))
    if target == "flag":
        return Update("flag", _bool(draw))
    if target == "opt":
        some = MakeTag(OPT, "Some", Binary("sub", Param("self"), Lit(1, IntType(1, 1))))
        return Update("opt", Ite(_bool(draw), some, Lit(Tag("Nothing"), OPT)))
    key = Binary("sub", Param("self"), Lit(1, IntType(1, 1)))
    return Update("m", Except(Var("m"), key, _clamped(_int(draw))))


def _temporal(draw: st.DrawFn) -> Temporal:
    """`eventually p`, `always eventually p` or `p ~> q`: every shape both engines decide."""
    p = TState(_bool(draw))
    shape = draw(st.integers(0, 2))
    if shape == 0:
        return Eventually(p)
    if shape == 1:
        return Always(Eventually(p))
    return LeadsTo(p, TState(_bool(draw)))


@st.composite
def systems(draw: st.DrawFn) -> System:
    """A random system of one process family `p[1..2]` with 2-3 labelled steps (a step may
    change nothing: fairness must then ignore it), with invariants, deadlock freedom and
    one temporal property."""
    labels = tuple(f"s{i}" for i in range(draw(st.integers(2, 3))))
    pc = _pc_type("p", labels)
    at = lambda label: Binary("eq", Index(Var("p_pc"), Param("self")), Lit(Tag(label), pc))  # noqa: E731
    actions = []
    for i, label in enumerate(labels):
        for j in range(draw(st.integers(1, 2))):
            nxt = draw(st.sampled_from([*labels[i + 1 :], "done", labels[0]]))
            updates = {u.var: u for u in (_update(draw) for _ in range(draw(st.integers(1, 2))))}
            goto = Update("p_pc", Except(Var("p_pc"), Param("self"), Lit(Tag(nxt), pc)))
            guard = at(label) if draw(st.booleans()) else _and(at(label), _bool(draw))
            actions.append(
                Action(f"p_{label}_{j}", "p", label, (Binder("self", IDS),), guard, (*updates.values(), goto))
            )
    variables = (
        StateVar("v", V, (draw(st.integers(0, 3)),)),
        StateVar("flag", BOOL, (False,)),
        StateVar("opt", OPT, (Tag("Nothing"),)),
        StateVar("m", MapType(KEY, V), (MapVal(((0, 0), (1, 0))),)),
        StateVar("p_pc", MapType(IDS, pc), (MapVal(((1, Tag(labels[0])), (2, Tag(labels[0])))),), "pc", "p"),
    )
    t = Param("t")
    all_done = Quant("forall", "t", IDS, Binary("eq", Index(Var("p_pc"), t), Lit(Tag("done"), pc)))
    invariants = tuple(
        Property(f"Inv{i}", "invariant", expr=_bool(draw)) for i in range(draw(st.integers(1, 3)))
    )
    live = Property("Live", "temporal", formula=_temporal(draw))
    runnable = Binary("ne", Index(Var("p_pc"), Param("self")), Lit(Tag("done"), pc))
    process = Process("p", "t", IDS, False, "weak", "p_pc", labels, runnable)
    return System(
        "random",
        "tests/random_systems.py",
        (),
        variables,
        (process,),
        tuple(actions),
        (Model("fair", (), (FairnessRule("p", None, "weak"),)),),
        (_type_ok(variables), *invariants, Property("DeadlockFree", "deadlock", expr=all_done), live),
        (),
    )
