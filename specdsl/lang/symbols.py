"""The checker's symbol table: every declared name, with constants and types
resolved on first use (so declaration order does not matter)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from specdsl.ir import (
    BOOL,
    MAX_VALUES,
    IntType,
    MapType,
    RecordType,
    SetType,
    Span,
    TaggedType,
    Type,
    Variant,
)
from specdsl.lang import ast
from specdsl.lang.errors import Diagnostic
from specdsl.lang.limits import Extent
from specdsl.lang.types import INT_RANGE, describe, within_int_range
from specdsl.values import capped_size


class CheckError(Exception):
    """A semantic error at a position.  Without a diagnostic it stands for an
    error already reported (a broken declaration used again)."""

    def __init__(self, span: Span | None, message: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.diagnostic = None if span is None else Diagnostic(span, message, hint)


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """A close match among `candidates` (ignoring case: `threads` finds `THREADS`), as a message suffix."""
    by_lower = {c.lower(): c for c in sorted(set(candidates), reverse=True) if c != name}
    close = difflib.get_close_matches(name.lower(), sorted(by_lower), n=1)
    return f"; did you mean `{by_lower[close[0]]}`?" if close else ""


@dataclass(frozen=True)
class ProcInfo:
    """What the checker knows of a process: its generated state variables and labels."""

    decl: ast.ProcessDecl
    id_type: Type | None
    locals: Mapping[str, tuple[str, Type]]  # local name -> (state variable, value type)
    labels: tuple[str, ...]
    pc_var: str
    pc_type: TaggedType
    sleep_var: str | None
    faults_var: str | None  # `faults N`: also in `locals`, as `faults`
    faults_max: int

    @property
    def name(self) -> str:
        return self.decl.name

    @property
    def family(self) -> bool:
        return self.id_type is not None


_DECL_KIND = {
    ast.Const: "a constant",
    ast.VarDecl: "a variable",
    ast.Def: "a definition",
    ast.ProcessDecl: "a process",
    ast.TypeDecl: "a type",
}

ConstEval = Callable[[ast.Expr, "Globals"], int]


class Globals:
    """Declarations by name.  Types live in their own namespace; constants,
    variables, definitions, processes and variant tags share one (a tag may
    belong to several tagged types: the expected type picks one)."""

    def __init__(
        self, decls: Iterable[ast.Decl], const_eval: ConstEval, overrides: Mapping[str, int]
    ) -> None:
        self.errors: list[Diagnostic] = []
        self.types: dict[str, ast.TypeDecl] = {}
        self.values: dict[str, ast.Const | ast.VarDecl | ast.Def | ast.ProcessDecl] = {}
        self.tags: dict[str, list[tuple[TaggedType, Variant]]] = {}
        self.procs: dict[str, ProcInfo] = {}
        self.var_types: dict[str, Type] = {}  # every state variable, generated ones included
        self._const_eval = const_eval
        self._overrides = dict(overrides)
        self._memo: dict[tuple[str, str], object] = {}
        self.oversized = False  # see `too_large`
        self.extent = Extent()  # what lowering builds, measured as it is built
        for d in decls:
            if isinstance(d, ast.TypeDecl):
                self._declare(self.types, d.name, d)
            elif isinstance(d, ast.Const | ast.VarDecl | ast.Def | ast.ProcessDecl):
                self._declare(self.values, d.name, d)
        for name, decl in self.types.items():
            try:
                t = self.named_type(name, decl.span)
            except CheckError as e:
                if e.diagnostic is not None:
                    self.errors.append(e.diagnostic)
                continue
            if isinstance(t, TaggedType) and t.name == name:
                for v in t.variants:
                    self.tags.setdefault(v.tag, []).append((t, v))
        for tag, owners in self.tags.items():
            if tag in self.values:
                d = self.values[tag]
                self.report(
                    d.span, f"`{tag}` is both a variant of type `{owners[0][0].name}` and a declared name"
                )

    def report(self, span: Span, message: str, hint: str = "") -> None:
        self.errors.append(Diagnostic(span, message, hint))

    def _declare(self, table: dict, name: str, decl: ast.Decl) -> None:
        if name == "bool" and table is self.types:
            self.report(decl.span, "`bool` is a built-in type and cannot be redeclared")
        elif name in table:
            prev = table[name]
            self.report(decl.span, f"`{name}` is already declared at {prev.span.file}:{prev.span.line}")
        else:
            table[name] = decl

    def var_type(self, name: str) -> Type:
        if name not in self.var_types:
            raise CheckError(None)  # its declaration is broken, and reported
        return self.var_types[name]

    def kind_of(self, name: str) -> str:
        return _DECL_KIND[type(self.values[name])]

    # -- constants

    def const_value(self, name: str) -> int:
        decl = self.values[name]
        assert isinstance(decl, ast.Const)
        if name in self._overrides:
            value = self._overrides[name]
            if not within_int_range(IntType(value, value)):
                message = f"--set {name}={value}: beyond TLC's 32-bit integers ({INT_RANGE})"
                raise CheckError(decl.span, message)
            return value
        return self._resolve(("const", name), decl.span, lambda: self._const_eval(decl.value, self))

    def params(self) -> tuple[tuple[str, int], ...]:
        out = []
        for name, d in self.values.items():
            if isinstance(d, ast.Const):
                try:
                    out.append((name, self.const_value(name)))
                except CheckError:
                    continue
        return tuple(out)

    def unknown_overrides(self, file: str) -> list[Diagnostic]:
        consts = [n for n, d in self.values.items() if isinstance(d, ast.Const)]
        return [
            Diagnostic(
                Span(file, 0, 0),
                f"--set {name}: no constant `{name}` is declared{did_you_mean(name, consts)}",
            )
            for name in self._overrides
            if not isinstance(self.values.get(name), ast.Const)
        ]

    # -- types

    def named_type(self, name: str, span: Span) -> Type:
        if name == "bool":
            return BOOL
        if name not in self.types:
            raise CheckError(span, f"unknown type `{name}`{did_you_mean(name, [*self.types, 'bool'])}")
        decl = self.types[name]
        return self._resolve(("type", name), decl.span, lambda: self._type_decl(decl))

    def _resolve(self, key: tuple[str, str], span: Span, compute: Callable[[], object]):
        """Memoised, cycle-checked resolution; a failure is reported once."""
        if key in self._memo:
            value = self._memo[key]
            if value is _IN_PROGRESS:
                raise CheckError(span, f"`{key[1]}` is defined in terms of itself")
            if isinstance(value, CheckError):
                raise CheckError(None)
            return value
        self._memo[key] = _IN_PROGRESS
        try:
            value = compute()
        except CheckError as e:
            self._memo[key] = e
            raise
        self._memo[key] = value
        return value

    def _type_decl(self, decl: ast.TypeDecl) -> Type:
        body = decl.body
        if isinstance(body, ast.Name) and body.ident != "bool" and body.ident not in self.types:
            body = (ast.VariantDecl(body.ident, None, body.span),)  # `type Mode = Idle`: one variant
        if isinstance(body, tuple):
            seen: set[str] = set()
            variants = []
            for v in body:
                if v.tag in seen:
                    raise CheckError(v.span, f"variant `{v.tag}` appears twice in type `{decl.name}`")
                seen.add(v.tag)
                variants.append(Variant(v.tag, None if v.payload is None else self.resolve_type(v.payload)))
            return self.guard(TaggedType(decl.name, tuple(variants)), decl.span)
        if isinstance(body, ast.RecordDecl):
            names = [n for n, _ in body.fields]
            dup = next((n for n in names if names.count(n) > 1), None)
            if dup is not None:
                raise CheckError(body.span, f"field `{dup}` appears twice in record `{decl.name}`")
            fields = tuple((n, self.resolve_type(t)) for n, t in body.fields)
            return self.guard(RecordType(decl.name, fields), decl.span)
        return self.resolve_type(body)

    def resolve_type(self, e: ast.TypeExpr) -> Type:
        if isinstance(e, ast.Name):
            return self.named_type(e.ident, e.span)
        if isinstance(e, ast.Binary) and e.op == "range":
            lo, hi = self._const_eval(e.lhs, self), self._const_eval(e.rhs, self)
            if hi < lo:
                raise CheckError(e.span, f"empty range {lo}..{hi}")
            return self.guard(IntType(lo, hi), e.span)
        if isinstance(e, ast.MapTypeExpr):
            return self.guard(MapType(self.resolve_type(e.key), self.resolve_type(e.value)), e.span)
        if isinstance(e, ast.SetTypeExpr):
            return self.guard(SetType(self.resolve_type(e.elem)), e.span)
        raise CheckError(e.span, "expected a type (`bool`, `0..3`, a type name, `[K] -> V` or `set of T`)")

    def guard(self, t: Type, span: Span, what: str = "") -> Type:
        """`t` if it has at most MAX_VALUES values.  `what` names the generated
        variable that would have this type (a program counter, a family's local)."""
        n = capped_size(t)
        if n > MAX_VALUES:
            exact = capped_size(t, 10**12)
            count = f"{exact}" if exact < 10**12 else "too many"
            subject = f"{what} has type `{describe(t)}`, which" if what else f"type `{describe(t)}`"
            raise self.too_large(
                span,
                f"{subject} has {count} values; the limit is {MAX_VALUES} (state-space guard)",
                "use smaller bounds: every value of a type may become a state",
            )
        return t

    def too_large(self, span: Span, message: str, hint: str) -> CheckError:
        """A limit that keeps checking cheap is exceeded: the checker stops
        after the declarations (`oversized`) instead of lowering steps over it."""
        self.oversized = True
        if self._overrides:
            hint += (
                " (set on the command line: "
                + ", ".join(f"--set {n}={v}" for n, v in self._overrides.items())
                + ")"
            )
        return CheckError(span, message, hint)


_IN_PROGRESS = object()
