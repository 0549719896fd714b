"""States found by Z3, replayed by the interpreter into traces."""

from __future__ import annotations

from collections.abc import Sequence

from specdsl.interp import ReplayError, State, successors
from specdsl.ir import Model, System
from specdsl.trace import Trace, build_trace


def lasso_trace(system: System, states: Sequence[State], model: Model, loop_start: int) -> Trace:
    """The replayed lasso.  A loop that is one state stuttering where no fair process
    is enabled is a fair behaviour even when the state is not an intended terminal
    state (which is all `interp.replay` accepts as a stutter): the interpreter checks
    the path and the fairness of the stutter, and the loop is attached to that trace."""
    try:
        return build_trace(system, states, model, loop_start)
    except ReplayError:
        if loop_start != len(states) - 1:
            raise
    last = states[-1]
    fair_steps = [
        ga for ga, _ in successors(system, last, model) if _is_fair(model, ga.action.process, ga.instance)
    ]
    if fair_steps:
        raise ReplayError(f"the last state stutters while a fair process can step ({len(fair_steps)} steps)")
    trace = build_trace(system, states, model, None)
    return Trace(trace.steps, loop_start, None)


def _is_fair(model: Model, process: str, instance: object) -> bool:
    return any(
        r.kind != "none" and r.process == process and (r.instance is None or r.instance == instance)
        for r in model.fairness
    )
