"""The `tlc` engine: every property of a spec checked by TLC's exhaustive search.

Runs per spec: one safety group on the base model (invariants, witnesses as
`~W` invariants, deadlock) and one group per model with temporal properties;
the groups run side by side when the cores allow.  TLC stops at the first
violation, so a group is rerun without what was already decided until a run
completes.  Each counterexample decides every pending check it refutes, not
only the one TLC names (see `_safety_found`), and a lasso every temporal
property it refutes (TLC does not say which one it found).  `-continue` was
measured and rejected: it prints a trace for every violating state, and a
witness holds in many.  A completed run decides everything left in its group
(holds / unreachable), and its search depth is the diameter.

Every trace is read back into IR states and replayed by the interpreter
(`build_trace`) before it is reported.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from specdsl.engine import EngineOptions
from specdsl.interp import EvalError, ReplayError, State, evaluate, initial_states, make_state
from specdsl.ir import Model, Property, System
from specdsl.irwalk import vars_read
from specdsl.result import Outcome, Result
from specdsl.tla.emit import Emitted, base_model, emit, render_config
from specdsl.tla.ltl import holds_on_lasso
from specdsl.tla.output import (
    PARSING_FAILED,
    Run,
    TlaParseError,
    out_of_memory,
    parse_messages,
    parse_state,
    sany_error,
    sany_output,
    summarize,
    to_ir,
)
from specdsl.tla.run import Invocation, ToolError, Tools, default_heap_mb, locate, run_tlc
from specdsl.trace import Trace, build_trace

SAFETY_KINDS = ("invariant", "witness", "deadlock")

# What a run of a group found -> the properties it decided (their results recorded).
_Found = Callable[[list[Property], "Run", Model, float], list[Property]]
_Group = tuple[list[Property], Model, Callable[[list[Property]], tuple[str, bool]], _Found]


class TlcEngine:
    name = "tlc"

    def __init__(self, heap_mb: int | None = None) -> None:
        self.heap_mb = heap_mb or default_heap_mb()

    def check(self, system: System, properties: Sequence[Property], options: EngineOptions) -> list[Result]:
        try:
            tools = locate(options.tla2tools)
        except ToolError as e:
            return [_row(system, p, "error", message=str(e)) for p in properties]
        try:
            return _Check(system, tools, options, self.heap_mb).run(properties)
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
    def __init__(self, system: System, tools: Tools, options: EngineOptions, heap_mb: int) -> None:
        self.system = system
        self.tools = tools
        self.options = options
        self.heap_mb = heap_mb
        self.emitted: Emitted = emit(system)
        self.base = base_model(system)
        self.results: dict[str, Result] = {}
        self.diameter: int | None = None
        self.cancel = threading.Event()

    def run(self, properties: Sequence[Property]) -> list[Result]:
        safety = [p for p in properties if p.kind in SAFETY_KINDS and not self._constant_false(p)]
        groups: list[_Group] = []
        if safety:
            groups.append((safety, self.base, self._safety_config, self._safety_found))
        for model in self.system.models:
            temporal = [p for p in properties if p.kind == "temporal" and p.model == model.name]
            if temporal:
                groups.append((temporal, model, self._temporal_config, self._temporal_found))
        if len(groups) > 1 and (os.cpu_count() or 1) >= 2 * self.options.workers:
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

    def _side_by_side(self, groups: list[_Group]) -> None:
        """The groups are independent TLC runs: run them in parallel when the
        cores allow, and stop them all if one fails or the user interrupts."""
        pool = ThreadPoolExecutor(max_workers=(os.cpu_count() or 1) // self.options.workers)
        try:
            for done in [pool.submit(self._group, *g) for g in groups]:
                done.result()
        except BaseException:
            self.cancel.set()
            raise
        finally:
            pool.shutdown(wait=True)

    # -- one group of properties, rerun until TLC completes ----------------------

    def _group(
        self,
        pending: list[Property],
        model: Model,
        config: Callable[[list[Property]], tuple[str, bool]],
        found: _Found,
    ) -> None:
        pending = list(pending)
        while pending:
            text, deadlock = config(pending)
            try:
                finished = self._tlc(text, deadlock)
            except _RunFailed as e:
                for p in pending:
                    self.results[p.name] = _row(
                        self.system, p, e.verdict, states=e.states, seconds=e.seconds, message=str(e)
                    )
                return
            run = finished.run
            if run.complete:
                if model is self.base:
                    self.diameter = run.depth
                for p in pending:
                    verdict: Outcome = "unreachable" if p.kind == "witness" else "holds"
                    self.results[p.name] = _row(
                        self.system, p, verdict, states=run.distinct, seconds=finished.seconds
                    )
                return
            decided = found(pending, run, model, finished.seconds)
            pending = [p for p in pending if p not in decided]

    def _constant_false(self, prop: Property) -> bool:
        """TLC rejects an invariant that is the constant FALSE: decide such a
        check (an invariant reading no variable, or a witness of one) here, at
        an initial state."""
        if prop.kind == "deadlock" or prop.expr is None or vars_read(prop.expr):
            return False
        holds = bool(evaluate(prop.expr, {}))
        if holds != (prop.kind == "invariant"):
            trace = build_trace(self.system, [next(initial_states(self.system))])
            verdict: Outcome = "reached" if prop.kind == "witness" else "violated"
            self.results[prop.name] = _row(self.system, prop, verdict, trace=trace)
            return True
        return False

    def _safety_config(self, pending: list[Property]) -> tuple[str, bool]:
        checks = self.emitted.names.checks
        deadlock = any(p.kind == "deadlock" for p in pending)
        invariants = [checks[p.name] for p in pending if p.kind != "deadlock"]
        return render_config("specdsl: safety run", "Spec", invariants, (), deadlock), deadlock

    def _temporal_config(self, pending: list[Property]) -> tuple[str, bool]:
        checks = self.emitted.names.checks
        spec = self.emitted.names.specs[pending[0].model]
        return render_config(
            "specdsl: liveness run", spec, (), [checks[p.name] for p in pending], False
        ), False

    def _safety_found(
        self, pending: list[Property], run: Run, model: Model, seconds: float
    ) -> list[Property]:
        """Every pending check that TLC's trace refutes (or reaches).

        TLC names only the first violated invariant, but with breadth-first
        search no earlier state violates any pending check, so every check
        false in the trace's last state is refuted by this (shortest) trace:
        evaluating them all saves a TLC run per extra violation."""
        if run.verdict == "deadlock":
            named = next((p for p in pending if p.kind == "deadlock"), None)
        else:
            checks = self.emitted.names.checks
            named = next(
                (p for p in pending if p.kind != "deadlock" and checks[p.name] == run.violated), None
            )
        if named is None or run.verdict not in ("invariant", "deadlock"):
            message = f"internal error: unexpected TLC verdict {run.verdict} ({run.violated})"
            return self._fail(pending, message, run, seconds)
        trace, problem = self._trace(run, None)
        if trace is None:
            return self._fail([named], problem, run, seconds)
        decided = []
        for p in pending:
            prefix = (
                trace if p.kind == "deadlock" and run.verdict == "deadlock" else _refuting_prefix(p, trace)
            )
            if prefix is not None:
                verdict: Outcome = "reached" if p.kind == "witness" else "violated"
                self.results[p.name] = _row(
                    self.system, p, verdict, states=run.distinct, seconds=seconds, trace=prefix
                )
                decided.append(p)
        if named not in decided:
            message = f"internal error: TLC reports {named.name} but its trace does not refute it"
            return self._fail([named], message, run, seconds)
        return decided

    def _temporal_found(
        self, pending: list[Property], run: Run, model: Model, seconds: float
    ) -> list[Property]:
        """The properties TLC's lasso refutes: TLC does not say which one it found."""
        if run.verdict != "temporal" or run.loop_start is None:
            return self._fail(
                pending,
                f"internal error: unexpected TLC verdict {run.verdict} in a liveness run",
                run,
                seconds,
            )
        trace, problem = self._trace(run, model)
        if trace is None:
            return self._fail(pending, problem, run, seconds)
        states = [s.state for s in trace.steps]
        refuted = [
            p
            for p in pending
            if p.formula is not None and not holds_on_lasso(p.formula, states, run.loop_start)
        ]
        if not refuted:
            return self._fail(
                pending,
                "internal error: TLC's counterexample satisfies every property it checked",
                run,
                seconds,
            )
        for p in refuted:
            self.results[p.name] = _row(
                self.system, p, "violated", states=run.distinct, seconds=seconds, trace=trace
            )
        return refuted

    def _fail(self, pending: list[Property], message: str, run: Run, seconds: float) -> list[Property]:
        for p in pending:
            self.results[p.name] = _row(
                self.system, p, "error", states=run.distinct, seconds=seconds, message=message
            )
        return pending

    # -- traces ------------------------------------------------------------------

    def _trace(self, run: Run, model: Model | None) -> tuple[Trace | None, str]:
        """The replayed trace, or None and a one-line reason."""
        try:
            states = [self._state(text) for text in run.states]
        except TlaParseError as e:
            return None, f"internal error: cannot read TLC's trace: {e}"
        try:
            if run.stuttering:  # the last state repeats forever: a stuttering step is always allowed
                return replace(build_trace(self.system, states, model), loop_start=run.loop_start), ""
            return build_trace(self.system, states, model, run.loop_start), ""
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

    def _tlc(self, config_text: str, deadlock: bool) -> _Finished:
        try:
            inv = run_tlc(
                self.tools,
                self.emitted.module,
                self.emitted.text,
                config_text,
                workers=self.options.workers,
                timeout=self.options.timeout,
                deadlock=deadlock,
                heap_mb=self.heap_mb,
                cancel=self.cancel,
            )
        except ToolError as e:
            raise _RunFailed("error", str(e), None, 0.0) from None
        messages = parse_messages(inv.stdout)
        run = summarize(messages)
        if inv.timed_out:
            raise _RunFailed(
                "unknown", f"TLC timed out after {self.options.timeout:g} s", run.distinct, inv.seconds
            )
        if run.verdict == "error":
            raise _RunFailed("error", self._explain(inv, run), run.distinct, inv.seconds)
        return _Finished(run, inv.seconds)

    def _explain(self, inv: Invocation, run: Run) -> str:
        codes = {m.code for m in run.error_messages}
        if PARSING_FAILED in codes:
            line, why = sany_error(sany_output(inv.stdout))
            lines = self.emitted.text.splitlines()
            where = f" (line {line}: {lines[line - 1].strip()})" if line and line <= len(lines) else ""
            return f"internal error: SANY rejected the generated module {self.emitted.filename}: {why}{where}"
        if out_of_memory(run.error_messages) or "OutOfMemoryError" in inv.stderr:
            return f"TLC ran out of memory (heap bound {self.heap_mb} MB)"
        if run.error:
            return run.error
        last = (inv.stderr.strip().splitlines() or inv.stdout.strip().splitlines() or ["no output"])[-1]
        return f"TLC crashed (exit code {inv.returncode}): {last.strip()[:200]}"


def _refuting_prefix(prop: Property, trace: Trace) -> Trace | None:
    """The trace up to the first state where an invariant fails or a witness holds."""
    if prop.expr is None or prop.kind == "deadlock":
        return None
    for i, step in enumerate(trace.steps):
        if bool(evaluate(prop.expr, step.state)) != (prop.kind == "invariant"):
            return replace(trace, steps=trace.steps[: i + 1])
    return None


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
