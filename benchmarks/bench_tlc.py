"""TLC on every spec: state space, throughput and wall time per model, then the
`tlc` engine's full check per spec (all properties) and how many TLC runs it took,
each under both JVM profiles of `specdsl.tla.run` ("startup", the default, and
"throughput", the flags used before: tiered compilation, parallel GC).

Baseline, measured in the same process: TLC on a one-variable module, i.e. the
fixed cost of a run (JVM start, SANY, TLC set-up), per profile.  Ratios are
against the start-up profile's baseline.  The engine needs one run per model
with properties (the base model and RT: two per spec).

Last, the class-data-sharing archive (`specdsl.tla.cds`): the wall and CPU
time of one run (the trivial module, and the first spec's base model) with
and without it, measured alternately (without, with, without, ...: a change
in the machine's load hits both), medians; and what writing it costs once.

    python benchmarks/bench_tlc.py [SPEC_OR_DIR ...] [--workers N] [--repeat N] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import get_args

from specdsl.engine import EngineOptions
from specdsl.ir import System
from specdsl.lang.loader import find_specs, load_system
from specdsl.tla import engine as engine_module
from specdsl.tla.cds import class_archive
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
    parser.add_argument("--rounds", type=int, default=5, help="alternate runs with and without the archive")
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
    archive_table(tools, systems[:1], args.rounds)


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


def archive_table(tools: Tools, systems: list[System], rounds: int) -> None:
    """One run's wall and CPU time without and with the class-data archive,
    written first into a fresh directory (not the user's cache)."""
    runs = [("trivial", "trivial", {"trivial": TRIVIAL}, "SPECIFICATION Spec\n")]
    for system in systems:
        emitted = emit(system)
        config = render_config("bench", "Spec", (), (), False)
        runs.append((f"{system.name} (base model)", emitted.module, {emitted.module: emitted.text}, config))
    with tempfile.TemporaryDirectory(prefix="specdsl-bench-cds-") as directory:
        with class_archive(tools, Path(directory)) as writing:
            assert writing != tools, "this Java cannot write a class-data archive"
            first = measured(writing, *runs[0][1:])
        with class_archive(tools, Path(directory)) as archived:
            assert any("SharedArchiveFile" in f for f in archived.jvm_flags), "the archive was not written"
            print(f"class-data archive, one TLC run, medians of {rounds} alternate runs without and with it:")
            print(f"{'run':<28} {'wall s':>7} {'with':>7} {'CPU s':>7} {'with':>7}")
            for name, *run in runs:
                samples: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
                for _ in range(rounds):
                    for with_archive in (False, True):
                        samples[with_archive].append(measured(archived if with_archive else tools, *run))
                wall = [statistics.median(w for w, _ in samples[x]) for x in (False, True)]
                cpu = [statistics.median(c for _, c in samples[x]) for x in (False, True)]
                print(f"{name:<28} {wall[0]:>7.2f} {wall[1]:>7.2f} {cpu[0]:>7.2f} {cpu[1]:>7.2f}")
    print(f"writing the archive (the first run, once): {first[0]:.2f} s wall, {first[1]:.2f} CPU-s")


def measured(tools: Tools, module: str, modules: dict[str, str], config: str) -> tuple[float, float]:
    """Wall and CPU seconds (JVM included) of one run of TLC with one worker."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    inv = run_tlc(tools, module, modules, config, workers=1, timeout=600, deadlock=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if not summarize(parse_messages(inv.stdout)).complete:
        raise SystemExit(f"{module}: TLC did not complete")
    return inv.seconds, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


if __name__ == "__main__":
    main()
