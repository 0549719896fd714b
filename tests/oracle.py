"""A small breadth-first explicit-state search over the IR, used by tests as an
oracle (it is not a user-facing engine): it enumerates every reachable state
with the interpreter, so safety verdicts computed here are complete."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from specdsl.interp import GroundAction, State, evaluate, initial_states, is_terminal, successors
from specdsl.ir import Model, Property, System


@dataclass
class StateGraph:
    system: System
    parent: dict[State, tuple[State, GroundAction] | None]
    depth: dict[State, int]
    deadlocks: list[State]

    def path_to(self, state: State) -> list[State]:
        path = [state]
        while (link := self.parent[path[-1]]) is not None:
            path.append(link[0])
        return path[::-1]

    def first(self, predicate) -> State | None:
        """The first state (in breadth-first order, so at minimal depth) satisfying `predicate`."""
        return next((s for s in self.parent if predicate(s)), None)

    @property
    def diameter(self) -> int:
        return max(self.depth.values())


def explore(system: System, limit: int = 2_000_000, model: Model | None = None) -> StateGraph:
    """Every state reachable by the steps of `system` (those `model` allows, if given)."""
    parent: dict[State, tuple[State, GroundAction] | None] = {}
    depth: dict[State, int] = {}
    deadlocks: list[State] = []
    queue: deque[State] = deque()
    for s in initial_states(system):
        if s not in parent:
            parent[s] = None
            depth[s] = 0
            queue.append(s)
    while queue:
        s = queue.popleft()
        nexts = successors(system, s, model)
        if not nexts and not is_terminal(system, s):
            deadlocks.append(s)
        for ga, n in nexts:
            if n not in parent:
                if len(parent) >= limit:
                    raise RuntimeError(f"more than {limit} states")
                parent[n] = (s, ga)
                depth[n] = depth[s] + 1
                queue.append(n)
    return StateGraph(system, parent, depth, deadlocks)


def safety_verdict(graph: StateGraph, prop: Property) -> tuple[str, int | None]:
    """(verdict, depth of the shortest counterexample or witness) for an
    invariant, witness or deadlock property."""
    if prop.kind == "deadlock":
        if not graph.deadlocks:
            return "holds", None
        return "violated", min(graph.depth[s] for s in graph.deadlocks)
    assert prop.expr is not None
    if prop.kind == "witness":
        hit = graph.first(lambda s: evaluate(prop.expr, s))
        return ("reached", graph.depth[hit]) if hit is not None else ("unreachable", None)
    bad = graph.first(lambda s: not evaluate(prop.expr, s))
    return ("violated", graph.depth[bad]) if bad is not None else ("holds", None)
