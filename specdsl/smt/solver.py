"""Z3 solvers under two limits: a deterministic work budget that decides, and the user's deadline.

What decides a result (which proof method succeeds, which lemmas are kept, where a
search gives up) must not depend on the machine's load, so it is never measured in
seconds.  It is measured in Z3's own resource count (`rlimit`), which counts the
solver's internal steps: the same queries spend the same work on an idle machine
and on a busy one.  In z3py, `solver.set("rlimit", n)` limits each `check` to n
units counted from where the context's counter stands (the limit is per check, not
cumulative), and `statistics()` "rlimit count" is the context's counter, shared by
every solver of the context: a check's cost is the counter's growth across it.
Measured on the swap-in specs (`benchmarks/bench_z3.py`, section 4): 2 to 5 million
units per CPU second of a strengthening (Python's share included), so 50 million units
are 10 to 25 seconds of it on an idle machine, however long they take on a busy one.

The deadline is the user's `--timeout`: a wall-clock safety net for one (spec,
engine) run.  It never decides a result; a query it cuts is reported as cut, and
the searches keep the depth they had covered.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import z3

from specdsl.smt.sym import Terms

SIDE_WORK = 5_000_000  # work for a query that only steers a choice (an action's type safety, ...)
RANDOM_SEED = 0  # Z3's default, fixed here so that no global setting can make runs differ
MAX_TIMEOUT_MS = 2**32 - 1  # Z3's `timeout` is an unsigned 32-bit count of milliseconds


def new_solver(tm: Terms) -> z3.Solver:
    """A solver in `tm`'s context: `QF_BV` for bit-vectors (the default solver gains nothing from them)."""
    solver = z3.SolverFor("QF_BV", ctx=tm.ctx) if tm.bv else z3.Solver(ctx=tm.ctx)
    return seeded(solver)


def seeded(solver: z3.Solver) -> z3.Solver:
    """`solver` with its random seeds fixed (Z3's SAT and SMT cores read `random_seed`)."""
    solver.set("random_seed", RANDOM_SEED)
    return solver


class TimedOut(Exception):
    """The run's deadline passed (raised between queries by work that is not a query)."""


@dataclass(frozen=True)
class Deadline:
    """The wall-clock end of one (spec, engine) run: the user's `--timeout`, a safety net only.
    `clock`: the clock it is read on (`time.monotonic`; tests pass one that ticks per look)."""

    seconds: float  # as the user gave it
    end: float  # on `clock`
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)

    @staticmethod
    def after(seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return Deadline(seconds, clock() + seconds, clock)

    def left(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self.end - self.clock())

    def passed(self) -> bool:
        return self.clock() >= self.end

    def check(self) -> None:
        """Raise `TimedOut` once the deadline has passed (for loops that build terms, not queries)."""
        if self.passed():
            raise TimedOut(self.why())

    def why(self) -> str:
        return f"cut by --timeout {self.seconds:g}"


NEVER = Deadline(math.inf, math.inf)  # no --timeout (tests, benchmarks)


@dataclass
class Budget:
    """The Z3 work (rlimit units) allowed to the queries of one proof method or one
    strengthening, within the run's deadline.  `work=None`: no work limit, for the
    searches whose depth is their budget (BMC, lasso search)."""

    work: int | None
    deadline: Deadline
    spent: int = 0

    def exhausted(self) -> bool:
        return self.work is not None and self.spent >= self.work

    def stopped(self) -> bool:
        """No further query may run: the work is spent or the deadline has passed."""
        return self.exhausted() or self.deadline.passed()


def work_count(solver: z3.Solver) -> int:
    """The context's resource counter ("rlimit count"; absent until some check has counted)."""
    try:
        return int(solver.statistics().get_key_value("rlimit count"))
    except z3.Z3Exception:
        return 0


def check(solver: z3.Solver, budget: Budget, *assumptions: z3.BoolRef) -> z3.CheckSatResult:
    """`solver.check(assumptions)` within what is left of `budget`: its work and the
    deadline (`unknown` when either runs out; `reason` says which)."""
    if budget.stopped():
        return z3.unknown
    left = 0 if budget.work is None else budget.work - budget.spent  # 0: no limit
    solver.set("rlimit", left)
    solver.set("timeout", max(1, int(min(MAX_TIMEOUT_MS, budget.deadline.left() * 1000))))
    before = work_count(solver)
    try:
        return _check_assuming(solver, assumptions)
    finally:
        budget.spent += work_count(solver) - before


def _check_assuming(solver: z3.Solver, assumptions: tuple[z3.BoolRef, ...]) -> z3.CheckSatResult:
    """`solver.check(*assumptions)` without z3py's per-literal sort check, which cost more
    than the solver itself on the strengthening's queries (a hundred literals each)."""
    array = (z3.Ast * len(assumptions))(*(a.as_ast() for a in assumptions))
    ctx = solver.ctx.ref()
    return z3.CheckSatResult(z3.Z3_solver_check_assumptions(ctx, solver.solver, len(assumptions), array))


def reason(solver: z3.Solver, budget: Budget) -> str:
    """Why a query answered `unknown`, in a few words."""
    if budget.exhausted():
        return f"work budget spent ({budget.work:,} Z3 resource units)"
    why = solver.reason_unknown()
    if budget.deadline.passed() or why in ("timeout", "canceled"):  # its timeout is the deadline's
        return budget.deadline.why()
    return f"Z3 answered unknown ({why})"


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
