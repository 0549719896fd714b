"""Wall and CPU time of `specdsl check specs/`: the command as a user runs it, and each engine.

    python benchmarks/bench_check.py [PATH...] [--workers N] [--timeout S] [--repeat R]

1. The command (`python -m specdsl check PATH...`) R times (default 3): the
   median wall time and the median CPU time (user + system) of every process it
   starts.  The worker processes are children of multiprocessing's forkserver,
   which the command does not wait for, so `/usr/bin/time` misses their CPU
   time; this script reads it as a child subreaper (Linux), which reaps them all.
2. The matrix in this process three times (TLC alone, Z3 alone, both; Z3 gets
   TLC's complete depth only in the last run): the wall times, each engine's
   summed job time inside the full run, and the full run as a ratio of the goal.
Prints figures only; the exit code is always 0.

Measured on the 2-core machine while five other engineers' jobs kept its load
average at 4-8, `specdsl check specs/` (8 specs, 176 results, all as expected),
runs of the two versions interleaved so that they saw the same load, CPU read as
a subreaper, medians of 3 (the three runs in brackets):
    threads (before, a495220)    wall 144.6 s (130.7, 154.9, 144.6)   CPU 81.6 s (79.3, 81.6, 86.3)
    a worker process per spec    wall 106.9 s (106.9,  92.9, 143.1)   CPU 77.5 s (77.5, 75.3, 86.8)
The load, not specdsl, sets these figures' spread; the threads version measured
a little earlier with `/usr/bin/time -v` (which sees all of its CPU time, as
everything ran in one process) gave wall 102.4 s, CPU 69.5 s.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter

from specdsl.commands.check import ENGINES, load_systems, select_properties
from specdsl.driver import check_systems
from specdsl.engine import EngineOptions
from specdsl.verdicts import CheckRun

GOAL_SECONDS = 60.0
PR_SET_CHILD_SUBREAPER = 36


def verdicts(run: CheckRun) -> str:
    counts = Counter(j.result.verdict for _, j in run.all_judged())
    return ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))


def command_time(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of `argv` and everything it starts (this process
    must be a child subreaper, with no other children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    while True:  # the orphans (forkserver, workers) came to us: reap them
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["specs"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("cannot become a child subreaper (Linux only)")
    argv = [sys.executable, "-m", "specdsl", "check", *args.paths, "--workers", str(args.workers)]
    argv += ["--timeout", str(args.timeout), "--format", "json"]
    times = [command_time(argv) for _ in range(args.repeat)]
    walls, cpus = [w for w, _ in times], [c for _, c in times]
    print(f"specdsl check {' '.join(args.paths)}, {args.repeat} runs:")
    print(f"  wall {statistics.median(walls):7.2f} s median   ({', '.join(f'{w:.1f}' for w in walls)})")
    print(f"  cpu  {statistics.median(cpus):7.2f} s median   ({', '.join(f'{c:.1f}' for c in cpus)})")

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
