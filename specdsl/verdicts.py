"""The verdict model that the driver builds and every report reads.

`Result` is one engine's verdict on one property of one spec (the JSON
report's row); `judge` compares it with the spec's `expect` clause; a
`SpecOutcome` holds one spec's judged results and the engines' disagreements;
a `CheckRun` is the whole matrix, with its exit code.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Literal

from specdsl import ir
from specdsl.ir import Property, PropertyKind, System
from specdsl.trace import Trace

Outcome = Literal["holds", "violated", "reached", "unreachable", "unknown", "error"]
# `strengthening`: an inductive invariant of lemmas learned from counterexamples to induction
# (k = 1); `l2s`: a liveness property proved by reduction to safety.
Method = Literal["explicit", "bmc", "k-induction", "strengthening", "pdr", "lasso", "l2s"]
PROOF_METHODS = frozenset({"k-induction", "strengthening", "pdr", "l2s"})

COUNTEREXAMPLE = frozenset({"violated", "reached"})  # a trace shows it
NO_COUNTEREXAMPLE = frozenset({"holds", "unreachable"})  # no trace exists (within `bound`, if any)
CONCLUSIVE = COUNTEREXAMPLE | NO_COUNTEREXAMPLE


def outcome_for(kind: PropertyKind, *, reachable: bool) -> Outcome:
    """The verdict when the states a check of a property of this kind looks for (a
    violation, a deadlock, the witnessed situation) are reachable, or are not: a witness
    is `reached` or `unreachable`, any other property `violated` or `holds`.  The one
    place that chooses between these words."""
    if kind == "witness":
        return "reached" if reachable else "unreachable"
    return "violated" if reachable else "holds"


@dataclass(frozen=True)
class Result:
    """`bound` is None for a complete result (TLC's exhaustive search, a proof,
    or BMC to a depth that covers every reachable state) and the depth checked
    otherwise.  `diameter` is the depth of a complete breadth-first search,
    when the engine did one (TLC), so that BMC can use it as a complete bound.
    `lemmas`: for a proof by inductive strengthening, the lemmas that make the
    property inductive, written as the spec would write them (the "why it holds")."""

    spec: str
    property: str
    kind: PropertyKind
    engine: Literal["tlc", "z3"]
    method: Method
    verdict: Outcome
    bound: int | None = None
    states: int | None = None
    seconds: float = 0.0
    message: str = ""
    trace: Trace | None = None
    diameter: int | None = None
    lemmas: tuple[str, ...] = ()

    def with_(self, **changes: object) -> Result:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Disagreement:
    """Two engines' conclusive verdicts on one property that contradict each other (`agreement`)."""

    first: Result
    second: Result
    reason: str  # one line, says which claim contradicts which


Status = Literal["as expected", "unexpected", "no result"]


@dataclass(frozen=True)
class Judged:
    result: Result
    expected: ir.Verdict | None  # the spec's `expect` clause, if any
    status: Status

    @property
    def wanted(self) -> str:
        """The verdict the spec asks for: a witness must be reached; a property
        without an `expect` clause must hold."""
        kind = self.result.kind
        return outcome_for(kind, reachable=True) if kind == "witness" else (self.expected or "holds")


@dataclass(frozen=True)
class SpecOutcome:
    system: System
    properties: tuple[Property, ...]  # the ones checked, in declaration order
    judged: tuple[Judged, ...]  # by property, then engine
    disagreements: tuple[Disagreement, ...]

    def results_for(self, prop: str) -> list[Judged]:
        return [j for j in self.judged if j.result.property == prop]

    def disagreement_for(self, prop: str) -> Disagreement | None:
        return next((d for d in self.disagreements if d.first.property == prop), None)

    @property
    def unresolved(self) -> list[str]:
        """Properties for which no engine produced a result (exit code 3)."""
        return [
            p.name for p in self.properties if all(j.status == "no result" for j in self.results_for(p.name))
        ]

    def invariant(self) -> tuple[list[str], tuple[str, ...]]:
        """The properties an engine proved with an inductive invariant of lemmas, and the
        lemmas (one strengthening per spec: the proofs share them)."""
        proved = [j.result for j in self.judged if j.result.lemmas and j.result.kind != "temporal"]
        return [r.property for r in proved], (proved[0].lemmas if proved else ())

    def counterexamples(self) -> list[list[Judged]]:
        """The violations worth drawing: per property the shortest among the
        engines, grouped when the very same trace refutes several properties
        (the first one is drawn), groups with an unexpected result first.
        Properties whose engines disagree are left out: they are shown with
        both traces."""
        groups: dict[tuple[object, ...], list[Judged]] = {}
        for p in self.properties:
            violations = [j for j in self.results_for(p.name) if j.result.verdict == "violated"]
            if violations and self.disagreement_for(p.name) is None:
                best = min(violations, key=lambda j: len(j.result.trace or ()))
                trace = best.result.trace
                assert trace is not None, "a violation without a trace was vetted into an error"
                groups.setdefault((trace.loop_start, *(s.state for s in trace.steps)), []).append(best)
        return sorted(groups.values(), key=lambda g: all(j.status != "unexpected" for j in g))


@dataclass(frozen=True)
class Interruption:
    """The run was stopped by a signal after `done` of its `jobs` (spec, engine) runs."""

    signum: int
    done: int
    jobs: int

    def __str__(self) -> str:
        return f"interrupted ({signal.Signals(self.signum).name}): {self.done} of {self.jobs} jobs done"


@dataclass(frozen=True)
class CheckRun:
    specs: tuple[SpecOutcome, ...]  # with an interruption: the specs with at least one engine's results
    engines: tuple[str, ...]
    seconds: float  # wall time of the whole matrix
    engine_seconds: tuple[tuple[str, float], ...]  # summed wall time of each engine's jobs
    interruption: Interruption | None = None

    def all_judged(self) -> Iterator[tuple[SpecOutcome, Judged]]:
        for spec in self.specs:
            for j in spec.judged:
                yield spec, j

    def errors(self) -> list[Judged]:
        """The results of engines that could not check a property (a missing
        tool, a tool's failure, an engine fault, a rejected counterexample)."""
        return [j for _, j in self.all_judged() if j.result.verdict == "error"]

    @property
    def exit_code(self) -> int:
        """128 + the signal's number when interrupted; else 1 for an unexpected
        verdict or a disagreement; else 3 when an engine could not check some
        property, or some property got no result from any engine; else 0."""
        if self.interruption is not None:
            return 128 + self.interruption.signum
        if any(s.disagreements for s in self.specs) or any(
            j.status == "unexpected" for _, j in self.all_judged()
        ):
            return 1
        return 3 if self.errors() or any(s.unresolved for s in self.specs) else 0


def verdict_text(r: Result) -> str:
    """A verdict with its strength: `holds (complete)`, `holds (bounded ≤30)`, `violated @8`."""
    if r.verdict in COUNTEREXAMPLE:
        return r.verdict if r.trace is None else f"{r.verdict} @{r.trace.depth}"
    if r.verdict in NO_COUNTEREXAMPLE:
        if r.bound is not None:
            return f"{r.verdict} (bounded ≤{r.bound})"
        if r.method in PROOF_METHODS:
            return f"{r.verdict} (proved: {r.method})"
        return f"{r.verdict} (complete)"
    return r.verdict


def judge(system: System, r: Result) -> Judged:
    """Compare a result with the spec's expectation.  A bounded "holds" where a
    violation is expected does not confirm it, so it is unexpected."""
    j = Judged(r, system.expected(r.property), "no result")
    if r.verdict not in CONCLUSIVE:
        return j
    return replace(j, status="as expected" if r.verdict == j.wanted else "unexpected")
