"""Expressions: name resolution, type checking and lowering to IR, in one pass.

`lower(e, scope)` returns the IR expression and its type.  The scope says which
names are bound and what each state variable currently holds (`view`): inside a
step that is the value after the statements so far (symbolic execution), so a
later statement sees earlier assignments; elsewhere it is the variable itself.
Constants are folded, definitions inlined, and a binder whose name is already
in use is renamed, so inlining and substitution can never capture a name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from specdsl.ir import (
    BOOL,
    Expr,
    InDomain,
    IntType,
    Lit,
    MapComp,
    MapType,
    Param,
    Quant,
    RecordType,
    SetComp,
    SetLit,
    SetType,
    TaggedType,
    Type,
    Var,
)
from specdsl.lang import ast
from specdsl.lang import simplify as s
from specdsl.lang.errors import Diagnostic
from specdsl.lang.limits import LimitExceeded
from specdsl.lang.symbols import CheckError, Globals, ProcInfo, did_you_mean
from specdsl.lang.types import (
    INT_RANGE,
    arith_range,
    compatible,
    describe,
    join,
    kind,
    within_int_range,
)
from specdsl.values import capped_size

Typed = tuple[Expr, Type]


@dataclass(frozen=True)
class Bound:
    expr: Expr
    type: Type


@dataclass(frozen=True)
class Scope:
    globals: Globals
    proc: ProcInfo | None = None
    bound: Mapping[str, Bound] = field(default_factory=dict)
    view: Callable[[str], Expr] | None = None  # None: no state may be read (a constant context)
    used: frozenset[str] = frozenset()  # parameter names in use (never reused by a binder)
    expanding: tuple[str, ...] = ()  # definitions being inlined (recursion check)
    context: str = "an expression"

    def bind(self, name: str, expr: Expr, t: Type) -> Scope:
        return replace(self, bound={**self.bound, name: Bound(expr, t)})

    def use(self, name: str) -> Scope:
        return replace(self, used=self.used | {name})

    def fresh(self, name: str) -> str:
        if name not in self.used:
            return name
        i = 1
        while f"{name}_{i}" in self.used:
            i += 1
        return f"{name}_{i}"

    def read(self, var: str, span: ast.Span) -> Expr:
        if self.view is None:
            raise CheckError(span, f"`{var}` is a variable: {self.context} cannot read state")
        return self.view(var)


def state_view(values: Mapping[str, Expr]) -> Callable[[str], Expr]:
    return lambda name: values.get(name, Var(name))


PRE_STATE = state_view({})

# ---------------------------------------------------------------------------
# Entry points


def lower(e: ast.Expr, scope: Scope, expected: Type | None = None) -> Typed:
    handler = _HANDLERS.get(type(e))
    if handler is None:
        raise CheckError(e.span, "a type is not a value here")
    x, t = handler(e, scope, expected)
    excess = scope.globals.extent.excess(x)
    if excess is not None:
        raise LimitExceeded(
            Diagnostic(
                e.span,
                f"this expression is too large once lowered: {excess}",
                "definitions are inlined where they are used, and each statement of a step sees the values"
                " the earlier ones computed: use a local, or split the step with a label",
            )
        )
    return x, t


def lower_as(e: ast.Expr, scope: Scope, want: Type, what: str) -> Expr:
    """Lower `e` and check that its type is compatible with `want`."""
    x, t = lower(e, scope, want)
    if not compatible(t, want):
        raise CheckError(e.span, f"{what} must be {kind(want)}, but this is {kind(t)}")
    return x


def lower_bool(e: ast.Expr, scope: Scope, what: str = "a condition") -> Expr:
    return lower_as(e, scope, BOOL, what)


def const_int(e: ast.Expr, globals: Globals) -> int:
    """The value of a constant integer expression (type bounds, `const`, `faults`)."""
    x, _ = lower(e, Scope(globals, context="a constant expression"))
    if not (isinstance(x, Lit) and isinstance(x.value, int) and not isinstance(x.value, bool)):
        raise CheckError(e.span, "expected a constant integer")
    return x.value


def binder_domain(e: ast.Expr, scope: Scope) -> tuple[Type, Expr | None]:
    """A binder's domain: a type (no set) or a set expression (its element type, the set)."""
    if (
        isinstance(e, ast.Name)
        and e.ident not in scope.bound
        and (e.ident in scope.globals.types or e.ident == "bool")
    ):
        return scope.globals.named_type(e.ident, e.span), None
    if isinstance(e, ast.MapTypeExpr | ast.SetTypeExpr) or (isinstance(e, ast.Binary) and e.op == "range"):
        return scope.globals.resolve_type(e), None
    x, t = lower(e, scope)
    if not isinstance(t, SetType):
        raise CheckError(e.span, f"expected a type or a set to range over, but this is {kind(t)}")
    return t.elem, x


def cond_bindings(cond: ast.Expr, scope: Scope) -> Scope:
    """The scope extended with the payloads bound by `e is Tag(x)` in the
    top-level conjuncts of `cond` (they hold wherever `cond` does)."""
    if isinstance(cond, ast.Binary) and cond.op == "and":
        return cond_bindings(cond.rhs, cond_bindings(cond.lhs, scope))
    if isinstance(cond, ast.Is) and cond.bind is not None:
        arg, t = lower(cond.arg, scope)
        variant = _variant_of(t, cond.tag, cond.span)
        if variant.payload is None:
            raise CheckError(cond.span, f"variant `{cond.tag}` has no payload to bind")
        return scope.bind(cond.bind, s.payload(arg, cond.tag, variant.payload), variant.payload)
    return scope


# ---------------------------------------------------------------------------
# Names


def _name(e: ast.Name, scope: Scope, expected: Type | None) -> Typed:
    n = e.ident
    if n in scope.bound:
        b = scope.bound[n]
        return b.expr, b.type
    proc = scope.proc
    if n == "self" or (proc is not None and n == proc.decl.id_name):
        if proc is None or proc.id_type is None:
            where = "a singleton process" if proc is not None else "outside a process"
            raise CheckError(e.span, f"`{n}` has no meaning in {where}: only a process family has ids")
        return Param("self"), proc.id_type
    if proc is not None and n in proc.locals:
        return _local(proc, n, Param("self") if proc.family else None, scope, e.span)
    g = scope.globals
    decl = g.values.get(n)
    if isinstance(decl, ast.Const):
        return s.lit_int(g.const_value(n)), IntType(g.const_value(n), g.const_value(n))
    if isinstance(decl, ast.VarDecl):
        return scope.read(n, e.span), g.var_type(n)
    if isinstance(decl, ast.Def):
        return _inline(decl, (), scope, e.span)
    if isinstance(decl, ast.ProcessDecl):
        raise CheckError(e.span, f"`{n}` is a process: write `{n}[i] at label` or `{n}[i].local`")
    if n in g.tags:
        t, variant = _tag(n, e.span, scope, expected)
        if variant.payload is not None:
            raise CheckError(e.span, f"variant `{n}` carries a value: write `{n}(...)`")
        return s.make_tag(t, n, None), t
    if n in g.types or n == "bool":
        raise CheckError(e.span, f"`{n}` is a type, not a value")
    raise CheckError(e.span, f"unknown name `{n}`{did_you_mean(n, _visible(scope))}")


def _visible(scope: Scope) -> list[str]:
    names = [*scope.bound, *scope.globals.values, *scope.globals.tags]
    if scope.proc is not None:
        names += [*scope.proc.locals, "self"]
    return names


def _local(proc: ProcInfo, n: str, instance: Expr | None, scope: Scope, span: ast.Span) -> Typed:
    var, t = proc.locals[n]
    cur = scope.read(var, span)
    return (cur if instance is None else s.index(cur, instance, t)), t


def _tag(n: str, span: ast.Span, scope: Scope, expected: Type | None):
    owners = scope.globals.tags[n]
    if len(owners) == 1:
        return owners[0]
    for t, v in owners:
        if t == expected:
            return t, v
    types = ", ".join(f"`{t.name}`" for t, _ in owners)
    raise CheckError(span, f"`{n}` is a variant of several types ({types}); the context does not say which")


def _variant_of(t: Type, tag: str, span: ast.Span):
    if not isinstance(t, TaggedType):
        raise CheckError(span, f"`is` needs a tagged value, but this is {kind(t)}")
    try:
        return t.variant(tag)
    except KeyError:
        tags = [v.tag for v in t.variants]
        raise CheckError(span, f"`{tag}` is not a variant of `{t.name}`{did_you_mean(tag, tags)}") from None


def proc_ref(e: ast.Expr, scope: Scope) -> tuple[ProcInfo, Expr | None] | None:
    """`fault[i]` or `reclaim` when they name a process instance, else None."""
    base, key = (e.base, e.key) if isinstance(e, ast.Index) else (e, None)
    if not isinstance(base, ast.Name) or base.ident in scope.bound:
        return None
    info = scope.globals.procs.get(base.ident)
    if info is None:
        return None
    if key is None:
        if info.family:
            raise CheckError(e.span, f"`{info.name}` is a process family: name an instance, `{info.name}[i]`")
        return info, None
    if not info.family:
        raise CheckError(e.span, f"`{info.name}` is a single process: it has no instances to index")
    assert info.id_type is not None
    return info, lower_as(key, scope, info.id_type, "a process id")


# ---------------------------------------------------------------------------
# Operators


def _unary(e: ast.Unary, scope: Scope, expected: Type | None) -> Typed:
    if e.op in ("always", "eventually"):
        raise CheckError(e.span, f"temporal operator `{e.op}` is not allowed in {scope.context}")
    if e.op == "not":
        return s.unary("not", lower_bool(e.arg, scope, "the operand of `not`")), BOOL
    if e.op == "neg":
        x, t = _int(e.arg, scope, "the operand of `-`")
        return s.unary("neg", x), _int_result(IntType(-t.hi, -t.lo), e)
    x, t = lower(e.arg, scope)  # card
    if not isinstance(t, SetType):
        raise CheckError(e.arg.span, f"`#` needs a set, but this is {kind(t)}")
    if isinstance(x, Lit):
        return s.lit_int(len(x.value)), IntType(len(x.value), len(x.value))  # type: ignore[arg-type]
    if isinstance(x, SetComp):
        return Quant("count", x.var, x.domain, x.cond), IntType(0, capped_size(t.elem))
    v = scope.fresh("elem")
    return Quant("count", v, t.elem, s.binary("in", Param(v), x)), IntType(0, capped_size(t.elem))


def _int(e: ast.Expr, scope: Scope, what: str) -> tuple[Expr, IntType]:
    x, t = lower(e, scope)
    if not isinstance(t, IntType):
        raise CheckError(e.span, f"{what} must be a number, but this is {kind(t)}")
    return x, t


_ARITH = ("add", "sub", "mul", "div", "mod")
_ORDER = ("lt", "le", "gt", "ge")
_SYMBOL = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "div": "/",
    "mod": "%",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
}


def _binary(e: ast.Binary, scope: Scope, expected: Type | None) -> Typed:
    op = e.op
    if op == "leadsto":
        raise CheckError(e.span, f"temporal operator `~>` is not allowed in {scope.context}")
    if op == "range":
        raise CheckError(e.span, "a range is a type: use it as a domain (`x in a..b`) or in a declaration")
    if op in ("and", "or", "implies"):
        lhs = lower_bool(e.lhs, scope, f"the left operand of `{_word(op)}`")
        inner = cond_bindings(e.lhs, scope) if op in ("and", "implies") else scope
        rhs = lower_bool(e.rhs, inner, f"the right operand of `{_word(op)}`")
        return s.binary(op, lhs, rhs), BOOL
    if op in _ARITH or op in _ORDER:
        a, ta = _int(e.lhs, scope, f"the left operand of `{_SYMBOL[op]}`")
        b, tb = _int(e.rhs, scope, f"the right operand of `{_SYMBOL[op]}`")
        if op in _ORDER:
            return s.binary(op, a, b), BOOL
        if op in ("div", "mod"):
            _check_divisor(op, tb, e.rhs.span)
        t = _int_result(arith_range(op, ta, tb), e)
        return s.binary(op, a, b, t), t
    if op in ("eq", "ne"):
        a, b, _ = _pair(e, scope, "compare")
        return s.binary(op, a, b), BOOL
    if op in ("union", "diff"):
        a, b, t = _pair(e, scope, f"take the `{op}` of")
        if not isinstance(t, SetType):
            raise CheckError(e.span, f"`{op}` needs sets, but these are {kind(t)}")
        return s.binary(op, a, b, t), t
    assert op == "in"
    x, tx = lower(e.lhs, scope)
    dom, set_expr = binder_domain(e.rhs, scope)
    if not compatible(tx, dom):
        raise CheckError(e.span, f"cannot test whether {kind(tx)} is in a set of {describe(dom)}")
    if set_expr is None:
        return InDomain(x, dom), BOOL
    return s.binary("in", x, set_expr), BOOL


def _check_divisor(op: str, t: IntType, span: ast.Span) -> None:
    """TLA+ defines `a \\div b` only for b != 0 and `a % b` only for b > 0 (TLC
    stops with an error elsewhere), so the divisor's range must exclude the
    rest.  The range is the interval analysis of the expression's type: its
    literals, constants and the declared types of the variables it reads."""
    value = _value_of(t)
    if op == "div" and t.lo <= 0 <= t.hi:
        raise CheckError(
            span,
            "division by zero" if t.lo == t.hi else f"the divisor of `/` may be 0: it {value}",
            "make the divisor's range exclude 0, e.g. `x / max(d, 1)`",
        )
    if op == "mod" and t.lo <= 0:
        raise CheckError(
            span,
            f"the divisor of `%` must be positive, but it {value}",
            "make the divisor's range positive, e.g. `x % max(d, 1)`",
        )


def _int_result(t: IntType, e: ast.Expr) -> IntType:
    if not within_int_range(t):
        raise CheckError(e.span, f"this {_value_of(t)}: beyond TLC's 32-bit integers ({INT_RANGE})")
    return t


def _value_of(t: IntType) -> str:
    return f"is {t.lo}" if t.lo == t.hi else f"ranges over {t}"


def _word(op: str) -> str:
    return "=>" if op == "implies" else op


def _needs_context(e: ast.Expr) -> bool:
    """Literals whose type comes from the other side (`{}`, records, shared tags)."""
    return isinstance(e, ast.RecordLit) or (isinstance(e, ast.SetLit) and not e.elems)


def _pair(e: ast.Binary, scope: Scope, verb: str) -> tuple[Expr, Expr, Type]:
    """Both operands of a symmetric operator, the second typed after the first."""
    first, second = (e.rhs, e.lhs) if _needs_context(e.lhs) and not _needs_context(e.rhs) else (e.lhs, e.rhs)
    x1, t1 = lower(first, scope)
    x2, t2 = lower(second, scope, t1)
    if not compatible(t1, t2):
        raise CheckError(e.span, f"cannot {verb} {kind(t1)} and {kind(t2)}")
    a, b = (x1, x2) if first is e.lhs else (x2, x1)
    return a, b, join(t1, t2)


def _is(e: ast.Is, scope: Scope, expected: Type | None) -> Typed:
    arg, t = lower(e.arg, scope)
    _variant_of(t, e.tag, e.span)
    return s.is_tag(arg, e.tag), BOOL


def _at(e: ast.At, scope: Scope, expected: Type | None) -> Typed:
    ref = proc_ref(e.proc, scope)
    if ref is None:
        raise CheckError(e.proc.span, "`at` needs a process instance on its left (`fault[t] at label`)")
    info, instance = ref
    if e.label not in info.labels and e.label != "done":
        hint = did_you_mean(e.label, [*info.labels, "done"])
        raise CheckError(e.span, f"process `{info.name}` has no label `{e.label}`{hint}")
    pc = scope.read(info.pc_var, e.span)
    cur = pc if instance is None else s.index(pc, instance, info.pc_type)
    return s.binary("eq", cur, s.make_tag(info.pc_type, e.label, None)), BOOL


def _index(e: ast.Index, scope: Scope, expected: Type | None) -> Typed:
    if proc_ref(e, scope) is not None:
        raise CheckError(e.span, "a process instance is not a value: use `at label` or `.local`")
    m, t = lower(e.base, scope)
    if not isinstance(t, MapType):
        raise CheckError(e.base.span, f"only a map can be indexed, but this is {kind(t)}")
    k = lower_as(e.key, scope, t.key, "the key")
    return s.index(m, k, t.value), t.value


def _field(e: ast.FieldOf, scope: Scope, expected: Type | None) -> Typed:
    ref = proc_ref(e.base, scope)
    if ref is not None:
        info, instance = ref
        if e.name not in info.locals:
            hint = did_you_mean(e.name, info.locals)
            raise CheckError(e.span, f"process `{info.name}` has no local `{e.name}`{hint}")
        return _local(info, e.name, instance, scope, e.span)
    r, t = lower(e.base, scope)
    if not isinstance(t, RecordType):
        raise CheckError(e.base.span, f"`.{e.name}` needs a record, but this is {kind(t)}")
    names = [n for n, _ in t.fields]
    if e.name not in names:
        raise CheckError(e.span, f"record `{t.name}` has no field `{e.name}`{did_you_mean(e.name, names)}")
    ft = t.field_type(e.name)
    return s.field(r, e.name, ft), ft


def _call(e: ast.Call, scope: Scope, expected: Type | None) -> Typed:
    g = scope.globals
    decl = g.values.get(e.func)
    if isinstance(decl, ast.Def):
        return _inline(decl, e.args, scope, e.span)
    if e.func in g.tags and e.func not in scope.bound:
        t, variant = _tag(e.func, e.span, scope, expected)
        if variant.payload is None or len(e.args) != 1:
            want = "no value" if variant.payload is None else "one value"
            raise CheckError(e.span, f"variant `{e.func}` takes {want}")
        arg = lower_as(e.args[0], scope, variant.payload, f"the value of `{e.func}`")
        return s.make_tag(t, e.func, arg), t
    if e.func in ("min", "max") and e.func not in g.values:
        if len(e.args) != 2:
            raise CheckError(e.span, f"`{e.func}` takes two numbers")
        a, ta = _int(e.args[0], scope, f"an argument of `{e.func}`")
        b, tb = _int(e.args[1], scope, f"an argument of `{e.func}`")
        t = (
            IntType(min(ta.lo, tb.lo), min(ta.hi, tb.hi))
            if e.func == "min"
            else IntType(max(ta.lo, tb.lo), max(ta.hi, tb.hi))
        )
        pick_a = s.binary("le" if e.func == "min" else "ge", a, b)
        return s.ite(pick_a, a, b), t
    if decl is not None:
        raise CheckError(e.span, f"`{e.func}` is {g.kind_of(e.func)}, not a definition with parameters")
    callables = [n for n, d in g.values.items() if isinstance(d, ast.Def)] + [*g.tags, "min", "max"]
    raise CheckError(e.span, f"unknown function `{e.func}`{did_you_mean(e.func, callables)}")


def _inline(decl: ast.Def, args: tuple[ast.Expr, ...], scope: Scope, span: ast.Span) -> Typed:
    if decl.name in scope.expanding:
        raise CheckError(span, f"definition `{decl.name}` refers to itself")
    if len(args) != len(decl.params):
        raise CheckError(span, f"`{decl.name}` takes {len(decl.params)} argument(s), but {len(args)} given")
    inner = Scope(
        scope.globals, None, {}, scope.view, scope.used, scope.expanding + (decl.name,), scope.context
    )
    for (pname, ptype), arg in zip(decl.params, args):
        t = scope.globals.resolve_type(ptype)
        inner = inner.bind(pname, lower_as(arg, scope, t, f"argument `{pname}` of `{decl.name}`"), t)
    return lower(decl.body, inner)


# ---------------------------------------------------------------------------
# Compound expressions


def _ite(e: ast.IfExpr, scope: Scope, expected: Type | None) -> Typed:
    c = lower_bool(e.cond, scope)
    a, ta = lower(e.then, cond_bindings(e.cond, scope), expected)
    b, tb = lower(e.orelse, scope, expected or ta)
    if not compatible(ta, tb):
        raise CheckError(e.span, f"the branches of `if` differ: {kind(ta)} and {kind(tb)}")
    return s.ite(c, a, b), join(ta, tb)


def _bind_var(var: str, dom: ast.Expr, scope: Scope) -> tuple[str, Type, Expr | None, Scope]:
    t, set_expr = binder_domain(dom, scope)
    name = scope.fresh(var)
    return name, t, set_expr, scope.bind(var, Param(name), t).use(name)


def _quant(e: ast.Quantifier, scope: Scope, expected: Type | None) -> Typed:
    name, t, set_expr, inner = _bind_var(e.var, e.domain, scope)
    body = lower_bool(e.body, inner, f"the body of `{e.kind}`")
    if set_expr is not None:
        member = s.binary("in", Param(name), set_expr)
        body = s.binary("implies" if e.kind == "forall" else "and", member, body)
    return Quant(e.kind, name, t, body), BOOL  # type: ignore[arg-type]


def _map_comp(e: ast.MapComp, scope: Scope, expected: Type | None) -> Typed:
    name, t, set_expr, inner = _bind_var(e.var, e.domain, scope)
    if set_expr is not None:
        raise CheckError(e.domain.span, "a map `[x in D -> e]` ranges over a type, not a set")
    want = expected.value if isinstance(expected, MapType) else None
    body, tb = lower(e.body, inner, want)
    return MapComp(name, t, body), MapType(t, tb)


def _set_lit(e: ast.SetLit, scope: Scope, expected: Type | None) -> Typed:
    want = expected.elem if isinstance(expected, SetType) else None
    elems: list[Expr] = []
    t = want
    for x in e.elems:
        ex, tx = lower(x, scope, want or t)
        if t is not None and not compatible(t, tx):
            raise CheckError(x.span, f"set elements must have one type: {kind(t)} and {kind(tx)}")
        t = tx if t is None else t if want is not None else join(t, tx)
        elems.append(ex)
    if t is None:
        raise CheckError(e.span, "cannot tell the element type of `{}` here")
    if all(isinstance(x, Lit) for x in elems):
        return Lit(frozenset(x.value for x in elems), SetType(t)), SetType(t)  # type: ignore[union-attr]
    return SetLit(t, tuple(elems)), SetType(t)


def _set_comp(e: ast.SetComp, scope: Scope, expected: Type | None) -> Typed:
    name, t, set_expr, inner = _bind_var(e.var, e.domain, scope)
    cond = lower_bool(e.cond, inner)
    if set_expr is not None:
        cond = s.binary("and", s.binary("in", Param(name), set_expr), cond)
    return SetComp(name, t, cond), SetType(t)


def _record(e: ast.RecordLit, scope: Scope, expected: Type | None) -> Typed:
    names = [n for n, _ in e.fields]
    t = expected if isinstance(expected, RecordType) else _record_type(names, scope, e.span)
    want = [n for n, _ in t.fields]
    if sorted(names) != sorted(want):
        raise CheckError(e.span, f"a `{t.name}` has the fields {', '.join(want)}")
    given = dict(e.fields)
    fields = tuple((n, lower_as(given[n], scope, ft, f"field `{n}`")) for n, ft in t.fields)
    return s.make_record(t, fields), t


def _record_type(names: list[str], scope: Scope, span: ast.Span) -> RecordType:
    found = []
    for name in scope.globals.types:
        try:
            t = scope.globals.named_type(name, span)
        except CheckError:
            continue
        if isinstance(t, RecordType) and sorted(n for n, _ in t.fields) == sorted(names) and t not in found:
            found.append(t)
    if len(found) != 1:
        why = "no record type has" if not found else "several record types have"
        raise CheckError(span, f"{why} exactly the fields {', '.join(names)}")
    return found[0]


def _bool(e: ast.BoolLit, scope: Scope, expected: Type | None) -> Typed:
    return Lit(e.value, BOOL), BOOL


def _int_lit(e: ast.IntLit, scope: Scope, expected: Type | None) -> Typed:
    return s.lit_int(e.value), IntType(e.value, e.value)


_HANDLERS: dict[type, Callable[..., Typed]] = {
    ast.Name: _name,
    ast.IntLit: _int_lit,
    ast.BoolLit: _bool,
    ast.Unary: _unary,
    ast.Binary: _binary,
    ast.Is: _is,
    ast.At: _at,
    ast.Index: _index,
    ast.FieldOf: _field,
    ast.Call: _call,
    ast.IfExpr: _ite,
    ast.Quantifier: _quant,
    ast.MapComp: _map_comp,
    ast.SetLit: _set_lit,
    ast.SetComp: _set_comp,
    ast.RecordLit: _record,
}


# ---------------------------------------------------------------------------
# Assignment targets


@dataclass(frozen=True)
class Target:
    """Where an assignment writes: a state variable and a path into it."""

    var: str
    path: tuple[tuple[str, object], ...]  # ("index", key expr) | ("field", name)
    type: Type


def target(e: ast.Expr, scope: Scope) -> Target:
    if isinstance(e, ast.Name):
        return _root_target(e, scope)
    if isinstance(e, ast.FieldOf):
        ref = proc_ref(e.base, scope)
        if ref is not None:
            info, instance = ref
            if e.name not in info.locals:
                hint = did_you_mean(e.name, info.locals)
                raise CheckError(e.span, f"process `{info.name}` has no local `{e.name}`{hint}")
            var, t = info.locals[e.name]
            return Target(var, () if instance is None else (("index", instance),), t)
        base = target(e.base, scope)
        if not isinstance(base.type, RecordType) or e.name not in dict(base.type.fields):
            raise CheckError(e.span, f"`.{e.name}` is not a field of {kind(base.type)}")
        return Target(base.var, base.path + (("field", e.name),), base.type.field_type(e.name))
    if isinstance(e, ast.Index):
        base = target(e.base, scope)
        if not isinstance(base.type, MapType):
            raise CheckError(e.base.span, f"only a map can be indexed, but this is {kind(base.type)}")
        k = lower_as(e.key, scope, base.type.key, "the key")
        return Target(base.var, base.path + (("index", k),), base.type.value)
    raise CheckError(e.span, "cannot assign to this: expected a variable, `m[k]`, `r.f` or `proc[i].local`")


def _root_target(e: ast.Name, scope: Scope) -> Target:
    n = e.ident
    if n in scope.bound:
        raise CheckError(e.span, f"cannot assign to `{n}`: it is bound by a `pick`, a loop or a pattern")
    proc = scope.proc
    if proc is not None and n in proc.locals:
        var, t = proc.locals[n]
        return Target(var, (("index", Param("self")),) if proc.family else (), t)
    decl = scope.globals.values.get(n)
    if isinstance(decl, ast.VarDecl):
        return Target(n, (), scope.globals.var_type(n))
    if decl is not None:
        raise CheckError(e.span, f"cannot assign to `{n}`: it is {scope.globals.kind_of(n)}")
    if n == "self" or (proc is not None and n == proc.decl.id_name):
        raise CheckError(e.span, f"cannot assign to `{n}`: it is the process id")
    if n in scope.globals.tags:
        raise CheckError(e.span, f"cannot assign to `{n}`: it is a variant")
    raise CheckError(e.span, f"unknown name `{n}`{did_you_mean(n, _visible(scope))}")


def write(cur: Expr, path: tuple[tuple[str, object], ...], value: Expr, t: Type, var_type: Type) -> Expr:
    """`cur` with the element at `path` replaced by `value`."""
    if not path:
        return value
    (kind_, arg), rest = path[0], path[1:]
    if kind_ == "index":
        assert isinstance(var_type, MapType)
        inner = s.index(cur, arg, var_type.value)  # type: ignore[arg-type]
        return s.except_(cur, arg, write(inner, rest, value, t, var_type.value))  # type: ignore[arg-type]
    assert isinstance(var_type, RecordType)
    ft = var_type.field_type(arg)  # type: ignore[arg-type]
    return s.with_field(cur, arg, write(s.field(cur, arg, ft), rest, value, t, ft))  # type: ignore[arg-type]
