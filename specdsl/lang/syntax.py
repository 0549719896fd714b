"""Text -> AST.  Syntax errors become diagnostics that say, in words, what was
expected (never a raw token name), with file:line:col and a caret."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from specdsl.ir import Span
from specdsl.lang import ast
from specdsl.lang.errors import Diagnostic, SpecError
from specdsl.lang.types import INT_MAX, INT_RANGE

MAX_BRACKETS = 64  # nesting of ( [ {
MAX_DEPTH = 100  # depth of the syntax tree (long operator chains, `not not ...`)


@cache
def _parser() -> Lark:
    grammar = (Path(__file__).parent / "grammar.lark").read_text(encoding="utf-8")
    # cache=True keeps the compiled LALR tables in the temp directory (a cold start costs ~0.3 s).
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True, cache=True)


def parse(text: str, file: str) -> ast.Module:
    """Parse `text` (the contents of `file`); raises SpecError."""
    if not text.strip() or _only_comments(text):
        raise SpecError([Diagnostic(Span(file, 0, 0), "the file is empty: nothing is declared")])
    _check_brackets(text, file)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as e:
        raise SpecError([_syntax_diagnostic(e, text, file)]) from None
    _check_depth(tree, file)
    builder = _Builder(file)
    try:
        module = builder.transform(tree)
    except VisitError as e:  # an error inside the transformer arrives wrapped
        raise e.orig_exc from None
    if builder.errors:
        raise SpecError(builder.errors)
    return module


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("//") for line in text.splitlines())


def _check_brackets(text: str, file: str) -> None:
    """Too deep bracket nesting is refused before parsing (the parser itself
    would cope, but every later pass walks the tree recursively)."""
    depth = 0
    for m in re.finditer(r'//[^\n]*|"[^"\n]*"|[(\[{]|[)\]}]', text):
        ch = m.group()
        if ch in "([{":
            depth += 1
            if depth > MAX_BRACKETS:
                line = text.count("\n", 0, m.start()) + 1
                col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
                raise SpecError(
                    [
                        Diagnostic(
                            Span(file, line, col), f"too deeply nested (more than {MAX_BRACKETS} brackets)"
                        )
                    ]
                )
        elif ch in ")]}":
            depth = max(depth - 1, 0)


def _check_depth(tree: Tree, file: str) -> None:
    """Long operator chains and `not not ...` make deep trees without brackets;
    the error points at the declaration that holds one."""
    for item in tree.children:
        stack = [(item, 1)] if isinstance(item, Tree) else []
        while stack:
            node, depth = stack.pop()
            if depth > MAX_DEPTH:
                span = Span(file, item.meta.line, item.meta.column)
                raise SpecError(
                    [Diagnostic(span, f"expression too deeply nested (more than {MAX_DEPTH} levels)")]
                )
            stack.extend((c, depth + 1) for c in node.children if isinstance(c, Tree))


# ---------------------------------------------------------------------------
# Syntax error messages

# Terminals are described by their text; these groups collapse into one word each.
_STATEMENT = {
    "await",
    "lock",
    "unlock",
    "either",
    "pick",
    "for",
    "goto",
    "return",
    "retry",
    "sleep",
    "yield",
    "skip",
}
_PROC_ITEM = {"fair", "starts", "faults", "var"}
_DECLARATION = {
    "import",
    "const",
    "type",
    "var",
    "def",
    "process",
    "environment",
    "assume",
    "invariant",
    "property",
    "reach",
    "terminal",
    "expect",
}
_EXPRESSION = {
    "(",
    "[",
    "{",
    "-",
    "#",
    "true",
    "false",
    "self",
    "not",
    "if",
    "forall",
    "exists",
    "set",
    "always",
    "eventually",
    "infinitely",
}
_OPERATOR = {
    "~>",
    "=>",
    "or",
    "and",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "is",
    "at",
    "..",
    "+",
    "-",
    "union",
    "diff",
    "*",
    "/",
    "%",
    "[",
    ".",
}
_NAMED = {
    "NAME": "a name",
    "INT": "a number",
    "STRING": 'a file name in double quotes ("x.sw")',
    "$END": "the end of the file",
}


def _text(terminal: str) -> str:
    """The literal text of a keyword or punctuation terminal ("" for NAME, INT, ...)."""
    try:
        pattern = _parser().get_terminal(terminal).pattern
    except KeyError:
        return ""
    return pattern.value if pattern.type == "str" else ""


def _expected(terminals: set[str]) -> str:
    """What the parser would have accepted, in words: groups first, then single tokens."""
    texts = {_text(t) for t in terminals} - {""}
    named = {t for t in terminals if not _text(t)}
    if ":" in texts and ":=" in texts and len(texts) <= 5:
        return "`:` after the label, or `:=` to assign"
    words: list[str] = []
    if len(texts & _DECLARATION) >= 3:
        words.append("a declaration")
        texts -= _DECLARATION
    if len(texts & _STATEMENT) >= 3:
        words.append("a statement")
        texts -= _STATEMENT | _PROC_ITEM | _EXPRESSION | {"("}
        named -= {"NAME", "INT"}
    if "NAME" in named and "INT" in named and "(" in texts:
        words.append("an expression")
        texts -= _EXPRESSION
        named -= {"NAME", "INT"}
    if len(texts & _OPERATOR) >= 5:
        words.append("an operator")
        texts -= _OPERATOR
    words += sorted(_NAMED.get(n, n.lower()) for n in named) + sorted(f"`{t}`" for t in texts)
    if not words:
        return "something else"
    if len(words) > 6:
        words = words[:5] + ["..."]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


_HINTS = {
    "=": "use `==` to compare and `:=` to assign",
    ":": "`name:` starts a new step: is the statement before it complete?",
}


def _found(token: Token) -> str:
    if token.type == "INT":
        return f"the number {token}" if len(token) <= 20 else f"a number of {len(token)} digits"
    return f"`{token}`"


def _syntax_diagnostic(e: UnexpectedInput, text: str, file: str) -> Diagnostic:
    if isinstance(e, UnexpectedCharacters):
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else ""
        what = "unterminated string" if ch == '"' else f"unexpected character `{_printable_char(ch)}`"
        return Diagnostic(Span(file, e.line, e.column), what)
    assert isinstance(e, UnexpectedToken)
    expected = f"expected {_expected(set(e.accepts or e.expected))}"
    if e.token.type == "$END":
        line, col = _end_position(text)
        return Diagnostic(Span(file, line, col), f"unexpected end of file: {expected}")
    hint = _HINTS.get(str(e.token), "") if e.token.type != "NAME" else ""
    return Diagnostic(Span(file, e.line, e.column), f"{expected}, but found {_found(e.token)}", hint)


def _printable_char(ch: str) -> str:
    return ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}"


def _end_position(text: str) -> tuple[int, int]:
    """Just after the last non-blank character of the file."""
    lines = text.rstrip().splitlines() or [""]
    return len(lines), len(lines[-1]) + 1


# ---------------------------------------------------------------------------
# Tree -> AST


_BINARY = {
    "leads_to": "leadsto",
    "implies": "implies",
    "or_": "or",
    "and_": "and",
    "eq": "eq",
    "ne": "ne",
    "lt": "lt",
    "le": "le",
    "gt": "gt",
    "ge": "ge",
    "in_": "in",
    "range": "range",
    "add": "add",
    "sub": "sub",
    "union": "union",
    "diff": "diff",
    "mul": "mul",
    "div": "div",
    "mod": "mod",
}
_UNARY = {"always": "always", "eventually": "eventually", "not_": "not", "neg": "neg", "card": "card"}
_JUMPS = {"return_stmt": "return", "retry_stmt": "retry", "sleep_stmt": "sleep", "yield_stmt": "yield"}


@v_args(meta=True)
class _Builder(Transformer):
    """Builds the AST.  Problems that the grammar cannot express (a type where
    an expression is needed, a statement before the first label) are collected
    in `errors`, so several are reported at once."""

    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file
        self.errors: list[Diagnostic] = []

    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.file, 0, 0)
        return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tok(self, tok: Token) -> Span:
        return Span(self.file, tok.line, tok.column, tok.end_line or tok.line, tok.end_column or tok.column)

    def _problem(self, span: Span, message: str) -> None:
        self.errors.append(Diagnostic(span, message))

    def __default__(self, data, children, meta):
        if data in _BINARY:
            return ast.Binary(_BINARY[data], children[0], children[1], self._span(meta))
        if data in _UNARY:
            return ast.Unary(_UNARY[data], children[0], self._span(meta))
        if data in _JUMPS:
            return ast.Jump(_JUMPS[data], None, self._span(meta))
        raise AssertionError(f"no AST rule for {data}")  # pragma: no cover - grammar and builder agree

    def infinitely_often(self, meta, c):
        """`infinitely often p` is `always eventually p`."""
        span = self._span(meta)
        return ast.Unary("always", ast.Unary("eventually", c[0], span), span)

    # -- atoms
    def int(self, meta, c):
        digits = str(c[0]).lstrip("0") or "0"
        if len(digits) > len(str(INT_MAX)) or int(digits) > INT_MAX:  # int() refuses > 4300 digits
            self._problem(self._span(meta), f"number too large: beyond TLC's 32-bit integers ({INT_RANGE})")
            return ast.IntLit(0, self._span(meta))
        return ast.IntLit(int(digits), self._span(meta))

    def true(self, meta, c):
        return ast.BoolLit(True, self._span(meta))

    def false(self, meta, c):
        return ast.BoolLit(False, self._span(meta))

    def self_(self, meta, c):
        return ast.Name("self", self._span(meta))

    def name(self, meta, c):
        return ast.Name(str(c[0]), self._span(meta))

    def call(self, meta, c):
        return ast.Call(str(c[0]), tuple(x for x in c[1:] if x is not None), self._span(meta))

    def index(self, meta, c):
        return ast.Index(c[0], c[1], self._span(meta))

    def field(self, meta, c):
        return ast.FieldOf(c[0], str(c[1]), self._span(meta))

    def is_(self, meta, c):
        return ast.Is(c[0], str(c[1]), None if c[2] is None else str(c[2]), self._span(meta))

    def at(self, meta, c):
        return ast.At(c[0], str(c[1]), self._span(meta))

    def ite(self, meta, c):
        return ast.IfExpr(c[0], c[1], c[2], self._span(meta))

    def forall(self, meta, c):
        return ast.Quantifier("forall", str(c[0]), c[1], c[2], self._span(meta))

    def exists(self, meta, c):
        return ast.Quantifier("exists", str(c[0]), c[1], c[2], self._span(meta))

    def _binder(self, e: ast.Expr, what: str) -> tuple[str, ast.Expr]:
        if isinstance(e, ast.Binary) and e.op == "in" and isinstance(e.lhs, ast.Name):
            return e.lhs.ident, e.rhs
        self._problem(e.span, f"expected `x in D` at the start of {what}")
        return "?", e

    def map_comp(self, meta, c):
        var, dom = self._binder(c[0], "a map `[x in D -> e]`")
        return ast.MapComp(var, dom, c[1], self._span(meta))

    def set_comp(self, meta, c):
        var, dom = self._binder(c[0], "a set `{x in D where c}`")
        return ast.SetComp(var, dom, c[1], self._span(meta))

    def map_type(self, meta, c):
        return ast.MapTypeExpr(c[0], c[1], self._span(meta))

    def set_type(self, meta, c):
        return ast.SetTypeExpr(c[0], self._span(meta))

    def empty_braces(self, meta, c):
        return ast.SetLit((), self._span(meta))

    def set_lit(self, meta, c):
        return ast.SetLit(tuple(c), self._span(meta))

    def record(self, meta, c):
        return ast.RecordLit(tuple(c), self._span(meta))

    def field_init(self, meta, c):
        return (str(c[0]), c[1])

    # -- statements
    def assign(self, meta, c):
        return ast.Assign(c[0], c[1], self._span(meta))

    def block(self, meta, c):
        return tuple(c)

    def if_stmt(self, meta, c):
        return ast.If(c[0], c[1], c[2] or (), self._span(meta))

    def else_part(self, meta, c):
        return c[0]

    def else_if(self, meta, c):
        return (ast.If(c[0], c[1], c[2] or (), self._span(meta)),)

    def await_stmt(self, meta, c):
        return ast.Await(c[0], self._span(meta))

    def lock_stmt(self, meta, c):
        return ast.Lock(c[0], self._span(meta))

    def unlock_stmt(self, meta, c):
        return ast.Unlock(c[0], self._span(meta))

    def either_stmt(self, meta, c):
        return ast.Either(tuple(c), self._span(meta))

    def pick_stmt(self, meta, c):
        return ast.Pick(str(c[0]), c[1], c[2], self._span(meta))

    def for_stmt(self, meta, c):
        return ast.For(str(c[0]), c[1], c[2], self._span(meta))

    def goto_stmt(self, meta, c):
        return ast.Jump("goto", str(c[0]), self._tok(c[0]))

    def skip_stmt(self, meta, c):
        return ast.Skip(self._span(meta))

    # -- declarations
    def start(self, meta, c):
        return ast.Module(self.file, tuple(c), self._span(meta))

    def import_decl(self, meta, c):
        return ast.Import(str(c[0])[1:-1], self._tok(c[0]))

    def const_decl(self, meta, c):
        return ast.Const(str(c[0]), c[1], self._span(meta))

    def type_decl(self, meta, c):
        return ast.TypeDecl(str(c[0]), c[1], self._span(meta))

    def type_body(self, meta, c):
        if len(c) == 1:
            only = c[0]
            if isinstance(only, ast.RecordLit):
                return ast.RecordDecl(tuple((n, self._type(t)) for n, t in only.fields), only.span)
            if isinstance(only, ast.Call):
                return (self._variant(only),)
            return self._type(only)
        return tuple(self._variant(v) for v in c)

    def _variant(self, e: ast.Expr) -> ast.VariantDecl:
        if isinstance(e, ast.Name):
            return ast.VariantDecl(e.ident, None, e.span)
        if isinstance(e, ast.Call) and len(e.args) == 1:
            return ast.VariantDecl(e.func, self._type(e.args[0]), e.span)
        self._problem(e.span, "expected a variant: `Tag` or `Tag(Type)`")
        return ast.VariantDecl("?", None, e.span)

    def _type(self, e: ast.Expr) -> ast.TypeExpr:
        if isinstance(e, ast.Name | ast.MapTypeExpr | ast.SetTypeExpr) or (
            isinstance(e, ast.Binary) and e.op == "range"
        ):
            return e
        self._problem(e.span, "expected a type (`bool`, `0..3`, a type name, `[K] -> V` or `set of T`)")
        return e

    def var_decl(self, meta, c):
        init = c[2]
        return ast.VarDecl(
            str(c[0]),
            self._type(c[1]),
            None if init is None else init[1],
            init is not None and init[0],
            self._span(meta),
        )

    def init_eq(self, meta, c):
        return (False, c[0])

    def init_in(self, meta, c):
        return (True, c[0])

    def def_decl(self, meta, c):
        params = tuple(p for p in c[1:-1] if p is not None)
        return ast.Def(str(c[0]), params, c[-1], self._span(meta))

    def param(self, meta, c):
        return (str(c[0]), self._type(c[1]))

    def process(self, meta, c):
        return False

    def environment(self, meta, c):
        return True

    # Process items: (kind, value, span of the whole item)
    def fair(self, meta, c):
        return ("fair", c[0], self._span(meta))

    def starts(self, meta, c):
        return ("starts", c[0], self._span(meta))

    def faults(self, meta, c):
        return ("faults", c[0], self._span(meta))

    def label(self, meta, c):
        return ("label", c[0], self._span(meta))

    def process_decl(self, meta, c):
        environment, name, id_name, id_domain, *items = c
        fairness, asleep, faults = "none", False, None
        local_vars: list[ast.VarDecl] = []
        steps: list[tuple[Token, list[ast.Stmt]]] = []
        for item in items:
            if isinstance(item, tuple) and item[0] == "label":
                steps.append((item[1], []))
            elif isinstance(item, tuple | ast.VarDecl) and steps:
                span = item.span if isinstance(item, ast.VarDecl) else item[2]
                self._problem(span, "declarations of a process come before its first label")
            elif isinstance(item, ast.VarDecl):
                local_vars.append(item)
            elif isinstance(item, tuple):
                kind, value, _ = item
                if kind == "fair":
                    if value not in ("none", "weak", "strong"):
                        self._problem(self._tok(value), "expected `none`, `weak` or `strong` after `fair`")
                    fairness = str(value)
                elif kind == "starts":
                    if value != "asleep":
                        self._problem(self._tok(value), "expected `asleep` after `starts`")
                    asleep = True
                else:
                    faults = value
            elif not steps:
                self._problem(item.span, "expected a label (`name:`) before the first statement")
            else:
                steps[-1][1].append(item)
        return ast.ProcessDecl(
            name=str(name),
            environment=environment,
            id_name=None if id_name is None else str(id_name),
            id_domain=None if id_domain is None else self._type(id_domain),
            fairness=fairness,
            starts_asleep=asleep,
            faults=faults,
            locals=tuple(local_vars),
            steps=tuple(ast.Step(str(tok), tuple(body), self._tok(tok)) for tok, body in steps),
            span=self._tok(name),
        )

    def assume_decl(self, meta, c):
        return ast.Assume(str(c[0]), tuple(c[1:]), self._span(meta))

    def preempt(self, meta, c):
        return ast.Preempt(c[0], c[1], self._span(meta))

    def proc_ref(self, meta, c):
        return ast.ProcRef(str(c[0]), c[1], self._span(meta))

    def invariant_decl(self, meta, c):
        return ast.PropertyDecl("invariant", str(c[0]), c[1], None, self._tok(c[0]))

    def property_decl(self, meta, c):
        under = None if c[1] is None else str(c[1])
        return ast.PropertyDecl("temporal", str(c[0]), c[2], under, self._tok(c[0]))

    def reach_decl(self, meta, c):
        return ast.PropertyDecl("witness", str(c[0]), c[1], None, self._tok(c[0]))

    def terminal_decl(self, meta, c):
        return ast.Terminal(c[0], self._span(meta))

    def expect_decl(self, meta, c):
        if c[1] not in ("holds", "violated"):
            self._problem(self._tok(c[1]), "expected `holds` or `violated` after the property name")
        return ast.Expect(str(c[0]), str(c[1]), self._tok(c[0]))
