"""A test double for the engines: explicit search with the interpreter (via the
`oracle`), giving honest verdicts for invariants, witnesses and deadlock, with
per-property verdicts that a test can force."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ir_examples import lost_update
from oracle import StateGraph, explore, safety_verdict

from specdsl.commands.check import select_properties
from specdsl.driver import check_systems
from specdsl.engine import EngineOptions
from specdsl.interp import evaluate, initial_states
from specdsl.ir import Property, System
from specdsl.trace import Trace, build_trace
from specdsl.verdicts import CheckRun, Result


def shortest_trace(graph: StateGraph, prop: Property) -> Trace:
    """The shortest counterexample (or witness trace) for a safety property."""
    system = graph.system
    if prop.kind == "deadlock":
        target = min(graph.deadlocks, key=graph.depth.__getitem__)
    elif prop.kind == "witness":
        target = graph.first(lambda s: evaluate(prop.expr, s))
    else:
        target = graph.first(lambda s: not evaluate(prop.expr, s))
    return build_trace(system, graph.path_to(target))


@dataclass
class FakeEngine:
    """`verdicts` forces a verdict per property (a forced counterexample gets a
    bogus one-state trace); temporal properties are `unknown` unless forced.
    `bound` makes every "holds"/"unreachable" bounded; `lemmas` are attached to
    every "holds" (as by a proof); `raises` makes `check` raise; `sleep` makes it
    wait first on the specs it names (seconds).  As "tlc" it reports the state count and the search depth.

    The instance is its own factory (picklable, as the driver's worker processes
    need).  A check runs in a worker process, so it records its calls in the
    file `log`, if given: `calls` and `pids` read them back."""

    name: str
    method: str = "explicit"
    verdicts: dict[str, str] = field(default_factory=dict)
    bound: int | None = None
    lemmas: tuple[str, ...] = ()
    raises: Exception | None = None
    sleep: dict[str, float] = field(default_factory=dict)
    log: Path | None = None

    def __call__(self) -> FakeEngine:
        return self

    def check(self, system: System, properties: Sequence[Property], options: EngineOptions) -> list[Result]:
        if self.log is not None:
            with open(self.log, "a") as f:
                f.write(
                    json.dumps({"spec": system.name, "pid": os.getpid(), "options": asdict(options)}) + "\n"
                )
        time.sleep(self.sleep.get(system.name, 0.0))
        if self.raises is not None:
            raise self.raises
        graph = explore(system)
        return [self._one(graph, p) for p in properties]

    def logged(self) -> list[dict]:
        """The calls so far: spec, pid and options (as a dict) of each."""
        assert self.log is not None, "give the fake a log file to see its calls"
        return [json.loads(line) for line in self.log.read_text().splitlines()] if self.log.exists() else []

    @property
    def calls(self) -> list[EngineOptions]:
        return [EngineOptions(**entry["options"]) for entry in self.logged()]

    @property
    def pids(self) -> list[int]:
        return [entry["pid"] for entry in self.logged()]

    def _one(self, graph: StateGraph, p: Property) -> Result:
        system = graph.system
        tlc = self.name == "tlc"
        base = Result(
            system.name,
            p.name,
            p.kind,
            self.name,  # type: ignore[arg-type]
            self.method,  # type: ignore[arg-type]
            "unknown",
            states=len(graph.parent) if tlc else None,
            diameter=graph.diameter if tlc else None,
        )
        forced = self.verdicts.get(p.name)
        if forced in ("violated", "reached"):
            return base.with_(verdict=forced, trace=build_trace(system, [next(initial_states(system))]))
        if forced is not None:
            return base.with_(verdict=forced, bound=self.bound, message=f"forced {forced}\nsecond line")
        if p.kind == "temporal":
            return base.with_(message="temporal properties are not supported by the fake engine")
        verdict, _ = safety_verdict(graph, p)
        if verdict in ("violated", "reached"):
            return base.with_(verdict=verdict, trace=shortest_trace(graph, p))
        return base.with_(verdict=verdict, bound=self.bound, lemmas=self.lemmas if verdict == "holds" else ())


def run_matrix(systems: Sequence[System] = (), names: Sequence[str] = (), **engines: FakeEngine) -> CheckRun:
    """The driver's matrix for `systems` (default: the lost update) with these engines."""
    selected = select_properties(list(systems) or [lost_update()], names)
    return check_systems(selected, list(engines), factories(**engines), EngineOptions(workers=1))


def factories(**engines: FakeEngine) -> dict[str, object]:
    """An engine registry for the driver, in the order given (each fake is its own factory)."""
    return dict(engines)
