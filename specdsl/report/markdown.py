"""The Markdown report: a verdict table for a pull-request comment, with the
counterexamples folded away in `<details>` blocks."""

from __future__ import annotations

from specdsl.report import diagram
from specdsl.report.table import group_title, incomplete_note, invariant_title, notes, summary
from specdsl.verdicts import CheckRun, SpecOutcome, verdict_text

ICON = {"as expected": "✅", "unexpected": "❌", "no result": "❔"}
DISAGREE = "⚠️"


def render(run: CheckRun, *, diagrams: bool) -> str:
    verdict = "all as expected" if run.exit_code == 0 else "FAILED"
    props = list(dict.fromkeys(p.name for spec in run.specs for p in spec.properties))
    lines = [
        f"### specdsl check: {verdict}",
        "",
        "| fix | " + " | ".join(props) + " |",
        "|---" * (len(props) + 1) + "|",
    ]
    for spec in run.specs:
        cells = [_cell(spec, name, len(run.engines) > 1) for name in props]
        lines.append(f"| {_escape(spec.system.name)} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"{ICON['as expected']} as expected · {ICON['unexpected']} unexpected · "
        f"{DISAGREE} engines disagree · {ICON['no result']} no result",
        "",
        *([f"**{incomplete}**", ""] if (incomplete := incomplete_note(run)) else []),
        f"**{summary(run)}**",
    ]
    items = [f"- {ICON[status]} {where}: {_escape(what)}" for status, where, what in notes(run)]
    if items:
        lines += ["", *items]
    for spec in run.specs:
        for d in spec.disagreements:
            shown = [r for r in (d.first, d.second) if r.trace is not None]
            lines += _details(
                f"{DISAGREE} {spec.system.name} · {d.first.property}: {d.reason}",
                [diagram.render(spec.system, r) for r in shown],
            )
        if diagrams:
            for group in spec.counterexamples():
                lines += _details(group_title(spec, group), [diagram.render(spec.system, group[0].result)])
        proved, lemmas = spec.invariant()
        if lemmas:
            lines += _details(invariant_title(spec.system.name, proved, lemmas), ["\n".join(lemmas)])
    return "\n".join(lines) + "\n"


def _cell(spec: SpecOutcome, prop: str, name_engines: bool) -> str:
    judged = spec.results_for(prop)
    if not judged:
        return "—"
    disagree = spec.disagreement_for(prop) is not None
    parts = []
    for j in judged:
        icon = DISAGREE if disagree else ICON[j.status]
        engine = f"{j.result.engine} " if name_engines else ""
        parts.append(f"{icon} {engine}{verdict_text(j.result)}")
    return _escape("<br>".join(parts))


def _details(title: str, blocks: list[str]) -> list[str]:
    out = ["", f"<details><summary>{_html(title)}</summary>", ""]
    for block in blocks:
        out += ["```text", block.rstrip("\n"), "```", ""]
    return [*out, "</details>"]


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
