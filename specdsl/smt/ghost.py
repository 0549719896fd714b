"""Ghost variables: state that cannot steer how a system behaves.

A variable steers the behaviour, under a model and for some temporal formulas,
when a guard, a scheduling constraint of the model, a process's `runnable`
condition or one of the formulas reads it, or when an update of a steering
variable reads it (a fixpoint over the updates).  The others are ghosts (in the
swap-in specs: the retry counters, the content versions, the swap-out epoch a
fault read).  Two states that agree on the steering variables enable the same
steps, which have the same effect on those variables, and satisfy the same
formulas.  So a path that returns to a state agreeing with an earlier one on the
steering variables, repeated, is a real behaviour with the same enabled steps and
formula values in every round, and its full state repeats after finitely many
rounds (the ghosts evolve deterministically over a finite set).
"""

from __future__ import annotations

from collections.abc import Iterable

from specdsl.ir import Expr, Model, System
from specdsl.irwalk import vars_read


def steering(system: System, model: Model, formulas: Iterable[Expr]) -> frozenset[str]:
    """The variables that are not ghosts for `formulas` (their state predicates) under `model`."""
    need: set[str] = set()
    roots = [a.guard for a in system.actions]
    roots += [c.allowed for c in model.constraints]
    roots += [p.runnable for p in system.processes]
    for e in (*roots, *formulas):
        need |= vars_read(e)
    updates = [(u.var, vars_read(u.value)) for a in system.actions for u in a.updates]
    grown = True
    while grown:
        grown = False
        for var, reads in updates:
            if var in need and not reads <= need:
                need |= reads
                grown = True
    return frozenset(need)
