"""IR types, values and expressions printed as TLA+ text.

Value representation (the output parser inverts it, see `output.py`):
booleans and integers are themselves; a tagged type whose variants carry no
payload (enumerations, program counters) is a set of strings (`"read"`); a
tagged type with payloads is a set of records `[tag |-> "Swap", val |-> 0]`
(payload-less variants of it are `[tag |-> "None"]`), built by constructor
operators (`Swap(0)`, `None`) so that the module stays readable; records are
records (fields renamed only where they clash with keywords); maps are
functions; sets are sets.  TLC compares records with different fields
without complaint, so equality and sets of such values work.

Tagged values are represented per type, so `IsTag` needs the type of its
argument: `type_of` infers it from the IR (which is typed throughout).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from specdsl.ir import (
    BOOL,
    Binary,
    BoolType,
    Except,
    Expr,
    Field,
    Index,
    InDomain,
    IntType,
    IsTag,
    Ite,
    Lit,
    MakeRecord,
    MakeTag,
    MapComp,
    MapType,
    MapVal,
    Param,
    Payload,
    Quant,
    Rec,
    RecordType,
    SetComp,
    SetLit,
    SetType,
    Tag,
    TaggedType,
    Type,
    Unary,
    Value,
    Var,
    WithField,
)
from specdsl.irwalk import walk
from specdsl.tla.names import Namer, identifier
from specdsl.values import domain, domain_size

ATOM = 100  # literals, names, applications, brackets
POSTFIX = 16  # f[x], r.f
BOUND_LIMIT = 256  # sets up to this size are printed in domain order, larger ones by text

# op: (TLA+ symbol, precedence, associative)
BINARY: dict[str, tuple[str, int, bool]] = {
    "implies": ("=>", 1, False),
    "or": ("\\/", 3, True),
    "and": ("/\\", 3, True),
    "eq": ("=", 5, False),
    "ne": ("#", 5, False),
    "lt": ("<", 5, False),
    "le": ("<=", 5, False),
    "gt": (">", 5, False),
    "ge": (">=", 5, False),
    "in": ("\\in", 5, False),
    "union": ("\\cup", 8, True),
    "inter": ("\\cap", 8, True),
    "diff": ("\\", 8, False),
    "add": ("+", 10, True),
    "sub": ("-", 10, False),
    "mod": ("%", 10, False),
    "mul": ("*", 13, True),
    "div": ("\\div", 13, False),
}


def has_payloads(t: TaggedType) -> bool:
    return any(v.payload is not None for v in t.variants)


def component_types(t: Type) -> Iterator[Type]:
    """The types `t` is built from, innermost first, then `t` itself."""
    if isinstance(t, TaggedType):
        for v in t.variants:
            if v.payload is not None:
                yield from component_types(v.payload)
    elif isinstance(t, RecordType):
        for _, ft in t.fields:
            yield from component_types(ft)
    elif isinstance(t, MapType):
        yield from component_types(t.key)
        yield from component_types(t.value)
    elif isinstance(t, SetType):
        yield from component_types(t.elem)
    yield t


def expr_types(e: Expr) -> Iterator[Type]:
    """Every type an expression mentions (literals, constructors, binders)."""
    for node in walk(e):
        if isinstance(node, (Lit, MakeTag | MakeRecord)):
            yield node.type
        elif isinstance(node, MapComp):
            yield node.key_type
        elif isinstance(node, SetLit):
            yield node.elem_type
        elif isinstance(node, SetComp | Quant):
            yield node.domain
        elif isinstance(node, InDomain):
            yield node.type


@dataclass
class Features:
    """Which standard modules the printed text needs."""

    integers: bool = False  # negative numbers
    finite_sets: bool = False  # Cardinality
    tlc: bool = False  # :> and @@


@dataclass(frozen=True)
class Scope:
    """Bound names in scope: IR name -> (TLA+ name, type)."""

    bound: Mapping[str, tuple[str, Type]] = field(default_factory=dict)

    def used(self) -> set[str]:
        return {tla for tla, _ in self.bound.values()}


class Printer:
    """Prints IR expressions over the module's global names.

    `globals_` are the names every bound name must avoid (TLA+ forbids a bound
    identifier that redefines a defined symbol or an enclosing bound one)."""

    def __init__(
        self,
        variables: Mapping[str, tuple[str, Type]],
        type_names: Mapping[Type, str],
        constructors: Mapping[tuple[TaggedType, str], str],
        fields: Mapping[tuple[RecordType, str], str],
        globals_: Namer,
    ) -> None:
        self.variables = variables
        self.type_names = type_names
        self.constructors = constructors
        self.fields = fields
        self.globals = globals_
        self.features = Features()

    # -- bound names ---------------------------------------------------------

    def bind(self, scope: Scope, name: str, t: Type) -> tuple[str, Scope]:
        used = scope.used()
        base = identifier(name)
        candidate, n = base, 0
        while candidate in self.globals or candidate in used:
            n += 1
            candidate = f"{base}_{n}"
        return candidate, Scope({**scope.bound, name: (candidate, t)})

    # -- types ---------------------------------------------------------------

    def type_set(self, t: Type) -> str:
        return self._type_set(t)[0]

    def _type_set(self, t: Type) -> tuple[str, int]:
        if isinstance(t, BoolType):
            return "BOOLEAN", ATOM
        if isinstance(t, IntType):
            if t.lo < 0:
                self.features.integers = True
            return f"{t.lo}..{t.hi}", 9
        if isinstance(t, TaggedType | RecordType):
            return self.type_names[t], ATOM
        if isinstance(t, MapType):
            return f"[{self.type_set(t.key)} -> {self.type_set(t.value)}]", ATOM
        if isinstance(t, SetType):
            # parenthesised: TLC reads `SUBSET 0..1` as `(SUBSET 0)..1`
            return f"SUBSET {self._wrap(self._type_set(t.elem), ATOM)}", 8
        raise TypeError(t)

    def type_definition(self, t: TaggedType | RecordType) -> str:
        """The right-hand side of the named set of a tagged or record type."""
        if isinstance(t, RecordType):
            return "[" + ", ".join(f"{self.fields[t, n]} : {self.type_set(ft)}" for n, ft in t.fields) + "]"
        if not has_payloads(t):
            return "{" + ", ".join(f'"{v.tag}"' for v in t.variants) + "}"
        parts = []
        for v in t.variants:
            ctor = self.constructors[t, v.tag]
            if v.payload is None:
                parts.append("{" + ctor + "}")
            else:
                x, _ = self.bind(Scope(), "x", v.payload)
                parts.append(f"{{{ctor}({x}) : {x} \\in {self.type_set(v.payload)}}}")
        return " \\cup ".join(parts)

    # -- values --------------------------------------------------------------

    def value(self, v: Value, t: Type) -> str:
        return self._value(v, t)[0]

    def _value(self, v: Value, t: Type) -> tuple[str, int]:  # noqa: C901 - one case per type
        if isinstance(t, BoolType):
            return ("TRUE" if v else "FALSE"), ATOM
        if isinstance(t, IntType):
            assert isinstance(v, int)
            if v < 0:
                self.features.integers = True
                return str(v), 12
            return str(v), ATOM
        if isinstance(t, TaggedType):
            assert isinstance(v, Tag)
            if not has_payloads(t):
                return f'"{v.tag}"', ATOM
            ctor = self.constructors[t, v.tag]
            payload_type = t.variant(v.tag).payload
            if payload_type is None:
                return ctor, ATOM
            return f"{ctor}({self.value(v.payload, payload_type)})", ATOM  # type: ignore[arg-type]
        if isinstance(t, RecordType):
            assert isinstance(v, Rec)
            items = ", ".join(f"{self.fields[t, n]} |-> {self.value(v.get(n), ft)}" for n, ft in t.fields)
            return f"[{items}]", ATOM
        if isinstance(t, MapType):
            assert isinstance(v, MapVal)
            values = {x for _, x in v.items}
            if len(values) == 1 or not v.items:
                k, _ = self.bind(Scope(), "k", t.key)
                body = self.value(v.items[0][1], t.value) if v.items else "0"
                return f"[{k} \\in {self.type_set(t.key)} |-> {body}]", ATOM
            self.features.tlc = True
            pairs = " @@ ".join(
                f"{self._wrap(self._value(k, t.key), 11)} :> {self._wrap(self._value(x, t.value), 11)}"
                for k, x in v.items
            )
            return f"({pairs})", ATOM
        if isinstance(t, SetType):
            assert isinstance(v, frozenset)
            if domain_size(t.elem) <= BOUND_LIMIT:
                elems = [self.value(x, t.elem) for x in domain(t.elem) if x in v]
            else:
                elems = sorted(self.value(x, t.elem) for x in v)
            return "{" + ", ".join(elems) + "}", ATOM
        raise TypeError(t)

    # -- expressions ---------------------------------------------------------

    def expr(self, e: Expr, scope: Scope) -> str:
        """`e` as a self-contained TLA+ expression (no outer parentheses)."""
        return self._expr(e, scope)[0]

    def rhs(self, e: Expr, scope: Scope) -> str:
        """`e` as the right-hand side of `x' = e`: an infix operand of `=` is
        parenthesised (`flag' = (pte.tag = "Swap")`, `b' = (x /\\ y)`); IF and
        quantifiers (precedence 0) extend to the end of their conjunct anyway."""
        text, prec = self._expr(e, scope)
        return f"({text})" if 0 < prec <= 5 else text

    def operand(self, e: Expr, scope: Scope, min_prec: int) -> str:
        return self._wrap(self._expr(e, scope), min_prec)

    def conjuncts(self, e: Expr) -> list[Expr]:
        return self._flatten(e, "and")

    def _flatten(self, e: Expr, op: str) -> list[Expr]:
        if isinstance(e, Binary) and e.op == op:
            return self._flatten(e.lhs, op) + self._flatten(e.rhs, op)
        return [e]

    @staticmethod
    def _wrap(printed: tuple[str, int], min_prec: int) -> str:
        text, prec = printed
        return text if prec >= min_prec else f"({text})"

    def _expr(self, e: Expr, scope: Scope) -> tuple[str, int]:  # noqa: C901 - one case per node
        if isinstance(e, Lit):
            return self._value(e.value, e.type)
        if isinstance(e, Var):
            return self.variables[e.name][0], ATOM
        if isinstance(e, Param):
            return scope.bound[e.name][0], ATOM
        if isinstance(e, Unary):
            symbol = "~" if e.op == "not" else "-"
            return symbol + self.operand(e.arg, scope, POSTFIX), 12 if e.op == "neg" else 4
        if isinstance(e, Binary):
            return self._binary(e, scope)
        if isinstance(e, Ite):
            c, a, b = (self.expr(x, scope) for x in (e.cond, e.then, e.orelse))
            return f"IF {c} THEN {a} ELSE {b}", 0
        if isinstance(e, Index):
            return f"{self.operand(e.map, scope, POSTFIX)}[{self.expr(e.key, scope)}]", POSTFIX
        if isinstance(e, Field):
            rt = self.type_of(e.record, scope)
            assert isinstance(rt, RecordType)
            return f"{self.operand(e.record, scope, POSTFIX)}.{self.fields[rt, e.name]}", POSTFIX
        if isinstance(e, IsTag):
            tt = self.type_of(e.arg, scope)
            assert isinstance(tt, TaggedType)
            if has_payloads(tt):
                return f'{self.operand(e.arg, scope, POSTFIX)}.tag = "{e.tag}"', 5
            return f'{self.operand(e.arg, scope, 6)} = "{e.tag}"', 5
        if isinstance(e, Payload):
            return f"{self.operand(e.arg, scope, POSTFIX)}.val", POSTFIX
        if isinstance(e, MakeTag):
            if not has_payloads(e.type):
                return f'"{e.tag}"', ATOM
            ctor = self.constructors[e.type, e.tag]
            return (ctor if e.payload is None else f"{ctor}({self.expr(e.payload, scope)})"), ATOM
        if isinstance(e, MakeRecord):
            items = ", ".join(f"{self.fields[e.type, n]} |-> {self.expr(x, scope)}" for n, x in e.fields)
            return f"[{items}]", ATOM
        if isinstance(e, MapComp):
            x, inner = self.bind(scope, e.var, e.key_type)
            return f"[{x} \\in {self.type_set(e.key_type)} |-> {self.expr(e.body, inner)}]", ATOM
        if isinstance(e, Except):
            return self._except(e, scope), ATOM
        if isinstance(e, WithField):
            rt = self.type_of(e.record, scope)
            assert isinstance(rt, RecordType)
            base = self.expr(e.record, scope)
            return f"[{base} EXCEPT !.{self.fields[rt, e.name]} = {self.expr(e.value, scope)}]", ATOM
        if isinstance(e, SetLit):
            return "{" + ", ".join(self.expr(x, scope) for x in e.elems) + "}", ATOM
        if isinstance(e, SetComp):
            x, inner = self.bind(scope, e.var, e.domain)
            return f"{{{x} \\in {self.type_set(e.domain)} : {self.expr(e.cond, inner)}}}", ATOM
        if isinstance(e, Quant):
            x, inner = self.bind(scope, e.var, e.domain)
            dom, body = self.type_set(e.domain), self.expr(e.body, inner)
            if e.kind == "count":
                self.features.finite_sets = True
                return f"Cardinality({{{x} \\in {dom} : {body}}})", ATOM
            quant = "\\A" if e.kind == "forall" else "\\E"
            return f"{quant} {x} \\in {dom} : {body}", 0
        if isinstance(e, InDomain):
            return f"{self.operand(e.arg, scope, 6)} \\in {self._wrap(self._type_set(e.type), 6)}", 5
        raise TypeError(f"unknown expression node {type(e).__name__}")

    def _binary(self, e: Binary, scope: Scope) -> tuple[str, int]:
        symbol, prec, assoc = BINARY[e.op]
        operands = self._flatten(e, e.op) if assoc else [e.lhs, e.rhs]
        if e.op == "sub" and isinstance(e.lhs, Binary) and e.lhs.op == "sub":
            left = self._binary(e.lhs, scope)[0]  # a - b - c
            return f"{left} - {self.operand(e.rhs, scope, prec + 1)}", prec
        return f" {symbol} ".join(self.operand(x, scope, prec + 1) for x in operands), prec

    def _except(self, e: Except, scope: Scope) -> str:
        """`[m EXCEPT ![k1] = v1, ![k2] = v2]` for nested updates of one map."""
        clauses: list[tuple[Expr, Expr]] = []
        base: Expr = e
        while isinstance(base, Except):
            clauses.append((base.key, base.value))
            base = base.map
        parts = ", ".join(f"![{self.expr(k, scope)}] = {self.expr(v, scope)}" for k, v in reversed(clauses))
        return f"[{self.expr(base, scope)} EXCEPT {parts}]"

    # -- types of expressions ------------------------------------------------

    def type_of(self, e: Expr, scope: Scope) -> Type:  # noqa: C901 - one case per node
        """The IR type of `e` where it matters for printing (tagged and record
        values); arithmetic gets a placeholder integer type."""
        if isinstance(e, Lit):
            return e.type
        if isinstance(e, Var):
            return self.variables[e.name][1]
        if isinstance(e, Param):
            return scope.bound[e.name][1]
        if isinstance(e, Index):
            mt = self.type_of(e.map, scope)
            assert isinstance(mt, MapType)
            return mt.value
        if isinstance(e, Field):
            rt = self.type_of(e.record, scope)
            assert isinstance(rt, RecordType)
            return rt.field_type(e.name)
        if isinstance(e, Payload):
            tt = self.type_of(e.arg, scope)
            assert isinstance(tt, TaggedType)
            payload = tt.variant(e.tag).payload
            assert payload is not None
            return payload
        if isinstance(e, MakeTag | MakeRecord):
            return e.type
        if isinstance(e, Ite):
            return self.type_of(e.then, scope)
        if isinstance(e, Except):
            return self.type_of(e.map, scope)
        if isinstance(e, WithField):
            return self.type_of(e.record, scope)
        if isinstance(e, MapComp):
            _, inner = self.bind(scope, e.var, e.key_type)
            return MapType(e.key_type, self.type_of(e.body, inner))
        if isinstance(e, SetLit):
            return SetType(e.elem_type)
        if isinstance(e, SetComp):
            return SetType(e.domain)
        if isinstance(e, Binary) and e.op in ("union", "inter", "diff"):
            return self.type_of(e.lhs, scope)
        if isinstance(e, Binary) and e.op in ("add", "sub", "mul", "div", "mod"):
            return IntType(0, 0)
        if isinstance(e, Unary) and e.op == "neg" or isinstance(e, Quant) and e.kind == "count":
            return IntType(0, 0)
        return BOOL
