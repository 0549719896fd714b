"""TLC on every spec: state space, throughput and wall time per model, then the
`tlc` engine's full check per spec (all properties) and how many TLC runs it took.

Baseline, measured in the same process: TLC on a one-variable module, i.e. the
fixed cost of a run (JVM start, SANY, TLC set-up).  Ratios are against it.

    python benchmarks/bench_tlc.py [SPEC_OR_DIR ...] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import time

from specdsl.engine import EngineOptions
from specdsl.loader import find_specs, load_system
from specdsl.tla import engine as engine_module
from specdsl.tla.emit import emit, render_config
from specdsl.tla.output import parse_messages, summarize
from specdsl.tla.run import locate, run_tlc

TRIVIAL = """---- MODULE trivial ----
VARIABLE x
Spec == x = 0 /\\ [][x' = x]_x
====
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["specs"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    tools = locate()

    def tlc(module: str, text: str, config: str) -> tuple[float, int | None, int | None]:
        inv = run_tlc(tools, module, text, config, workers=args.workers, timeout=600, deadlock=False)
        run = summarize(parse_messages(inv.stdout))
        if not run.complete:
            raise SystemExit(f"{module}: TLC did not complete: {run.error or run.verdict}")
        return inv.seconds, run.distinct, run.depth

    startup = min(tlc("trivial", TRIVIAL, "SPECIFICATION Spec\n")[0] for _ in range(3))
    print(f"baseline: a trivial TLC run takes {startup:.2f} s (JVM, SANY, set-up); workers = {args.workers}")
    print()
    print(f"{'spec':<20} {'model':<6} {'states':>9} {'depth':>5} {'wall s':>7} {'x base':>6} {'states/s':>9}")
    systems = [load_system(p, {}) for p in find_specs(args.paths)]
    for system in systems:
        emitted = emit(system)
        for model in system.models:
            config = render_config("bench", emitted.names.specs[model.name], (), (), False)
            seconds, states, depth = tlc(emitted.module, emitted.text, config)
            rate = (states or 0) / seconds
            print(
                f"{system.name:<20} {model.name:<6} {states:>9} {depth if depth is not None else '-':>5} "
                f"{seconds:>7.2f} {seconds / startup:>6.1f} {rate:>9.0f}"
            )
    print()
    print("`x base` is wall time / baseline: near 1, the run is all fixed cost and states/s says little.")
    print()

    runs = 0
    real_run = engine_module.run_tlc

    def counting(*a, **k):  # type: ignore[no-untyped-def]
        nonlocal runs
        runs += 1
        return real_run(*a, **k)

    engine_module.run_tlc = counting  # type: ignore[assignment]
    options = EngineOptions(workers=args.workers, timeout=600)
    print(f"{'spec':<20} {'properties':>10} {'TLC runs':>8} {'wall s':>7} {'x base':>6}")
    total = 0.0
    for system in systems:
        runs = 0
        start = time.monotonic()
        results = engine_module.TlcEngine().check(system, system.properties, options)
        seconds = time.monotonic() - start
        total += seconds
        bad = [r for r in results if r.verdict in ("error", "unknown")]
        note = f"  ({len(bad)} error/unknown: {bad[0].message})" if bad else ""
        ratio = seconds / startup
        print(f"{system.name:<20} {len(results):>10} {runs:>8} {seconds:>7.2f} {ratio:>6.1f}{note}")
    print(f"{'all':<20} {'':>10} {'':>8} {total:>7.2f} {total / startup:>6.1f}")


if __name__ == "__main__":
    main()
