"""Run the engines on every (spec, property), vet and judge their results.

For each spec, the engines run one after the other (TLC first, so that the
depth of its complete breadth-first search can make Z3's BMC complete), in a
worker process of the spec's own; specs run side by side, the costliest first
(`workers.py`: a signal stops every worker and the run keeps what finished).
Each result is then vetted (a counterexample must refute its property in the
interpreter), compared across engines (`agreement`) and against the spec's
`expect` clauses (`verdicts.judge`).  Engines are injected: `check_systems`
takes a mapping from engine name to a factory (picklable: defined at module
level); the registry of the real ones is `commands.check.ENGINES`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from specdsl.agreement import disagreements
from specdsl.engine import Engine, EngineOptions
from specdsl.interp import EvalError, evaluate, ground, is_terminal, successors
from specdsl.ir import Property, System
from specdsl.verdicts import (
    COUNTEREXAMPLE,
    CheckRun,
    Disagreement,
    Interruption,
    Judged,
    Result,
    SpecOutcome,
    judge,
    outcome_for,
)
from specdsl.workers import Interrupted, Job, Send, run_jobs

EngineFactory = Callable[[], Engine]


def check_systems(
    selected: Sequence[tuple[System, tuple[Property, ...]]],
    engine_names: Sequence[str],
    engines: Mapping[str, EngineFactory],
    options: EngineOptions,
    on_job_done: Callable[[str, str], None] = lambda spec, engine: None,
) -> CheckRun:
    """Check every selected property of every system with each named engine:
    one worker process per spec (`workers.run_jobs`), at most `options.workers`
    at a time, the costliest first.  SIGINT or SIGTERM stops them all; the run
    then holds what had finished (`CheckRun.interruption`).  The factories of
    the named engines are pickled: they must be defined at module level."""
    start = time.perf_counter()
    parallel = max(1, min(options.workers, len(selected)))
    # Jobs share the cores: an engine gets the workers its spec's process may use.
    job_options = replace(options, workers=max(1, options.workers // parallel))
    factories = {name: engines[name] for name in engine_names}
    order = sorted(range(len(selected)), key=lambda i: -estimated_cost(*selected[i]))
    jobs = [Job(_check_spec, (*selected[i], tuple(engine_names), factories, job_options)) for i in order]
    done: dict[int, list[_EngineRun]] = {i: [] for i in range(len(selected))}

    def receive(job: int, message: object) -> None:
        assert isinstance(message, _EngineRun)
        done[order[job]].append(message)
        on_job_done(selected[order[job]][0].name, message.engine)

    interruption = None
    try:
        codes = run_jobs(jobs, parallel, receive, preload=PRELOAD)
    except Interrupted as exc:
        finished = sum(len(runs) for runs in done.values())
        interruption = Interruption(exc.signum, finished, len(selected) * len(engine_names))
        codes = [None] * len(jobs)
    exit_codes = {order[job]: code for job, code in enumerate(codes)}
    outcomes = []
    for i, (system, props) in enumerate(selected):
        if interruption is None:
            done[i] += _lost(system, props, engine_names, done[i], exit_codes[i])
        if done[i]:
            results = [r for run in done[i] for r in run.results]
            outcomes.append(_outcome(system, props, results, engine_names))
    totals = dict.fromkeys(engine_names, 0.0)
    for runs in done.values():
        for run in runs:
            totals[run.engine] += run.seconds
    return CheckRun(
        tuple(outcomes), tuple(engine_names), time.perf_counter() - start, tuple(totals.items()), interruption
    )


# What the worker processes import anyway: the forkserver imports them once for all workers.
PRELOAD = ("specdsl.driver", "specdsl.tla.engine", "specdsl.smt.engine")


def estimated_cost(system: System, props: tuple[Property, ...]) -> int:
    """A deterministic stand-in for a spec's checking time, to start the
    longest first: every property's check (TLC's search, BMC, strengthening,
    lasso search) considers every ground action at every step."""
    return len(props) * sum(1 for a in system.actions for _ in ground(a))


@dataclass(frozen=True)
class _EngineRun:
    """What a worker sends once an engine has checked its spec."""

    engine: str
    results: tuple[Result, ...]
    seconds: float


def _check_spec(
    system: System,
    props: tuple[Property, ...],
    engine_names: tuple[str, ...],
    factories: Mapping[str, EngineFactory],
    options: EngineOptions,
    send: Send,
) -> None:
    """A worker's job: the engines one after the other on one spec, each
    getting the diameter found by the ones before (TLC's complete search depth)."""
    results: list[Result] = []
    for name in engine_names:
        diameters = [r.diameter for r in results if r.diameter is not None]
        opts = replace(options, diameter=max(diameters, default=None))
        t0 = time.perf_counter()
        mine = _run_engine(name, factories[name], system, props, opts)
        results += mine
        send(_EngineRun(name, tuple(mine), time.perf_counter() - t0))


def _lost(
    system: System,
    props: tuple[Property, ...],
    engine_names: Sequence[str],
    runs: list[_EngineRun],
    exit_code: int | None,
) -> list[_EngineRun]:
    """Error results for the engines a worker process did not finish (it crashed or was killed)."""
    finished = {run.engine for run in runs}
    lost = [name for name in engine_names if name not in finished]
    why = (
        f"killed by signal {-exit_code}"
        if exit_code is not None and exit_code < 0
        else f"exit code {exit_code}"
    )
    return [
        _EngineRun(
            name,
            tuple(
                _failed(system, p, name, f"the worker process ended ({why}) before {name} finished")
                for p in props
            ),
            0.0,
        )
        for name in lost
    ]


def _run_engine(
    name: str,
    factory: EngineFactory,
    system: System,
    props: tuple[Property, ...],
    options: EngineOptions,
) -> list[Result]:
    """One result per property, whatever happens: an engine that cannot be
    loaded, raises, or leaves a property out gets an `error` result for it."""
    try:
        returned = factory().check(system, props, options)
    except Exception as exc:  # an engine fault must not abort the other engines
        reason = f"{name} engine failed: {type(exc).__name__}: {exc}"
        return [_failed(system, p, name, reason) for p in props]
    by_name = {r.property: r for r in returned}
    out = []
    for p in props:
        r = by_name.get(p.name)
        if r is None:
            out.append(_failed(system, p, name, f"{name} engine returned no result for {p.name}"))
        else:
            out.append(_vet(system, p, r.with_(spec=system.name, message=" ".join(r.message.split()))))
    return out


def _failed(system: System, p: Property, engine: str, message: str) -> Result:
    method = "explicit" if engine == "tlc" else "bmc"
    return Result(system.name, p.name, p.kind, engine, method, "error", message=" ".join(message.split()))  # type: ignore[arg-type]


def _vet(system: System, p: Property, r: Result) -> Result:
    """Check that a counterexample really refutes (or a witness trace really
    reaches) the property; otherwise the result is an internal error."""
    if r.verdict not in COUNTEREXAMPLE:
        return r
    if r.verdict != outcome_for(p.kind, reachable=True):
        return _bogus(r, f"verdict {r.verdict} does not apply to a {p.kind} property")
    if r.trace is None:
        return _bogus(r, f"{r.verdict} without a trace")
    last = r.trace.steps[-1].state
    try:
        if p.kind == "invariant" and p.expr is not None and evaluate(p.expr, last):
            return _bogus(r, "its last state satisfies the invariant")
        if p.kind == "witness" and p.expr is not None and not evaluate(p.expr, last):
            return _bogus(r, "its last state does not satisfy the witness")
        if p.kind == "deadlock" and (successors(system, last) or is_terminal(system, last)):
            return _bogus(r, "its last state is not a deadlock")
    except EvalError as exc:
        return _bogus(r, f"evaluating {p.name} on its last state failed: {exc}")
    return r


def _bogus(r: Result, why: str) -> Result:
    return r.with_(verdict="error", message=f"internal error: {r.engine} counterexample rejected: {why}")


def _outcome(
    system: System, props: tuple[Property, ...], results: list[Result], engine_names: Sequence[str]
) -> SpecOutcome:
    order = {name: i for i, name in enumerate(engine_names)}
    judged: list[Judged] = []
    disagree: list[Disagreement] = []
    for p in props:
        mine = sorted((r for r in results if r.property == p.name), key=lambda r: order[r.engine])
        judged += [judge(system, r) for r in mine]
        disagree += disagreements(mine)
    return SpecOutcome(system, props, tuple(judged), tuple(disagree))
