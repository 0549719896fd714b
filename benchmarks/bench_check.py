"""Wall time of `specdsl check specs/`: the whole matrix, and each engine.

    python benchmarks/bench_check.py [PATH...] [--workers N] [--timeout S]

Runs the matrix three times in this process (TLC alone, Z3 alone, both; Z3
gets TLC's complete depth only in the last run) and prints the wall times,
each engine's summed job time inside the full run, and the full run as a
ratio of the 60 s goal.  Prints figures only; the exit code is always 0.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter

from specdsl.driver import ENGINES, CheckRun, check_systems, load_systems, select_properties
from specdsl.engine import EngineOptions

GOAL_SECONDS = 60.0


def verdicts(run: CheckRun) -> str:
    counts = Counter(j.result.verdict for _, j in run.all_judged())
    return ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["specs"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    selected = select_properties(load_systems(args.paths, {}), [])
    options = EngineOptions(workers=args.workers, timeout=args.timeout)
    props = sum(len(p) for _, p in selected)
    print(f"{len(selected)} specs, {props} properties, {args.workers} workers")
    runs = {}
    for label, names in (("tlc", ["tlc"]), ("z3", ["z3"]), ("all", ["tlc", "z3"])):
        runs[label] = run = check_systems(selected, names, ENGINES, options)
        print(f"  {label:<4} {run.seconds:7.2f} s wall   exit {run.exit_code}   {verdicts(run)}")
    full = runs["all"]
    for name, seconds in full.engine_seconds:
        print(f"  in the full run, {name} jobs took {seconds:7.2f} s in total")
    print(f"  full matrix / {GOAL_SECONDS:.0f} s goal: {full.seconds / GOAL_SECONDS:.2f}")
    separate = runs["tlc"].seconds + runs["z3"].seconds
    print(f"  full matrix / (tlc alone + z3 alone): {full.seconds / separate:.2f}")


if __name__ == "__main__":
    main()
