"""The IR dump, the DSL-syntax printer of IR expressions, and lemmas in the spec's terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from specdsl.ir import (
    BOOL,
    Binary,
    Except,
    Index,
    IntType,
    Lit,
    MapType,
    Param,
    Payload,
    Quant,
    Tag,
    Unary,
    Var,
)
from specdsl.irdump import dump, format_excluded, format_expr
from specdsl.lang.loader import load_system
from specdsl.lang.lower import lower_spec
from specdsl.lang.syntax import parse

ROOT = Path(__file__).parents[1]

CONTEXT = """\
type Pte = Swap(0..1) | None
type E = {count: 0..2, cached: bool}
var x: 0..3 = 0
var y: 0..3 = 0
var b: bool = false
var c: bool = false
var s: set of 0..3 = {}
var m: [0..1] -> 0..3 = [k in 0..1 -> 0]
var e: E = {count: 0, cached: false}
var pte: Pte = None
process p {
  a:
    skip
}
"""


def lowered(text: str):
    system = lower_spec([parse(CONTEXT + f"invariant X: {text}\n", "t.sw")], "t", "t.sw", {})
    return system.property("X").expr


@pytest.mark.parametrize(
    "text",
    [
        "x - (y - 1) == 2",
        "x - y - 1 == 2",
        "x * (y + 1) > 0",
        "-(x + y) < 0",
        "not (b and c)",
        "not b and c",
        "(b => c) => b",
        "b => c => b",
        "(b or c) and b",
        "b or c and b",
        "(if b then 1 else 2) + x == 3",
        "x + (if b then 1 else 2) == 3",
        "(forall k in 0..3: k in s) or b",
        "b or (exists k in 0..3: k in s and b)",
        "#s <= 2 and #(s union {1}) > 0",
        "m[x % 2] == e.count and e.cached",
        "pte is Swap and (if b then pte else None) == Swap(x % 2)",
        "#{k in 0..3 where k in s and k > x} == 1",
        "s == {k in 0..3 where k > x} diff {0}",
        "[k in 0..1 -> k + x] == m",
        "e == {count: x % 3, cached: b}",
        "min(x, y) == max(x, 1)",
    ],
)
def test_printed_expressions_read_back_the_same(text):
    expr = lowered(text)
    assert lowered(format_expr(expr)) == expr


def test_ir_only_constructs():
    m = Var("m")
    assert format_expr(
        Except(m, Param("self"), Binary("add", Index(m, Param("self")), Lit(1, IntType(1, 1))))
    ) == ("[m except [self] = m[self] + 1]")
    assert format_expr(Payload(Var("pte"), "Swap")) == "payload(pte, Swap)"
    assert format_expr(Quant("count", "k", IntType(0, 3), Var("b"))) == "#{k in 0..3 where b}"
    assert format_expr(Unary("neg", Unary("neg", Var("x")))) == "--x"


def test_what_the_dsl_cannot_write_is_still_readable():
    assert format_expr(lowered("if pte is Swap(v) then v == 0 else p at a")) == (
        "if pte is Swap then payload(pte, Swap) == 0 else p_pc == a"
    )


def test_dump_of_the_sleepy_fixture_is_stable(monkeypatch):
    monkeypatch.chdir(ROOT)
    golden = (ROOT / "tests" / "data" / "sleepy.dump").read_text(encoding="utf-8")
    assert dump(load_system("tests/data/sleepy.sw")) == golden


def test_excluded_locations_in_the_specs_terms_name_labels_locals_and_sleep_flags() -> None:
    system = load_system(ROOT / "specs" / "pte_marker_locked.sw")
    pc, orig = system.var("fault_pc").type, system.var("fault_orig").type
    assert isinstance(pc, MapType) and isinstance(orig, MapType)
    literals = [
        ("fault_pc", 1, pc.value, (Tag("read"), Tag("finish"))),
        ("fault_orig", 1, orig.value, (Tag("None"),)),
        ("fault_asleep", 2, BOOL, (False,)),
    ]
    assert format_excluded(system, literals) == (
        "not ((fault[1] at read or fault[1] at finish) and fault[1].orig == None and not fault_asleep[2])"
    )
    all_but_done = tuple(Tag(x) for x in ("start", "alloc", "mark", "read", "finish", "wait"))
    assert format_excluded(system, [("fault_pc", 1, pc.value, all_but_done)]) == "not (not fault[1] at done)"
