"""Unbounded proofs with Spacer (PDR/IC3 over constrained Horn clauses).

The system becomes three Horn clauses over one relation `Inv` of the state
leaves: initial states are in Inv, Inv is closed under a step, and no state in
Inv is bad.  When Spacer finds them satisfiable, its interpretation of Inv is an
inductive invariant; it is re-checked with a plain solver (initiation,
consecution, safety) before it counts as a proof.
"""

from __future__ import annotations

from collections.abc import Sequence

import z3

from specdsl.smt.encode import Encoding
from specdsl.smt.induction import Proof
from specdsl.smt.solver import Budget, check, new_solver, reason, seeded


def pdr(enc: Encoding, good: z3.BoolRef, budget: Budget, assumed: Sequence[z3.BoolRef] = ()) -> Proof:
    """Prove the template `good` invariant with Spacer, re-checking the invariant it returns.
    The `assumed` templates (proved invariants) restrict the states a step starts from."""
    inv = z3.Function("Inv", *(x.sort() for x in enc.pre), z3.BoolSort(enc.ctx))
    pre, post = enc.pre, enc.post
    horn = seeded(z3.SolverFor("HORN", ctx=enc.ctx))
    horn.set("engine", "spacer")
    horn.add(z3.ForAll(pre, z3.Implies(enc.init(), inv(*pre))))
    for i in range(len(enc.ground)):  # one clause per ground action: no selector for Spacer to project
        body = z3.And(inv(*pre), *assumed, enc.action_step(i))
        horn.add(z3.ForAll([*pre, *post], z3.Implies(body, inv(*post))))
    horn.add(z3.ForAll(pre, z3.Implies(z3.And(inv(*pre), z3.Not(good)), enc.tm.false)))
    answer = check(horn, budget)  # once only: Spacer may crash when asked again after a stop
    if answer == z3.unknown:
        return Proof("unknown", 0, f"Spacer gave up: {reason(horn, budget)}")
    if answer == z3.unsat:
        return Proof("open", 0, "Spacer found a violation deeper than the bound")
    invariant = horn.model().eval(inv(*pre))
    failed = recheck(enc, z3.And(invariant, *assumed), good, budget)
    if failed:
        return Proof("unknown", 0, f"the invariant from Spacer fails its re-check ({failed})")
    return Proof("proved", 0, "Spacer invariant re-checked")


def recheck(enc: Encoding, invariant: z3.BoolRef, good: z3.BoolRef, budget: Budget) -> str:
    """Which of initiation, consecution and safety the invariant fails ('' if none)."""
    after = enc.primed(invariant)
    obligations = {
        "initiation": z3.And(enc.init(), z3.Not(invariant)),
        "consecution": z3.And(invariant, enc.trans(), z3.Not(after)),
        "safety": z3.And(invariant, z3.Not(good)),
    }
    for name, query in obligations.items():
        solver = new_solver(enc.tm)
        solver.add(query)
        answer = check(solver, budget)
        if answer != z3.unsat:
            return f"{name}: {'not established' if answer == z3.unknown else 'fails'}"
    return ""
