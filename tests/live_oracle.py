"""A reference for temporal verdicts (tests only, not an engine): an explicit
search of the interpreter's state graph for a fair behaviour that violates a
property.

Formulas: and/or/not combinations of the shapes the engines decide: a state
predicate (true in the initial state), `<>p`, `[]p`, `[]<>p`, `<>[]p` and
`p ~> q`, with p and q state predicates.  A behaviour of a finite system is a
path to a state s, then forever a loop through a set C of states around s
(strongly connected by steps inside C, or just {s}, stuttering).  On it, each
shape's truth depends only on C and on a few bits the path keeps ("p was
seen", "p held so far", "a p is still waiting for its q"): the search walks
the product of the state graph and those bits, and tries every loop set C at
every product state.  A loop is fair as in TLA+ (`behaviour.starved`, written
again here so that the reference does not share the judge's code): its steps
are every step inside C; a weakly (strongly) fair process instance that can
change the state in every (some) state of C changes it by one of them.

A violation comes with a lasso, which the tests also hand to
`behaviour.holds_on_lasso`: the two readings of the formula must agree.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from oracle import explore

from specdsl.interp import State, evaluate, successors
from specdsl.ir import Always, Eventually, LeadsTo, Model, System, TAnd, Temporal, TNot, TOr, TState, Value
from specdsl.values import domain

MAX_LOOP_CANDIDATES = 12  # states in a strongly connected component: every subset is tried


def state_level(f: Temporal) -> bool:
    if isinstance(f, TState):
        return True
    if isinstance(f, TNot):
        return state_level(f.arg)
    return isinstance(f, TAnd | TOr) and all(state_level(a) for a in f.args)


def holds_in(f: Temporal, s: State) -> bool:
    if isinstance(f, TState):
        return bool(evaluate(f.expr, s))
    if isinstance(f, TNot):
        return not holds_in(f.arg, s)
    assert isinstance(f, TAnd | TOr)
    return (all if isinstance(f, TAnd) else any)(holds_in(a, s) for a in f.args)


# The bits a path keeps: ("initially", p), ("seen", p), ("so_far", p), ("waiting", p, q).
Bit = tuple
Node = tuple[State, tuple[bool, ...]]  # a state and the bits of the path to it


def _nested(f: Temporal) -> bool:
    """`[]<>p` or `<>[]p`."""
    return (
        isinstance(f, Always | Eventually)
        and isinstance(f.arg, Always | Eventually)
        and type(f) is not type(f.arg)
        and state_level(f.arg.arg)
    )


def _bits(f: Temporal) -> list[Bit]:
    if isinstance(f, TAnd | TOr):
        return [b for a in f.args for b in _bits(a)]
    if state_level(f):
        return [("initially", f)]
    if isinstance(f, TNot):
        return _bits(f.arg)
    if isinstance(f, Eventually) and state_level(f.arg):
        return [("seen", f.arg)]
    if isinstance(f, Always) and state_level(f.arg):
        return [("so_far", f.arg)]
    if isinstance(f, LeadsTo) and state_level(f.lhs) and state_level(f.rhs):
        return [("waiting", f.lhs, f.rhs)]
    if _nested(f):
        return []  # []<>p, <>[]p: the loop alone decides them
    raise ValueError(f"not a shape the reference decides: {f}")


_BEFORE = {"initially": False, "seen": False, "so_far": True, "waiting": False}  # before the first state


def _start(bits: list[Bit], s: State) -> tuple[bool, ...]:
    return tuple(_step(b, _BEFORE[b[0]], s, first=True) for b in bits)


def _step(bit: Bit, value: bool, s: State, first: bool = False) -> bool:
    """The bit after the path goes through `s`."""
    kind = bit[0]
    if kind == "initially":
        return holds_in(bit[1], s) if first else value
    if kind == "seen":
        return value or holds_in(bit[1], s)
    if kind == "so_far":
        return value and holds_in(bit[1], s)
    return (value or holds_in(bit[1], s)) and not holds_in(bit[2], s)  # a q at the same state answers


def _truth(f: Temporal, bits: dict[Bit, bool], loop: frozenset[State]) -> bool:
    """The truth of `f` on a behaviour whose path kept `bits` and that loops through `loop`."""
    some = lambda p: any(holds_in(p, s) for s in loop)  # noqa: E731
    every = lambda p: all(holds_in(p, s) for s in loop)  # noqa: E731
    if isinstance(f, TAnd):
        return all(_truth(a, bits, loop) for a in f.args)
    if isinstance(f, TOr):
        return any(_truth(a, bits, loop) for a in f.args)
    if state_level(f):
        return bits["initially", f]
    if isinstance(f, TNot):
        return not _truth(f.arg, bits, loop)
    if isinstance(f, LeadsTo):
        return (not bits["waiting", f.lhs, f.rhs] or some(f.rhs)) and (not some(f.lhs) or some(f.rhs))
    assert isinstance(f, Always | Eventually)
    if _nested(f):
        assert isinstance(f.arg, Always | Eventually)
        return some(f.arg.arg) if isinstance(f.arg, Eventually) else every(f.arg.arg)
    if isinstance(f, Eventually):
        return bits["seen", f.arg] or some(f.arg)
    return bits["so_far", f.arg] and every(f.arg)


@dataclass(frozen=True)
class Violation:
    states: tuple[State, ...]  # a lasso: the last state steps back to states[loop_start]
    loop_start: int


class FairCycles:
    """The state graph of `system` under `model`, with its fair loops."""

    def __init__(self, system: System, model: Model) -> None:
        self.system = system
        self.model = model
        reachable = explore(system, model=model).parent
        self.succ = {s: successors(system, s, model) for s in reachable}
        self.initial = [s for s, link in reachable.items() if link is None]
        self._reach = {s: self._reachable_from(s) for s in reachable}
        self._loops: dict[State, list[frozenset[State]]] = {}

    def violation(self, f: Temporal, prefix: Sequence[State] = ()) -> Violation | None:
        """A fair behaviour on which `f` is false (as a lasso), or None when `f`
        holds; with `prefix`, only the behaviours that start with it."""
        bits = list(dict.fromkeys(_bits(f)))
        parent: dict[Node, Node | None] = {}
        queue: deque[Node] = deque()
        for s in prefix[:1] or self.initial:
            kept = _start(bits, s)
            for t in prefix[1:]:
                kept = tuple(_step(b, v, t) for b, v in zip(bits, kept))
            node = (prefix[-1] if prefix else s, kept)
            parent.setdefault(node, None)
            queue.append(node)
        while queue:
            node = queue.popleft()
            s, kept = node
            for loop in self._fair_loops(s):
                if not _truth(f, dict(zip(bits, kept)), loop):
                    return self._lasso(prefix[:-1], node, parent, loop)
            for _, t in self.succ[s]:
                nxt = (t, tuple(_step(b, v, t) for b, v in zip(bits, kept)))
                if nxt not in parent:
                    parent[nxt] = node
                    queue.append(nxt)
        return None

    # -- loops -------------------------------------------------------------------

    def _reachable_from(self, s: State) -> frozenset[State]:
        seen = {s}
        queue = deque([s])
        while queue:
            for _, t in self.succ[queue.popleft()]:
                if t not in seen:
                    seen.add(t)
                    queue.append(t)
        return frozenset(seen)

    def _fair_loops(self, s: State) -> list[frozenset[State]]:
        if s not in self._loops:
            component = sorted((t for t in self._reach[s] if s in self._reach[t] and t != s), key=repr)
            assert len(component) < MAX_LOOP_CANDIDATES, "the reference tries every loop: keep specs small"
            candidates = (
                frozenset((s, *others))
                for n in range(len(component) + 1)
                for others in combinations(component, n)
            )
            self._loops[s] = [c for c in candidates if self._connected(c) and self._fair(c)]
        return self._loops[s]

    def _connected(self, loop: frozenset[State]) -> bool:
        start = next(iter(loop))
        return all(
            self._inside(start, loop, t) is not None and self._inside(t, loop, start) is not None
            for t in loop
        )

    def _inside(self, a: State, loop: frozenset[State], b: State) -> list[State] | None:
        """A shortest path a .. b through states of `loop` (just [a] when a == b)."""
        parent: dict[State, State | None] = {a: None}
        queue = deque([a])
        while queue:
            u = queue.popleft()
            if u == b:
                path = [u]
                while (p := parent[path[-1]]) is not None:
                    path.append(p)
                return path[::-1]
            for _, t in self.succ[u]:
                if t in loop and t not in parent:
                    parent[t] = u
                    queue.append(t)
        return None

    def _fair(self, loop: frozenset[State]) -> bool:
        moves = {u: {(ga.action.process, ga.instance) for ga, t in self.succ[u] if t != u} for u in loop}
        took = {
            (ga.action.process, ga.instance) for u in loop for ga, t in self.succ[u] if t in loop and t != u
        }
        for rule in self.model.fairness:
            for inst in self._instances(rule.process, rule.instance):
                key = (rule.process, inst)
                enabled = [key in moves[u] for u in loop]
                if rule.kind == "weak" and all(enabled) and key not in took:
                    return False
                if rule.kind == "strong" and any(enabled) and key not in took:
                    return False
        return True

    def _instances(self, process: str, instance: Value | None) -> list[Value | None]:
        if instance is not None:
            return [instance]
        p = self.system.process(process)
        return [None] if p.id_type is None else list(domain(p.id_type))

    # -- the witness ---------------------------------------------------------------

    def _lasso(
        self, before: Sequence[State], node: Node, parent: dict[Node, Node | None], loop: frozenset[State]
    ) -> Violation:
        path = [node[0]]
        while (node := parent[node]) is not None:
            path.append(node[0])
        path = [*before, *reversed(path)]
        walk = [path[-1]]  # through every state of the loop and back: each leg a path inside it
        for target in [*sorted(loop - {path[-1]}, key=repr), path[-1]]:
            leg = self._inside(walk[-1], loop, target)
            assert leg is not None
            walk.extend(leg[1:])
        if len(walk) == 1:  # {s}, stuttering
            return Violation(tuple(path), len(path) - 1)
        return Violation(tuple(path + walk[1:-1]), len(path) - 1)
