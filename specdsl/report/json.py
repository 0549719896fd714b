"""The JSON report (a contract: see docs/architecture, "JSON report")."""

from __future__ import annotations

import json
from typing import Any

from specdsl import __version__
from specdsl.ir import Span, System
from specdsl.report.diagram import actor
from specdsl.trace import Trace
from specdsl.values import format_value
from specdsl.verdicts import CheckRun, Judged


def render(run: CheckRun) -> str:
    return json.dumps(to_json(run), indent=2, ensure_ascii=False) + "\n"


def to_json(run: CheckRun) -> dict[str, Any]:
    return {
        "specdsl_version": __version__,
        "incomplete": run.interruption is not None,  # interrupted: what did not finish is missing
        "specs": [
            {
                "name": spec.system.name,
                "file": spec.system.file,
                "params": dict(spec.system.params),
                "results": [_result(spec.system, j) for j in spec.judged],
            }
            for spec in run.specs
        ],
    }


def _result(system: System, j: Judged) -> dict[str, Any]:
    r = j.result
    return {
        "property": r.property,
        "kind": r.kind,
        "engine": r.engine,
        "method": r.method,
        "verdict": r.verdict,
        "bound": r.bound,
        "expected": j.expected,
        "states": r.states,
        "seconds": round(r.seconds, 3),
        "message": r.message,
        "trace": None if r.trace is None else trace_json(system, r.trace),
    }


def trace_json(system: System, trace: Trace) -> dict[str, Any]:
    init_source = _init_source(system)
    steps = []
    for ts in trace.steps:
        ga = ts.step
        if ga is not None:
            process, action, source = actor(ga), ga.action.label, _source(ga.action.span)
        elif ts.index == 0:
            process, action, source = None, "Init", init_source
        else:  # the stutter of a finished system
            process, action, source = None, "Stutter", None
        steps.append(
            {
                "index": ts.index,
                "process": process,
                "action": action,
                "source": source,
                "state": {name: format_value(v) for name, v in ts.state.items()},
            }
        )
    return {"loop_start": trace.loop_start, "steps": steps}


def _init_source(system: System) -> str | None:
    """Init's source: the first variable declared in the spec's own file."""
    spans = [v.span for v in system.variables if v.span.line and v.span.file == system.file]
    return _source(min(spans, key=lambda s: s.line)) if spans else None


def _source(span: Span) -> str | None:
    return str(span) if span.line else None  # hand-built IR has no source
