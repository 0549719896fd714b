"""Unbounded proofs of state invariants by k-induction with simple-path constraints.

The step case may assume facts already proved invariant (the inductive
invariant that `strengthen` builds): a counterexample to induction that starts
in a state they exclude is unreachable, so they make k-induction close at a
smaller k, or at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import z3

from specdsl.smt.encode import Encoding, Unrolling
from specdsl.smt.solver import Budget, ask, new_solver


@dataclass(frozen=True)
class Proof:
    """`proved` at `k`; `open`: induction did not close up to `k`; `unknown`: Z3 gave up."""

    status: Literal["proved", "open", "unknown"]
    k: int
    message: str = ""


def k_induction(
    enc: Encoding, good: z3.BoolRef, max_k: int, budget: Budget, assumed: Sequence[z3.BoolRef] = ()
) -> Proof:
    """Prove `good` (a template) invariant, given that no path of fewer than `max_k` steps
    from an initial state violates it (the base case, established by BMC), and that
    the `assumed` templates are proved invariants."""
    u = Unrolling(enc)
    solver = new_solver(enc.tm)
    step = enc.trans()
    lemma = z3.And(*assumed) if assumed else enc.tm.true
    solver.add(u.at(lemma, 0))
    for k in range(1, max_k + 1):
        solver.add(u.at(good, k - 1), u.at(step, k - 1), u.at(lemma, k))
        solver.add(*(z3.Not(u.same(i, k)) for i in range(k)))
        answer = ask(solver, budget, z3.Not(u.at(good, k)))  # a counterexample to induction?
        if answer.result == z3.unsat:
            return Proof("proved", k)
        if answer.result == z3.unknown:
            return Proof("unknown", k, answer.why)
    return Proof("open", max_k)
