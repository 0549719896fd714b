"""Ghost variables: what no guard, constraint, runnable condition or formula depends on."""

from __future__ import annotations

from pathlib import Path

from ir_examples import lost_update

from specdsl.ir import Binary, Eventually, IntType, Lit, TState, Var
from specdsl.lang.loader import load_system
from specdsl.smt.ghost import steering
from specdsl.smt.lasso import state_exprs

SPECS = Path(__file__).parent.parent / "specs"


def test_data_no_guard_reads_is_a_ghost() -> None:
    system = lost_update()
    formula = system.property("Terminates").formula
    assert steering(system, system.model("fair"), state_exprs(formula)) == {"inc_pc"}  # type: ignore[arg-type]


def test_formula_and_updates_of_steering_variables_make_variables_steer() -> None:
    """The formula reads `x`; the update of `x` reads `inc_tmp`."""
    system = lost_update()
    x_is_two = Eventually(TState(Binary("eq", Var("x"), Lit(2, IntType(2, 2)))))
    assert steering(system, system.model("fair"), state_exprs(x_is_two)) == {"inc_pc", "x", "inc_tmp"}


def test_swap_in_ghosts_are_data_counters_and_epochs() -> None:
    system = load_system(SPECS / "pte_marker.sw")
    p = system.property("FaultCompletesRT")
    steer = steering(system, system.model(p.model), state_exprs(p.formula))  # type: ignore[arg-type]
    ghosts = {v.name for v in system.variables} - steer
    assert ghosts == {"slot_data", "frame_data", "frame_used", "fault_seen", "fault_faults"}
