"""Z3 solvers with a time budget: every query has a timeout, and a timeout is `unknown`."""

from __future__ import annotations

import time
from dataclasses import dataclass

import z3

from specdsl.smt.sym import Terms


def new_solver(tm: Terms) -> z3.Solver:
    """A solver in `tm`'s context: `QF_BV` for bit-vectors (the default solver gains nothing from them)."""
    return z3.SolverFor("QF_BV", ctx=tm.ctx) if tm.bv else z3.Solver(ctx=tm.ctx)


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
        return f"timeout after {budget.seconds:.3g}s"
    why = solver.reason_unknown()
    return "timeout" if why in ("timeout", "canceled") else f"Z3 answered unknown ({why})"


@dataclass(frozen=True)
class Answer:
    result: z3.CheckSatResult
    model: z3.ModelRef | None = None  # when sat
    why: str = ""  # when unknown


def ask(solver: z3.Solver, budget: Budget, query: z3.BoolRef, scoped: bool = True) -> Answer:
    """Whether `query` holds together with the solver's assertions, within `budget`.
    The query is added for this question only: inside push/pop (`scoped`), or under
    a fresh assumption literal, whose implication stays behind in the solver
    (measured 1.1-1.3x slower over the many queries of BMC and lasso search)."""
    if scoped:
        solver.push()
        solver.add(query)
        assumptions = []
    else:
        lit = z3.FreshBool(ctx=query.ctx)
        solver.add(z3.Implies(lit, query))
        assumptions = [lit]
    try:
        result = check(solver, budget, *assumptions)
        model = solver.model() if result == z3.sat else None
        return Answer(result, model, reason(solver, budget) if result == z3.unknown else "")
    finally:
        if scoped:
            solver.pop()
