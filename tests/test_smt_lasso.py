"""Lasso search: fair loops that violate temporal properties, and the formula shapes it decides."""

from __future__ import annotations

import pytest
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
from specdsl.smt.encode import Encoding
from specdsl.smt.lasso import UnsupportedFormula, check_supported, search


def _run(system: System, formula: Temporal, model: str = "fair", depth: int = 8):
    enc = Encoding(system)
    return search(enc, system.model(model), [("P", formula)], depth, timeout=30)["P"]


def _at(label: str, t: int) -> TState:
    return TState(Binary("eq", Index(Var("inc_pc"), Lit(t, THREAD)), Lit(Tag(label), PC)))


def test_preempting_spinner_starves_the_owner() -> None:
    system = pin_wait(sleeps=False)
    p = system.property("OwnerDone")
    r = _run(system, p.formula, p.model)  # type: ignore[arg-type]
    assert r.status == "found"
    assert (len(r.states), r.loop_start) == (3, 2)
    replay(system, r.states, system.model("RT"), r.loop_start)


def test_sleeping_waiter_lets_the_strongly_fair_owner_run() -> None:
    system = pin_wait(sleeps=True)
    p = system.property("OwnerDone")
    assert _run(system, p.formula, p.model).status == "clear"  # type: ignore[arg-type]


def test_weakly_fair_process_is_not_starved() -> None:
    """Without the RT constraint the owner is weakly fair and always enabled until done."""
    system = pin_wait(sleeps=False)
    assert _run(system, system.property("OwnerDoneFair").formula).status == "clear"  # type: ignore[arg-type]


def test_terminal_state_stutters() -> None:
    """Both threads finish; `always eventually T1 not done` fails on the final stutter."""
    system = lost_update()
    r = _run(system, Always(Eventually(TNot(_at("done", 1)))))
    assert r.status == "found"
    assert r.loop_start == len(r.states) - 1 and r.states[-1]["inc_pc"].get(1) == Tag("done")


def test_unfair_system_may_stop_anywhere() -> None:
    system = lost_update(fairness="none")
    r = _run(system, system.property("Terminates").formula)  # type: ignore[arg-type]
    assert r.status == "found" and (len(r.states), r.loop_start) == (1, 0)


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
def test_formula_shapes(formula: Temporal, status: str) -> None:
    assert _run(lost_update(), formula).status == status


def test_unsupported_shape_is_rejected() -> None:
    with pytest.raises(UnsupportedFormula):
        check_supported(Always(LeadsTo(_at("read", 1), _at("done", 1))), Encoding(lost_update()))


def test_model_with_no_fairness_allows_any_stop() -> None:
    system = lost_update()
    stop = Model("stop", (), ())
    enc = Encoding(system)
    r = search(enc, stop, [("P", Eventually(_at("done", 1)))], 4, timeout=30)["P"]
    assert r.status == "found"
