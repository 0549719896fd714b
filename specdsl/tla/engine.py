"""The `tlc` engine: every property of a spec checked by TLC's exhaustive search.

One TLC run per model: the base model's run checks every invariant, witness
(as the invariant `~W`) and deadlock freedom of the spec, and the temporal
properties of the base model; each other model with temporal properties has
a run of its own.  The runs go side by side when the check may use several
cores (`EngineOptions.workers`).

TLC stops at the first violated invariant, so a run checks instead a
first-failure-only wrapper of each invariant and witness
(`emit.render_wrapper`) with `-continue`: one trace per violated check, and
the search goes on to the end.  A temporal property goes to TLC split as TLC
itself would split it (`temporal.split`): its conjuncts `[]S` and its state
predicates (true initially) as one such invariant, whose violation is a
finite trace that refutes the property whatever follows; the rest to the
liveness checker.  TLC checks liveness once the search is over (`-lncheck
final`), and stops at the first lasso: the temporal properties that lasso
does not refute are checked by another run.  A completed search decides the
safety checks it did not refute (holds / unreachable) and its depth is the
diameter; so does a search that visited every state, for the temporal
properties with nothing for the liveness checker.  A search stopped early
decides only what it found, and another run checks the rest: TLC stops at a
deadlock even with `-continue`, and, by default, at a liveness violation that
one of its periodic checks of a long run finds (TLC says whether a liveness
check covered the "complete state space": that is how a search cut short is
told apart from one that ended).

Deadlock freedom is left to TLC's own check, which costs nothing, although a
deadlock then costs a second run.  The alternative, the invariant `ENABLED
Next` (Next has the `Terminated` stutter, enabled in the intended terminal
states) with the check off, needs no second run but made every run slower:
8.3-9.5 s against 6.7-6.9 s on a 121k-state space (prepare_waitqueue with
THREADS=3 SLOTS=2 WRITES=3 SWAPOUTS=3), and no spec is expected to deadlock.

One worker per TLC run.  Several workers search only roughly breadth-first,
in an order that depends on the machine's load: the traces change from run to
run, and may not be the shortest.  A spec's parallelism comes from its models'
runs side by side and the driver's specs side by side, which is also faster:
one spec after the other with two workers each took 1.22x as long as the two
side by side with one worker each.  With one worker (and the fingerprint and liveness
options of `run.DETERMINISTIC`) the same spec gives the same traces run after
run.

Shortest traces.  With one worker TLC searches breadth-first, so the first
state that violates a check ends a shortest trace.  But TLC checks a new
state's invariants in order and moves on at the first that fails, so a state
that is also the first violation of a later check hides it from that check:
the state ends the earlier check's trace instead.  So every pending check is
evaluated on every trace of the run, and takes the shortest prefix that
refutes it (the first of them, in the order of TLC's output, if several are
as short).

Every trace is read back into IR states and replayed by the interpreter
(`build_trace`) before it is reported.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from specdsl.behaviour import holds_on_lasso, starved
from specdsl.engine import EngineOptions
from specdsl.interp import (
    EvalError,
    ReplayError,
    State,
    evaluate,
    initial_states,
    is_terminal,
    make_state,
    successors,
)
from specdsl.ir import SAFETY_KINDS, Model, Property, System
from specdsl.irwalk import vars_read
from specdsl.tla.cds import class_archive
from specdsl.tla.emit import Emitted, base_model, emit, render_config, render_wrapper
from specdsl.tla.output import (
    PARSING_FAILED,
    Run,
    TlaParseError,
    Violation,
    out_of_memory,
    parse_messages,
    parse_state,
    sany_error,
    sany_output,
    summarize,
    to_ir,
)
from specdsl.tla.run import Invocation, JvmProfile, ToolError, Tools, default_heap_mb, locate, run_tlc
from specdsl.tla.temporal import Parts, fold, split
from specdsl.trace import Trace, build_trace
from specdsl.verdicts import Outcome, Result, outcome_for


class TlcEngine:
    name = "tlc"
    thread_safe = True  # each check() has its own state and its own TLC processes

    def __init__(self, heap_mb: int | None = None, jvm: JvmProfile = "startup") -> None:
        self.heap_mb = heap_mb or default_heap_mb()
        self.jvm = jvm  # see specdsl.tla.run for the choice

    def check(self, system: System, properties: Sequence[Property], options: EngineOptions) -> list[Result]:
        try:
            tools = locate(options.tla2tools)
        except ToolError as e:
            return [_row(system, p, "error", message=str(e)) for p in properties]
        try:
            return _Check(system, tools, options, self.heap_mb, self.jvm).run(properties)
        except Exception as e:  # noqa: BLE001 - the engine contract: a fault is a result, never an exception
            message = f"internal error in the TLC engine: {type(e).__name__}: {e}"
            return [_row(system, p, "error", message=message) for p in properties]


class _RunFailed(Exception):
    """A TLC run ended without a verdict: `verdict` is error or unknown."""

    def __init__(self, verdict: Outcome, message: str, states: int | None, seconds: float) -> None:
        super().__init__(message)
        self.verdict = verdict
        self.states = states
        self.seconds = seconds


@dataclass(frozen=True)
class _Finished:
    run: Run
    seconds: float


class _Check:
    def __init__(
        self, system: System, tools: Tools, options: EngineOptions, heap_mb: int, jvm: JvmProfile
    ) -> None:
        self.system = system
        self.tools = tools
        self.options = options
        self.heap_mb = heap_mb
        self.jvm = jvm
        self.emitted: Emitted = emit(system)
        self.base = base_model(system)
        self.results: dict[str, Result] = {}
        self.diameter: int | None = None
        self.cancel = threading.Event()
        self.parts: dict[str, Parts] = {}  # what TLC checks of each temporal property, and how

    def run(self, properties: Sequence[Property]) -> list[Result]:
        self.parts = {p.name: split(fold(p.formula)) for p in properties if p.formula is not None}
        checked = [p for p in properties if not self._constant_false(p)]
        safety = [p for p in checked if p.kind in SAFETY_KINDS]
        groups: list[tuple[list[Property], Model]] = []
        for model in self.system.models:
            temporal = [p for p in checked if p.kind == "temporal" and p.model == model.name]
            pending = [*safety, *temporal] if model is self.base else temporal
            if pending:
                groups.append((pending, model))
        if min(len(groups), self.options.workers) > 1:
            self._side_by_side(groups)
        else:
            for g in groups:
                self._group(*g)
        out = []
        for p in properties:
            r = self.results[p.name]
            if self.diameter is not None and (p.kind in SAFETY_KINDS or p.model == self.base.name):
                r = r.with_(diameter=self.diameter)
            out.append(r)
        return out

    def _side_by_side(self, groups: list[tuple[list[Property], Model]]) -> None:
        """The models' runs are independent: run them in parallel, one per core
        the check may use (`options.workers`), and stop them all if one fails
        or the user interrupts."""
        pool = ThreadPoolExecutor(max_workers=min(len(groups), self.options.workers))
        try:
            for done in [pool.submit(self._group, *g) for g in groups]:
                done.result()
        except BaseException:
            self.cancel.set()
            raise
        finally:
            pool.shutdown(wait=True)

    def _constant_false(self, prop: Property) -> bool:
        """TLC rejects an invariant or a property that is the constant FALSE:
        decide such a check (an invariant reading no variable, a witness of
        one, a temporal formula that folds to FALSE) here, at an initial state."""
        if prop.kind == "temporal":
            assert prop.formula is not None
            refuted = fold(prop.formula) is False
        elif prop.kind == "deadlock" or prop.expr is None or vars_read(prop.expr):
            return False
        else:
            refuted = bool(evaluate(prop.expr, {})) != (prop.kind == "invariant")
        if refuted:
            trace = build_trace(self.system, [next(initial_states(self.system))])
            verdict = outcome_for(prop.kind, reachable=True)
            self.results[prop.name] = _row(self.system, prop, verdict, trace=trace)
        return refuted

    # -- the runs of one model, until everything is decided ------------------------

    def _group(self, pending: list[Property], model: Model) -> None:
        while pending:
            try:
                finished = self._tlc(model, pending)
            except _RunFailed as e:
                for p in pending:
                    self.results[p.name] = _row(
                        self.system, p, e.verdict, states=e.states, seconds=e.seconds, message=str(e)
                    )
                return
            run = finished.run
            if run.explored and model is self.base:
                self.diameter = run.depth
            self._traces_found(pending, finished, model)
            self._lasso_found(pending, finished, model)
            for p in pending:
                if p.name not in self.results and (run.complete or (run.explored and not self._live(p))):
                    self._record(p, outcome_for(p.kind, reachable=False), finished)
            left = [p for p in pending if p.name not in self.results]
            if len(left) == len(pending):  # a run deciding nothing would repeat itself
                self._fail(left, "internal error: a TLC run decided none of its properties", finished)
                return
            pending = left

    def _live(self, prop: Property) -> bool:
        """Whether TLC's liveness checker has a part of `prop`: the search alone
        decides the others (invariants, witnesses, deadlock freedom, and the
        conjuncts `[]S` and S of a temporal property)."""
        return prop.kind == "temporal" and bool(self.parts[prop.name].live)

    def _traces_found(self, pending: list[Property], finished: _Finished, model: Model) -> None:
        """Decide every pending check the run's finite traces refute (each by
        its shortest refuting prefix, see the module docstring): the traces of
        invariant violations (an invariant, a witness, the safety part of a
        temporal property) and of a deadlock."""
        run = finished.run
        once = {self.emitted.names.once[p.name]: p for p in pending if p.kind != "deadlock"}
        deadlock = next((p for p in pending if p.kind == "deadlock"), None)
        traces: list[Trace] = []
        reported: set[str] = set()
        broken: dict[str, str] = {}  # a check whose trace does not replay -> why: an error, whatever else
        for v in run.violations:
            if v.kind == "temporal":
                continue
            prop = (
                once.get(v.name or "")
                if v.kind == "invariant"
                else deadlock
                if v.kind == "deadlock"
                else None
            )
            if prop is None:
                self._fail(
                    pending, f"internal error: TLC reports an unexpected {v.kind} ({v.name})", finished
                )
                return
            reported.add(prop.name)
            trace, problem = self._trace(v, model)
            if trace is None:
                broken[prop.name] = problem
            else:
                traces.append(trace)
        for p in pending:
            if p.name in broken:
                self._fail([p], broken[p.name], finished)
                continue
            prefixes = [x for t in traces if (x := self._refuting_prefix(p, t)) is not None]
            if prefixes:
                self._record(p, outcome_for(p.kind, reachable=True), finished, trace=min(prefixes, key=len))
            elif p.name in reported:
                message = f"internal error: TLC reports {p.name} but its trace does not refute it"
                self._fail([p], message, finished)

    def _lasso_found(self, pending: list[Property], finished: _Finished, model: Model) -> None:
        """Decide the temporal properties TLC's lasso refutes (TLC does not say
        which one it found: it may be one a finite trace already refuted)."""
        lasso = next((v for v in finished.run.violations if v.kind == "temporal"), None)
        pending = [p for p in pending if self._live(p)]
        if lasso is None or not pending:
            return
        trace, problem = self._trace(lasso, model)
        if trace is None:
            self._fail(pending, problem, finished)
            return
        unfair = starved(self.system, model, trace)
        if unfair:
            self._fail(pending, f"internal error: TLC's lasso is not a fair behaviour: {unfair}", finished)
            return
        states = [s.state for s in trace.steps]
        assert lasso.loop_start is not None  # _trace rejects a lasso without it
        refuted = [
            p
            for p in pending
            if p.formula is not None and not holds_on_lasso(p.formula, states, lasso.loop_start)
        ]
        if not refuted:  # a bogus lasso: the run's other verdicts are suspect too
            message = "internal error: TLC's counterexample satisfies every property it checked"
            self._fail(pending, message, finished)
            return
        for p in refuted:
            if p.name not in self.results:
                self._record(p, "violated", finished, trace=trace)

    def _refuting_prefix(self, prop: Property, trace: Trace) -> Trace | None:
        """The trace up to the first state where `prop` is refuted whatever
        follows: an invariant fails, a witness holds, the system is stuck in a
        state that is not an intended terminal state, or a safety part of a
        temporal property fails (`temporal.split`)."""
        for i, step in enumerate(trace.steps):
            if self._refutes(prop, step.state, initial=i == 0):
                return replace(trace, steps=trace.steps[: i + 1])
        return None

    def _refutes(self, prop: Property, state: State, initial: bool) -> bool:
        if prop.kind == "deadlock":
            return not successors(self.system, state) and not is_terminal(self.system, state)
        if prop.kind == "temporal":
            parts = self.parts[prop.name]
            safety = (*parts.always, *(parts.initially if initial else ()))
            # a state predicate's truth at a state is its truth on the behaviour that stays there
            return not all(holds_on_lasso(f, [state], 0) for f in safety)
        assert prop.expr is not None
        return bool(evaluate(prop.expr, state)) != (prop.kind == "invariant")

    def _record(
        self, prop: Property, verdict: Outcome, finished: _Finished, trace: Trace | None = None
    ) -> None:
        self.results[prop.name] = _row(
            self.system, prop, verdict, states=finished.run.distinct, seconds=finished.seconds, trace=trace
        )

    def _fail(self, pending: list[Property], message: str, finished: _Finished) -> None:
        for p in pending:
            self.results[p.name] = _row(
                self.system,
                p,
                "error",
                states=finished.run.distinct,
                seconds=finished.seconds,
                message=message,
            )

    # -- traces ------------------------------------------------------------------

    def _trace(self, violation: Violation, model: Model | None) -> tuple[Trace | None, str]:
        """The replayed trace, or None and a one-line reason."""
        if violation.kind == "temporal" and violation.loop_start is None:
            return None, "internal error: TLC's lasso does not say where it loops back"
        try:
            states = [self._state(text) for text in violation.states]
        except TlaParseError as e:
            return None, f"internal error: cannot read TLC's trace: {e}"
        try:
            if violation.stuttering:  # the last state repeats forever: a stuttering step is always allowed
                trace = build_trace(self.system, states, model)
                return replace(trace, loop_start=violation.loop_start), ""
            return build_trace(self.system, states, model, violation.loop_start), ""
        except (ReplayError, EvalError) as e:
            return None, f"internal error: TLC trace does not replay: {e}"

    def _state(self, text: str) -> State:
        names = self.emitted.names
        tla = parse_state(text)
        values = {}
        for v in self.system.variables:
            key = names.variables[v.name]
            if key not in tla:
                raise TlaParseError(f"variable {key} missing from a state")
            values[v.name] = to_ir(tla[key], v.type, names.fields)
        return make_state(self.system, values)

    # -- one TLC process ---------------------------------------------------------

    def _tlc(self, model: Model, pending: list[Property]) -> _Finished:
        names = self.emitted.names
        checks = [p for p in pending if p.kind != "deadlock"]
        deadlock = any(p.kind == "deadlock" for p in pending)
        temporal = {p.name: self.parts[p.name] for p in checks if p.kind == "temporal"}
        config = render_config(
            f"specdsl: a run of model {model.name}",
            names.specs[model.name],
            [names.once[p.name] for p in checks if p.name not in temporal or temporal[p.name].has_safety],
            [names.rest[n] for n, parts in temporal.items() if parts.live],
            deadlock,
        )
        modules = {
            self.emitted.module: self.emitted.text,
            self.emitted.wrapper: render_wrapper(self.emitted, checks),
        }
        try:
            with class_archive(self.tools) as tools:
                inv = run_tlc(
                    tools,
                    self.emitted.wrapper,
                    modules,
                    config,
                    workers=1,  # see the module docstring
                    timeout=self.options.timeout,
                    deadlock=deadlock,
                    heap_mb=self.heap_mb,
                    jvm=self.jvm,
                    cancel=self.cancel,
                )
        except ToolError as e:
            raise _RunFailed("error", str(e), None, 0.0) from None
        run = summarize(parse_messages(inv.stdout))
        if inv.timed_out:
            raise _RunFailed(
                "unknown", f"TLC timed out after {self.options.timeout:g} s", run.distinct, inv.seconds
            )
        if run.failed:
            raise _RunFailed("error", self._explain(inv, run, modules), run.distinct, inv.seconds)
        return _Finished(run, inv.seconds)

    def _explain(self, inv: Invocation, run: Run, modules: dict[str, str]) -> str:
        codes = {m.code for m in run.error_messages}
        if PARSING_FAILED in codes:
            sany = sany_error(sany_output(inv.stdout))
            lines = modules.get(sany.module or "", "").splitlines()
            where = (
                f" (line {sany.line}: {lines[sany.line - 1].strip()})"
                if sany.line and sany.line <= len(lines)
                else ""
            )
            return f"internal error: SANY rejected the generated module {sany.module}.tla: {sany.why}{where}"
        if out_of_memory(run.error_messages) or "OutOfMemoryError" in inv.stderr:
            return f"TLC ran out of memory (heap bound {self.heap_mb} MB)"
        if run.error:
            return run.error
        last = (inv.stderr.strip().splitlines() or inv.stdout.strip().splitlines() or ["no output"])[-1]
        return f"TLC crashed (exit code {inv.returncode}): {last.strip()[:200]}"


def _row(
    system: System,
    prop: Property,
    verdict: Outcome,
    *,
    states: int | None = None,
    seconds: float = 0.0,
    message: str = "",
    trace: Trace | None = None,
) -> Result:
    return Result(
        spec=system.name,
        property=prop.name,
        kind=prop.kind,
        engine="tlc",
        method="explicit",
        verdict=verdict,
        bound=None,
        states=states,
        seconds=round(seconds, 3),
        message=message,
        trace=trace,
    )
