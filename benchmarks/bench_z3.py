"""Figures for the Z3 engine: BMC depth and time per depth, time to each counterexample,
lasso search, proofs (with --proofs), and encoding comparisons as ratios measured in
this process (bit-vectors + QF_BV vs integers; assumption literals vs push/pop).

    python benchmarks/bench_z3.py [--depth K] [--proofs] [--compare SPEC] [SPEC ...]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import z3

from specdsl.engine import EngineOptions
from specdsl.loader import load_system
from specdsl.smt.bmc import Goal, bmc
from specdsl.smt.encode import Encoding
from specdsl.smt.engine import Z3Engine
from specdsl.smt.lasso import search

SPECS = Path(__file__).parent.parent / "specs"
ALL = [p.stem for p in sorted(SPECS.glob("*.sw")) if p.stem != "swapin_common"]


def goals(enc: Encoding) -> list[Goal]:
    out = []
    for p in enc.system.properties:
        if p.kind == "deadlock":
            out.append(Goal(p.name, enc.deadlock(p.expr)))
        elif p.kind in ("invariant", "witness"):
            good = enc.pred(p.expr)  # type: ignore[arg-type]
            out.append(Goal(p.name, good if p.kind == "witness" else z3.Not(good)))
    return out


def bench_spec(name: str, depth: int, proofs: bool) -> None:
    system = load_system(SPECS / f"{name}.sw")
    t0 = time.monotonic()
    enc = Encoding(system)
    took = time.monotonic() - t0
    print(f"\n{name}: {len(enc.leaves)} leaves, {len(enc.ground)} ground actions, encoded in {took:.3f}s")
    run = bmc(enc, goals(enc), depth, timeout=120)
    per = sum(run.depth_seconds) / max(1, len(run.depth_seconds))
    total = sum(run.depth_seconds)
    print(f"  BMC: depth {len(run.depth_seconds) - 1} in {total:.2f}s ({per * 1000:.0f} ms/depth)")
    for goal, r in run.results.items():
        what = {
            "reached": f"found at depth {r.depth} after {r.seconds:.2f}s",
            "clear": f"clear to depth {r.depth}",
        }
        print(f"    {goal:<18} {what.get(r.status, r.status + ' ' + r.message)}")
    for p in system.properties:
        if p.kind == "temporal":
            r = search(enc, system.model(p.model), [(p.name, p.formula)], depth, 120)[p.name]  # type: ignore[list-item]
            loop = f", loop at {r.loop_start}" if r.status == "found" else ""
            print(f"  lasso {p.name:<18} {r.status} at depth {r.depth}{loop} in {r.seconds:.2f}s")
    if proofs:
        safety = [p for p in system.properties if p.kind in ("invariant", "deadlock")]
        t0 = time.monotonic()
        rows = Z3Engine().check(system, safety, EngineOptions(depth=depth, timeout=30))
        for r in rows:
            head = f"{r.property:<18} {r.verdict} {r.method} bound={r.bound} {r.seconds:.1f}s"
            print(f"  proof {head}  {r.message[:90]}")
        print(f"  proofs total {time.monotonic() - t0:.1f}s")


def compare(name: str, depth: int) -> None:
    """BMC to `depth` on goals that are never reached, under each encoding choice."""
    system = load_system(SPECS / f"{name}.sw")

    def timed(bv: bool, incremental: str) -> float:
        enc = Encoding(system, bv=bv)
        clear = [g for g in goals(enc) if g.name in ("TypeOK", "CountSane", "DeadlockFree")]
        t0 = time.monotonic()
        bmc(enc, clear, depth, timeout=600, incremental=incremental)  # type: ignore[arg-type]
        return time.monotonic() - t0

    base = timed(True, "assumptions")
    print(f"\nencoding comparison on {name}, BMC to depth {depth} (3 goals that hold):")
    print(f"  bit-vectors, QF_BV, assumption literals: {base:.2f}s (baseline)")
    for label, bv, inc in (
        ("bit-vectors, QF_BV, push/pop", True, "pushpop"),
        ("integers, default solver", False, "assumptions"),
    ):
        t = timed(bv, inc)
        print(f"  {label + ':':<40} {t:.2f}s  ({t / base:.1f}x the baseline)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("specs", nargs="*", default=ALL)
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--proofs", action="store_true")
    parser.add_argument("--compare", default="pte_marker")
    parser.add_argument("--compare-depth", type=int, default=14)
    args = parser.parse_args()
    for name in args.specs:
        bench_spec(name, args.depth, args.proofs)
    if args.compare:
        compare(args.compare, args.compare_depth)


if __name__ == "__main__":
    main()
