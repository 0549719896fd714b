"""Whether two engines' verdicts on the same property are compatible.

Two results disagree only when both are conclusive and one contradicts the
other within what the other claims to have covered:

- complete verdicts must be equal;
- a counterexample (violation or reached witness) of depth d contradicts a
  "holds"/"unreachable" of the other engine that is complete or bounded by a
  K >= d (BMC to K examines every path of length <= K);
- `unknown` and `error` never disagree with anything.
"""

from __future__ import annotations

from specdsl.verdicts import CONCLUSIVE, COUNTEREXAMPLE, Disagreement, Result


def compare(a: Result, b: Result) -> Disagreement | None:
    """The disagreement between two results on the same property, if any."""
    if a.verdict not in CONCLUSIVE or b.verdict not in CONCLUSIVE or a.verdict == b.verdict:
        return None
    if a.bound is None and b.bound is None:
        return Disagreement(a, b, f"{a.engine} says {a.verdict}, {b.engine} says {b.verdict} (both complete)")
    for found, other in ((a, b), (b, a)):
        if found.verdict in COUNTEREXAMPLE and other.verdict not in COUNTEREXAMPLE:
            depth = found.trace.depth if found.trace is not None else None
            if other.bound is None or (depth is not None and other.bound >= depth):
                covered = "every reachable state" if other.bound is None else f"depth {other.bound}"
                at = "" if depth is None else f" at depth {depth}"
                return Disagreement(
                    a,
                    b,
                    f"{found.engine} found {found.verdict}{at}, "
                    f"but {other.engine} says {other.verdict} up to {covered}",
                )
    return None


def disagreements(results: list[Result]) -> list[Disagreement]:
    """Every disagreeing pair among the results for one property."""
    return [
        d
        for i, a in enumerate(results)
        for b in results[i + 1 :]
        if a.engine != b.engine and (d := compare(a, b)) is not None
    ]
