"""States found by Z3, replayed by the interpreter into traces."""

from __future__ import annotations

from collections.abc import Sequence

from specdsl.interp import GroundAction, ReplayError, State, allowed, apply, is_enabled
from specdsl.ir import Model, System
from specdsl.trace import Trace, build_trace

MAX_ROUNDS = 1000  # repetitions of a loop before giving up on its ghosts repeating


def lasso_trace(
    system: System,
    states: Sequence[State],
    model: Model,
    loop_start: int,
    loop: Sequence[GroundAction | None],
) -> Trace:
    """The replayed lasso of a lasso search result (see `lasso.LassoResult`).

    The last state agrees with `states[loop_start]` on the steering variables
    only: the loop's steps are repeated with the interpreter until a full state
    repeats at the same place in the loop (`ghost.py` says why it does).  Whether
    the loop is fair and violates the property is judged afterwards, on the
    replayed trace (`behaviour.py`)."""
    path, loop_start = _close(model, states, loop_start, loop)
    return build_trace(system, path, model, loop_start)


def _close(
    model: Model, states: Sequence[State], loop_start: int, loop: Sequence[GroundAction | None]
) -> tuple[list[State], int]:
    """States whose last one steps back to the returned loop start: the loop's steps
    are repeated until a full state repeats at the same place in the loop."""
    path = list(states)
    seen: dict[tuple[int, State], int] = {}  # (place in the loop, full state) -> its index
    j = loop_start
    while True:
        place = (j - loop_start) % len(loop)
        if (place, path[j]) in seen:
            return path[:j], seen[place, path[j]]
        seen[place, path[j]] = j
        if j == len(path) - 1:
            if len(path) > len(states) + MAX_ROUNDS * len(loop):
                raise ReplayError(f"the loop's ghost variables do not repeat within {MAX_ROUNDS} rounds")
            ga = loop[place]
            if ga is None or not (is_enabled(ga, path[j]) and allowed(model, ga, path[j])):
                raise ReplayError(f"a loop step cannot be repeated from state {j}")
            path.append(apply(ga, path[j]))
        j += 1
