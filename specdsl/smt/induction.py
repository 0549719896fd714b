"""Unbounded proofs of state invariants by k-induction, strengthened with lemmas mined from the IR.

Plain k-induction is weak on protocols whose program counters, PTE and counts
must agree: a counterexample to induction starts in an unreachable state where
they do not.  So the step case assumes lemmas that are proved first: candidate
facts generated from the IR (every variable in its type, the system's other
invariants, and clauses of one or two literals "leaf x is (not) v" over the
small leaves, program counters included), filtered on reachable states from a
bounded breadth-first search with the interpreter, then cut down to the
largest subset that holds initially and is inductive on its own (Houdini).
What survives is an inductive invariant, whatever the sampling missed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import z3

from specdsl.interp import State, initial_states, successors
from specdsl.smt.encode import Encoding, Unrolling
from specdsl.smt.solver import Budget, ask, check, new_solver
from specdsl.smt.sym import SInt, const, flatten

MAX_VALUES = 4  # leaves with more values than this get no value facts
SAMPLE_STATES = 3000  # reachable states used to filter candidate lemmas


@dataclass(frozen=True)
class Proof:
    """`proved` at `k`; `open`: induction did not close up to `k`; `unknown`: Z3 gave up."""

    status: Literal["proved", "open", "unknown"]
    k: int
    message: str = ""


@dataclass(frozen=True)
class ValueLit:
    """`leaf == value` (or `!=`)."""

    leaf: int
    value: int | bool
    positive: bool

    def holds(self, leaves: Sequence[int | bool]) -> bool:
        return (leaves[self.leaf] == self.value) == self.positive

    def term(self, enc: Encoding) -> z3.BoolRef:
        x = enc.pre[self.leaf]
        if isinstance(self.value, bool):
            return x if self.value == self.positive else enc.tm.not_(x)
        spec = enc.leaves[self.leaf]
        eq = x == enc.tm.fit(enc.tm.const(self.value), spec.lo, spec.hi)
        return eq if self.positive else enc.tm.not_(eq)


def concrete_leaves(enc: Encoding, state: State) -> list[int | bool]:
    out: list[int | bool] = []
    for v in enc.system.variables:
        for leaf in flatten(enc.tm, v.type, const(enc.tm, v.type, state[v.name])):
            out.append(leaf.lo if isinstance(leaf, SInt) else z3.is_true(leaf))
    return out


def _sample(enc: Encoding) -> list[list[int | bool]]:
    """Leaf values of reachable states: a breadth-first search with the interpreter,
    stopped after SAMPLE_STATES states."""
    seen = dict.fromkeys(initial_states(enc.system))
    queue = deque(seen)
    while queue and len(seen) < SAMPLE_STATES:
        for _, nxt in successors(enc.system, queue.popleft()):
            if nxt not in seen:
                seen[nxt] = None
                queue.append(nxt)
    return [concrete_leaves(enc, s) for s in seen]


def _literals(enc: Encoding) -> list[ValueLit]:
    out = []
    for j, leaf in enumerate(enc.leaves):
        if leaf.spec.is_bool:
            out += [ValueLit(j, True, True), ValueLit(j, True, False)]
        elif leaf.spec.hi - leaf.spec.lo + 1 <= MAX_VALUES:
            out += [
                ValueLit(j, v, pos) for v in range(leaf.spec.lo, leaf.spec.hi + 1) for pos in (True, False)
            ]
    return out


def candidate_clauses(enc: Encoding, samples: Sequence[Sequence[int | bool]]) -> list[tuple[ValueLit, ...]]:
    """Clauses of one or two value literals over small leaves that hold in every sample
    (a two-literal clause only when neither literal always holds on its own)."""
    lits = _literals(enc)
    everything = (1 << len(samples)) - 1
    masks = [sum(1 << i for i, s in enumerate(samples) if lit.holds(s)) for lit in lits]
    units = [(lit,) for lit, m in zip(lits, masks) if m == everything]
    rest = [(lit, m) for lit, m in zip(lits, masks) if m != everything]
    pairs = [
        (a, b)
        for i, (a, ma) in enumerate(rest)
        for b, mb in rest[i + 1 :]
        if a.leaf != b.leaf and ma | mb == everything
    ]
    return units + pairs


def houdini(enc: Encoding, candidates: Sequence[z3.BoolRef], budget: Budget) -> list[z3.BoolRef] | None:
    """The largest subset of `candidates` (templates over the pre-state) that holds in
    every initial state and is inductive; None when Z3 gives up."""
    alive = list(candidates)
    init = new_solver(enc.tm)
    init.add(enc.init())
    while alive:
        answer = check(init, budget, z3.Not(z3.And(alive)))
        if answer == z3.unknown:
            return None
        if answer == z3.unsat:
            break
        m = init.model()
        alive = [c for c in alive if z3.is_true(m.eval(c, model_completion=True))]
    u = Unrolling(enc)
    step = new_solver(enc.tm)
    step.add(u.at(enc.trans(), 0))
    lits = {c.get_id(): enc.tm.var(f"lemma!{n}") for n, c in enumerate(alive)}
    for c in alive:
        step.add(z3.Implies(lits[c.get_id()], u.at(c, 0)))
    rounds = 0
    while alive:
        rounds += 1
        goal = enc.tm.var(f"houdini@{rounds}")
        nexts = [u.at(c, 1) for c in alive]
        step.add(z3.Implies(goal, z3.Not(z3.And(nexts))))
        answer = check(step, budget, goal, *(lits[c.get_id()] for c in alive))
        if answer == z3.unknown:
            return None
        if answer == z3.unsat:
            break
        m = step.model()
        alive = [c for c, n in zip(alive, nexts) if z3.is_true(m.eval(n, model_completion=True))]
    return alive


def lemmas(enc: Encoding, budget: Budget) -> list[z3.BoolRef] | None:
    """Proved lemmas for the step case (None when Z3 gave up)."""
    clauses = candidate_clauses(enc, _sample(enc))
    candidates = [enc.dom()]
    candidates += [
        enc.pred(p.expr) for p in enc.system.properties if p.kind == "invariant" and p.expr is not None
    ]
    candidates += [enc.tm.or_(*(lit.term(enc) for lit in c)) for c in clauses]
    return houdini(enc, candidates, budget)


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
