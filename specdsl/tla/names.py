"""Deterministic TLA+ names for IR identifiers.

A DSL identifier may be a TLA+ keyword (`CASE`), an operator of a standard
module the generated module extends (`Nat`, `Len`, `Print`), a TLC
configuration keyword (`INIT`), start with the `WF_`/`SF_` prefix tokens, or
clash with another name of the module (the pc type `fault_pc` and the
variable `fault_pc`).  Such names get a suffix; everything else is kept, so the
module reads like the spec.  The result depends only on the order in which
names are claimed, which the emitter keeps fixed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


KEYWORDS = _words(
    """
    ACTION ASSUME ASSUMPTION AXIOM BY CASE CHOOSE CONSTANT CONSTANTS COROLLARY DEF DEFINE DEFS
    DOMAIN ELSE ENABLED EXCEPT EXTENDS HAVE HIDE IF IN INSTANCE LAMBDA LEMMA LET LOCAL MODULE NEW
    OBVIOUS OMITTED ONLY OTHER PICK PROOF PROPOSITION PROVE QED RECURSIVE STATE SUBSET SUFFICES
    TAKE TEMPORAL THEN THEOREM UNCHANGED UNION USE VARIABLE VARIABLES WITH WITNESS
    BOOLEAN FALSE STRING TRUE
    """
)
# Operators of Naturals, Integers, Sequences, FiniteSets and TLC (which extends Sequences).
STANDARD_OPERATORS = _words(
    """
    Nat Int Seq Len Append Head Tail SubSeq SelectSeq IsFiniteSet Cardinality
    Print PrintT Assert JavaTime TLCGet TLCSet Permutations SortSeq RandomElement Any ToString TLCEval
    """
)
CONFIG_KEYWORDS = _words(
    """
    INIT NEXT SPECIFICATION INVARIANT INVARIANTS PROPERTY PROPERTIES CONSTRAINT CONSTRAINTS
    ACTION_CONSTRAINT ACTION_CONSTRAINTS SYMMETRY VIEW CHECK_DEADLOCK POSTCONDITION ALIAS
    """
)
RESERVED = KEYWORDS | STANDARD_OPERATORS | CONFIG_KEYWORDS

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def identifier(text: str) -> str:
    """`text` made into a TLA+ identifier that is not a prefix token."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", text) or "x"
    if not _IDENT.fullmatch(name) or not re.search(r"[A-Za-z]", name) or name[:3] in ("WF_", "SF_"):
        name = "id_" + name
    return name


class Namer:
    """Hands out unique TLA+ names within one scope.

    `claim(preferred)` returns `preferred` when it is a free, legal
    identifier, else the first free one of `preferred_<suffix>`,
    `preferred_<suffix>_1`, ... (or `preferred_1`, ... without a suffix)."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._used: set[str] = set(RESERVED) | set(taken)

    def __contains__(self, name: str) -> bool:
        return name in self._used

    def claim(self, preferred: str, suffix: str = "") -> str:
        base = identifier(preferred)
        if base not in self._used:
            self._used.add(base)
            return base
        if suffix:
            base = f"{base}_{suffix}"
        candidate, n = base, 0
        while candidate in self._used:
            n += 1
            candidate = f"{base}_{n}"
        self._used.add(candidate)
        return candidate

    def copy(self) -> Namer:
        other = Namer()
        other._used = set(self._used)
        return other
