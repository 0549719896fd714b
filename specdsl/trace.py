"""The engine-neutral counterexample: states from an engine, replayed into steps.

Engines report only the sequence of states they found (and, for a lasso, where
the loop starts).  `build_trace` replays that sequence with the interpreter,
which recovers each step's process, label and source line, and raises
`ReplayError` if the engine's states do not follow the IR semantics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from specdsl.interp import GroundAction, State, replay
from specdsl.ir import Model, System


@dataclass(frozen=True)
class TraceStep:
    index: int
    state: State
    step: GroundAction | None  # None for the initial state (and a terminal stutter)


@dataclass(frozen=True)
class Trace:
    steps: tuple[TraceStep, ...]
    loop_start: int | None = None  # a lasso's last state steps back to steps[loop_start]
    closing_step: GroundAction | None = None  # the step from the last state back to the loop

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def depth(self) -> int:
        """Number of steps from the initial state to the last state."""
        return len(self.steps) - 1


def build_trace(
    system: System,
    states: Sequence[State],
    model: Model | None = None,
    loop_start: int | None = None,
) -> Trace:
    """Replay `states` and return the trace; raises ReplayError when they do not replay."""
    steps = replay(system, states, model, loop_start)
    closing = None
    if loop_start is not None and len(steps) == len(states):
        closing = steps[-1]
        steps = steps[:-1]
    # A terminal stutter inside the trace leaves no step: pad with None.
    moves: list[GroundAction | None] = [None, *steps]
    moves += [None] * (len(states) - len(moves))
    return Trace(
        tuple(TraceStep(i, s, moves[i]) for i, s in enumerate(states)),
        loop_start,
        closing,
    )
