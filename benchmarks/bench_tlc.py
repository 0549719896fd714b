"""TLC on every spec: state space, throughput and wall time per model, then the
`tlc` engine's full check per spec (all properties) and how many TLC runs it took,
each under both JVM profiles of `specdsl.tla.run` ("startup", the default, and
"throughput", the flags used before: tiered compilation, parallel GC).

Baseline, measured in the same process: TLC on a one-variable module, i.e. the
fixed cost of a run (JVM start, SANY, TLC set-up), per profile.  Ratios are
against the start-up profile's baseline.  The engine needs one run per model
with properties (the base model and RT: two per spec).

    python benchmarks/bench_tlc.py [SPEC_OR_DIR ...] [--workers N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import time
from typing import get_args

from specdsl.engine import EngineOptions
from specdsl.ir import System
from specdsl.loader import find_specs, load_system
from specdsl.tla import engine as engine_module
from specdsl.tla.emit import emit, render_config
from specdsl.tla.output import parse_messages, summarize
from specdsl.tla.run import JvmProfile, Tools, locate, run_tlc

TRIVIAL = """---- MODULE trivial ----
VARIABLE x
Spec == x = 0 /\\ [][x' = x]_x
====
"""
PROFILES: tuple[JvmProfile, ...] = get_args(JvmProfile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["specs"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the baseline per profile")
    args = parser.parse_args()
    tools = locate()
    systems = [load_system(p, {}) for p in find_specs(args.paths)]

    startup = {
        jvm: min(
            tlc(tools, "trivial", TRIVIAL, "SPECIFICATION Spec\n", args.workers, jvm)[0]
            for _ in range(args.repeat)
        )
        for jvm in PROFILES
    }
    base = startup["startup"]
    print(f"baseline: a trivial TLC run takes, with workers = {args.workers}:")
    for jvm in PROFILES:
        print(f"  {jvm:<10} {startup[jvm]:.2f} s (JVM, SANY, set-up)")
    print()
    model_table(tools, systems, args.workers, base)
    engine_table(systems, args.workers, base)


def tlc(
    tools: Tools, module: str, text: str, config: str, workers: int, jvm: JvmProfile
) -> tuple[float, int | None, int | None]:
    inv = run_tlc(
        tools, module, {module: text}, config, workers=workers, timeout=600, deadlock=False, jvm=jvm
    )
    run = summarize(parse_messages(inv.stdout))
    if not run.complete:
        raise SystemExit(f"{module}: TLC did not complete: {run.error or run.violations}")
    return inv.seconds, run.distinct, run.depth


def model_table(tools: Tools, systems: list[System], workers: int, base: float) -> None:
    """Each model's state space explored with no property, under each profile."""
    walls = "".join(f" {jvm + ' s':>13}" for jvm in PROFILES)
    print(f"{'spec':<20} {'model':<6} {'states':>9} {'depth':>5}{walls} {'x base':>6} {'states/s':>9}")
    for system in systems:
        emitted = emit(system)
        for model in system.models:
            config = render_config("bench", emitted.names.specs[model.name], (), (), False)
            seconds = {}
            for jvm in PROFILES:
                seconds[jvm], states, depth = tlc(tools, emitted.module, emitted.text, config, workers, jvm)
            wall = seconds["startup"]
            cells = "".join(f" {seconds[jvm]:>13.2f}" for jvm in PROFILES)
            print(
                f"{system.name:<20} {model.name:<6} {states:>9} {depth if depth is not None else '-':>5}"
                f"{cells} {wall / base:>6.1f} {(states or 0) / wall:>9.0f}"
            )
    print()
    print(
        "`x base` is start-up wall time / baseline: near 1, the run is all fixed cost (states/s says little)."
    )
    print()


def engine_table(systems: list[System], workers: int, base: float) -> None:
    """The engine's full check of each spec, counting its TLC runs."""
    runs = 0
    real_run = engine_module.run_tlc

    def counting(*a, **k):  # type: ignore[no-untyped-def]
        nonlocal runs
        runs += 1
        return real_run(*a, **k)

    engine_module.run_tlc = counting  # type: ignore[assignment]
    options = EngineOptions(workers=workers, timeout=600)
    walls = "".join(f" {jvm + ' s':>13}" for jvm in PROFILES)
    print(f"{'spec':<20} {'properties':>10} {'TLC runs':>8}{walls} {'x base':>6}")
    total = dict.fromkeys(PROFILES, 0.0)
    for system in systems:
        seconds = {}
        counts = {}
        notes = []
        for jvm in PROFILES:
            runs = 0
            start = time.monotonic()
            results = engine_module.TlcEngine(jvm=jvm).check(system, system.properties, options)
            seconds[jvm] = time.monotonic() - start
            counts[jvm] = runs
            total[jvm] += seconds[jvm]
            bad = [r for r in results if r.verdict in ("error", "unknown")]
            if bad:
                notes.append(f"{jvm}: {len(bad)} error/unknown: {bad[0].message}")
        cells = "".join(f" {seconds[jvm]:>13.2f}" for jvm in PROFILES)
        note = f"  ({'; '.join(notes)})" if notes else ""
        ratio = seconds["startup"] / base
        print(f"{system.name:<20} {len(results):>10} {counts['startup']:>8}{cells} {ratio:>6.1f}{note}")
    cells = "".join(f" {total[jvm]:>13.2f}" for jvm in PROFILES)
    print(f"{'all':<20} {'':>10} {'':>8}{cells} {total['startup'] / base:>6.1f}")
    ratio = total["throughput"] / total["startup"]
    print(f"\nthe start-up profile checks every spec {ratio:.2f}x as fast as the throughput profile")


if __name__ == "__main__":
    main()
