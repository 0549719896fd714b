"""The IR: a finite transition system, the only thing the engines read.

Everything the DSL can say is lowered by the front end (`lang/`) into the few constructs below.
Both backends (TLA+/TLC and Z3) and the interpreter read these dataclasses and
nothing else, so a fact that a backend needs must be carried here.

Semantics in one paragraph.  A state maps every `StateVar` to a value of its type.
An `Action` belongs to a `Process` family; when the family has an id type, the
action's first parameter is `self` (ranging over the ids), followed by the
parameters introduced by `pick`.  A ground action (action + a value for each
parameter) is enabled in a state when its guard is true; taking it assigns every
`Update` in parallel (all right-hand sides read the pre-state) and leaves every
other variable unchanged.  Exactly one ground action happens per step
(interleaving).  A `Model` restricts which steps may happen (scheduling
constraints) and says which processes are fair; the base model "fair" has no
constraints.  Invariants, witnesses and deadlock freedom are checked on the base
model; each temporal property names the model it is checked under.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# ---------------------------------------------------------------------------
# Source locations


@dataclass(frozen=True)
class Span:
    file: str
    line: int
    col: int
    end_line: int = 0
    end_col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


NO_SPAN = Span("<builtin>", 0, 0)

# ---------------------------------------------------------------------------
# Types: all finite


@dataclass(frozen=True)
class BoolType:
    def __str__(self) -> str:
        return "bool"


@dataclass(frozen=True)
class IntType:
    lo: int
    hi: int

    def __str__(self) -> str:
        return f"{self.lo}..{self.hi}"


@dataclass(frozen=True)
class Variant:
    tag: str
    payload: Type | None = None


@dataclass(frozen=True)
class TaggedType:
    """A sum type: `Swap(Slot) | Present(Frame) | None`.  Enumerations (and
    program counters) are tagged types whose variants carry no payload."""

    name: str
    variants: tuple[Variant, ...]

    def variant(self, tag: str) -> Variant:
        for v in self.variants:
            if v.tag == tag:
                return v
        raise KeyError(tag)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class RecordType:
    name: str
    fields: tuple[tuple[str, Type], ...]

    def field_type(self, name: str) -> Type:
        return dict(self.fields)[name]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class MapType:
    """A total function from a finite key type to a value type."""

    key: Type
    value: Type

    def __str__(self) -> str:
        return f"[{self.key}] -> {self.value}"


@dataclass(frozen=True)
class SetType:
    elem: Type

    def __str__(self) -> str:
        return f"set of {self.elem}"


Type = BoolType | IntType | TaggedType | RecordType | MapType | SetType
BOOL = BoolType()
# Every type of a System has at most this many values: the checker refuses larger ones
# (state-space guard), so an engine may enumerate any type.
MAX_VALUES = 65536

# ---------------------------------------------------------------------------
# Values (hashable, so states can be stored in sets)


@dataclass(frozen=True)
class Tag:
    """A value of a tagged type: `Swap(0)`, `None`, `Present(2)`."""

    tag: str
    payload: Value | None = None


@dataclass(frozen=True)
class Rec:
    fields: tuple[tuple[str, Value], ...]

    def get(self, name: str) -> Value:
        return dict(self.fields)[name]


@dataclass(frozen=True)
class MapVal:
    """A function value; `items` follow the key type's domain order."""

    items: tuple[tuple[Value, Value], ...]

    def get(self, key: Value) -> Value:
        for k, v in self.items:
            if k == key:
                return v
        raise KeyError(key)


Value = bool | int | Tag | Rec | MapVal | frozenset

# ---------------------------------------------------------------------------
# Expressions


@dataclass(frozen=True)
class Lit:
    value: Value
    type: Type


@dataclass(frozen=True)
class Var:
    """A state variable, read in the pre-state."""

    name: str


@dataclass(frozen=True)
class Param:
    """A bound name: `self`, a `pick` parameter, or a quantifier variable."""

    name: str


UNARY_OPS = ("not", "neg")
BINARY_OPS = (
    "and",
    "or",
    "implies",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "add",
    "sub",
    "mul",
    "div",
    "mod",
    "in",
    "union",
    "inter",
    "diff",
)


@dataclass(frozen=True)
class Unary:
    op: Literal["not", "neg"]
    arg: Expr


@dataclass(frozen=True)
class Binary:
    """`div` and `mod` round toward negative infinity (as TLA+ and Python do).

    Precondition (as in TLA+, where TLC stops with an error otherwise): the
    divisor of `div` is not 0 and that of `mod` is positive.  The checker
    refuses a divisor whose range breaks it; the interpreter raises EvalError."""

    op: str
    lhs: Expr
    rhs: Expr


@dataclass(frozen=True)
class Ite:
    cond: Expr
    then: Expr
    orelse: Expr


@dataclass(frozen=True)
class Index:
    """`m[k]` for a map `m`."""

    map: Expr
    key: Expr


@dataclass(frozen=True)
class Field:
    record: Expr
    name: str


@dataclass(frozen=True)
class IsTag:
    """True when `arg` is the variant `tag`."""

    arg: Expr
    tag: str


@dataclass(frozen=True)
class Payload:
    """The payload of variant `tag`.  Only evaluated where `IsTag(arg, tag)` is
    known to hold (the checker guarantees it); engines may return anything
    otherwise."""

    arg: Expr
    tag: str


@dataclass(frozen=True)
class MakeTag:
    type: TaggedType
    tag: str
    payload: Expr | None = None


@dataclass(frozen=True)
class MakeRecord:
    type: RecordType
    fields: tuple[tuple[str, Expr], ...]


@dataclass(frozen=True)
class MapComp:
    """`[x in T -> body]`: a map over the whole key type."""

    var: str
    key_type: Type
    body: Expr


@dataclass(frozen=True)
class Except:
    """`m` with key `key` mapped to `value` (TLA+ `[m EXCEPT ![key] = value]`)."""

    map: Expr
    key: Expr
    value: Expr


@dataclass(frozen=True)
class WithField:
    record: Expr
    name: str
    value: Expr


@dataclass(frozen=True)
class SetLit:
    elem_type: Type
    elems: tuple[Expr, ...]


@dataclass(frozen=True)
class SetComp:
    """`{x in T where cond}`."""

    var: str
    domain: Type
    cond: Expr


@dataclass(frozen=True)
class Quant:
    """`forall`/`exists` over a finite type; `count` is the number of values of
    the type for which `body` holds."""

    kind: Literal["forall", "exists", "count"]
    var: str
    domain: Type
    body: Expr


@dataclass(frozen=True)
class InDomain:
    """True when the value of `arg` lies in `type` (used by the TypeOK invariant)."""

    arg: Expr
    type: Type


Expr = (
    Lit
    | Var
    | Param
    | Unary
    | Binary
    | Ite
    | Index
    | Field
    | IsTag
    | Payload
    | MakeTag
    | MakeRecord
    | MapComp
    | Except
    | WithField
    | SetLit
    | SetComp
    | Quant
    | InDomain
)

TRUE = Lit(True, BOOL)
FALSE = Lit(False, BOOL)

# ---------------------------------------------------------------------------
# Temporal formulas (state expressions at the leaves)


@dataclass(frozen=True)
class Always:
    arg: Temporal


@dataclass(frozen=True)
class Eventually:
    arg: Temporal


@dataclass(frozen=True)
class LeadsTo:
    lhs: Temporal
    rhs: Temporal


@dataclass(frozen=True)
class TNot:
    arg: Temporal


@dataclass(frozen=True)
class TAnd:
    args: tuple[Temporal, ...]


@dataclass(frozen=True)
class TOr:
    args: tuple[Temporal, ...]


@dataclass(frozen=True)
class TState:
    """A state predicate inside a temporal formula."""

    expr: Expr


Temporal = Always | Eventually | LeadsTo | TNot | TAnd | TOr | TState
# "infinitely often P" is Always(Eventually(TState(P))).  A `forall` over a
# finite domain at the top of a property is expanded by the checker into TAnd.

# ---------------------------------------------------------------------------
# The system


VarRole = Literal["global", "local", "pc", "sleep", "retries"]


@dataclass(frozen=True)
class StateVar:
    """A state variable.  Process locals, program counters, sleep flags and
    retry counters of a family with ids are maps from the id type (`owner`
    names the family); of a singleton process they are plain values."""

    name: str
    type: Type
    init: tuple[Value, ...]  # the allowed initial values (usually one)
    role: VarRole = "global"
    owner: str | None = None
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class Binder:
    name: str
    type: Type


@dataclass(frozen=True)
class Update:
    var: str
    value: Expr  # the variable's whole new value, over the pre-state


@dataclass(frozen=True)
class Action:
    """One atomic step.  `name` is unique in the system and a valid identifier.
    `label` is the DSL label it came from ("<wake>" for the end of a sleep)."""

    name: str
    process: str
    label: str
    params: tuple[Binder, ...]  # params[0] is `self` when the process has ids
    guard: Expr
    updates: tuple[Update, ...]
    span: Span = field(default=NO_SPAN, compare=False)


Fairness = Literal["none", "weak", "strong"]


@dataclass(frozen=True)
class Process:
    """A process family (`id_type` set) or a singleton process.

    `runnable` (an expression over `self` for a family) is derived by the
    checker: the process is awake, not finished, and one of its steps is
    enabled; a process blocked in `await`/`lock` or asleep is not runnable.
    Environment processes run on other CPUs, may stop at any time and never
    count as unfinished for deadlock."""

    name: str
    id_name: str | None
    id_type: Type | None
    environment: bool
    fairness: Fairness
    pc_var: str
    labels: tuple[str, ...]  # in source order; the pc type also has "done"
    runnable: Expr
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class StepConstraint:
    """In a model, steps of `process` (instance `instance`, or every instance
    when None) may only happen when `allowed` holds (an expression that may
    use `self`)."""

    process: str
    instance: Value | None
    allowed: Expr


@dataclass(frozen=True)
class FairnessRule:
    process: str
    instance: Value | None  # None: every instance of the family
    kind: Fairness


@dataclass(frozen=True)
class Model:
    """A way of running the system: the base model "fair" (every process with
    its declared fairness, no constraints) or a named scheduling assumption."""

    name: str
    constraints: tuple[StepConstraint, ...]
    fairness: tuple[FairnessRule, ...]
    description: str = ""
    span: Span = field(default=NO_SPAN, compare=False)


PropertyKind = Literal["invariant", "temporal", "deadlock", "witness"]
# The kinds decided by the reachable states of the base model (a temporal property is
# decided by behaviours, under its own model).
SAFETY_KINDS: tuple[PropertyKind, ...] = ("invariant", "witness", "deadlock")


@dataclass(frozen=True)
class Property:
    """An invariant (`expr`), a temporal property (`formula`, under `model`),
    a witness (`expr` must be reachable) or deadlock freedom (`expr` describes
    the intended terminal states)."""

    name: str
    kind: PropertyKind
    expr: Expr | None = None
    formula: Temporal | None = None
    model: str = "fair"
    span: Span = field(default=NO_SPAN, compare=False)


Verdict = Literal["holds", "violated"]


@dataclass(frozen=True)
class System:
    name: str
    file: str
    params: tuple[tuple[str, int], ...]
    variables: tuple[StateVar, ...]
    processes: tuple[Process, ...]
    actions: tuple[Action, ...]
    models: tuple[Model, ...]
    properties: tuple[Property, ...]
    expectations: tuple[tuple[str, Verdict], ...]

    def var(self, name: str) -> StateVar:
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(name)

    def process(self, name: str) -> Process:
        for p in self.processes:
            if p.name == name:
                return p
        raise KeyError(name)

    def model(self, name: str) -> Model:
        for m in self.models:
            if m.name == name:
                return m
        raise KeyError(name)

    def property(self, name: str) -> Property:
        for p in self.properties:
            if p.name == name:
                return p
        raise KeyError(name)

    def expected(self, prop: str) -> Verdict | None:
        return dict(self.expectations).get(prop)

    def action(self, name: str) -> Action:
        for a in self.actions:
            if a.name == name:
                return a
        raise KeyError(name)
