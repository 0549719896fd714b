"""Small hand-built IR systems, for testing the engines without the language front end."""

from __future__ import annotations

from specdsl.ir import (
    BOOL,
    Action,
    Binary,
    Binder,
    Eventually,
    Except,
    FairnessRule,
    Index,
    InDomain,
    IntType,
    Lit,
    MapType,
    MapVal,
    Model,
    Param,
    Process,
    Property,
    Quant,
    StateVar,
    System,
    Tag,
    TaggedType,
    TAnd,
    TState,
    Update,
    Var,
    Variant,
)

THREAD = IntType(1, 2)
TWO = Lit(2, IntType(2, 2))
PC = TaggedType("inc_pc", (Variant("read"), Variant("write"), Variant("done")))


def _at(label: str, who=None) -> Binary:
    return Binary("eq", Index(Var("inc_pc"), who or Param("self")), Lit(Tag(label), PC))


def _all_done() -> Quant:
    return Quant("forall", "t", THREAD, _at("done", Param("t")))


def lost_update(fairness: str = "weak") -> System:
    """Two threads each do `x := x + 1` in two steps (read, then write): the
    classic lost update.  `Final` (x == 2 once both are done) is violated at
    depth 4; `Terminates` holds under weak fairness; `BothRead` is reachable."""
    self_ = Binder("self", THREAD)
    read = Action(
        "inc_read",
        "inc",
        "read",
        (self_,),
        _at("read"),
        (
            Update("inc_tmp", Except(Var("inc_tmp"), Param("self"), Var("x"))),
            Update("inc_pc", Except(Var("inc_pc"), Param("self"), Lit(Tag("write"), PC))),
        ),
    )
    write = Action(
        "inc_write",
        "inc",
        "write",
        (self_,),
        _at("write"),
        (
            Update("x", Binary("add", Index(Var("inc_tmp"), Param("self")), Lit(1, IntType(1, 1)))),
            Update("inc_pc", Except(Var("inc_pc"), Param("self"), Lit(Tag("done"), PC))),
        ),
    )
    runnable = Binary("or", _at("read"), _at("write"))
    variables = (
        StateVar("x", IntType(0, 2), (0,)),
        StateVar("inc_tmp", MapType(THREAD, IntType(0, 2)), (MapVal(((1, 0), (2, 0))),), "local", "inc"),
        StateVar("inc_pc", MapType(THREAD, PC), (MapVal(((1, Tag("read")), (2, Tag("read")))),), "pc", "inc"),
    )
    type_ok = Binary(
        "and",
        InDomain(Var("x"), IntType(0, 2)),
        Binary(
            "and", InDomain(Var("inc_tmp"), variables[1].type), InDomain(Var("inc_pc"), variables[2].type)
        ),
    )
    return System(
        name="lost_update",
        file="tests/ir_examples.py",
        params=(),
        variables=variables,
        processes=(Process("inc", "t", THREAD, False, fairness, "inc_pc", ("read", "write"), runnable),),
        actions=(read, write),
        models=(Model("fair", (), (FairnessRule("inc", None, fairness),)),),  # type: ignore[arg-type]
        properties=(
            Property("TypeOK", "invariant", expr=type_ok),
            Property(
                "Final",
                "invariant",
                expr=Binary("implies", _all_done(), Binary("eq", Var("x"), Lit(2, IntType(2, 2)))),
            ),
            Property("DeadlockFree", "deadlock", expr=_all_done()),
            Property("BothRead", "witness", expr=Quant("forall", "t", THREAD, _at("write", Param("t")))),
            Property(
                "Terminates",
                "temporal",
                formula=TAnd(tuple(Eventually(TState(_at("done", Lit(t, THREAD)))) for t in (1, 2))),
            ),
        ),
        expectations=(("Final", "violated"),),
    )


__all__ = ["lost_update", "BOOL"]
