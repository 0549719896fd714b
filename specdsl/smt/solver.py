"""Z3 solvers with a time budget: every query has a timeout, and a timeout is `unknown`."""

from __future__ import annotations

import time
from dataclasses import dataclass

import z3


def new_solver(bv: bool) -> z3.Solver:
    """A solver for the encoding: `QF_BV` for bit-vectors (the default solver gains nothing from them)."""
    return z3.SolverFor("QF_BV") if bv else z3.Solver()


@dataclass
class Budget:
    """The solver time allowed to the queries about one property."""

    seconds: float
    spent: float = 0.0

    def remaining(self) -> float:
        return self.seconds - self.spent


def check(solver: z3.Solver, budget: Budget, *assumptions: z3.BoolRef) -> z3.CheckSatResult:
    """`solver.check(assumptions)` within what is left of `budget` (`unknown` when it runs out)."""
    left = budget.remaining()
    if left <= 0:
        return z3.unknown
    solver.set("timeout", max(1, int(left * 1000)))
    start = time.monotonic()
    try:
        return solver.check(*assumptions)
    finally:
        budget.spent += time.monotonic() - start


def reason(solver: z3.Solver, budget: Budget) -> str:
    """Why a query answered `unknown`, in a few words."""
    if budget.remaining() <= 0:
        return f"timeout after {budget.seconds:g}s"
    why = solver.reason_unknown()
    return "timeout" if why in ("timeout", "canceled") else f"Z3 answered unknown ({why})"
