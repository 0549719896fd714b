"""The performance goals of the Z3 engine, measured as a user runs the tool (issue #9).

    python benchmarks/bench_goals.py [--repeat N] [--skip-big]

Each figure comes from `python -m specdsl check ... --format json` run as a
subprocess; its CPU time includes the worker processes (children of
multiprocessing's forkserver, which the command does not wait for), reaped by
this script as a child subreaper (Linux):

1. the whole matrix (`specs/`, both engines): wall time against the 30 s goal;
2. `--engine z3` against `--engine tlc`, measured alternately, medians of
   `--repeat` runs: the ratio against the 1.5x goal;
3. two of everything (`--set SLOTS=2 --set WRITES=2 --set SWAPOUTS=2`, both
   engines): expectations met, no `unknown`, wall time against 300 s;
4. every holding liveness cell proved by Z3 (method `l2s`), none only bounded;
5. two Z3 runs, one beside a CPU-burning busy loop: the same verdict, method,
   bound and trace for every cell.

Prints figures only; the exit code is always 0.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TWO_OF_EVERYTHING = ["--set", "SLOTS=2", "--set", "WRITES=2", "--set", "SWAPOUTS=2"]
PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class Run:
    exit_code: int
    wall: float
    cpu: float  # user + system time of the run and its children
    report: dict

    def cells(self) -> list[dict]:
        return [dict(r, spec=s["name"]) for s in self.report.get("specs", []) for r in s["results"]]


def check(*args: str, keep: frozenset[int] = frozenset()) -> Run:
    """One `specdsl check` run with a JSON report (`keep`: children of ours that are not its)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "specdsl", "check", *args, "--format", "json"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    _reap_orphans(keep)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        report = {}
    return Run(proc.returncode, wall, cpu, report)


def _reap_orphans(keep: frozenset[int]) -> None:
    """Wait for the run's orphans (forkserver, workers), which came to this subreaper."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if not _children() - keep:
                return
            time.sleep(0.05)


def _children() -> set[int]:
    me = str(os.getpid())
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            out.add(int(stat.parent.name))
    return out


def fingerprint(run: Run) -> list[tuple[object, ...]]:
    """What must not depend on the machine's load: per cell, the verdict, method, bound and trace."""
    return sorted(
        (c["spec"], c["property"], c["engine"], c["verdict"], c["method"], c["bound"], json.dumps(c["trace"]))
        for c in run.cells()
    )


def summary(run: Run) -> str:
    cells = run.cells()
    failed = [c for c in cells if c["verdict"] in ("unknown", "error")]
    unknown = [f"{c['spec']}.{c['property']} [{c['engine']}]" for c in failed]
    return (
        f"exit {run.exit_code}, {len(cells)} cells, {len(unknown)} unknown/error"
        + (f" ({', '.join(unknown[:5])})" if unknown else "")
        + f", {run.wall:.1f} s wall, {run.cpu:.1f} CPU-s"
    )


def liveness(run: Run) -> str:
    z3 = [c for c in run.cells() if c["engine"] == "z3" and c["kind"] == "temporal"]
    held = [c for c in z3 if c["verdict"] == "holds"]
    proved = [c for c in held if c["bound"] is None]
    bounded = [f"{c['spec']}.{c['property']}" for c in held if c["bound"] is not None]
    return f"{len(proved)} of {len(held)} holding Z3 liveness cells proved" + (
        f"; only bounded: {', '.join(bounded)}" if bounded else ""
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-big", action="store_true", help="leave out the two-of-everything run")
    args = parser.parse_args()
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("cannot become a child subreaper (Linux only)")

    whole = check("specs/")
    print(f"1. specdsl check specs/: {summary(whole)}; {whole.wall / 30:.2f}x the 30 s goal")

    tlc, z3 = [], []
    for _ in range(args.repeat):  # alternately, so that a change of load hits both
        tlc.append(check("specs/", "--engine", "tlc"))
        z3.append(check("specs/", "--engine", "z3"))
    t, z = statistics.median(r.wall for r in tlc), statistics.median(r.wall for r in z3)
    tc, zc = statistics.median(r.cpu for r in tlc), statistics.median(r.cpu for r in z3)
    print(
        f"2. --engine z3 {z:.1f} s ({zc:.1f} CPU-s) vs --engine tlc {t:.1f} s ({tc:.1f} CPU-s), "
        f"medians of {args.repeat}: {z / t:.2f}x (goal 1.5x)"
    )

    if not args.skip_big:
        big = check("specs/", *TWO_OF_EVERYTHING)
        print(f"3. two of everything: {summary(big)}; {big.wall / 300:.2f}x the 300 s goal")
        print(f"4. two of everything: {liveness(big)}")
    print(f"4. specs/: {liveness(whole)}")

    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        loaded = check("specs/", "--engine", "z3", keep=frozenset({busy.pid}))
    finally:
        busy.kill()
        busy.wait()
    same = fingerprint(loaded) == fingerprint(z3[0])
    print(
        f"5. --engine z3 idle vs beside a busy loop ({z3[0].wall:.1f} s vs {loaded.wall:.1f} s): "
        f"{'identical' if same else 'DIFFERENT'} verdicts, methods, bounds and traces"
    )


if __name__ == "__main__":
    main()
