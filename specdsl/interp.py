"""The reference semantics of the IR: evaluate expressions, list enabled steps,
compute successors, and replay traces found by the engines.

Every counterexample an engine reports is replayed here before it is shown, so
an encoding bug in a backend cannot produce a bogus trace unnoticed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from specdsl.ir import (
    Action,
    Binary,
    Except,
    Expr,
    Field,
    Index,
    InDomain,
    IsTag,
    Ite,
    Lit,
    MakeRecord,
    MakeTag,
    MapComp,
    MapVal,
    Model,
    Param,
    Payload,
    Quant,
    Rec,
    SetComp,
    SetLit,
    Span,
    System,
    Tag,
    Unary,
    Value,
    Var,
    WithField,
)
from specdsl.values import contains, domain, format_value


class EvalError(Exception):
    """An expression could not be evaluated (a bug in the spec or the checker:
    the checker refuses a divisor that may break `Binary`'s precondition, yet a
    state outside TypeOK may still meet one).  In a step, it names the ground
    action and carries the action's source `span`."""

    def __init__(self, message: str, span: Span | None = None) -> None:
        where = "" if span is None else f" ({span.file}:{span.line}:{span.col})"
        super().__init__(message + where)
        self.span = span


class ReplayError(Exception):
    """A trace from an engine does not follow the IR semantics."""


@dataclass(frozen=True)
class State(Mapping[str, Value]):
    """An assignment of values to the system's variables (hashable)."""

    names: tuple[str, ...]
    values: tuple[Value, ...]

    def __getitem__(self, name: str) -> Value:
        return self.values[_index_of(self.names)[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __hash__(self) -> int:
        return hash(self.values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, State) and self.values == other.values and self.names == other.names

    def replace(self, changes: Mapping[str, Value]) -> State:
        values = list(self.values)
        index = _index_of(self.names)
        for name, value in changes.items():
            values[index[name]] = value
        return State(self.names, tuple(values))


@lru_cache(maxsize=64)
def _index_of(names: tuple[str, ...]) -> dict[str, int]:
    return {n: i for i, n in enumerate(names)}


def make_state(system: System, values: Mapping[str, Value]) -> State:
    names = tuple(v.name for v in system.variables)
    return State(names, tuple(values[n] for n in names))


@dataclass(frozen=True)
class GroundAction:
    """An action with a value for each of its parameters."""

    action: Action
    binding: tuple[tuple[str, Value], ...]

    @property
    def env(self) -> dict[str, Value]:
        return dict(self.binding)

    @property
    def instance(self) -> Value | None:
        """The process id (`self`), or None for a singleton process."""
        if self.action.params and self.action.params[0].name == "self":
            return self.binding[0][1]
        return None


# ---------------------------------------------------------------------------
# Expressions


def _arith(op: str, a: int, b: int) -> int:
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div" and b == 0:
        raise EvalError(f"division by zero: {a} / {b}")
    if op == "mod" and b <= 0:
        raise EvalError(f"remainder by a non-positive number: {a} % {b}")
    return a // b if op == "div" else a % b


_COMPARE = {
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


def evaluate(e: Expr, state: Mapping[str, Value], env: Mapping[str, Value] | None = None) -> Value:
    """The value of `e` in `state`, with bound names (`self`, parameters,
    quantifier variables) taken from `env`."""
    return _eval(e, state, dict(env or {}))


def _eval(e: Expr, s: Mapping[str, Value], env: dict[str, Value]) -> Value:  # noqa: C901 - one case per node
    if isinstance(e, Lit):
        return e.value
    if isinstance(e, Var):
        return s[e.name]
    if isinstance(e, Param):
        try:
            return env[e.name]
        except KeyError:
            raise EvalError(f"unbound name {e.name}") from None
    if isinstance(e, Unary):
        a = _eval(e.arg, s, env)
        return (not a) if e.op == "not" else -a  # type: ignore[operator]
    if isinstance(e, Binary):
        op = e.op
        if op == "and":
            return bool(_eval(e.lhs, s, env)) and bool(_eval(e.rhs, s, env))
        if op == "or":
            return bool(_eval(e.lhs, s, env)) or bool(_eval(e.rhs, s, env))
        if op == "implies":
            return (not _eval(e.lhs, s, env)) or bool(_eval(e.rhs, s, env))
        a, b = _eval(e.lhs, s, env), _eval(e.rhs, s, env)
        if op == "eq":
            return a == b
        if op == "ne":
            return a != b
        if op in _COMPARE:
            return _COMPARE[op](a, b)
        if op == "in":
            return a in b  # type: ignore[operator]
        if op == "union":
            return a | b  # type: ignore[operator]
        if op == "inter":
            return a & b  # type: ignore[operator]
        if op == "diff":
            return a - b  # type: ignore[operator]
        return _arith(op, a, b)  # type: ignore[arg-type]
    if isinstance(e, Ite):
        return _eval(e.then if _eval(e.cond, s, env) else e.orelse, s, env)
    if isinstance(e, Index):
        m = _eval(e.map, s, env)
        k = _eval(e.key, s, env)
        if not isinstance(m, MapVal):
            raise EvalError(f"indexing a non-map value {m!r}")
        try:
            return m.get(k)
        except KeyError:
            raise EvalError(f"key {k!r} outside the map's domain") from None
    if isinstance(e, Field):
        r = _eval(e.record, s, env)
        assert isinstance(r, Rec)
        return r.get(e.name)
    if isinstance(e, IsTag):
        v = _eval(e.arg, s, env)
        return isinstance(v, Tag) and v.tag == e.tag
    if isinstance(e, Payload):
        v = _eval(e.arg, s, env)
        if not (isinstance(v, Tag) and v.tag == e.tag):
            raise EvalError(f"payload of {e.tag} taken from {v!r}")
        return v.payload  # type: ignore[return-value]
    if isinstance(e, MakeTag):
        return Tag(e.tag, None if e.payload is None else _eval(e.payload, s, env))
    if isinstance(e, MakeRecord):
        return Rec(tuple((n, _eval(x, s, env)) for n, x in e.fields))
    if isinstance(e, MapComp):
        return MapVal(tuple((k, _eval(e.body, s, {**env, e.var: k})) for k in domain(e.key_type)))
    if isinstance(e, Except):
        m = _eval(e.map, s, env)
        k = _eval(e.key, s, env)
        v = _eval(e.value, s, env)
        assert isinstance(m, MapVal)
        if all(key != k for key, _ in m.items):
            raise EvalError(f"key {k!r} outside the map's domain")
        return MapVal(tuple((key, v if key == k else old) for key, old in m.items))
    if isinstance(e, WithField):
        r = _eval(e.record, s, env)
        v = _eval(e.value, s, env)
        assert isinstance(r, Rec)
        return Rec(tuple((n, v if n == e.name else old) for n, old in r.fields))
    if isinstance(e, SetLit):
        return frozenset(_eval(x, s, env) for x in e.elems)
    if isinstance(e, SetComp):
        return frozenset(x for x in domain(e.domain) if _eval(e.cond, s, {**env, e.var: x}))
    if isinstance(e, Quant):
        hits = (bool(_eval(e.body, s, {**env, e.var: x})) for x in domain(e.domain))
        if e.kind == "forall":
            return all(hits)
        if e.kind == "exists":
            return any(hits)
        return sum(hits)
    if isinstance(e, InDomain):
        return contains(e.type, _eval(e.arg, s, env))
    raise EvalError(f"unknown expression node {type(e).__name__}")


# ---------------------------------------------------------------------------
# Steps


def initial_states(system: System) -> Iterator[State]:
    names = tuple(v.name for v in system.variables)
    for combo in itertools.product(*(v.init for v in system.variables)):
        yield State(names, tuple(combo))


def ground(action: Action) -> Iterator[GroundAction]:
    """Every binding of the action's parameters."""
    names = [b.name for b in action.params]
    for combo in itertools.product(*(domain(b.type) for b in action.params)):
        yield GroundAction(action, tuple(zip(names, combo)))


def allowed(model: Model, ga: GroundAction, state: Mapping[str, Value]) -> bool:
    """Whether the model's scheduling constraints let `ga` happen in `state`."""
    inst = ga.instance
    for c in model.constraints:
        if c.process != ga.action.process:
            continue
        if c.instance is not None and c.instance != inst:
            continue
        env = {} if inst is None else {"self": inst}
        if not evaluate(c.allowed, state, env):
            return False
    return True


def is_enabled(ga: GroundAction, state: Mapping[str, Value]) -> bool:
    try:
        return bool(evaluate(ga.action.guard, state, ga.env))
    except EvalError as e:
        raise _in_step(e, ga) from None


def apply(ga: GroundAction, state: State) -> State:
    """The successor of `state` under `ga` (which must be enabled)."""
    env = ga.env
    try:
        return state.replace({u.var: _eval(u.value, state, env) for u in ga.action.updates})
    except EvalError as e:
        raise _in_step(e, ga) from None


def _in_step(e: EvalError, ga: GroundAction) -> EvalError:
    return e if e.span is not None else EvalError(f"{e} in step {describe(ga)}", ga.action.span)


def successors(system: System, state: State, model: Model | None = None) -> list[tuple[GroundAction, State]]:
    """Every enabled (and, under `model`, allowed) step and its successor."""
    out = []
    for action in system.actions:
        for ga in ground(action):
            if is_enabled(ga, state) and (model is None or allowed(model, ga, state)):
                out.append((ga, apply(ga, state)))
    return out


def is_terminal(system: System, state: State) -> bool:
    """Whether `state` is an intended terminal state (see the deadlock property)."""
    for p in system.properties:
        if p.kind == "deadlock" and p.expr is not None:
            return bool(evaluate(p.expr, state))
    return False


def replay(
    system: System,
    states: Sequence[State],
    model: Model | None = None,
    loop_start: int | None = None,
) -> list[GroundAction]:
    """The steps that lead through `states`, which must start in an initial
    state.  For a lasso, the last state must step back to `states[loop_start]`
    (or equal it: a lasso may close by stuttering, which TLA+ always allows;
    whether that stutter is fair is the engine's business).  Raises
    ReplayError naming the first step that does not follow the semantics."""
    if not states:
        raise ReplayError("empty trace")
    inits = set(initial_states(system))
    if states[0] not in inits:
        raise ReplayError("state 0 is not an initial state")
    steps: list[GroundAction] = []
    pairs = list(zip(states, states[1:]))
    if loop_start is not None:
        if not 0 <= loop_start < len(states):
            raise ReplayError(f"loop start {loop_start} outside the trace")
        pairs.append((states[-1], states[loop_start]))
    closing = len(pairs) - 1 if loop_start is not None else -1
    for i, (pre, post) in enumerate(pairs):
        match = next((ga for ga, nxt in successors(system, pre, model) if nxt == post), None)
        if match is None:
            if pre == post and (i == closing or is_terminal(system, pre)):
                continue  # a stutter: a lasso may end by stuttering forever, a finished system stutters
            raise ReplayError(f"no step leads from state {i} to state {i + 1}")
        steps.append(match)
    return steps


def describe(ga: GroundAction) -> str:
    """`fault[1].read` or `reclaim.swap_out(s=0)`: how a step is shown to people."""
    a = ga.action
    inst = ga.instance
    who = a.process if inst is None else f"{a.process}[{format_value(inst)}]"
    extra = [(n, v) for n, v in ga.binding if n != "self"]
    args = "" if not extra else "(" + ", ".join(f"{n}={format_value(v)}" for n, v in extra) + ")"
    return f"{who}.{a.label}{args}"


__all__ = [
    "EvalError",
    "GroundAction",
    "ReplayError",
    "State",
    "allowed",
    "apply",
    "describe",
    "evaluate",
    "ground",
    "initial_states",
    "is_enabled",
    "is_terminal",
    "make_state",
    "replay",
    "successors",
]
