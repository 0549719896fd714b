"""One engine's verdict on one property of one spec (the JSON report's row)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from specdsl.trace import Trace

Outcome = Literal["holds", "violated", "reached", "unreachable", "unknown", "error"]
Method = Literal["explicit", "bmc", "k-induction", "pdr", "lasso", "l2s"]


@dataclass(frozen=True)
class Result:
    """`bound` is None for a complete result (TLC's exhaustive search, a proof,
    or BMC to a depth that covers every reachable state) and the depth checked
    otherwise.  `diameter` is the depth of a complete breadth-first search,
    when the engine did one (TLC), so that BMC can use it as a complete bound.
    `lemmas`: for a proof by inductive strengthening, the lemmas that make the
    property inductive, written as the spec would write them (the "why it holds")."""

    spec: str
    property: str
    kind: Literal["invariant", "temporal", "deadlock", "witness"]
    engine: Literal["tlc", "z3"]
    method: Method
    verdict: Outcome
    bound: int | None = None
    states: int | None = None
    seconds: float = 0.0
    message: str = ""
    trace: Trace | None = None
    diameter: int | None = None
    lemmas: tuple[str, ...] = ()

    def with_(self, **changes: object) -> Result:
        return replace(self, **changes)  # type: ignore[arg-type]
