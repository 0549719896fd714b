"""Figures for the Z3 engine, in CPU seconds of this process (Z3 runs in-process).

1. Every spec as the driver checks it: one `Z3Engine.check` with every property,
   given the breadth-first depth of the state graph (what TLC reports): safety
   proved by strengthening, or complete BMC to that depth for the rest; temporal
   properties to `--lasso-depth`; per property the verdict,
   the method, the trace length and the seconds; the total (target: 40 s); and
   the time per depth of a BMC run to depth 30 with one goal that is never reached.
2. Encoding and search choices on one spec (`--compare`, default pte_marker), as
   ratios against the kept configuration measured in this process: BMC with and
   without partial-order reduction, with assumption literals instead of push/pop,
   with the earlier per-leaf if-chain transition relation, with integers instead
   of bit-vectors (at depth 12: they are much slower); lasso search with
   one query per depth instead of per chunk, without the prefix bound.
3. Two specs checked one after the other and on two threads at once (wall time).
4. Proofs, as `--engine z3` runs them (no TLC depth): per spec, the safety
   properties with their method and seconds, and the work (Z3 resource units) the
   strengthening spends, against its CPU seconds (how the deterministic budgets of
   `smt/engine.py` relate to time); then, on the `--compare` spec, the inductive
   strengthening against k-induction alone (k <= 12) and Spacer alone (`PROOF_WORK`
   each), per property: outcome and seconds.
5. Idle and loaded (`--load`, or alone with `--only-load`): every spec checked as in 1
   with the machine as it is ("alone"), then beside a CPU-burning busy loop (a
   subprocess): are the results (verdicts, methods, bounds, lemmas, messages, traces)
   identical; the wall seconds of both, and the load average.

    python benchmarks/bench_z3.py [--lasso-depth K] [--compare SPEC] [--no-compare] [--no-threads]
                                  [--no-proofs] [--load | --only-load] [SPEC ...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import z3

from specdsl.engine import EngineOptions
from specdsl.interp import initial_states, successors
from specdsl.ir import SAFETY_KINDS, Model, System
from specdsl.lang.loader import load_system
from specdsl.smt.bmc import Goal, bmc
from specdsl.smt.encode import Encoding
from specdsl.smt.engine import OUT_OF_TYPES, PROOF_WORK, Z3Engine, proof_goal
from specdsl.smt.induction import k_induction
from specdsl.smt.lasso import search
from specdsl.smt.pdr import pdr
from specdsl.smt.solver import NEVER, Budget
from specdsl.smt.strengthen import Sample, Strengthening, strengthen
from specdsl.verdicts import Result

SPECS = Path(__file__).parent.parent / "specs"
ALL = [p.stem for p in sorted(SPECS.glob("*.sw")) if p.stem != "swapin_common"]
BMC_DEPTH = 22  # the BMC figure the brief quotes for pte_marker
BMC_PER_DEPTH = 30  # the issue quotes ~2.5 s to depth 30 on pte_marker (a hand-written encoding)


def bfs_depth(system: System) -> int:
    """The depth of a complete breadth-first search (the depth TLC reports, minus one)."""
    depth = dict.fromkeys(initial_states(system), 0)
    queue = deque(depth)
    while queue:
        s = queue.popleft()
        for _, n in successors(system, s):
            if n not in depth:
                depth[n] = depth[s] + 1
                queue.append(n)
    return max(depth.values())


def cpu(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.process_time()
    out = fn()
    return time.process_time() - t0, out


def goals(enc: Encoding) -> list[Goal]:
    out = [Goal(OUT_OF_TYPES, z3.Not(enc.dom()))]
    for p in enc.system.properties:
        if p.kind == "deadlock":
            out.append(Goal(p.name, enc.deadlock(p.expr)))
        elif p.kind in ("invariant", "witness"):
            good = enc.pred(p.expr)  # type: ignore[arg-type]
            out.append(Goal(p.name, good if p.kind == "witness" else z3.Not(good)))
    return out


# -- 1. every spec


def check_all(names: list[str], lasso_depth: int) -> None:
    print(f"1. Z3Engine.check, every property (safety complete, temporal to depth {lasso_depth})")
    total = 0.0
    for name in names:
        system = load_system(SPECS / f"{name}.sw")
        depth = bfs_depth(system)
        opts = EngineOptions(depth=lasso_depth, timeout=600, diameter=depth)
        seconds, rows = cpu(lambda s=system, o=opts: Z3Engine().check(s, s.properties, o))  # type: ignore[misc]
        total += seconds
        print(f"  {name:<18} complete depth {depth:2}: {seconds:6.2f}s", flush=True)
        for r in rows:  # type: ignore[attr-defined]
            trace = f"trace {len(r.trace):2}" if r.trace else "        "
            print(f"    {r.property:<17} {r.verdict:<10} {r.method:<6} {trace} {r.seconds:6.2f}s")
        enc = Encoding(system)
        run = bmc(enc, goals(enc)[:1], BMC_PER_DEPTH, NEVER)  # "a variable leaves its type"
        per_depth = " ".join(f"{t:.2f}" for t in run.depth_seconds)
        print(f"    BMC per depth 0..{BMC_PER_DEPTH} (s): {per_depth}; total {sum(run.depth_seconds):.2f}s")
    print(f"  total {total:.1f}s")


# -- 2. choices, as ratios


class IfChain(Encoding):
    """The earlier transition relation: per leaf, an if-chain over the actions changing it."""

    def trans(self, model: Model | None = None, stutter: bool = False) -> z3.BoolRef:
        assert not stutter
        tm = self.tm
        parts = [self.dom(), z3.ULT(self.sel, len(self.ground))]
        parts += [tm.implies(self.is_sel(i), en) for i, en in enumerate(self.enabled(model))]
        for j, (post, pre) in enumerate(zip(self.post, self.pre)):
            value = pre
            for i in reversed(range(len(self.ground))):
                if j in self.effects[i]:
                    value = z3.If(self.is_sel(i), self.effects[i][j], value)
            parts.append(post == value)
        return tm.and_(*parts)


def ratios(label: str, runs: dict[str, Callable[[], object]]) -> None:
    """Time each run; the first is the kept configuration, the others are ratios to it."""
    base = 0.0
    for i, (name, run) in enumerate(runs.items()):
        seconds, _ = cpu(run)
        base = base or seconds
        note = "(kept)" if i == 0 else f"{seconds / base:5.1f}x"
        print(f"  {label:<9} {name:<36} {seconds:6.2f}s  {note}", flush=True)


def compare(name: str, lasso_depth: int) -> None:
    system = load_system(SPECS / f"{name}.sw")
    print(f"\n2. choices on {name}")

    def run_bmc(
        depth: int, bv: bool = True, cls: type[Encoding] = Encoding, **options: object
    ) -> Callable[[], object]:
        def run() -> object:
            enc = cls(system, bv=bv)
            return bmc(enc, goals(enc), depth, NEVER, **options)  # type: ignore[arg-type]

        return run

    ratios(
        f"BMC {BMC_DEPTH}",
        {
            "disjunction, reduction, push/pop": run_bmc(BMC_DEPTH),
            "without partial-order reduction": run_bmc(BMC_DEPTH, reduce=False),
            "assumption literals": run_bmc(BMC_DEPTH, incremental="assumptions"),
            "per-leaf if-chains (earlier)": run_bmc(BMC_DEPTH, cls=IfChain, reduce=False),
        },
    )
    ratios("BMC 12", {"bit-vectors, QF_BV": run_bmc(12), "integers, default solver": run_bmc(12, bv=False)})

    temporal = [p for p in system.properties if p.kind == "temporal"]
    diameter = bfs_depth(system)

    def run_lasso(**options: object) -> Callable[[], object]:
        def run() -> object:
            enc = Encoding(system)
            for p in temporal:
                search(enc, system.model(p.model), [(p.name, p.formula)], lasso_depth, NEVER, **options)  # type: ignore[arg-type, list-item]
            return None

        return run

    ratios(
        f"lasso {lasso_depth}",
        {
            "chunks, prefix bound": run_lasso(diameter=diameter),
            "one query per depth": run_lasso(diameter=diameter, chunk=1),
            "without the prefix bound": run_lasso(),
        },
    )


# -- 3. threads


def threads(names: list[str]) -> None:
    systems = [load_system(SPECS / f"{n}.sw") for n in names]
    opts = [EngineOptions(depth=20, timeout=600, diameter=bfs_depth(s)) for s in systems]

    def one(i: int) -> object:
        return Z3Engine().check(systems[i], systems[i].properties, opts[i])

    t0 = time.monotonic()
    for i in range(len(systems)):
        one(i)
    sequential = time.monotonic() - t0
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(systems)) as pool:
        list(pool.map(one, range(len(systems))))
    parallel = time.monotonic() - t0
    print(f"\n3. {' + '.join(names)}, wall time: one after the other {sequential:.2f}s, ", end="")
    print(f"on {len(systems)} threads {parallel:.2f}s ({sequential / parallel:.2f}x)")


# -- 4. proofs


def proofs(names: list[str], compare_with: str | None) -> None:
    print("\n4. proofs without TLC's depth (safety properties, BMC to 30 for the rest)")
    total = 0.0
    for name in names:
        system = load_system(SPECS / f"{name}.sw")
        safety = [p for p in system.properties if p.kind != "temporal"]
        seconds, rows = cpu(
            lambda s=system, ps=safety: Z3Engine().check(s, ps, EngineOptions(depth=30, timeout=600))
        )  # type: ignore[misc]
        total += seconds
        methods = Counter(f"{r.verdict} by {r.method}" for r in rows)  # type: ignore[attr-defined]
        print(f"  {name:<18} {seconds:6.2f}s  " + ", ".join(f"{n} {m}" for m, n in sorted(methods.items())))
        work_per_second(system)
    print(f"  total {total:.1f}s")
    if compare_with is None:
        return
    system = load_system(SPECS / f"{compare_with}.sw")
    enc = Encoding(system)
    invariants = [p for p in system.properties if p.kind == "invariant"]
    goods = [z3.And(enc.pred(p.expr), enc.dom()) for p in invariants]  # type: ignore[arg-type]
    seconds, out = cpu(lambda: strengthen(enc, goods, Budget(None, NEVER), Sample.of(system)))
    found: Strengthening = out  # type: ignore[assignment]
    print(
        f"  {compare_with}: inductive strengthening {seconds:.2f}s for all {len(goods)} invariants, ", end=""
    )
    print(f"{found.rounds} rounds, {len(found.lemmas)} lemmas, {len(found.proved)} proved (kept)")
    for p, good in zip(invariants, goods):
        ki_s, ki = cpu(lambda g=good: k_induction(enc, g, 12, Budget(PROOF_WORK, NEVER)))  # type: ignore[misc]
        pdr_s, pr = cpu(lambda g=good: pdr(enc, g, Budget(PROOF_WORK, NEVER)))  # type: ignore[misc]
        ki_text = f"k-induction alone {ki.status:<7} {ki_s:6.2f}s"  # type: ignore[attr-defined]
        print(f"    {p.name:<15} {ki_text}   Spacer alone {pr.status:<7} {pdr_s:6.2f}s")  # type: ignore[attr-defined]


def work_per_second(system: System) -> None:
    """The work the one strengthening of `system` spends (as `--engine z3` runs it), and its CPU time."""
    enc = Encoding(system)
    budget = Budget(None, NEVER)
    props = [p for p in system.properties if p.kind in SAFETY_KINDS]
    seconds, _ = cpu(lambda: strengthen(enc, [proof_goal(enc, p) for p in props], budget, Sample.of(system)))
    rate = budget.spent / seconds / 1e6
    print(f"  {'':<18} strengthening: {budget.spent:>12,} units in {seconds:5.2f} CPU s ({rate:.1f} M/s)")


# -- 5. idle and loaded


@contextlib.contextmanager
def busy_loop() -> Iterator[None]:
    """A subprocess that burns a CPU while the block runs."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


def under_load(names: list[str], lasso_depth: int) -> None:
    title = f"every property, temporal to depth {lasso_depth}"
    print(f"\n5. alone and beside a busy loop ({title}): the same results?")

    def run(system: System, opts: EngineOptions) -> tuple[float, list[Result]]:
        t0 = time.monotonic()
        rows = Z3Engine().check(system, system.properties, opts)
        return time.monotonic() - t0, [r.with_(seconds=0.0) for r in rows]

    for name in names:
        system = load_system(SPECS / f"{name}.sw")
        opts = EngineOptions(depth=lasso_depth, timeout=600, diameter=bfs_depth(system))
        idle_s, idle = run(system, opts)
        with busy_loop():
            busy_s, busy = run(system, opts)
        differ = [a.property for a, b in zip(idle, busy) if a != b]
        same = f"DIFFERENT: {', '.join(differ)}" if differ else "identical"
        times = f"alone {idle_s:6.2f}s, beside a busy loop {busy_s:6.2f}s wall"
        print(f"  {name:<18} {times} (load average {os.getloadavg()[0]:.1f}): {same}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("specs", nargs="*", default=ALL)
    parser.add_argument("--lasso-depth", type=int, default=30)
    parser.add_argument("--compare", default="pte_marker")
    parser.add_argument("--no-compare", action="store_true")
    parser.add_argument("--no-threads", action="store_true")
    parser.add_argument("--no-proofs", action="store_true")
    parser.add_argument("--load", action="store_true")
    parser.add_argument("--only-load", action="store_true")
    args = parser.parse_args()
    if args.only_load:
        under_load(args.specs, args.lasso_depth)
        return
    check_all(args.specs, args.lasso_depth)
    if not args.no_compare:
        compare(args.compare, args.lasso_depth)
    if not args.no_threads:
        threads(["always_swapcache", "pte_marker_locked"])
    if not args.no_proofs:
        proofs(args.specs, None if args.no_compare else args.compare)
    if args.load:
        under_load(args.specs, args.lasso_depth)


if __name__ == "__main__":
    main()
