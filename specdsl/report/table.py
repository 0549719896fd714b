"""The terminal report: the verdict matrix (fixes as rows, properties as
columns), a summary, notes on unexpected and missing results, disagreements
with both traces, and the counterexample diagrams."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from specdsl.report import diagram
from specdsl.verdicts import CheckRun, Disagreement, Judged, SpecOutcome, Status, verdict_text

MARK = {"unexpected": "✗ ", "no result": "? "}
LEGEND = "✗ unexpected verdict   ≠ the engines disagree   ? no result (unknown or error)"


def render(run: CheckRun, *, diagrams: bool, color: bool, width: int) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=color, no_color=not color, highlight=False)
    for table in matrices(run, width):
        console.print(table)
    console.print(LEGEND, style="dim")
    incomplete = incomplete_note(run)
    if incomplete:
        console.print(incomplete, style="bold red", markup=False)
    console.print(summary(run), style="bold red" if run.exit_code else "bold green", markup=False)
    remarks = notes(run)
    if remarks:
        console.print()
        for status, where, what in remarks:
            console.print(f"{MARK[status]}{where}: {what}", markup=False)
    for spec in run.specs:
        for d in spec.disagreements:
            _print_disagreement(console, spec, d)
    if diagrams:
        for spec in run.specs:
            for group in spec.counterexamples():
                console.print()
                console.print(Rule(group_title(spec, group), style="dim"))
                console.out(diagram.render(spec.system, group[0].result), highlight=False)
    invariants = [(spec.system.name, *spec.invariant()) for spec in run.specs]
    if any(lemmas for _, _, lemmas in invariants):
        console.print()
        for name, proved, lemmas in invariants:
            if lemmas:
                console.print(
                    f"{invariant_title(name, proved, lemmas)}; --format markdown lists them", markup=False
                )
    return out.getvalue()


def invariant_title(spec: str, proved: list[str], lemmas: tuple[str, ...]) -> str:
    """`pte_marker: NoStaleMap, NoLeak proved by an inductive invariant of 28 lemmas (z3)`."""
    n = len(lemmas)
    return f"{spec}: {', '.join(proved)} proved by an inductive invariant of {n} lemma{'s' * (n != 1)} (z3)"


def group_title(spec: SpecOutcome, group: list[Judged]) -> str:
    """`baseline · NoStaleMap: violated @8 (tlc); the same trace refutes NoLostData`."""
    r = group[0].result
    title = f"{spec.system.name} · {r.property}: {verdict_text(r)} ({r.engine})"
    if len(group) > 1:
        title += "; the same trace refutes " + ", ".join(j.result.property for j in group[1:])
    return title


# One line of a cell: what the engine said (`tlc violated @8`), its strength
# (`(bounded ≤30)`, may go on a line of its own) and the style.
Line = tuple[str, str, str]


def matrices(run: CheckRun, width: int) -> list[Table]:
    """The matrix, in blocks of property columns that each fit in `width`.
    Columns take their natural width when the whole matrix fits; otherwise a
    cell line may break before its strength, and the columns are split into
    as many blocks as needed, so a narrow terminal never garbles a cell."""
    props = list(dict.fromkeys(p.name for spec in run.specs for p in spec.properties))
    cells = {(s.system.name, name): _cell(s, name, len(run.engines) > 1) for s in run.specs for name in props}

    def column_width(name: str, broken: bool) -> int:
        lines = [line for s in run.specs for line in cells[s.system.name, name]]
        fits = [
            max(len(head), len(strength)) if broken else len(_join(head, strength))
            for head, strength, _ in lines
        ]
        return max([len(name), *fits])

    fix_width = max([len("fix"), *(len(spec.system.name) for spec in run.specs)])
    margin = 1 + fix_width + 3  # a border, the fix column and its padding
    widths = {name: column_width(name, broken=False) for name in props}
    if margin + sum(w + 3 for w in widths.values()) > width:
        widths = {name: column_width(name, broken=True) for name in props}
    blocks: list[list[str]] = [[]]
    used = margin
    for name in props:
        if blocks[-1] and used + widths[name] + 3 > width:
            blocks.append([])
            used = margin
        blocks[-1].append(name)
        used += widths[name] + 3
    tables = []
    for block in blocks:
        table = Table(box=box.ROUNDED, show_lines=len(run.engines) > 1, header_style="bold")
        table.add_column("fix", style="bold", no_wrap=True)
        for name in block:
            table.add_column(name, width=widths[name], no_wrap=True)
        for spec in run.specs:
            table.add_row(
                spec.system.name, *(_text(cells[spec.system.name, name], widths[name]) for name in block)
            )
        tables.append(table)
    return tables


def _join(head: str, strength: str) -> str:
    return f"{head} {strength}" if strength else head


def _text(lines: list[Line], width: int) -> Text:
    if not lines:
        return Text("—", style="dim")
    text = Text()
    for head, strength, style in lines:
        one = _join(head, strength)
        text.append(
            ("\n" if text else "") + (one if len(one) <= width else f"{head}\n{strength}"), style=style
        )
    return text


def _cell(spec: SpecOutcome, prop: str, name_engines: bool) -> list[Line]:
    disagree = spec.disagreement_for(prop) is not None
    lines = []
    for j in spec.results_for(prop):
        mark = "≠ " if disagree else MARK.get(j.status, "")
        engine = f"{j.result.engine} " if name_engines else ""
        verdict, paren, strength = verdict_text(j.result).partition(" (")
        lines.append((f"{mark}{engine}{verdict}", paren.strip() + strength, _style(j, disagree)))
    return lines


def _style(j: Judged, disagree: bool) -> str:
    if disagree:
        return "bold white on red"
    if j.status == "unexpected":
        return "bold red"
    if j.status == "no result":
        return "magenta"
    return "yellow" if j.result.verdict == "violated" else "green"


CATEGORIES = ("as expected", "unexpected", "disagreeing", "unknown", "error")


def category(spec: SpecOutcome, j: Judged) -> str:
    """The one summary category of a cell (a result)."""
    if spec.disagreement_for(j.result.property) is not None:
        return "disagreeing"
    if j.status != "no result":
        return j.status
    return "error" if j.result.verdict == "error" else "unknown"


def summary(run: CheckRun) -> str:
    """Counts of every cell by category (they add up to the number of results),
    then the properties with an unknown or error cell, by name."""
    counts = dict.fromkeys(CATEGORIES, 0)
    for spec, j in run.all_judged():
        counts[category(spec, j)] += 1
    props = sum(len(spec.properties) for spec in run.specs)
    line = (
        f"{len(run.specs)} spec(s), {props} properties, {sum(counts.values())} results: "
        + ", ".join(f"{n} {kind}" for kind, n in counts.items())
        + f" ({run.seconds:.1f} s)"
    )
    undecided = [text for spec in run.specs if (text := _undecided(spec))]
    return line + ("; unknown or error: " + "; ".join(undecided) if undecided else "")


def _undecided(spec: SpecOutcome) -> str:
    """`prepare_timeout: FaultCompletes (z3 unknown)`, or `baseline: every property
    (tlc error)` when one failure took them all; "" when every cell has a verdict."""
    cells: dict[str, str] = {}
    for j in spec.judged:
        if category(spec, j) in ("unknown", "error"):
            cell = f"{j.result.engine} {j.result.verdict}"
            cells[j.result.property] = (
                f"{cells[j.result.property]}, {cell}" if j.result.property in cells else cell
            )
    if not cells:
        return ""
    if len(cells) == len(spec.properties) > 1 and len(set(cells.values())) == 1:
        return f"{spec.system.name}: every property ({next(iter(cells.values()))})"
    return f"{spec.system.name}: " + ", ".join(f"{prop} ({what})" for prop, what in cells.items())


def incomplete_note(run: CheckRun) -> str | None:
    """The line that says a report lacks what an interruption left unchecked."""
    if run.interruption is None:
        return None
    return f"INCOMPLETE: {run.interruption}; the specs and engines that did not finish are missing"


def notes(run: CheckRun) -> list[tuple[Status, str, str]]:
    """(status, where, what) for each unexpected result and each result without
    a verdict; the same failure of one engine on many properties is one note."""
    out: list[tuple[Status, str, str]] = []
    missing: dict[tuple[str, str, str], list[str]] = {}
    for spec, j in run.all_judged():
        r = j.result
        where = f"{spec.system.name} · {r.property}"
        if j.status == "unexpected":
            extra = f" ({r.message})" if r.message else ""
            out.append(
                ("unexpected", f"{where} · {r.engine}", f"{verdict_text(r)}, expected {j.wanted}{extra}")
            )
        elif j.status == "no result":
            missing.setdefault((r.engine, r.verdict, r.message or "no message"), []).append(where)
    for (engine, verdict, message), places in missing.items():
        where = f"{places[0]} · {engine}" if len(places) == 1 else f"{engine} on {len(places)} properties"
        out.append(("no result", where, f"{verdict}: {message}"))
    return out


def _print_disagreement(console: Console, spec: SpecOutcome, d: Disagreement) -> None:
    lines = [d.reason, *(f"{r.engine}: {verdict_text(r)} ({r.method})" for r in (d.first, d.second))]
    title = f"DISAGREEMENT {spec.system.name} · {d.first.property}"
    console.print()
    console.print(Panel(Text("\n".join(lines)), title=Text(title), border_style="bold red"))
    for r in (d.first, d.second):
        if r.trace is not None:
            console.out(diagram.render(spec.system, r), highlight=False)
