"""`specdsl check`: load and select, run the engines (`driver`), report.

`ENGINES` is the registry of the real engines, in run order; `run_check`
takes another mapping for tests.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from specdsl.atomic import write_atomic
from specdsl.driver import EngineFactory, check_systems
from specdsl.engine import Engine, EngineOptions
from specdsl.ir import Property, System
from specdsl.verdicts import CheckRun


def _tlc_engine() -> Engine:
    from specdsl.tla.engine import TlcEngine

    return TlcEngine()


def _z3_engine() -> Engine:
    from specdsl.smt.engine import Z3Engine

    return Z3Engine()


# In run order: TLC's diameter (its complete search depth) is handed to the engines after it.
ENGINES: dict[str, EngineFactory] = {"tlc": _tlc_engine, "z3": _z3_engine}


class BadInput(Exception):
    """Bad specs or usage: the message is printed as is and the exit code is 2."""


# ---------------------------------------------------------------------------
# Input


def load_systems(
    paths: Sequence[str], overrides: Mapping[str, int], allow_import_outside: bool = False
) -> list[System]:
    """Every protocol spec under `paths`; all load errors at once."""
    from specdsl.lang.errors import SpecError
    from specdsl.lang.loader import find_specs, load_system

    try:
        files = find_specs(paths)
    except SpecError as exc:
        raise BadInput(exc.render().rstrip("\n")) from None
    if not files:
        raise BadInput(f"specdsl: no protocol spec (a .sw file declaring a process) in {' '.join(paths)}")
    systems, errors = [], []
    for f in files:
        try:
            systems.append(load_system(f, overrides, allow_import_outside=allow_import_outside))
        except SpecError as exc:
            errors.append(exc.render().rstrip("\n"))
    if errors:
        raise BadInput("\n".join(errors))
    return systems


def select_properties(
    systems: Sequence[System], names: Sequence[str]
) -> list[tuple[System, tuple[Property, ...]]]:
    """The properties to check in each system (all when `names` is empty).  A
    name no spec declares is an error; specs declaring none of them are dropped."""
    if not names:
        return [(s, s.properties) for s in systems]
    known = list(dict.fromkeys(p.name for s in systems for p in s.properties))
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            owner = f"{systems[0].name} declares" if len(systems) == 1 else "the specs declare"
            raise BadInput(f"specdsl: unknown property {name}{hint}; {owner}: {', '.join(known)}")
    chosen = [(s, tuple(p for p in s.properties if p.name in names)) for s in systems]
    return [(s, props) for s, props in chosen if props]


# ---------------------------------------------------------------------------
# The command


def run_check(
    args: argparse.Namespace, overrides: Mapping[str, int], engines: Mapping[str, EngineFactory] = ENGINES
) -> int:
    try:
        if args.output and not Path(args.output).resolve().parent.is_dir():
            raise BadInput(f"specdsl: --output {args.output}: no such directory")
        if args.output and Path(args.output).resolve().is_dir():
            raise BadInput(f"specdsl: --output {args.output} is a directory")
        selected = select_properties(
            load_systems(args.paths, overrides, args.allow_import_outside), args.properties
        )
    except BadInput as exc:
        print(exc, file=sys.stderr)
        return 2
    names = tuple(engines) if args.engine == "all" else (args.engine,)
    options = EngineOptions(
        **({} if args.depth is None else {"depth": args.depth}),
        timeout=args.timeout,
        workers=args.workers,
        tla2tools=args.tla2tools,
    )
    with _progress(len(selected) * len(names)) as tick:
        run = check_systems(selected, names, engines, options, tick)
    try:
        _emit(run, args)
    except OSError as exc:
        print(f"specdsl: cannot write the report: {exc}", file=sys.stderr)
        if run.interruption is None:
            return 2
    if run.interruption is not None:
        print(f"specdsl: {run.interruption}", file=sys.stderr)
    for line in failures(run, tuple(engines)):
        print(f"specdsl: {line}", file=sys.stderr)
    return run.exit_code


def failures(run: CheckRun, engines: Sequence[str]) -> list[str]:
    """One line per cause of `error` results (exit code 3): which engine could not
    check what, why, and how to ask for the other engine alone."""
    causes: dict[tuple[str, str], list[str]] = {}
    for spec, j in run.all_judged():
        if j.result.verdict == "error":
            where = f"{spec.system.name} · {j.result.property}"
            causes.setdefault((j.result.engine, j.result.message or "no message"), []).append(where)
    lines = []
    for (engine, message), places in causes.items():
        what = places[0] if len(places) == 1 else f"{len(places)} properties"
        hint = "".join(f"; --engine {e} checks with {e} alone" for e in engines if e != engine)
        lines.append(f"{engine} could not check {what}: {message}{hint}")
    return lines


def _emit(run: CheckRun, args: argparse.Namespace) -> None:
    diagrams = args.trace == "diagram"
    to_terminal = args.output is None and sys.stdout.isatty()
    if args.format == "json":
        from specdsl.report.json import render

        text = render(run)
    elif args.format == "markdown":
        from specdsl.report.markdown import render

        text = render(run, diagrams=diagrams)
    elif args.format == "junit":
        from specdsl.report.junit import render

        text = render(run)
    else:
        from specdsl.report.table import render

        width = shutil.get_terminal_size().columns if to_terminal else 160
        text = render(run, diagrams=diagrams, color=to_terminal, width=width)
    if args.output:
        from specdsl.report.output import write_report

        write_report(Path(args.output), text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if args.format != "table" or args.output:
        _print_summary(run, args.output)
    if args.trace == "itf":
        folder = Path(args.output).resolve().parent if args.output else Path.cwd()
        written = write_itf(run, folder)
        print(f"specdsl: wrote {len(written)} ITF trace(s) to {folder}", file=sys.stderr)


def _print_summary(run: CheckRun, output: str | None) -> None:
    from specdsl.report.table import summary

    for spec in run.specs:
        for d in spec.disagreements:
            where = f"{spec.system.name} · {d.first.property}"
            print(f"specdsl: DISAGREEMENT {where}: {d.reason}", file=sys.stderr)
    report = f" (report in {output})" if output else ""
    print(f"specdsl: {summary(run)}{report}", file=sys.stderr)


def write_itf(run: CheckRun, folder: Path) -> list[Path]:
    """One ITF file per result with a trace, named `spec.property.engine.itf.json`."""
    from specdsl.report import itf

    written = []
    for spec, j in run.all_judged():
        if j.result.trace is not None:
            path = folder / itf.file_name(spec.system, j.result)
            write_atomic(path, itf.dumps(spec.system, j.result))
            written.append(path)
    return written


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Callable[[str, str], None]]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield lambda spec, engine: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("checking", total=total)

        def tick(spec: str, engine: str) -> None:
            bar.update(task, advance=1, description=f"checked {spec} ({engine})")

        yield tick
