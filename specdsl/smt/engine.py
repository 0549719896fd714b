"""The `z3` engine: inductive strengthening, k-induction, PDR and BMC for safety; for
temporal properties, proofs by liveness to safety (`l2s.py`), and lasso search for what
they leave.

What decides a result is deterministic, so the same spec gets the same verdicts, methods,
bounds, lemmas and traces on an idle and on a busy machine: the proofs' budgets are Z3 work
(resource units, `solver.py`), the searches' budgets are depths, the strengthening's are
counts of sampled states and lemmas.  `--timeout` is one wall-clock deadline for the whole
run, a safety net that only cuts: what was established before it stays.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import z3

from specdsl.behaviour import holds_on_lasso, starved
from specdsl.engine import EngineOptions
from specdsl.interp import ReplayError, State
from specdsl.ir import SAFETY_KINDS, Expr, Model, Property, System, Temporal, Unary
from specdsl.smt import l2s
from specdsl.smt.bmc import Goal, Reach, bmc
from specdsl.smt.encode import Encoding
from specdsl.smt.expr import Unsupported
from specdsl.smt.induction import k_induction
from specdsl.smt.lasso import LassoResult, UnsupportedFormula, check_supported, search
from specdsl.smt.pdr import pdr
from specdsl.smt.solver import Budget, Deadline, TimedOut
from specdsl.smt.strengthen import Sample, Strengthening, strengthen
from specdsl.smt.traces import lasso_trace
from specdsl.trace import Trace, build_trace
from specdsl.values import format_value
from specdsl.verdicts import NO_COUNTEREXAMPLE, Method, Outcome, Result, outcome_for

OUT_OF_TYPES = "<types>"  # the internal goal "some variable leaves its type"
MAX_INDUCTION = 12  # the deepest k tried by k-induction
# Work budgets (Z3 resource units, `solver.py`): they decide whether a proof is found, the same
# way on an idle and a busy machine.  Measured: the one strengthening per spec spends 1.2-4.9
# million units on the eight specs, 4.1-21 million with --set SLOTS=2 (2-5 million per CPU second).
PROOF_WORK = 50_000_000  # per proof method and property, and the strengthening when TLC's depth is known
STRENGTHEN_WORK = 250_000_000  # the one inductive strengthening per spec, without TLC's depth
L2S_STATES = 100_000  # a liveness proof is tried when the product has at most this many reachable states


@dataclass(frozen=True)
class _Row:
    """A result before timing and spec are attached."""

    verdict: Outcome
    method: Method
    bound: int | None
    message: str = ""
    trace: Trace | None = None
    seconds: float = 0.0
    lemmas: tuple[str, ...] = ()


class Z3Engine:
    name = "z3"
    thread_safe = True  # each check builds its terms in a private Z3 context (`Encoding.ctx`)

    def __init__(self, proofs: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        self.proofs = proofs
        self.clock = clock  # what `--timeout` is measured on (tests pass a clock that ticks per look)

    def check(self, system: System, properties: Sequence[Property], options: EngineOptions) -> list[Result]:
        deadline = Deadline.after(options.timeout, self.clock)  # the user's safety net for this whole run
        try:
            rows = self._check(system, properties, options, deadline)
        except TimedOut as e:
            message = f"{e} while encoding the system"
            rows = {p.name: _Row("unknown", _method(p), None, message) for p in properties}
        except Unsupported as e:
            rows = {
                p.name: _Row("error", _method(p), None, f"Z3 encoding: unsupported {e}") for p in properties
            }
        except Exception as e:  # noqa: BLE001 - the engine contract: a fault is a result, never an exception
            message = f"internal error in the Z3 engine: {type(e).__name__}: {e}"
            rows = {p.name: _Row("error", _method(p), None, message) for p in properties}
        return [_result(system, p, rows[p.name]) for p in properties]

    def _check(
        self, system: System, properties: Sequence[Property], options: EngineOptions, deadline: Deadline
    ) -> dict[str, _Row]:
        enc = Encoding(system, deadline=deadline)
        safety = [p for p in properties if p.kind in SAFETY_KINDS]
        rows, left, strengthening = self._safety(enc, safety, options, deadline)
        models = dict.fromkeys(p.model for p in properties if p.kind == "temporal")
        invariants = [p for p in system.properties if p.kind == "invariant"]
        proved_of = safety  # the properties the strengthening's targets are
        # the temporal properties get the facts one strengthening proves
        if models and self.proofs and strengthening is None and invariants:
            proved_of = invariants
            _, strengthening = self._strengthen(enc, invariants, Budget(PROOF_WORK, deadline))
        facts = strengthening.invariant if strengthening is not None else ()
        known = _known(proved_of, strengthening)
        for model_name in models:
            temporal = [p for p in properties if p.kind == "temporal" and p.model == model_name]
            rows.update(self._temporal(enc, model_name, temporal, options, facts, known, deadline))
        if left is not None:  # paths stop where a variable leaves its type: what was not found is not known
            for name, row in rows.items():
                if row.verdict in NO_COUNTEREXAMPLE:
                    rows[name] = _Row(
                        "unknown",
                        row.method,
                        None,
                        f"{row.message}; {_out_of_types(left)}",
                        seconds=row.seconds,
                    )
        return rows

    # -- safety: invariants, deadlock freedom, witnesses

    def _safety(
        self, enc: Encoding, props: list[Property], options: EngineOptions, deadline: Deadline
    ) -> tuple[dict[str, _Row], int | None, Strengthening | None]:
        """Rows for the safety properties, the depth at which some variable leaves its type,
        and the strengthening (None when there was none).
        Proofs come first: what they prove needs no BMC, and BMC stops as soon as it has
        reached everything else (with TLC's search depth, BMC to it is complete for the rest)."""
        system = enc.system
        complete = options.diameter is not None
        depth = options.diameter if complete else options.depth
        proofs = self.proofs and bool(props)
        # with a complete BMC to fall back on, the strengthening gets only a proof method's budget
        budget = Budget(PROOF_WORK if complete else STRENGTHEN_WORK, deadline)
        rows, strengthening = self._strengthen(enc, props, budget) if proofs else ({}, None)
        goals = [Goal(p.name, _target(enc, p)) for p in props if p.name not in rows]
        if not rows:  # a proof covers the types too (`proof_goal`)
            goals.append(Goal(OUT_OF_TYPES, z3.Not(enc.dom())))
        # A target dropped by a reachable state of depth d fails within d + 1 steps: search that far.
        dropped = strengthening.dropped if strengthening is not None else {}
        failing = {i: d + 1 for i, (_, d) in dropped.items() if d is not None}
        depth = max([depth, *failing.values()])
        run = bmc(enc, goals, depth, deadline)  # type: ignore[arg-type]
        types = run.results.get(OUT_OF_TYPES)
        left = types.depth if types is not None and types.status == "reached" else None
        for i, p in enumerate(props):
            if p.name in rows:
                continue
            r = run.results[p.name]
            if r.status == "reached":
                rows[p.name] = _counterexample(system, p, r, options.depth if not complete else None)
            elif i in failing and r.status == "clear" and left is None:  # (else the types broke it)
                msg = (
                    f"internal error: the interpreter reaches a violation within {failing[i]} steps "
                    f"that BMC to depth {depth} does not find"
                )
                rows[p.name] = _Row("error", "bmc", None, msg, seconds=r.seconds)
            elif r.status == "stopped":
                rows[p.name] = _stopped(p, r.depth - 1, f"{r.message} at depth {r.depth}", r.seconds)
            elif complete:
                msg = f"complete: BMC to depth {depth}, the depth of TLC's exhaustive search"
                rows[p.name] = _Row(outcome_for(p.kind, reachable=False), "bmc", None, msg, seconds=r.seconds)
            elif strengthening is None or left is not None:
                rows[p.name] = _bounded(p, depth, r.seconds)
            else:
                t0 = time.monotonic()
                method, why = _proof(enc, proof_goal(enc, p), i, strengthening, depth, deadline)
                bound = depth if method == "bmc" else None
                msg = f"{_bounded(p, depth, 0).message}; {why}" if method == "bmc" else why
                seconds = r.seconds + time.monotonic() - t0
                rows[p.name] = _Row(outcome_for(p.kind, reachable=False), method, bound, msg, seconds=seconds)
        return rows, left, strengthening

    def _strengthen(
        self, enc: Encoding, props: list[Property], budget: Budget
    ) -> tuple[dict[str, _Row], Strengthening]:
        """Rows for the properties one inductive strengthening proves, and its outcome."""
        t0 = time.monotonic()
        sample = Sample.of(enc.system, deadline=budget.deadline)
        strengthening = strengthen(enc, [proof_goal(enc, p) for p in props], budget, sample)
        seconds = (time.monotonic() - t0) / len(props)
        n = len(strengthening.lemmas)
        msg = f"proved: inductive (k = 1) with {n} lemmas learned from counterexamples to induction"
        lemmas = tuple(lemma.in_terms_of(enc.system) for lemma in strengthening.lemmas)
        rows = {
            props[i].name: _Row(
                outcome_for(props[i].kind, reachable=False),
                "strengthening",
                None,
                msg,
                seconds=seconds,
                lemmas=lemmas,
            )
            for i in strengthening.proved
        }
        return rows, strengthening

    # -- temporal properties: lasso search

    def _temporal(
        self,
        enc: Encoding,
        model_name: str,
        props: list[Property],
        options: EngineOptions,
        facts: Sequence[z3.BoolRef],
        known: Sequence[Expr],
        deadline: Deadline,
    ) -> dict[str, _Row]:
        rows: dict[str, _Row] = {}
        try:
            model = enc.system.model(model_name)
        except KeyError:
            return {p.name: _Row("error", "lasso", None, f"unknown model {model_name}") for p in props}
        todo = []
        for p in props:
            try:
                assert p.formula is not None
                check_supported(p.formula, enc)
                todo.append((p.name, p.formula))
            except (UnsupportedFormula, Unsupported) as e:
                rows[p.name] = _Row("unknown", "lasso", None, str(e))
        notes: dict[str, str] = {}
        if self.proofs and todo:
            proved, notes = _prove_liveness(enc.system, model, todo, known, deadline)
            rows.update(proved)
            todo = [(name, f) for name, f in todo if name not in proved]
        lassos = search(enc, model, todo, options.depth, deadline, diameter=options.diameter, facts=facts)
        for name, r in lassos.items():
            p = enc.system.property(name)
            if r.status == "found":
                rows[name] = _lasso(enc.system, model, p, r)
            elif r.status == "stopped":
                rows[name] = _stopped(p, r.depth - 1, f"{r.message} at depth {r.depth}", r.seconds)
            else:
                row = _bounded(p, r.depth, r.seconds)
                rows[name] = replace(row, message=f"{row.message}; {notes[name]}") if name in notes else row
        return rows


def _known(props: Sequence[Property], strengthening: Strengthening | None) -> list[Expr]:
    """What the strengthening proved of the system, as state predicates: its lemmas, the
    invariants it proved, and the witnesses it showed unreachable."""
    if strengthening is None or not strengthening.proved:
        return []
    out = [lemma.expr() for lemma in strengthening.lemmas]
    for i in sorted(strengthening.proved):
        p = props[i]
        if p.kind in ("invariant", "witness") and p.expr is not None:
            out.append(p.expr if p.kind == "invariant" else Unary("not", p.expr))
    return out


def _prove_liveness(
    system: System,
    model: Model,
    formulas: Sequence[tuple[str, Temporal]],
    known: Sequence[Expr],
    deadline: Deadline,
) -> tuple[dict[str, _Row], dict[str, str]]:
    """Rows for the temporal properties a liveness-to-safety proof proves, and for the
    others why not (one strengthening of the product for all of them)."""
    t0 = time.monotonic()
    prod = l2s.product(system, model, formulas)
    sample = l2s.sample(prod, L2S_STATES, deadline)
    if not sample.complete:
        why = f"no liveness proof tried: the product has more than {L2S_STATES} reachable states"
        return {}, {name: why for name, _ in formulas}
    enc = Encoding(prod.system, deadline=deadline)
    assumed = [enc.pred(e) for e in prod.facts(known)]
    budget = Budget(PROOF_WORK, deadline)
    strengthening = strengthen(enc, [proof_goal(enc, p) for p in prod.targets], budget, sample, assumed)
    seconds = (time.monotonic() - t0) / len(formulas)
    n = len(strengthening.lemmas)
    msg = f"proved: no fair behaviour violates it (liveness to safety, inductive with {n} lemmas)"
    lemmas = tuple(lemma.in_terms_of(prod.system) for lemma in strengthening.lemmas)
    rows = {
        formulas[i][0]: _Row("holds", "l2s", None, msg, seconds=seconds, lemmas=lemmas)
        for i in strengthening.proved
    }
    notes = {}
    for i, (name, _) in enumerate(formulas):
        if i not in strengthening.proved:
            why = strengthening.gave_up or (
                "a reachable state of the product leads to a fair lasso"
                if strengthening.dropped.get(i, (None, None))[1] is not None
                else "the product's induction did not close"
            )
            notes[name] = f"no liveness proof: {why}"
    return rows, notes


def proof_goal(enc: Encoding, p: Property) -> z3.BoolRef:
    """What a proof of `p` shows invariant: not its target, and every variable in its type
    (so the proof holds for the IR semantics too, where a step may start outside the types)."""
    return z3.And(z3.Not(_target(enc, p)), enc.dom())


def _target(enc: Encoding, p: Property) -> z3.BoolRef:
    """The state BMC looks for: a violation, a deadlock, or the witnessed situation."""
    if p.kind == "deadlock":
        return enc.deadlock(p.expr)
    assert p.expr is not None
    good = enc.pred(p.expr)
    return good if p.kind == "witness" else z3.Not(good)


def _proof(
    enc: Encoding, good: z3.BoolRef, i: int, strengthening: Strengthening, depth: int, deadline: Deadline
) -> tuple[Method, str]:
    """How target i, which strengthening did not prove, is proved (k-induction or pdr),
    or ("bmc", why it is not)."""
    notes = [_not_strengthened(strengthening, i)]
    budget = Budget(PROOF_WORK, deadline)
    proof = k_induction(enc, good, min(depth + 1, MAX_INDUCTION), budget, strengthening.invariant)
    if proof.status == "proved":
        return (
            "k-induction",
            f"proved by k-induction (k = {proof.k}) over {len(strengthening.invariant)} proved facts",
        )
    if proof.status == "open":
        notes.append(f"k-induction did not close up to k = {proof.k}")
    else:
        notes.append(f"k-induction: {proof.message} at k = {proof.k}")
    pr = pdr(enc, good, Budget(PROOF_WORK, deadline), strengthening.invariant)
    if pr.status == "proved":
        return "pdr", pr.message
    notes.append(f"PDR: {pr.message}")
    return "bmc", "; ".join(notes)


def _format_state(state: State) -> str:
    return ", ".join(f"{name} = {format_value(value)}" for name, value in state.items())


def _not_strengthened(strengthening: Strengthening, i: int) -> str:
    """Why inductive strengthening did not prove target i, with the counterexample to induction."""
    if strengthening.gave_up:
        return f"inductive strengthening: {strengthening.gave_up}"
    if i not in strengthening.dropped:
        return "inductive strengthening: not established initially"
    cti, _ = strengthening.dropped[i]
    return (
        f"induction did not close after {len(strengthening.lemmas)} lemmas; counterexample to induction "
        f"(may be unreachable): {_format_state(cti)}"
    )


def _bounded(p: Property, depth: int, seconds: float) -> _Row:
    """The row of a search that found nothing up to `depth`."""
    if p.kind == "temporal":
        msg = f"no fair lasso violating it up to depth {depth}"
        return _Row("holds", "lasso", depth, msg, seconds=seconds)
    what = "not reached" if p.kind == "witness" else "no violation"
    return _Row(
        outcome_for(p.kind, reachable=False), "bmc", depth, f"{what} up to depth {depth}", seconds=seconds
    )


def _stopped(p: Property, covered: int, why: str, seconds: float) -> _Row:
    """The row of a search stopped (`why`) after it had covered every depth up to `covered`:
    what it established, bounded, or `unknown` when that is nothing (BMC covers the initial
    states at depth 0; a lasso has at least one step)."""
    if covered < (1 if p.kind == "temporal" else 0):
        return _Row("unknown", _method(p), None, why, seconds=seconds)
    row = _bounded(p, covered, seconds)
    return replace(row, message=f"{row.message}; {why}")


def _counterexample(system: System, p: Property, r: Reach, asked: int | None) -> _Row:
    """The row of a violation (or a reached witness); `asked`: the depth the user asked for."""
    verdict = outcome_for(p.kind, reachable=True)
    try:
        trace = build_trace(system, r.states)
    except ReplayError as e:
        return _not_replayed("bmc", e, r.seconds)
    msg = f"{verdict} at depth {r.depth}"
    if asked is not None and r.depth > asked:
        msg += f", beyond --depth {asked}: inductive strengthening met a reachable state one step before it"
    return _Row(verdict, "bmc", None, msg, trace, r.seconds)


def _lasso(system: System, model: Model, p: Property, r: LassoResult) -> _Row:
    """The row of a lasso that violates `p`, once the interpreter agrees it is a fair
    behaviour of the model that violates `p`."""
    assert r.loop_start is not None and p.formula is not None
    try:
        trace = lasso_trace(system, r.states, model, r.loop_start, r.loop)
    except ReplayError as e:
        return _not_replayed("lasso", e, r.seconds)
    assert trace.loop_start is not None
    unfair = starved(system, model, trace)
    if unfair or holds_on_lasso(p.formula, [s.state for s in trace.steps], trace.loop_start):
        why = f"is not a fair behaviour: {unfair}" if unfair else f"satisfies {p.name}"
        return _Row("error", "lasso", None, f"internal error: Z3's lasso {why}", seconds=r.seconds)
    msg = f"fair lasso of {len(trace)} steps, looping back to state {trace.loop_start}"
    if len(trace) != r.depth:
        msg += f" (found at depth {r.depth} on the variables that steer the behaviour)"
    if r.message:
        msg += f"; {r.message}"
    return _Row("violated", "lasso", None, msg, trace, r.seconds)


def _not_replayed(method: Method, e: ReplayError, seconds: float) -> _Row:
    return _Row("error", method, None, f"internal error: Z3 trace does not replay: {e}", seconds=seconds)


def _out_of_types(depth: int) -> str:
    return (
        f"a variable leaves its type at depth {depth} (TypeOK is violated) "
        "and Z3 does not search beyond such a state"
    )


def _method(p: Property) -> Method:
    return "lasso" if p.kind == "temporal" else "bmc"


def _result(system: System, p: Property, row: _Row) -> Result:
    return Result(
        spec=system.name,
        property=p.name,
        kind=p.kind,
        engine="z3",
        method=row.method,
        verdict=row.verdict,
        bound=row.bound,
        seconds=round(row.seconds, 3),
        message=row.message,
        trace=row.trace,
        lemmas=row.lemmas,
    )
