"""`specdsl check`: run the engines on every (spec, property), judge, report.

For each spec, the engines run one after the other (TLC first, so that the
depth of its complete breadth-first search can make Z3's BMC complete), in a
worker process of the spec's own; specs run side by side, the costliest first
(`workers.py`: a signal stops every worker and the report keeps what finished).
Each result is then vetted (a counterexample must refute its property in the
interpreter), compared across engines (`agreement`) and against the spec's
`expect` clauses.  Engines are injectable: `run_check(..., engines=...)`
takes a mapping from engine name to a factory (picklable: defined at module
level), in run order.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from specdsl import ir
from specdsl.agreement import CONCLUSIVE, COUNTEREXAMPLE, Disagreement, disagreements
from specdsl.atomic import write_atomic
from specdsl.engine import Engine, EngineOptions
from specdsl.interp import EvalError, evaluate, ground, is_terminal, successors
from specdsl.ir import Property, System
from specdsl.result import Result
from specdsl.workers import Interrupted, Job, Send, run_jobs

EngineFactory = Callable[[], Engine]


def _tlc_engine() -> Engine:
    from specdsl.tla.engine import TlcEngine

    return TlcEngine()


def _z3_engine() -> Engine:
    from specdsl.smt.engine import Z3Engine

    return Z3Engine()


# In run order: TLC's complete search depth is handed to the engines after it.
ENGINES: dict[str, EngineFactory] = {"tlc": _tlc_engine, "z3": _z3_engine}


class BadInput(Exception):
    """Bad specs or usage: the message is printed as is and the exit code is 2."""


# ---------------------------------------------------------------------------
# The verdict matrix

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
        return "reached" if self.result.kind == "witness" else (self.expected or "holds")


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
    if r.verdict in ("holds", "unreachable"):
        if r.bound is not None:
            return f"{r.verdict} (bounded ≤{r.bound})"
        if r.method in ("k-induction", "pdr", "l2s"):
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


# ---------------------------------------------------------------------------
# Running the engines


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
    getting the complete search depth of the ones before (TLC's)."""
    results: list[Result] = []
    for name in engine_names:
        diameters = [r.diameter for r in results if r.diameter is not None]
        opts = replace(options, complete_depth=max(diameters, default=None))
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
    if (r.verdict == "reached") != (p.kind == "witness"):
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


# ---------------------------------------------------------------------------
# Input


def load_systems(
    paths: Sequence[str], overrides: Mapping[str, int], allow_import_outside: bool = False
) -> list[System]:
    """Every protocol spec under `paths`; all load errors at once."""
    from specdsl.errors import SpecError
    from specdsl.loader import find_specs, load_system

    try:
        files = find_specs(paths)
    except SpecError as exc:
        raise BadInput(exc.render().rstrip("\n")) from None
    if not files:
        raise BadInput(f"specdsl: no protocol spec (a .sw file declaring a process) in {' '.join(paths)}")
    systems, errors = [], []
    for f in files:
        try:
            systems.append(load_system(f, overrides, allow_import_outside=allow_import_outside))
        except SpecError as exc:
            errors.append(exc.render().rstrip("\n"))
    if errors:
        raise BadInput("\n".join(errors))
    return systems


def select_properties(
    systems: Sequence[System], names: Sequence[str]
) -> list[tuple[System, tuple[Property, ...]]]:
    """The properties to check in each system (all when `names` is empty).  A
    name no spec declares is an error; specs declaring none of them are dropped."""
    if not names:
        return [(s, s.properties) for s in systems]
    known = list(dict.fromkeys(p.name for s in systems for p in s.properties))
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            owner = f"{systems[0].name} declares" if len(systems) == 1 else "the specs declare"
            raise BadInput(f"specdsl: unknown property {name}{hint}; {owner}: {', '.join(known)}")
    chosen = [(s, tuple(p for p in s.properties if p.name in names)) for s in systems]
    return [(s, props) for s, props in chosen if props]


# ---------------------------------------------------------------------------
# The command


def run_check(
    args: argparse.Namespace, overrides: Mapping[str, int], engines: Mapping[str, EngineFactory] = ENGINES
) -> int:
    try:
        if args.output and not Path(args.output).resolve().parent.is_dir():
            raise BadInput(f"specdsl: --output {args.output}: no such directory")
        if args.output and Path(args.output).resolve().is_dir():
            raise BadInput(f"specdsl: --output {args.output} is a directory")
        selected = select_properties(
            load_systems(args.paths, overrides, args.allow_import_outside), args.properties
        )
    except BadInput as exc:
        print(exc, file=sys.stderr)
        return 2
    names = tuple(engines) if args.engine == "all" else (args.engine,)
    options = EngineOptions(
        **({} if args.depth is None else {"depth": args.depth}),
        timeout=args.timeout,
        workers=args.workers,
        tla2tools=args.tla2tools,
    )
    with _progress(len(selected) * len(names)) as tick:
        run = check_systems(selected, names, engines, options, tick)
    try:
        _emit(run, args)
    except OSError as exc:
        print(f"specdsl: cannot write the report: {exc}", file=sys.stderr)
        if run.interruption is None:
            return 2
    if run.interruption is not None:
        print(f"specdsl: {run.interruption}", file=sys.stderr)
    for line in failures(run, tuple(engines)):
        print(f"specdsl: {line}", file=sys.stderr)
    return run.exit_code


def failures(run: CheckRun, engines: Sequence[str]) -> list[str]:
    """One line per cause of `error` results (exit code 3): which engine could not
    check what, why, and how to ask for the other engine alone."""
    causes: dict[tuple[str, str], list[str]] = {}
    for spec, j in run.all_judged():
        if j.result.verdict == "error":
            where = f"{spec.system.name} · {j.result.property}"
            causes.setdefault((j.result.engine, j.result.message or "no message"), []).append(where)
    lines = []
    for (engine, message), places in causes.items():
        what = places[0] if len(places) == 1 else f"{len(places)} properties"
        hint = "".join(f"; --engine {e} checks with {e} alone" for e in engines if e != engine)
        lines.append(f"{engine} could not check {what}: {message}{hint}")
    return lines


def _emit(run: CheckRun, args: argparse.Namespace) -> None:
    diagrams = args.trace == "diagram"
    to_terminal = args.output is None and sys.stdout.isatty()
    if args.format == "json":
        from specdsl.report.json import render

        text = render(run)
    elif args.format == "markdown":
        from specdsl.report.markdown import render

        text = render(run, diagrams=diagrams)
    elif args.format == "junit":
        from specdsl.report.junit import render

        text = render(run)
    else:
        from specdsl.report.table import render

        width = shutil.get_terminal_size().columns if to_terminal else 160
        text = render(run, diagrams=diagrams, color=to_terminal, width=width)
    if args.output:
        from specdsl.output import write_report

        write_report(Path(args.output), text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if args.format != "table" or args.output:
        _print_summary(run, args.output)
    if args.trace == "itf":
        folder = Path(args.output).resolve().parent if args.output else Path.cwd()
        written = write_itf(run, folder)
        print(f"specdsl: wrote {len(written)} ITF trace(s) to {folder}", file=sys.stderr)


def _print_summary(run: CheckRun, output: str | None) -> None:
    from specdsl.report.table import summary

    for spec in run.specs:
        for d in spec.disagreements:
            where = f"{spec.system.name} · {d.first.property}"
            print(f"specdsl: DISAGREEMENT {where}: {d.reason}", file=sys.stderr)
    report = f" (report in {output})" if output else ""
    print(f"specdsl: {summary(run)}{report}", file=sys.stderr)


def write_itf(run: CheckRun, folder: Path) -> list[Path]:
    """One ITF file per result with a trace, named `spec.property.engine.itf.json`."""
    from specdsl import itf

    written = []
    for spec, j in run.all_judged():
        if j.result.trace is not None:
            path = folder / itf.file_name(spec.system, j.result)
            write_atomic(path, itf.dumps(spec.system, j.result))
            written.append(path)
    return written


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Callable[[str, str], None]]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield lambda spec, engine: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("checking", total=total)

        def tick(spec: str, engine: str) -> None:
            bar.update(task, advance=1, description=f"checked {spec} ({engine})")

        yield tick
