"""Inductive strengthening: lemmas that block counterexamples to induction.

An invariant that holds is seldom inductive on its own: some step from an
unreachable state breaks it (a counterexample to induction, CTI).  On these
protocols the CTIs are states where program counters, PTE, counts and folio
flags disagree, and fixed lemma templates do not anticipate which disagreement
matters.  So the lemmas are learned from the CTIs themselves:

- reachable states are sampled by a breadth-first search with the interpreter;
- a CTI outside the sample is blocked by the lemma "not (l1 == v1 and ...)"
  over the fewest state locations (a variable, or one entry of a map) on which
  it differs from every sampled state (greedy set cover);
- a CTI inside the sample is a reachable state, so every candidate its
  successor violates is false and is dropped (Houdini).

The loop ends when Z3 finds no CTI: the candidates left hold initially (each is
checked when it is added) and are closed under a step, so their conjunction is
an inductive invariant and every target in it is proved, whatever the sample
missed.  The sample only steers which lemmas are tried.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import z3

from specdsl.interp import State, initial_states, successors
from specdsl.ir import (
    Binary,
    Expr,
    Index,
    Lit,
    MapType,
    MapVal,
    SetLit,
    System,
    Type,
    Unary,
    Value,
    Var,
)
from specdsl.irdump import format_excluded, format_expr
from specdsl.smt.encode import Encoding, decode_state
from specdsl.smt.solver import NEVER, Budget, Deadline, check, new_solver, reason
from specdsl.values import capped_size, domain

SAMPLE_STATES = 20000  # reachable states sampled to steer the lemmas
MAX_LEMMAS = 400  # lemmas tried before the loop only drops candidates (so it ends)
MAX_WIDENING = 64  # a lemma's literal widens to other values only in types this small


@dataclass(frozen=True)
class Location:
    """A variable, or one entry of a map variable (`key`)."""

    var: str
    type: Type
    key: Value | None = None
    key_type: Type | None = None

    def expr(self) -> Expr:
        if self.key_type is None:
            return Var(self.var)
        return Index(Var(self.var), Lit(self.key, self.key_type))

    def read(self, state: State) -> Value:
        value = state[self.var]
        if self.key_type is None:
            return value
        assert isinstance(value, MapVal)
        return dict(value.items)[self.key]


def locations(system: System) -> list[Location]:
    out = []
    for v in system.variables:
        if isinstance(v.type, MapType):
            out += [Location(v.name, v.type.value, k, v.type.key) for k in domain(v.type.key)]
        else:
            out.append(Location(v.name, v.type))
    return out


@dataclass(frozen=True)
class Lemma:
    """`not (l1 in V1 and l2 in V2 and ...)`: no reachable state looks like this."""

    cube: tuple[tuple[Location, tuple[Value, ...]], ...]

    def expr(self) -> Expr:
        conj: Expr | None = None
        for loc, values in self.cube:
            e = _member(loc, values)
            conj = e if conj is None else Binary("and", conj, e)
        assert conj is not None
        return Unary("not", conj)

    def __str__(self) -> str:
        return format_expr(self.expr())

    def in_terms_of(self, system: System) -> str:
        """The lemma in the spec's own terms (see `irdump.format_excluded`)."""
        return format_excluded(system, [(loc.var, loc.key, loc.type, values) for loc, values in self.cube])


def _member(loc: Location, values: tuple[Value, ...]) -> Expr:
    """`loc == v`, `loc != v` or `loc in {...}`, whichever is shortest."""
    if len(values) == 1:
        return Binary("eq", loc.expr(), Lit(values[0], loc.type))
    others = [v for v in domain(loc.type) if v not in values]  # values are widened in small types only
    if len(others) == 1:
        return Binary("ne", loc.expr(), Lit(others[0], loc.type))
    return Binary("in", loc.expr(), SetLit(loc.type, tuple(Lit(v, loc.type) for v in values)))


@dataclass(frozen=True)
class Sample:
    """Reachable states, as one tuple of location values each, in breadth-first order
    (a fixed order makes the lemmas, which depend on it, the same from run to run)."""

    locations: tuple[Location, ...]
    rows: tuple[tuple[Value, ...], ...]
    depths: tuple[int, ...]  # per row, its breadth-first depth
    complete: bool  # the search ran out of states before reaching the cap

    @cached_property
    def depth(self) -> dict[tuple[Value, ...], int]:
        """The breadth-first depth of each sampled row."""
        return dict(zip(self.rows, self.depths))

    @staticmethod
    def of(system: System, limit: int = SAMPLE_STATES, deadline: Deadline = NEVER) -> Sample:
        """The first `limit` states of a breadth-first search (fewer once `deadline` has
        passed: the run is cut then, and a smaller sample is still a sample)."""
        locs = tuple(locations(system))
        seen = dict.fromkeys(initial_states(system), 0)
        rows = [_read(locs, s) for s in seen]
        queue = deque(seen)
        while queue and len(seen) < limit and not deadline.passed():
            state = queue.popleft()
            for _, nxt in successors(system, state):
                if nxt not in seen:
                    seen[nxt] = seen[state] + 1
                    rows.append(_read(locs, nxt))  # read as found, within the deadline
                    queue.append(nxt)
        return Sample(locs, tuple(rows), tuple(seen.values()), complete=not queue)

    def row(self, state: State) -> tuple[Value, ...]:
        return _read(self.locations, state)


def _read(locs: Sequence[Location], state: State) -> tuple[Value, ...]:
    return tuple(loc.read(state) for loc in locs)


class Cover:
    """Per location and value, the sampled rows (as a bit mask) where the location has that value."""

    def __init__(self, sample: Sample) -> None:
        self.sample = sample
        rows = sample.rows
        self.everything = (1 << len(rows)) - 1
        self.masks: list[dict[Value, int]] = [{} for _ in sample.locations]
        # the values a lemma's literal may widen to: those of a small type
        self.widening = [
            domain(loc.type) if capped_size(loc.type) <= MAX_WIDENING else () for loc in sample.locations
        ]
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.masks[j][v] = self.masks[j].get(v, 0) | (1 << i)

    def block(self, row: tuple[Value, ...]) -> Lemma | None:
        """A lemma that excludes `row` and no sampled row (None when `row` is sampled):
        first the fewest locations on which `row` differs from every sampled row, then
        each location's value widened to every value no sampled row shares with the rest."""
        differs = [self.everything & ~self.masks[j].get(v, 0) for j, v in enumerate(row)]
        chosen: list[int] = []
        covered = 0
        while covered != self.everything:
            j = max(range(len(row)), key=lambda j: (differs[j] & ~covered).bit_count())
            if not differs[j] & ~covered:
                return None
            chosen.append(j)
            covered |= differs[j]
        for j in list(chosen):  # the greedy cover may carry a location the later ones made redundant
            rest = [k for k in chosen if k != j]
            if _union(differs[k] for k in rest) == self.everything:
                chosen = rest
        sets = {j: [row[j]] for j in chosen}
        for j in chosen:
            matching = self.everything
            for k in chosen:
                if k != j:
                    matching &= _union(self.masks[k].get(v, 0) for v in sets[k])
            wider = [v for v in self.widening[j] if v == row[j] or not self.masks[j].get(v, 0) & matching]
            sets[j] = wider if row[j] in wider else [row[j]]  # in the type's order
        locs = self.sample.locations
        return Lemma(tuple((locs[j], tuple(sets[j])) for j in sorted(chosen)))


def _union(masks: Iterable[int]) -> int:
    out = 0
    for m in masks:
        out |= m
    return out


@dataclass(frozen=True)
class Strengthening:
    """The outcome for each target: in the inductive invariant (`proved`), or dropped
    by a counterexample to induction (`dropped`, with its depth when it is a sampled
    reachable state, else None: a target dropped by a reachable state fails one step
    further on, within depth + 1 steps).  `invariant` is the
    conjunction of the lemmas and the proved targets, empty when none is proved;
    `gave_up` says why Z3 gave up (then nothing is proved)."""

    proved: frozenset[int]
    dropped: dict[int, tuple[State, int | None]]
    lemmas: tuple[Lemma, ...]
    invariant: tuple[z3.BoolRef, ...]
    rounds: int
    gave_up: str = ""


@dataclass(frozen=True)
class _Candidate:
    """A fact being checked: over the pre- and post-state, with the assumption literals
    "it holds in the pre-state" and "the step breaks it"."""

    pre: z3.BoolRef
    post: z3.BoolRef
    holds: z3.BoolRef
    breaks: z3.BoolRef


class _GaveUp(Exception):
    """Z3 answered unknown (the reason)."""


def strengthen(
    enc: Encoding,
    targets: Sequence[z3.BoolRef],
    budget: Budget,
    sample: Sample,
    assumed: Sequence[z3.BoolRef] = (),
) -> Strengthening:
    """Learn lemmas until the targets that survive, with them, are inductive.
    `targets` are templates over the pre-state; `proved` holds their indices.
    `assumed`: templates already proved invariant, assumed in every pre-state."""
    if budget.stopped():  # before the solvers are set up (a big system takes a while)
        return Strengthening(frozenset(), {}, (), (), 0, f"{budget.deadline.why()} before the first query")
    learner = _Learner(enc, budget, sample, assumed)
    try:
        return learner.run(targets)
    except _GaveUp as e:
        return Strengthening(
            frozenset(), {}, (), (), learner.rounds, f"{e} after {len(learner.learned)} lemmas"
        )


class _Learner:
    """The state of one strengthening.  Each candidate is checked on its own (is it
    kept by a step from a state where every candidate holds?), which keeps the
    queries small; the unsat core says which candidates its check relied on, and
    only those checks are redone when one of them is dropped."""

    def __init__(self, enc: Encoding, budget: Budget, sample: Sample, assumed: Sequence[z3.BoolRef]) -> None:
        self.enc = enc
        self.budget = budget
        self.sample = sample
        self.cover = Cover(sample)
        self.init = new_solver(enc.tm)
        self.init.add(enc.init())
        self.step = new_solver(enc.tm)
        self.step.add(enc.trans(), *assumed)

        self.alive: dict[int, _Candidate] = {}
        self.learned: dict[int, Lemma] = {}
        self.tried: set[Lemma] = set()  # every lemma learned, so none is learned twice
        self.ids = itertools.count()
        self.todo: deque[int] = deque()  # candidates to check
        self.relied: dict[int, set[int]] = {}  # candidate -> the candidates its last check relied on
        self.literals: dict[tuple[Location, tuple[Value, ...]], z3.BoolRef] = {}
        self.rounds = 0

    def run(self, targets: Sequence[z3.BoolRef]) -> Strengthening:
        alive = self.alive
        target_of = {n: i for i, t in enumerate(targets) if (n := self.add(t)) is not None}
        dropped: dict[int, tuple[State, int | None]] = {}
        while self.todo and any(n in alive for n in target_of):
            n = self.todo.popleft()
            if n not in alive:
                continue
            model = self.counterexample(n)
            if model is None:
                continue
            cti = decode_state(self.enc, model, self.enc.raw)
            row = self.sample.row(cti)
            self.todo.appendleft(n)
            if self.block(row):
                continue
            for k in self.drop(model):
                if k in target_of:
                    dropped[target_of[k]] = (cti, self.sample.depth.get(row))
        proved = frozenset(i for n, i in target_of.items() if n in alive)
        if not proved:  # the loop stopped before the lemmas left were shown inductive
            return Strengthening(frozenset(), dropped, (), (), self.rounds)
        needed = self.needed([n for n in target_of if n in alive])
        lemmas = tuple(lemma for n, lemma in self.learned.items() if n in needed)
        invariant = tuple(c.pre for n, c in alive.items() if n in needed)
        return Strengthening(proved, dropped, lemmas, invariant, self.rounds)

    def needed(self, roots: list[int]) -> set[int]:
        """The candidates the proofs of `roots` rely on, transitively: each one's last
        check relied only on candidates in the set, so the set is inductive on its own.
        The loop's cores are not minimized (that cost more than the rest of the loop:
        40.7 -> 28.2 CPU-s for the Z3 engine on the eight specs); each candidate reached
        here is checked once more with a minimized core, so the lemmas are only those the
        proofs need (a check Z3 cannot finish keeps the loop's core)."""
        self.step.set("core.minimize", True)
        out = set(roots)
        stack = list(roots)
        while stack:
            n = stack.pop()
            with contextlib.suppress(_GaveUp):
                assert self.counterexample(n) is None, "the candidates left are inductive"
            for k in self.relied[n] - out:
                out.add(k)
                stack.append(k)
        return out

    def add(self, pre: z3.BoolRef) -> int | None:
        """A new candidate, kept only if it holds initially (its id, or None)."""
        tm = self.enc.tm
        answer = check(self.init, self.budget, tm.not_(pre))
        if answer == z3.unknown:
            raise _GaveUp(reason(self.init, self.budget))
        if answer == z3.sat:
            return None
        n = next(self.ids)
        c = self.alive[n] = _Candidate(pre, self.enc.primed(pre), tm.var(f"holds!{n}"), tm.var(f"breaks!{n}"))
        self.step.add(z3.Implies(c.holds, pre), z3.Implies(c.breaks, tm.not_(c.post)))
        self.todo.append(n)
        return n

    def counterexample(self, n: int) -> z3.ModelRef | None:
        """A step from a state where every candidate holds to one where candidate n fails."""
        self.rounds += 1
        holds = {c.holds.get_id(): k for k, c in self.alive.items()}
        answer = check(self.step, self.budget, self.alive[n].breaks, *(c.holds for c in self.alive.values()))
        if answer == z3.unknown:
            raise _GaveUp(reason(self.step, self.budget))
        if answer == z3.sat:
            return self.step.model()
        self.relied[n] = {holds[c.get_id()] for c in self.step.unsat_core() if c.get_id() in holds}
        return None

    def block(self, row: tuple[Value, ...]) -> bool:
        """Whether a new lemma now excludes the counterexample's pre-state."""
        lemma = self.cover.block(row) if len(self.tried) < MAX_LEMMAS else None
        if lemma is None or lemma in self.tried:  # a lemma once dropped was false
            return False
        self.tried.add(lemma)
        k = self.add(self.term(lemma))
        if k is not None:
            self.learned[k] = lemma
        return k is not None

    def term(self, lemma: Lemma) -> z3.BoolRef:
        """The lemma over the pre-state; its literals recur across lemmas, so each is encoded once
        (encoding each lemma whole took half of a liveness proof's time)."""
        parts = []
        for loc, values in lemma.cube:
            if (loc, values) not in self.literals:
                self.literals[loc, values] = self.enc.pred(_member(loc, values))
            parts.append(self.literals[loc, values])
        return self.enc.tm.not_(self.enc.tm.and_(*parts))

    def drop(self, model: z3.ModelRef) -> set[int]:
        """Drop the candidates the counterexample's post-state breaks (their ids)."""
        gone = {k for k, c in self.alive.items() if not z3.is_true(model.eval(c.post, model_completion=True))}
        for k in gone:
            del self.alive[k]
            self.learned.pop(k, None)
            self.relied.pop(k, None)
        self.todo.extend(k for k, used in self.relied.items() if used & gone and k not in self.todo)
        return gone
