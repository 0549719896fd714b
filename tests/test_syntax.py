"""Text -> AST: precedence, statements, declarations, and syntax error messages."""

from __future__ import annotations

import pytest

from specdsl.ir import Span
from specdsl.lang import ast
from specdsl.lang.errors import SpecError
from specdsl.lang.syntax import MAX_BRACKETS, parse

S = Span("t.sw", 0, 0)  # spans never take part in equality


def N(name: str) -> ast.Name:
    return ast.Name(name, S)


def B(op: str, a: ast.Expr, b: ast.Expr) -> ast.Binary:
    return ast.Binary(op, a, b, S)


def expr(text: str) -> ast.Expr:
    (decl,) = parse(f"invariant X: {text}\n", "t.sw").decls
    assert isinstance(decl, ast.PropertyDecl)
    return decl.expr


def error(text: str) -> str:
    with pytest.raises(SpecError) as info:
        parse(text, "t.sw")
    return "\n".join(f"{d.span.line}:{d.span.col}: {d.message}" for d in info.value.diagnostics)


# ---------------------------------------------------------------------------
# Expressions


def test_precedence_of_boolean_operators():
    assert expr("a or b and not c") == B("or", N("a"), B("and", N("b"), ast.Unary("not", N("c"), S)))
    assert expr("a => b => c") == B("implies", N("a"), B("implies", N("b"), N("c")))
    assert expr("not a == b") == ast.Unary("not", B("eq", N("a"), N("b")), S)


def test_arithmetic_is_left_associative_and_binds_tighter_than_comparison():
    assert expr("a - b - c * d < e") == B(
        "lt", B("sub", B("sub", N("a"), N("b")), B("mul", N("c"), N("d"))), N("e")
    )
    assert expr("-x + #s") == B("add", ast.Unary("neg", N("x"), S), ast.Unary("card", N("s"), S))


def test_quantifiers_and_if_extend_as_far_right_as_possible():
    body = B("or", N("p"), N("q"))
    assert expr("a and forall x in S: p or q") == B(
        "and", N("a"), ast.Quantifier("forall", "x", N("S"), body, S)
    )
    ite = ast.IfExpr(N("c"), ast.IntLit(1, S), B("add", ast.IntLit(2, S), ast.IntLit(3, S)), S)
    assert expr("x + if c then 1 else 2 + 3") == B("add", N("x"), ite)


def test_temporal_operators():
    assert expr("always eventually p") == ast.Unary("always", ast.Unary("eventually", N("p"), S), S)
    at = ast.At(ast.Index(N("fault"), N("t"), S), "wait", S)
    assert expr("fault[t] at wait ~> q") == B("leadsto", at, N("q"))


def test_postfix_calls_patterns_and_literals():
    assert expr("fault[t].orig is Swap(s)") == ast.Is(
        ast.FieldOf(ast.Index(N("fault"), N("t"), S), "orig", S), "Swap", "s", S
    )
    assert expr("x in 0..N-1") == B(
        "in", N("x"), B("range", ast.IntLit(0, S), B("sub", N("N"), ast.IntLit(1, S)))
    )
    assert expr("f(1, true) == {}") == B(
        "eq", ast.Call("f", (ast.IntLit(1, S), ast.BoolLit(True, S)), S), ast.SetLit((), S)
    )
    assert expr("{s in Slot where ok(s)}") == ast.SetComp("s", N("Slot"), ast.Call("ok", (N("s"),), S), S)
    assert expr("[s in Slot -> 0] == r") == B("eq", ast.MapComp("s", N("Slot"), ast.IntLit(0, S), S), N("r"))
    assert expr("{count: 1, cached: self}") == ast.RecordLit(
        (("count", ast.IntLit(1, S)), ("cached", N("self"))), S
    )


# ---------------------------------------------------------------------------
# Declarations and statements


SPEC = """\
import "common.sw"
const N = 2
type Slot = 0..N-1
type Pte = Swap(Slot) | None
type Mode = Idle
type Entry = { count: 0..2, cached: bool }
var pte: Pte = Swap(0)
var start: 0..3 in {0, 1}
def free(s: Slot) = count[s] == 0
process fault[t in Thread] {
  fair weak
  starts asleep
  faults 2
  var orig: Pte = None
  read:  // a comment
    orig := pte
    if orig is Swap(s) { slot := s } else if x { return } else { retry }
  map:
    either { lock l } or { unlock l sleep }
    pick s in Slot where free(s)
    for u in Slot { await u != s }
    yield
}
environment zap {
  z:
    skip
    goto z
}
assume RT: fault[2] preempts fault[1], fault[1] preempts zap
property P under RT: eventually p
reach W: true
terminal: q
expect P holds
"""


def test_declarations():
    m = parse(SPEC, "t.sw")
    kinds = [type(d).__name__ for d in m.decls]
    assert kinds == (
        ["Import", "Const"]
        + ["TypeDecl"] * 4
        + ["VarDecl"] * 2
        + ["Def", "ProcessDecl", "ProcessDecl", "Assume"]
        + ["PropertyDecl"] * 2
        + ["Terminal", "Expect"]
    )
    pte = m.decls[3]
    assert isinstance(pte, ast.TypeDecl)
    assert pte.body == (ast.VariantDecl("Swap", N("Slot"), S), ast.VariantDecl("None", None, S))
    assert m.decls[4].body == N("Idle")  # the checker decides: alias or one-variant enumeration
    assert isinstance(m.decls[5].body, ast.RecordDecl)
    assert m.decls[7].init_is_choice
    proc = m.decls[9]
    assert isinstance(proc, ast.ProcessDecl)
    assert (proc.fairness, proc.starts_asleep, proc.faults, proc.id_name) == (
        "weak",
        True,
        ast.IntLit(2, S),
        "t",
    )
    assert [s.label for s in proc.steps] == ["read", "map"]
    read, map_ = proc.steps
    assert isinstance(read.body[1], ast.If) and isinstance(read.body[1].orelse[0], ast.If)
    assert [type(st).__name__ for st in map_.body] == ["Either", "Pick", "For", "Jump"]
    assume = m.decls[11]
    assert [(p.high.name, p.low.name) for p in assume.preempts] == [("fault", "fault"), ("fault", "zap")]
    assert m.decls[12].under == "RT" and m.decls[13].kind == "witness"


def test_spans_point_at_the_source():
    m = parse("var x: bool = true\n\nprocess p {\n  go:\n    x := false\n}\n", "t.sw")
    step = m.decls[1].steps[0]
    assert (step.span.line, step.span.col) == (4, 3)
    assign = step.body[0]
    assert (assign.value.span.line, assign.value.span.col) == (5, 10)


# ---------------------------------------------------------------------------
# Errors


def test_missing_colon_after_label():
    assert (
        error("process p {\n  start\n    x := 1\n}\n")
        == "3:5: expected `:` after the label, or `:=` to assign, but found `x`"
    )


def test_expected_an_expression():
    assert error("var x: 0..3 = \n} ") == "2:1: expected an expression, but found `}`"


def test_unexpected_end_of_file_points_at_the_last_line():
    assert (
        error("process p {\n  start:\n    x := 1\n\n\n")
        == "3:11: unexpected end of file: expected a statement or `}`"
    )


def test_single_equals_gets_a_hint():
    with pytest.raises(SpecError) as info:
        parse("process p {\n  a:\n    x = 1\n}\n", "t.sw")
    assert "`==` to compare" in info.value.diagnostics[0].hint


def test_bad_character_and_unterminated_string():
    assert error("var x: bool = true @") == "1:20: unexpected character `@`"
    assert error('import "common.sw\n') == "1:8: unterminated string"


def test_empty_file():
    assert error("") == "0:0: the file is empty: nothing is declared"
    assert error("// only a comment\n\n") == "0:0: the file is empty: nothing is declared"


def test_deep_nesting_is_refused_without_recursion_error():
    assert "too deeply nested" in error("invariant X: " + "(" * 5000 + "x" + ")" * 5000)
    assert "too deeply nested" in error("invariant X: " + "not " * 3000 + "x")
    parse("invariant X: " + "(" * MAX_BRACKETS + "x" + ")" * MAX_BRACKETS, "t.sw")  # just within the limit


def test_problems_found_while_building_are_all_reported():
    text = "process p {\n  x := 1\n  fair sometimes\n  a:\n    var y: bool = true\n}\nexpect P maybe\n"
    assert error(text) == "\n".join(
        [
            "2:3: expected a label (`name:`) before the first statement",
            "3:8: expected `none`, `weak` or `strong` after `fair`",
            "5:5: declarations of a process come before its first label",
            "7:10: expected `holds` or `violated` after the property name",
        ]
    )


def test_binder_must_name_a_variable():
    assert (
        error("invariant X: [1 -> 2] == m") == "1:15: expected `x in D` at the start of a map `[x in D -> e]`"
    )


def test_infinitely_often_is_always_eventually():
    text = "var x: bool = false\nproperty P: infinitely often x\nproperty Q: always eventually x\n"
    module = parse(text, "io.sw")
    p, q = (d for d in module.decls if isinstance(d, ast.PropertyDecl))
    assert p.expr == q.expr


def test_an_integer_literal_of_thousands_of_digits_is_an_error_at_its_position_not_a_crash():
    assert error("const N = 1" + "0" * 5000 + "\n") == (
        "1:11: number too large: beyond TLC's 32-bit integers (-2147483648..2147483647)"
    )
    assert error("const N = 2147483648\n") == (
        "1:11: number too large: beyond TLC's 32-bit integers (-2147483648..2147483647)"
    )
    (decl,) = parse("const N = 0002147483647\n", "t.sw").decls
    assert isinstance(decl, ast.Const) and decl.value == ast.IntLit(2147483647, S)
    assert error("const N = 1 " + "9" * 5000 + "\n").endswith("but found a number of 5000 digits")


def test_a_faults_bound_after_a_label_is_an_error_not_an_internal_error():
    """Found by tests/test_fuzz.py: the error's position was taken from the bound as if it
    were a token (AttributeError, reported as an internal error)."""
    text = "process p {\n  a:\n    skip\n  faults 3\n  fair weak\n  starts asleep\n}\n"
    assert error(text) == "\n".join(
        f"{line}:3: declarations of a process come before its first label" for line in (4, 5, 6)
    )
