"""Deterministic TLA+ names for IR identifiers.

A DSL identifier may be a TLA+ keyword (`CASE`), an operator of a standard
module the generated module extends (`Nat`, `Len`, `Print`), a TLC
configuration keyword (`INIT`), start with the `WF_`/`SF_` prefix tokens, or
clash with another name of the module (the pc type `fault_pc` and the
variable `fault_pc`).  Such names get a suffix; everything else is kept, so the
module reads like the spec.  The result depends only on the order in which
names are claimed, which the emitter keeps fixed.

A module's own name comes from its spec's file name (`module_name`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


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


# Modules a TLA+ tool finds on its library path.  A generated module of the same name would shadow
# the library's for every module in its directory (SANY looks there first): `Naturals.tla` in
# generated/ makes a cycle of every module that extends Integers.  From the sources:
# TLC's tla2sany/StandardModules, every module that directory has held (tlaplus/tlaplus, 2026-04);
# tlaplus/CommunityModules' modules/ (2026-07), which the Toolbox and the VS Code extension ship;
# Apalache's user modules, src/tla/ of apalache-mc/apalache.
LIBRARY_MODULES = _words(
    """
    Bags FiniteSets Integers Json Naturals Randomization RealTime Reals Sequences TLC TLCExt Toolbox
    Transit _DotTrace _JsonTrace _Possible _TLAPlusCounterExample _TLAPlusDebugger _TLCActionTrace
    _TLCTESpec _TLCTrace _TLCTracePlain _TransitTrace

    BagsExt Bitwise CSV Combinatorics DifferentialEquations DyadicRationals FiniteSetsExt
    FiniteSetsExtTheorems FiniteSetsExtTheorems_proofs Folds FoldsTheorems FoldsTheorems_proofs
    FunctionTheorems FunctionTheorems_proofs Functions GraphTheorems GraphTheorems_proofs GraphViz Graphs
    HTML IOUtils Quorum QuorumTheorems QuorumTheorems_proofs Relation SVG SequencesExt SequencesExtTheorems
    SequencesExtTheorems_proofs ShiViz Statistics UndirectedGraphs VectorClocks

    Apalache Option PartialOrder Typing Variants
    """
)
# compared without case: on a case-insensitive file system `naturals.tla` is found as `Naturals.tla`
_LIBRARY_FOLDED = {m.casefold(): m for m in LIBRARY_MODULES}
LIBRARY_SUFFIX = "_spec"


@dataclass(frozen=True)
class ModuleName:
    """The TLA+ module (and file stem) of a spec, and why it is not the spec's own name ("" if it is)."""

    name: str
    why: str


def module_name(spec: str) -> ModuleName:
    """The module name of the spec named `spec` (its file's stem): the one function by which
    `specdsl gen` and the TLC engine (both through `emit`) name a spec's module.  Characters a
    TLA+ name cannot hold become `_`; a library module's name gets the suffix `_spec`.  The
    result depends on `spec` alone: two specs whose names map to one module are refused by
    `specdsl gen`, never renamed here."""
    name = identifier(spec)
    reasons = [] if name == spec else [f"`{spec}` is not a TLA+ identifier"]
    library = _LIBRARY_FOLDED.get(name.casefold())
    if library is not None:
        reasons.append(
            f"a module {name} would shadow the library module of that name"
            if name == library
            else f"a file {name}.tla would shadow the library module {library} where file names ignore case"
        )
        name += LIBRARY_SUFFIX
    return ModuleName(name, "; ".join(reasons))
