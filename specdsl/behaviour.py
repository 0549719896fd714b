"""A lasso (a finite prefix plus a loop) as an infinite behaviour, judged by the IR semantics.

An engine's liveness counterexample is believed only if the interpreter agrees
that the behaviour is fair under its model and violates the property: replaying
the steps (`trace.build_trace`) shows they are legal, not that the loop starves
no fair process or that the formula fails on it.  TLC also reports "Temporal
properties were violated" without naming the property when a run checks
several; evaluating each property on the lasso says which ones it refutes.
"""

from __future__ import annotations

from collections.abc import Sequence

from specdsl.interp import State, evaluate, successors
from specdsl.ir import Always, Eventually, LeadsTo, Model, System, TAnd, Temporal, TNot, TOr, TState, Value
from specdsl.trace import Trace
from specdsl.values import domain, format_value


def holds_on_lasso(formula: Temporal, states: Sequence[State], loop_start: int) -> bool:
    """Whether the infinite behaviour s0 .. sn (sloop .. sn)^omega satisfies `formula`."""
    return _values(formula, states, loop_start)[0]


def _values(f: Temporal, states: Sequence[State], loop: int) -> list[bool]:
    """The truth of `f` at every position of the lasso (the suffix from a
    position i covers i..n and, through the loop, loop..n)."""
    n = len(states)
    if isinstance(f, TState):
        return [bool(evaluate(f.expr, s)) for s in states]
    if isinstance(f, TNot):
        return [not x for x in _values(f.arg, states, loop)]
    if isinstance(f, TAnd):
        parts = [_values(a, states, loop) for a in f.args]
        return [all(p[i] for p in parts) for i in range(n)]
    if isinstance(f, TOr):
        parts = [_values(a, states, loop) for a in f.args]
        return [any(p[i] for p in parts) for i in range(n)]
    if isinstance(f, LeadsTo):
        return _values(Always(TOr((TNot(f.lhs), Eventually(f.rhs)))), states, loop)
    inner = _values(f.arg, states, loop)
    combine = any if isinstance(f, Eventually) else all
    assert isinstance(f, Eventually | Always)
    in_loop = combine(inner[loop:])
    out = [in_loop] * n
    for i in range(loop - 1, -1, -1):  # before the loop: this position, then the rest
        out[i] = combine((inner[i], out[i + 1]))
    return out


def starved(system: System, model: Model, trace: Trace) -> str:
    """'' when the lasso's loop is fair under `model`, else the process instance it
    starves: weakly fair and enabled in every loop state, or strongly fair and
    enabled in some loop state, yet taking no step of the loop.  As in TLA+'s
    `WF_vars`, only steps that change the state count, taken or enabled (a step
    that changes nothing cannot be told from stuttering); "enabled" counts only
    the steps the model's scheduling constraints allow."""
    assert trace.loop_start is not None
    states = [s.state for s in trace.steps[trace.loop_start :]]
    steps = [s.step for s in trace.steps[trace.loop_start + 1 :]] + [trace.closing_step]
    moves = zip(steps, states, [*states[1:], states[0]])
    took = {(ga.action.process, ga.instance) for ga, pre, post in moves if ga is not None and pre != post}
    enabled = [
        {(ga.action.process, ga.instance) for ga, nxt in successors(system, s, model) if nxt != s}
        for s in states
    ]
    for rule in model.fairness:
        if rule.kind == "none":
            continue
        for inst in _instances(system, rule.process, rule.instance):
            key = (rule.process, inst)
            on = [key in e for e in enabled]
            if key not in took and (all(on) if rule.kind == "weak" else any(on)):
                who = rule.process if inst is None else f"{rule.process}[{format_value(inst)}]"
                return f"{who} is {rule.kind}ly fair and enabled in the loop, yet takes no step in it"
    return ""


def _instances(system: System, process: str, instance: Value | None) -> list[Value | None]:
    if instance is not None:
        return [instance]
    p = system.process(process)
    return [None] if p.id_type is None else list(domain(p.id_type))
