"""The syntax tree of a `.sw` file, as written (before name resolution).

Nodes are frozen dataclasses; `span` never takes part in equality, so two
trees that differ only in layout compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from specdsl.ir import Span

# ---------------------------------------------------------------------------
# Expressions


@dataclass(frozen=True)
class Name:
    ident: str
    span: Span = field(compare=False)


@dataclass(frozen=True)
class IntLit:
    value: int
    span: Span = field(compare=False)


@dataclass(frozen=True)
class BoolLit:
    value: bool
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Unary:
    """`not`, `neg` (`-e`), `card` (`#s`), `always`, `eventually`."""

    op: str
    arg: Expr
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Binary:
    """Operators use the IR's names (`and`, `eq`, `add`, `in`, ...) plus
    `leadsto` (`~>`) and `range` (`a..b`)."""

    op: str
    lhs: Expr
    rhs: Expr
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Is:
    """`e is Tag`, or `e is Tag(x)`, which binds `x` to the payload where the test holds."""

    arg: Expr
    tag: str
    bind: str | None
    span: Span = field(compare=False)


@dataclass(frozen=True)
class At:
    """`proc[i] at label` / `proc at label`."""

    proc: Expr
    label: str
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Index:
    base: Expr
    key: Expr
    span: Span = field(compare=False)


@dataclass(frozen=True)
class FieldOf:
    base: Expr
    name: str
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Call:
    """`f(args)`: a definition, a tag constructor or a built-in (min, max)."""

    func: str
    args: tuple[Expr, ...]
    span: Span = field(compare=False)


@dataclass(frozen=True)
class IfExpr:
    cond: Expr
    then: Expr
    orelse: Expr
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Quantifier:
    kind: str  # forall | exists
    var: str
    domain: Expr
    body: Expr
    span: Span = field(compare=False)


@dataclass(frozen=True)
class MapComp:
    var: str
    domain: Expr
    body: Expr
    span: Span = field(compare=False)


@dataclass(frozen=True)
class SetLit:
    elems: tuple[Expr, ...]
    span: Span = field(compare=False)


@dataclass(frozen=True)
class SetComp:
    var: str
    domain: Expr
    cond: Expr
    span: Span = field(compare=False)


@dataclass(frozen=True)
class RecordLit:
    fields: tuple[tuple[str, Expr], ...]
    span: Span = field(compare=False)


# Types written in expression position (binder domains may be types).


@dataclass(frozen=True)
class MapTypeExpr:
    key: Expr
    value: Expr
    span: Span = field(compare=False)


@dataclass(frozen=True)
class SetTypeExpr:
    elem: Expr
    span: Span = field(compare=False)


Expr = (
    Name
    | IntLit
    | BoolLit
    | Unary
    | Binary
    | Is
    | At
    | Index
    | FieldOf
    | Call
    | IfExpr
    | Quantifier
    | MapComp
    | SetLit
    | SetComp
    | RecordLit
    | MapTypeExpr
    | SetTypeExpr
)

# A type is written as an expression: `bool`, `Slot` (Name), `0..N` (Binary
# "range"), `[K] -> V` (MapTypeExpr), `set of T` (SetTypeExpr).
TypeExpr = Expr

# ---------------------------------------------------------------------------
# Statements


@dataclass(frozen=True)
class Assign:
    target: Expr
    value: Expr
    span: Span = field(compare=False)


@dataclass(frozen=True)
class If:
    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Await:
    cond: Expr
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Lock:
    target: Expr
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Unlock:
    target: Expr
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Either:
    branches: tuple[tuple[Stmt, ...], ...]
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Pick:
    var: str
    domain: Expr
    where: Expr | None
    span: Span = field(compare=False)


@dataclass(frozen=True)
class For:
    var: str
    domain: Expr
    body: tuple[Stmt, ...]
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Jump:
    """A statement that ends the step: `goto L` (target L), `return`, `retry`,
    `sleep`, `yield`."""

    kind: str
    target: str | None
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Skip:
    span: Span = field(compare=False)


Stmt = Assign | If | Await | Lock | Unlock | Either | Pick | For | Jump | Skip

# ---------------------------------------------------------------------------
# Declarations


@dataclass(frozen=True)
class Import:
    path: str
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Const:
    name: str
    value: Expr
    span: Span = field(compare=False)


@dataclass(frozen=True)
class VariantDecl:
    tag: str
    payload: TypeExpr | None
    span: Span = field(compare=False)


@dataclass(frozen=True)
class RecordDecl:
    fields: tuple[tuple[str, TypeExpr], ...]
    span: Span = field(compare=False)


@dataclass(frozen=True)
class TypeDecl:
    """`body` is a type (an alias), the variants of a tagged type, or a record.
    A lone bare name (`type T = X`) is kept as a type expression: the checker
    decides whether it names a type (alias) or is a one-variant enumeration."""

    name: str
    body: TypeExpr | tuple[VariantDecl, ...] | RecordDecl
    span: Span = field(compare=False)


@dataclass(frozen=True)
class VarDecl:
    name: str
    type: TypeExpr
    init: Expr | None
    init_is_choice: bool  # `var x: T in S`
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Def:
    name: str
    params: tuple[tuple[str, TypeExpr], ...]
    body: Expr
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Step:
    label: str
    body: tuple[Stmt, ...]
    span: Span = field(compare=False)


@dataclass(frozen=True)
class ProcessDecl:
    name: str
    environment: bool
    id_name: str | None
    id_domain: TypeExpr | None
    fairness: str
    starts_asleep: bool
    faults: Expr | None  # `faults N`: count the accesses' faults, saturating at N
    locals: tuple[VarDecl, ...]
    steps: tuple[Step, ...]
    span: Span = field(compare=False)


@dataclass(frozen=True)
class ProcRef:
    name: str
    index: Expr | None
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Preempt:
    high: ProcRef
    low: ProcRef
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Assume:
    name: str
    preempts: tuple[Preempt, ...]
    span: Span = field(compare=False)


@dataclass(frozen=True)
class PropertyDecl:
    """`invariant`, `property` (temporal, optionally `under` a model) or `reach` (witness)."""

    kind: str  # invariant | temporal | witness
    name: str
    expr: Expr
    under: str | None
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Terminal:
    expr: Expr
    span: Span = field(compare=False)


@dataclass(frozen=True)
class Expect:
    name: str
    verdict: str  # holds | violated
    span: Span = field(compare=False)


Decl = Import | Const | TypeDecl | VarDecl | Def | ProcessDecl | Assume | PropertyDecl | Terminal | Expect


@dataclass(frozen=True)
class Module:
    file: str
    decls: tuple[Decl, ...]
    span: Span = field(compare=False)
