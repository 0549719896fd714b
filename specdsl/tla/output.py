"""Reading TLC's `-tool` output: message codes, counterexample states, values.

With `-tool`, TLC wraps every message in `@!@!@STARTMSG <code>:<class> @!@!@`
... `@!@!@ENDMSG <code> @!@!@`; the codes (tlc2/output/EC.java) say what
happened, so nothing here depends on TLC's prose except the name of a violated
invariant, the numbers in the statistics and progress messages, and whether a
liveness check covered the "complete state space".  SANY's diagnostics are
printed outside messages, between SANY's start and end messages.

TLA+ values are parsed into a small generic form (`TlaRecord`, `TlaFunction`,
tuples, frozensets, str, int, bool) and then converted to IR values guided by
the IR type, which inverts the representation chosen in `expr.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Union

from specdsl.ir import (
    BoolType,
    IntType,
    MapType,
    MapVal,
    Rec,
    RecordType,
    SetType,
    Tag,
    TaggedType,
    Type,
    Value,
)
from specdsl.tla.expr import has_payloads
from specdsl.values import domain

# Message codes (tlc2/output/EC.java).
GENERAL = 1000
OUT_OF_MEMORY = (1001, 1002, 1003)
STACK_OVERFLOW = 1005
NESTED_EXPRESSION = 2103
INVARIANT_VIOLATED_INITIAL = 2107
PROPERTY_VIOLATED_INITIAL = 2108  # a property's state-predicate conjunct; TLC stops there
INVARIANT_VIOLATED_BEHAVIOR = 2110
INVARIANT_EVALUATION_FAILED = 2111
DEADLOCK_REACHED = 2114
TEMPORAL_PROPERTY_VIOLATED = 2116
BEHAVIOR_UP_TO_HERE = 2121
BACK_TO_STATE = 2122
CHECKING_TEMPORAL = 2192
SUCCESS = 2193
SEARCH_DEPTH = 2194
STATS = 2199
PROGRESS_STATS = 2200
STATE_PRINT2 = 2217
STATE_PRINT3 = 2218  # the final state of a lasso that ends in stuttering
SANY_END = 2219
SANY_START = 2220
COUNTER_EXAMPLE = 2264
PARSING_FAILED = 3002
ERROR_CLASS = 1  # the number after the colon: 1 = error

_MESSAGE = re.compile(r"@!@!@STARTMSG (\d+):(\d+) @!@!@\n(.*?)@!@!@ENDMSG \1 @!@!@", re.S)


@dataclass(frozen=True)
class Message:
    code: int
    severity: int
    body: str


def parse_messages(text: str) -> list[Message]:
    return [Message(int(m[1]), int(m[2]), m[3].strip("\n")) for m in _MESSAGE.finditer(text)]


def sany_output(text: str) -> str:
    """SANY's diagnostics: what TLC printed between SANY's start and end messages."""
    start = text.find(f"@!@!@ENDMSG {SANY_START} @!@!@")
    end = text.find(f"@!@!@STARTMSG {SANY_END}:")
    if start < 0 or end < 0:
        return ""
    return text[start:end].split("\n", 1)[-1]


_SANY_LOCATION = re.compile(r"line (\d+), col(?:umn)? (\d+)")
_SANY_NOISE = ("Parsing file", "Semantic processing", "Semantic errors", "***", "Residual stack")
_SANY_NOISE += ("Module definition", "Fatal errors")


@dataclass(frozen=True)
class SanyError:
    line: int | None  # the first location SANY complains about
    module: str | None  # the module it is in (SANY reads the root module and those it extends)
    why: str  # SANY's first explanatory line


# a semantic error names its module after the location, a parse error in the abort message
_SANY_MODULE = re.compile(r"col(?:umn)? \d+ of module (\w+)|^In module (\w+)", re.M)


def sany_error(sany_text: str) -> SanyError:
    """Where SANY's first complaint is and what it says."""
    where = _SANY_LOCATION.search(sany_text)
    module = _SANY_MODULE.search(sany_text)
    lines = [ln.strip() for ln in sany_text.splitlines()]
    explanation = next(
        (
            ln
            for ln in lines
            if ln and not ln.startswith(_SANY_NOISE) and not _SANY_LOCATION.match(ln) and "Abort" not in ln
        ),
        "rejected",
    )
    return SanyError(
        int(where[1]) if where else None, (module[1] or module[2]) if module else None, explanation
    )


# ---------------------------------------------------------------------------
# What one TLC run found


# "initial": a conjunct of a PROPERTY that is a state predicate, false in an initial state
ViolationKind = Literal["invariant", "deadlock", "initial", "temporal"]


@dataclass(frozen=True)
class Violation:
    """One counterexample TLC printed: `states` as TLC printed them, and for
    a lasso where it loops back (or that it ends by stuttering forever)."""

    kind: ViolationKind
    name: str | None = None  # the violated invariant's operator (or property's, for "initial")
    states: tuple[str, ...] = ()
    loop_start: int | None = None  # 0-based index the lasso returns to
    stuttering: bool = False


@dataclass(frozen=True)
class Run:
    """The outcome of one TLC run (with `-continue`, several violations).

    `complete`: TLC finished without error, so every property of the run that
    is not among `violations` holds.  `explored`: every reachable state was
    visited and checked against the invariants: the run is complete, or it
    stopped at a liveness violation found after the whole state space was
    built.  `distinct`/`depth` cover the whole state space only when
    `explored` (`depth` is None otherwise)."""

    violations: tuple[Violation, ...] = ()
    complete: bool = False
    explored: bool = False
    distinct: int | None = None
    depth: int | None = None
    error: str = ""  # set when TLC failed: no verdict can be drawn from the run
    error_messages: tuple[Message, ...] = field(default=(), compare=False)

    @property
    def failed(self) -> bool:
        return bool(self.error) or not (self.complete or self.violations)


_CHECK_NAME = re.compile(r"(?:Invariant|Property) (\S+) is violated")
_STATS = re.compile(r"([\d,]+) states generated, ([\d,]+) distinct states found, ([\d,]+) states left")
_DEPTH = re.compile(r"depth of the complete state graph search is (\d+)")
_LEVEL = re.compile(r"Progress\((\d+)\)")
# Messages that belong to a violation report, not to an error of TLC itself.
_KINDS: dict[int, ViolationKind] = {
    INVARIANT_VIOLATED_INITIAL: "invariant",
    INVARIANT_VIOLATED_BEHAVIOR: "invariant",
    DEADLOCK_REACHED: "deadlock",
    PROPERTY_VIOLATED_INITIAL: "initial",
}
_REPORT_CODES = frozenset(_KINDS)
_REPORT_CODES |= {TEMPORAL_PROPERTY_VIOLATED, BEHAVIOR_UP_TO_HERE, COUNTER_EXAMPLE, BACK_TO_STATE}


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def summarize(messages: Sequence[Message]) -> Run:  # noqa: C901 - one case per message kind
    """Classify a run from its messages.  Each violation's states are the
    state messages that follow its header, up to the next header."""
    violations: list[Violation] = []
    states: list[str] = []
    distinct = depth = level = left = None
    success = final_liveness_check = False
    errors: list[Message] = []

    def close() -> None:
        if violations:
            violations[-1] = replace(violations[-1], states=tuple(states))

    for m in messages:
        if m.code in _KINDS:
            close()
            found = _CHECK_NAME.search(m.body)
            violations.append(Violation(_KINDS[m.code], found[1] if found else None))
            # an initial state's violation carries the state in the same message
            initial = m.code in (INVARIANT_VIOLATED_INITIAL, PROPERTY_VIOLATED_INITIAL)
            states = [_state_body(m.body)] if initial else []
        elif m.code == TEMPORAL_PROPERTY_VIOLATED:
            close()
            violations.append(Violation("temporal"))
            states = []
        elif m.code == STATE_PRINT2:
            states.append(_state_body(m.body))
        elif m.code == STATE_PRINT3 and violations:
            violations[-1] = replace(violations[-1], stuttering=True, loop_start=len(states) - 1)
        elif m.code == BACK_TO_STATE and violations:
            found = re.match(r"(\d+): Back to state", m.body)  # "3: Back to state: <action>"
            violations[-1] = replace(violations[-1], loop_start=int(found[1]) - 1 if found else None)
        elif m.code == CHECKING_TEMPORAL:
            final_liveness_check = "complete state space" in m.body
        elif m.code in (STATS, PROGRESS_STATS):
            found = _STATS.search(m.body)
            if found:
                distinct, left = _number(found[2]), _number(found[3])
            found = _LEVEL.match(m.body)
            level = int(found[1]) if found else level
        elif m.code == SEARCH_DEPTH:
            found = _DEPTH.search(m.body)
            depth = int(found[1]) if found else None
        elif m.code == SUCCESS:
            success = True
        elif (m.severity == ERROR_CLASS and m.code not in _REPORT_CODES) or m.code in OUT_OF_MEMORY:
            errors.append(m)
    close()
    if errors:
        return Run(distinct=distinct, error=describe_error(errors), error_messages=tuple(errors))
    stopped_by_liveness = bool(violations) and violations[-1].kind == "temporal" and final_liveness_check
    explored = success or (stopped_by_liveness and left == 0)
    return Run(
        tuple(violations),
        complete=success,
        explored=explored,
        distinct=distinct,
        # TLC prints the depth only on success; the final progress report carries the same level
        depth=(depth if depth is not None else level) if explored else None,
    )


def out_of_memory(errors: Sequence[Message]) -> bool:
    """TLC reports a full heap as code 1001-1003, or as a general error (1000)
    whose text is Java's "Java heap space"."""
    return any(m.code in OUT_OF_MEMORY or "Java heap space" in m.body for m in errors)


def describe_error(errors: Sequence[Message]) -> str:
    """One line for TLC's error messages (empty when there were none)."""
    codes = {m.code for m in errors}
    if out_of_memory(errors):
        return "TLC ran out of memory"
    if STACK_OVERFLOW in codes:
        return "TLC overflowed its stack"
    if PARSING_FAILED in codes:
        return "SANY rejected the module"
    main = next((m for m in errors if m.code != NESTED_EXPRESSION), None)
    if main is None:
        return ""
    lines = [ln.strip() for ln in main.body.splitlines() if ln.strip() and "@!@!@" not in ln]
    detail = [
        ln
        for ln in lines
        if not ln.startswith(("TLC threw", "This was probably", "See the User", "The exception"))
    ]
    return f"TLC error {main.code}: " + " ".join(detail or lines)[:300]


def _state_body(body: str) -> str:
    """A state message without its first line (`2: <fault_read line 40, col 5 ...>`)."""
    return body.partition("\n")[2].strip()


# ---------------------------------------------------------------------------
# TLA+ values


@dataclass(frozen=True)
class TlaRecord:
    fields: tuple[tuple[str, TlaValue], ...]


@dataclass(frozen=True)
class TlaFunction:
    items: tuple[tuple[TlaValue, TlaValue], ...]


@dataclass(frozen=True)
class TlaString:
    text: str


TlaValue = Union[bool, int, TlaString, TlaRecord, TlaFunction, tuple, frozenset]  # noqa: UP007


class TlaParseError(Exception):
    pass


_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<int>-?\d+)|(?P<op><<|>>|\|->|:>|@@|/\\|[\[\](){},=])|(?P<name>[A-Za-z_][A-Za-z0-9_]*))'
)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                raise TlaParseError(f"unexpected text {text[pos : pos + 20]!r}")
            kind = m.lastgroup
            assert kind is not None
            self.tokens.append((kind, m[kind]))
            pos = m.end()
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.tokens):
            raise TlaParseError("unexpected end of value")
        tok = self.tokens[self.i]
        if expected is not None and tok[1] != expected:
            raise TlaParseError(f"expected {expected!r}, found {tok[1]!r}")
        self.i += 1
        return tok

    def at_end(self) -> bool:
        return self.i == len(self.tokens)

    def value(self) -> TlaValue:
        kind, text = self.take()
        if kind == "int":
            return int(text)
        if kind == "str":
            return TlaString(re.sub(r"\\(.)", r"\1", text[1:-1]))
        if kind == "name" and text in ("TRUE", "FALSE"):
            return text == "TRUE"
        if text == "<<":
            return tuple(self._sequence(">>", self.value))
        if text == "{":
            return frozenset(self._sequence("}", self.value))
        if text == "[":
            return TlaRecord(tuple(self._sequence("]", self._field)))
        if text == "(":
            items = [self._mapping()]
            while self.peek() == "@@":
                self.take()
                items.append(self._mapping())
            self.take(")")
            return TlaFunction(tuple(items))
        raise TlaParseError(f"unexpected {text!r}")

    def _sequence(self, close: str, item):  # type: ignore[no-untyped-def]
        out = []
        if self.peek() == close:
            self.take()
            return out
        while True:
            out.append(item())
            if self.take()[1] == close:
                return out

    def _field(self) -> tuple[str, TlaValue]:
        kind, name = self.take()
        if kind != "name":
            raise TlaParseError(f"expected a field name, found {name!r}")
        self.take("|->")
        return name, self.value()

    def _mapping(self) -> tuple[TlaValue, TlaValue]:
        key = self.value()
        self.take(":>")
        return key, self.value()


def parse_value(text: str) -> TlaValue:
    p = _Parser(text)
    v = p.value()
    if not p.at_end():
        raise TlaParseError(f"unexpected {p.peek()!r} after a value")
    return v


def parse_state(text: str) -> dict[str, TlaValue]:
    """`/\\ x = 1 /\\ y = <<...>>` (or `x = 1` for one variable) -> {name: value}."""
    p = _Parser(text)
    out: dict[str, TlaValue] = {}
    while not p.at_end():
        if p.peek() == "/\\":
            p.take()
        kind, name = p.take()
        if kind != "name":
            raise TlaParseError(f"expected a variable name, found {name!r}")
        p.take("=")
        out[name] = p.value()
    return out


def to_ir(v: TlaValue, t: Type, fields: Mapping[tuple[RecordType, str], str]) -> Value:  # noqa: C901
    """The IR value of type `t` that TLC printed as `v` (`fields` maps IR
    record fields to their TLA+ names)."""
    if isinstance(t, BoolType) and isinstance(v, bool):
        return v
    if isinstance(t, IntType) and isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(t, TaggedType):
        if not has_payloads(t) and isinstance(v, TlaString):
            return _tag(t, v.text, None, fields)
        if has_payloads(t) and isinstance(v, TlaRecord):
            rec = dict(v.fields)
            tag = rec.get("tag")
            if isinstance(tag, TlaString):
                return _tag(t, tag.text, rec.get("val"), fields)
    if isinstance(t, RecordType) and isinstance(v, TlaRecord):
        rec = dict(v.fields)
        try:
            return Rec(tuple((n, to_ir(rec[fields[t, n]], ft, fields)) for n, ft in t.fields))
        except KeyError as e:
            raise TlaParseError(f"record of type {t.name} without field {e}") from None
    if isinstance(t, MapType):
        pairs = _function_items(v)
        if pairs is not None:
            table = {to_ir(k, t.key, fields): x for k, x in pairs}
            keys = domain(t.key)
            if set(table) != set(keys):
                raise TlaParseError(f"function domain does not match {t}")
            return MapVal(tuple((k, to_ir(table[k], t.value, fields)) for k in keys))
    if isinstance(t, SetType) and isinstance(v, frozenset):
        return frozenset(to_ir(x, t.elem, fields) for x in v)
    raise TlaParseError(f"value {v!r} is not of type {t}")


def _tag(
    t: TaggedType, tag: str, payload: TlaValue | None, fields: Mapping[tuple[RecordType, str], str]
) -> Tag:
    try:
        variant = t.variant(tag)
    except KeyError:
        raise TlaParseError(f"{tag!r} is not a variant of {t.name}") from None
    if variant.payload is None:
        if payload is not None:
            raise TlaParseError(f"variant {tag} of {t.name} has no payload")
        return Tag(tag)
    if payload is None:
        raise TlaParseError(f"variant {tag} of {t.name} without its payload")
    return Tag(tag, to_ir(payload, variant.payload, fields))


def _function_items(v: TlaValue) -> list[tuple[TlaValue, TlaValue]] | None:
    """The (key, value) pairs of a function, however TLC printed it: a tuple
    (domain 1..n), a record (a domain of strings) or `k :> v @@ ...`."""
    if isinstance(v, TlaFunction):
        return list(v.items)
    if isinstance(v, tuple):
        return [(i + 1, x) for i, x in enumerate(v)]
    if isinstance(v, TlaRecord):
        return [(TlaString(k), x) for k, x in v.fields]
    return None
