"""Evaluating a temporal formula on a lasso (a finite prefix plus a loop).

TLC reports "Temporal properties were violated" without naming the property
when a run checks several; evaluating each property on the reported lasso
says which ones it refutes (and double-checks TLC's claim).
"""

from __future__ import annotations

from collections.abc import Sequence

from specdsl.interp import State, evaluate
from specdsl.ir import Always, Eventually, LeadsTo, TAnd, Temporal, TNot, TOr, TState


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
