"""Counterexamples drawn the way kernel commit messages draw races.

One column per process instance (every instance of the protocol's processes,
and each environment process that acts in the trace), one row per step.  The
acting process's cell shows the step's label, its `.sw` line and the
variables it changed (maps and records: only the changed keys and fields; a
process's own locals by their short name); program counters are left out,
since the next label of a column says where its process went.  A lasso marks
where the loop starts and shows the step that closes it; the last line names
the property and how the trace refutes (or, for a witness, reaches) it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import PurePath

from specdsl.interp import GroundAction, State, describe
from specdsl.ir import MapVal, Rec, Span, StateVar, System, Tag, Value
from specdsl.trace import Trace
from specdsl.values import domain, format_value
from specdsl.verdicts import Result

MAX_COLUMN = 38  # wider cells wrap
GAP = " │ "

Column = tuple[str, Value | None]  # (process name, instance id or None)


def render(system: System, result: Result) -> str:
    """The diagram of `result.trace` (which must be set), ending with the verdict."""
    trace = result.trace
    assert trace is not None, "only results with a trace have a diagram"
    columns = _columns(system, trace)
    cells: list[tuple[str, list[list[str]]]] = []  # (row label, lines per column)
    for ts in trace.steps[1:]:
        if ts.step is None:  # a finished system stutters
            cells.append(("", [["(no step: finished, stutters)"], *([] for _ in columns[1:])]))
            continue
        pre = trace.steps[ts.index - 1].state
        cells.append((str(ts.index), _row(system, columns, ts.step, pre, ts.state)))
    if trace.closing_step is not None and trace.loop_start is not None:
        back = trace.steps[trace.loop_start].state
        row = _row(system, columns, trace.closing_step, trace.steps[-1].state, back)
        cells.append(("↺", row))

    widths = [len(_column_name(c)) for c in columns]
    for _, row in cells:
        for i, lines in enumerate(row):
            widths[i] = max([widths[i], *(len(x) for x in lines)])
    margin = max([3, *(len(label) for label, _ in cells)])

    out = [_title(system, result), "", *_state_lines(trace.steps[0].state), ""]
    out.append(_line(" " * margin, [_column_name(c) for c in columns], widths))
    out.append(_line(" " * margin, ["─" * len(_column_name(c)) for c in columns], widths))
    # A lasso that closes with a step repeats; one without stutters at its end.
    loop = trace.loop_start if trace.closing_step is not None else None
    if loop == 0:
        out.append(_loop_marker(0))
    for n, (label, row) in enumerate(cells, start=1):
        height = max([1, *(len(lines) for lines in row)])
        for k in range(height):
            texts = [lines[k] if k < len(lines) else "" for lines in row]
            out.append(_line((label if k == 0 else "").rjust(margin), texts, widths))
        if n == loop and label != "↺":
            out.append(_loop_marker(n))
    out.append(_conclusion(system, result))
    return "\n".join(out) + "\n"


def actor(ga: GroundAction) -> str:
    """`fault[1]` or `reclaim`: the process instance that takes a step."""
    return _column_name((ga.action.process, ga.instance))


def _title(system: System, result: Result) -> str:
    trace = result.trace
    assert trace is not None
    what = "reaches" if result.verdict == "reached" else "violates"
    kind = "lasso" if trace.loop_start is not None else "trace"
    found = f"(found by {result.engine})"
    return f"{system.name}: a {trace.depth}-step {kind} that {what} {result.property} {found}"


def _conclusion(system: System, result: Result) -> str:
    trace = result.trace
    assert trace is not None
    last = trace.depth
    prop = system.property(result.property)
    where = f" ({_source(prop.span)})" if prop.span.line else ""
    if result.verdict == "reached":
        return f"✓ {prop.name}{where} holds in state {last}: the witness is reached"
    if prop.kind == "invariant":
        return f"✗ {prop.name}{where} is false in state {last}"
    if prop.kind == "deadlock":
        return f"✗ {prop.name}: state {last} has no next step and is not an intended terminal state"
    if trace.loop_start is None:  # a prefix that no continuation satisfies (TLC: a `[]P` conjunct fails)
        return f"✗ {prop.name}{where} is violated in state {last}, whatever follows"
    if trace.closing_step is not None:
        return f"✗ {prop.name}{where} is violated: states {trace.loop_start}..{last} repeat forever"
    return f"✗ {prop.name}{where} is violated: the system stays in state {last} forever"


def _source(span: Span) -> str:
    """`baseline.sw:23`: the directory is the same for every line of a spec."""
    return f"{PurePath(span.file).name}:{span.line}"


def _loop_marker(state: int) -> str:
    return f"   ↻ ── from state {state}, the steps below repeat forever ──"


def _line(label: str, texts: list[str], widths: list[int]) -> str:
    return (label + "  " + GAP.join(t.ljust(w) for t, w in zip(texts, widths))).rstrip()


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, subsequent_indent="    ", break_on_hyphens=False) or [""]


def _state_lines(state: State, width: int = 100) -> list[str]:
    """`state 0: x = 0, ...`, wrapped between variables, never inside a value."""
    lines = ["state 0:"]
    for n, v in state.items():
        item = f" {n} = {format_value(v)},"
        if len(lines[-1]) + len(item) > width and lines[-1] != "state 0:":
            lines.append("   ")
        lines[-1] += item
    lines[-1] = lines[-1].rstrip(",")
    return lines


# ---------------------------------------------------------------------------
# Columns and cells


def _columns(system: System, trace: Trace) -> list[Column]:
    acting = {(ts.step.action.process, ts.step.instance) for ts in trace.steps if ts.step is not None}
    if trace.closing_step is not None:
        acting.add((trace.closing_step.action.process, trace.closing_step.instance))
    ordered = sorted(system.processes, key=lambda p: p.environment)  # protocol processes first
    columns: list[Column] = []
    for p in ordered:
        ids = domain(p.id_type) if p.id_type is not None else (None,)
        columns += [(p.name, i) for i in ids if not p.environment or (p.name, i) in acting]
    return columns


def _column_name(c: Column) -> str:
    name, inst = c
    return name if inst is None else f"{name}[{format_value(inst)}]"


def _row(system: System, columns: list[Column], ga: GroundAction, pre: State, post: State) -> list[list[str]]:
    who = (ga.action.process, ga.instance)
    head = describe(ga).split(".", 1)[1]  # the label and its pick arguments
    if ga.action.span.line:
        head += f" ({_source(ga.action.span)})"
    lines = [head, *("  " + c for c in _changes_of_step(system, ga, pre, post))]
    wrapped = [w for line in lines for w in _wrap(line, MAX_COLUMN)]
    return [wrapped if c == who else [] for c in columns]


def _changes_of_step(system: System, ga: GroundAction, pre: State, post: State) -> Iterator[str]:
    proc, inst = ga.action.process, ga.instance
    for v in system.variables:
        old, new = pre[v.name], post[v.name]
        if old == new:
            continue
        if v.role == "pc":
            if v.owner == proc and _at(new, inst) == Tag("done") != _at(old, inst):
                yield "→ done"
            continue
        own = v.owner == proc
        if own and inst is not None and isinstance(old, MapVal) and isinstance(new, MapVal):
            for (key, a), (_, b) in zip(old.items, new.items):
                base = _short_name(v) if key == inst else f"{v.name}[{format_value(key)}]"
                yield from _diff(base, a, b)
        else:
            yield from _diff(_short_name(v) if own else v.name, old, new)


def _at(value: Value, inst: Value | None) -> Value:
    return value.get(inst) if isinstance(value, MapVal) and inst is not None else value


def _short_name(v: StateVar) -> str:
    """A process's local `fault_orig` is shown as `orig` in its own column."""
    prefix = f"{v.owner}_"
    return v.name[len(prefix) :] if v.owner and v.name.startswith(prefix) else v.name


def _diff(path: str, old: Value, new: Value) -> Iterator[str]:
    """`path: old -> new` for each changed leaf, descending into maps and records."""
    if old == new:
        return
    if isinstance(old, MapVal) and isinstance(new, MapVal) and len(old.items) == len(new.items):
        for (key, a), (_, b) in zip(old.items, new.items):
            yield from _diff(f"{path}[{format_value(key)}]", a, b)
    elif isinstance(old, Rec) and isinstance(new, Rec) and len(old.fields) == len(new.fields):
        for (name, a), (_, b) in zip(old.fields, new.fields):
            yield from _diff(f"{path}.{name}", a, b)
    else:
        yield f"{path}: {format_value(old)} -> {format_value(new)}"
