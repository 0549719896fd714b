"""Bad input never crashes the front end: random and mutated specs through `specdsl lint`.

Each generated file goes through the CLI's main function in-process and must
exit 0 (a clean spec) or 2 (bad input), with every error named `file:...: error:`
and no traceback or "internal error".  Three generators, each with a fixed,
derandomized budget (so CI is deterministic): token soups and mutations of the
real specs (lines and tokens deleted, duplicated, swapped; keywords inserted;
CR or CRLF line endings, a byte-order mark; huge literals, odd characters),
programs drawn from the grammar itself (`specdsl/lang/grammar.lark`), and programs
over declared names, which get past the parser into the checker.
"""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Lark

from specdsl.cli import main

ROOT = Path(__file__).parents[1]
BUDGET = settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# What the imports of a mutated spec find next to it.
LIBRARY = {p.name: p.read_bytes() for p in sorted((ROOT / "specs").glob("*.sw"))}
CORPUS = {
    p.name: p.read_bytes()
    for p in sorted([*(ROOT / "specs").glob("*.sw"), *(ROOT / "tests" / "data").glob("*.sw")])
}
BAD_CORPUS = {p.name: p.read_bytes() for p in sorted((ROOT / "tests" / "data" / "bad").glob("*.sw"))}


def lint(target: str, data: bytes, neighbours: dict[str, bytes] | None = None) -> tuple[int, str]:
    """`specdsl lint` on `data` saved as `target`, in a fresh directory (beside `neighbours`)."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in {**(neighbours or {}), target: data}.items():
            (Path(tmp) / name).write_bytes(content)
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["lint", str(Path(tmp) / target)])
    return code, err.getvalue().replace(tmp, "<tmp>")


def assert_handled(code: int, err: str) -> None:
    assert code in (0, 2), err
    assert (code == 0) == (err == ""), err
    assert "Traceback" not in err and "internal error" not in err, err
    for line in err.splitlines():  # a diagnostic, or its excerpt, caret or hint (indented)
        assert line.startswith("    ") or (line.startswith("<tmp>/") and ": error: " in line), err


# ---------------------------------------------------------------------------
# (a) Token soups and mutations of the real specs

GRAMMAR = Lark((ROOT / "specdsl" / "lang" / "grammar.lark").read_text(encoding="utf-8"), parser="lalr")
TERMINALS, RULES, _ = GRAMMAR.grammar.compile(["start"], ())
KEYWORDS = sorted({t.pattern.value for t in TERMINALS if t.pattern.type == "str"})
NAMES = ["x", "y", "m", "s", "t", "i", "N", "T", "E", "p", "q", "a", "b"] + [
    "self",
    "done",
    "A",
    "B",
    "Swap",
    "Slot",
]
ODD = [
    "9" * 5000,
    "2147483648",
    "0" * 40 + "1",
    "-",
    '"',
    "//",
    "\\",
    "\t",
    "\x00",
    "\x1b[31m",
    "é",
    "∀",
    "\u202e",
    "\ufeff",
    "🙂",
    "\ud800",  # a lone surrogate: not encodable, written as replacement bytes
]
TOKEN = re.compile(r'\s+|//[^\n]*|"[^"\n]*"|\w+|\S')


def encode(text: str) -> bytes:
    return text.encode("utf-8", "replace")


token_soups = st.lists(st.sampled_from([*KEYWORDS, *NAMES, *ODD, "0", "1", "3", "\n"]), max_size=80).map(
    lambda words: encode(" ".join(words))
)


def _lines(draw: st.DrawFn, text: str) -> str:
    lines = text.split("\n")
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    op = draw(st.sampled_from(["delete", "duplicate", "swap"]))
    if op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(j, lines[i])
    else:
        lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def _tokens(draw: st.DrawFn, text: str) -> str:
    tokens = TOKEN.findall(text) or [""]
    i, j = draw(st.integers(0, len(tokens) - 1)), draw(st.integers(0, len(tokens) - 1))
    op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "replace"]))
    if op == "delete":
        del tokens[i]
    elif op == "duplicate":
        tokens.insert(j, tokens[i])
    elif op == "swap":
        tokens[i], tokens[j] = tokens[j], tokens[i]
    else:
        word = draw(st.sampled_from([*KEYWORDS, *NAMES, *ODD]))
        if op == "insert":
            tokens.insert(i, f" {word} ")
        else:
            tokens[i] = word
    return "".join(tokens)


MUTATIONS: list[Callable[[st.DrawFn, str], str]] = [_lines, _tokens, _tokens]


@st.composite
def mutated_specs(draw: st.DrawFn, corpus: dict[str, bytes]) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(corpus)))
    text = corpus[name].decode("utf-8", "replace")
    for _ in range(draw(st.integers(1, 4))):
        text = draw(st.sampled_from(MUTATIONS))(draw, text)
    text = text.replace("\n", draw(st.sampled_from(["\n", "\r", "\r\n"])))
    return name, draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + encode(text)


@BUDGET
@given(token_soups)
def test_token_soups_are_refused_cleanly(data):
    assert_handled(*lint("soup.sw", data))


@BUDGET
@given(mutated_specs(CORPUS))
def test_mutated_specs_are_refused_cleanly_or_accepted(spec):
    name, data = spec
    assert_handled(*lint(name, data, LIBRARY))


@settings(BUDGET, max_examples=60)
@given(mutated_specs(BAD_CORPUS))
def test_mutated_bad_inputs_are_refused_cleanly(spec):
    name, data = spec
    assert_handled(*lint(name, data))


# ---------------------------------------------------------------------------
# (b) Programs drawn from the grammar

EXPANSIONS: dict[str, list[tuple[str, ...]]] = {}
for _rule in RULES:
    EXPANSIONS.setdefault(_rule.origin.name, []).append(tuple(sym.name for sym in _rule.expansion))
LITERAL_TEXT = {t.name: t.pattern.value for t in TERMINALS if t.pattern.type == "str"}
DRAWN_TEXT = {
    "NAME": st.sampled_from(NAMES),
    "INT": st.sampled_from(["0", "1", "2", "3", "65535", "2147483647", "2147483648", "9" * 5000]),
    "STRING": st.sampled_from(['"lib.sw"', '"missing.sw"', '"../x.sw"', '"notes.txt"', '"soup.sw"']),
}


def _heights() -> dict[str, int]:
    """How many levels each symbol needs at least to end in terminals."""
    height = dict.fromkeys([*LITERAL_TEXT, *DRAWN_TEXT], 0)
    changed = True
    while changed:
        changed = False
        for symbol, options in EXPANSIONS.items():
            done = [
                1 + max((height[s] for s in e), default=0) for e in options if all(s in height for s in e)
            ]
            if done and min(done) < height.get(symbol, 1 << 30):
                height[symbol] = min(done)
                changed = True
    return height


HEIGHT = _heights()
# Past this depth or this many tokens, only the expansions that end soonest.
GROW_DEPTH, GROW_TOKENS = 25, 150


def _expand(draw: st.DrawFn, symbol: str, depth: int, out: list[str]) -> None:
    if symbol in LITERAL_TEXT:
        out.append(LITERAL_TEXT[symbol])
        return
    if symbol in DRAWN_TEXT:
        out.append(draw(DRAWN_TEXT[symbol]))
        return
    options = EXPANSIONS[symbol]
    if depth > GROW_DEPTH or len(out) > GROW_TOKENS:
        least = min(max((HEIGHT[s] for s in e), default=0) for e in options)
        options = [e for e in options if max((HEIGHT[s] for s in e), default=0) == least]
    for s in draw(st.sampled_from(options)):
        _expand(draw, s, depth + 1, out)


@st.composite
def grammar_programs(draw: st.DrawFn) -> bytes:
    out: list[str] = []
    _expand(draw, "start", 0, out)
    return encode(" ".join(out))


def test_the_grammar_generator_covers_every_rule():
    assert set(HEIGHT) >= set(EXPANSIONS)  # every rule can end, so every rule can be drawn


@settings(BUDGET, max_examples=40)
@given(grammar_programs())
def test_programs_of_the_grammar_are_accepted_or_refused_cleanly(data):
    assert_handled(*lint("grammar.sw", data, {"lib.sw": b"var shared: bool = false\n"}))


# ---------------------------------------------------------------------------
# (c) Programs over declared names, which reach the checker

# Atoms of a step (the process's local `l` and a pick's `k` included) and of a property.
INT_ATOMS = {
    True: ["x", "l", "N", "0", "1", "2", "-1", "m2[l]", "p[1].l", "#st", "(x - l)", "min(x, N)", "k"],
    False: ["x", "N", "0", "1", "2", "-1", "m2[x]", "p[1].l", "#st", "(x - N)", "max(x, 1)", "q.c"],
}
BOOL_ATOMS = ["b", "m[x]", "true", "false", "x in st", "e is B", "p[1] at a", "p[2] at done"]


def int_exprs(depth: int = 2, in_step: bool = True) -> st.SearchStrategy[str]:
    atom = st.sampled_from(INT_ATOMS[in_step])
    if depth == 0:
        return atom
    inner = int_exprs(depth - 1, in_step)
    return st.one_of(
        atom,
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "%"]), inner).map(" ".join).map("({})".format),
        st.tuples(bool_exprs(depth - 1, in_step), inner, inner).map(
            lambda t: f"(if {t[0]} then {t[1]} else {t[2]})"
        ),
        st.tuples(st.sampled_from(["min", "max"]), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
    )


def bool_exprs(depth: int = 2, in_step: bool = True) -> st.SearchStrategy[str]:
    atom = st.sampled_from(BOOL_ATOMS)
    if depth == 0:
        return atom
    inner = bool_exprs(depth - 1, in_step)
    ints = int_exprs(depth - 1, in_step)
    return st.one_of(
        atom,
        st.tuples(inner, st.sampled_from(["and", "or", "=>"]), inner).map(" ".join).map("({})".format),
        st.tuples(ints, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), ints).map(" ".join),
        st.tuples(st.sampled_from(["forall", "exists"]), st.sampled_from(["T", "st", "0..2"]), inner).map(
            lambda t: f"({t[0]} k in {t[1]}: {t[2]})"
        ),
        inner.map(lambda b: f"not {b}"),
    )


def statements(depth: int = 2) -> st.SearchStrategy[str]:
    simple = st.one_of(
        st.tuples(st.sampled_from(["x", "l", "m2[l]", "p[1].l", "q.c"]), int_exprs()).map(" := ".join),
        st.tuples(st.sampled_from(["b", "m[x]", "m[l]"]), bool_exprs()).map(" := ".join),
        bool_exprs().map(lambda c: f"await {c}"),
        st.sampled_from(
            ["lock b", "unlock b", "skip", "yield", "sleep", "return", "retry", "goto a", "goto c"]
        ),
        st.sampled_from(["pick k in T", "pick k in st where k > x", "pick k in 0..3"]),
        st.sampled_from(["st := st union {x}", "st := st diff {l}", "e := B(x)", "e := C"]),
    )
    if depth == 0:
        return simple
    block = st.lists(statements(depth - 1), min_size=1, max_size=3).map(lambda b: "{ " + "\n".join(b) + " }")
    return st.one_of(
        simple,
        st.tuples(bool_exprs(1), block, block).map(lambda t: f"if {t[0]} {t[1]} else {t[2]}"),
        st.tuples(block, block).map(lambda t: f"either {t[0]} or {t[1]}"),
        st.tuples(st.sampled_from(["T", "0..2", "st"]), block).map(lambda t: f"for k in {t[0]} {t[1]}"),
        block.map(lambda b: f"if e is B(v) {b}"),
    )


@st.composite
def checked_programs(draw: st.DrawFn) -> bytes:
    n = draw(st.sampled_from(["1", "2", "3", "1", "2", "3", "0", "-1", "70000", "2147483647"]))
    steps = [
        f"  {label}:\n" + "\n".join(f"    {s}" for s in draw(st.lists(statements(), min_size=1, max_size=4)))
        for label in ("a", "c")
    ]
    head = draw(st.sampled_from(["", "  fair weak\n", "  starts asleep\n", f"  faults {n}\n"]))
    props = draw(st.lists(bool_exprs(in_step=False), min_size=1, max_size=2))
    text = (
        f"const N = {n}\ntype T = 0..N\ntype E = A | B(T) | C\n"
        "var x: T = 0\nvar b: bool = false\nvar m: [T] -> bool = [i in T -> false]\n"
        "var m2: [0..2] -> T = [i in 0..2 -> 0]\nvar st: set of T = {}\nvar e: E = A\n"
        f"process p[t in 1..2] {{\n{head}  var l: T = 0\n" + "\n".join(steps) + "\n}\n"
        "environment q {\n  var c: 0..3 = 0\n  r:\n    c := x % 4\n    goto r\n}\n"
        + "".join(f"invariant I{i}: {p}\n" for i, p in enumerate(props))
        + f"property P: eventually {props[0]}\nreach W: {props[-1]}\n"
    )
    return encode(text)


@settings(BUDGET, max_examples=50)
@given(checked_programs())
def test_programs_over_declared_names_are_accepted_or_refused_cleanly(data):
    assert_handled(*lint("checked.sw", data))
