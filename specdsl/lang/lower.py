"""Parsed modules -> IR system (the checker's entry): resolve names, check types and rules, lower.

Errors are collected, not raised one by one: each declaration, statement and
property is checked on its own, so one run reports everything it can.  The
passes, in order: the symbol table (`symbols`), state variables (`state`),
processes and their actions (`procs`, `steps`), models and properties
(`props`).  Expressions are lowered by `exprs`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from specdsl.ir import Action, Model, Param, Process, StateVar, System
from specdsl.lang import ast
from specdsl.lang.errors import Diagnostic, SpecError
from specdsl.lang.exprs import PRE_STATE, Scope, const_int, lower
from specdsl.lang.limits import LimitExceeded
from specdsl.lang.procs import lower_process, process_info
from specdsl.lang.props import IMPLICIT, assumption, deadlock_free, declared, fair_model, type_ok
from specdsl.lang.state import global_vars, process_vars
from specdsl.lang.symbols import CheckError, Globals, did_you_mean
from specdsl.lang.types import MAX_GROUND_ACTIONS, MAX_STATE_CELLS, state_cells
from specdsl.values import capped_size


class _Collector:
    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def __call__(self, e: CheckError) -> None:
        if e.diagnostic is not None:
            self.diagnostics.append(e.diagnostic)


def lower_spec(modules: Sequence[ast.Module], name: str, file: str, overrides: Mapping[str, int]) -> System:
    """`modules` in import order (imports before their importers, the spec last)."""
    report = _Collector()
    try:
        return _lower(modules, name, file, overrides, report)
    except LimitExceeded as e:  # what was found so far, and where lowering stopped
        raise SpecError(_ordered([*report.diagnostics, e.diagnostic], [m.file for m in modules])) from None


def _lower(
    modules: Sequence[ast.Module], name: str, file: str, overrides: Mapping[str, int], report: _Collector
) -> System:
    decls = [d for m in modules for d in m.decls]
    g = Globals(decls, const_int, overrides)
    report.diagnostics += g.errors + g.unknown_overrides(file)

    _check_constants(g, report)
    variables = global_vars(g, report)
    for d in decls:
        if isinstance(d, ast.ProcessDecl) and g.values.get(d.name) is d:
            info = process_info(d, g, report)
            if info is not None:
                g.procs[d.name] = info
    for info in g.procs.values():
        for v in process_vars(info, g, report):
            if _declare_var(v, g, variables, report):
                variables.append(v)
    order = [v.name for v in variables]
    _check_state_size(variables, g, report)
    if g.oversized:  # lowering steps over such types is the expensive work the limits prevent
        raise SpecError(_ordered(report.diagnostics, [m.file for m in modules]))
    _check_definitions(g, report)

    processes, actions, runnable = [], [], {}
    for info in g.procs.values():
        lowered = lower_process(info, g, order, report)
        actions += lowered.actions
        runnable[info.name] = lowered.runnable
        d = info.decl
        processes.append(
            Process(
                d.name,
                d.id_name,
                info.id_type,
                d.environment,
                d.fairness,
                info.pc_var,
                info.labels,  # type: ignore[arg-type]
                lowered.runnable,
                d.span,
            )
        )
    _unique_action_names(actions, report)
    _check_ground_actions(actions, g, report)

    models: dict[str, Model] = {"fair": fair_model(g)}
    for d in decls:
        if isinstance(d, ast.Assume):
            if d.name in models:
                report(CheckError(d.span, f"scheduling assumption `{d.name}` is already declared"))
                continue
            try:
                models[d.name] = assumption(d, g, runnable, models["fair"])
            except CheckError as e:
                report(e)

    properties = [type_ok(variables)]
    names: set[str] = set(IMPLICIT)
    for d in decls:
        if isinstance(d, ast.PropertyDecl):
            if d.name in names:
                report(CheckError(d.span, f"property `{d.name}` is already declared"))
                continue
            names.add(d.name)
            try:
                properties.append(declared(d, g, models))
            except CheckError as e:
                report(e)
    properties.append(deadlock_free(g, [d for d in decls if isinstance(d, ast.Terminal)], report))
    expectations = _expectations(decls, names, report)

    if report.diagnostics:
        raise SpecError(_ordered(report.diagnostics, [m.file for m in modules]))
    return System(
        name=name,
        file=file,
        params=g.params(),
        variables=tuple(variables),
        processes=tuple(processes),
        actions=tuple(actions),
        models=tuple(models.values()),
        properties=tuple(properties),
        expectations=expectations,
    )


def _check_constants(g: Globals, report: _Collector) -> None:
    """Evaluate every constant, used or not."""
    for name, decl in g.values.items():
        try:
            if isinstance(decl, ast.Const):
                g.const_value(name)
        except CheckError as e:
            report(e)


def _check_definitions(g: Globals, report: _Collector) -> None:
    """Check every definition, used or not (a use inlines and checks it again,
    with its arguments).  Definitions may read state and other processes, so
    this runs once every variable is declared."""
    for decl in g.values.values():
        if not isinstance(decl, ast.Def):
            continue
        scope = Scope(g, view=PRE_STATE, context=f"definition `{decl.name}`")
        try:
            for pname, ptype in decl.params:
                scope = scope.bind(pname, Param(pname), g.resolve_type(ptype)).use(pname)
            lower(decl.body, replace(scope, expanding=(decl.name,)))
        except CheckError as e:
            report(e)


def _declare_var(v: StateVar, g: Globals, variables: list[StateVar], report: _Collector) -> bool:
    """Register a generated variable; its name must not clash with a declared one."""
    if v.name in g.values or any(x.name == v.name for x in variables):
        report(
            CheckError(
                v.span, f"process `{v.owner}` needs a variable `{v.name}`, but that name is already used"
            )
        )
        return False
    g.var_types[v.name] = v.type
    return True


def _check_state_size(variables: list[StateVar], g: Globals, report: _Collector) -> None:
    total = 0
    for v in variables:
        cells = state_cells(v.type)
        total += cells
        if total > MAX_STATE_CELLS:
            report(
                g.too_large(
                    v.span,
                    f"a state would have more than {MAX_STATE_CELLS} components with `{v.name}`"
                    f" ({cells} of its own)",
                    "a map stores one value per key, a set one bit per possible element: use smaller domains",
                )
            )
            return


def _check_ground_actions(actions: list[Action], g: Globals, report: _Collector) -> None:
    """The engines enumerate every action with every value of its parameters
    (`self` and the picks): their number must stay small."""
    total = 0
    for a in actions:
        count = math.prod(capped_size(b.type) for b in a.params)
        total += count
        if total > MAX_GROUND_ACTIONS:
            report(
                g.too_large(
                    a.span,
                    f"the engines would enumerate more than {MAX_GROUND_ACTIONS} steps with `{a.name}`"
                    f" ({count} of its own, one per value of its process id and `pick`s)",
                    "pick from smaller domains, or from fewer of them in one step",
                )
            )
            return


def _unique_action_names(actions: list, report: _Collector) -> None:
    seen: set[str] = set()
    for a in actions:
        if a.name in seen:
            report(CheckError(a.span, f"two steps lower to the same action name `{a.name}`: rename a label"))
        seen.add(a.name)


def _expectations(decls: list[ast.Decl], names: set[str], report: _Collector) -> tuple:
    out: dict[str, str] = {}
    for d in decls:
        if not isinstance(d, ast.Expect):
            continue
        if d.name not in names:
            report(CheckError(d.span, f"`expect`: no property `{d.name}`{did_you_mean(d.name, names)}"))
        elif d.name in out:
            report(CheckError(d.span, f"`{d.name}` already has an expectation"))
        elif d.verdict in ("holds", "violated"):
            out[d.name] = d.verdict
    return tuple(out.items())


def _ordered(diags: list[Diagnostic], files: list[str]) -> list[Diagnostic]:
    """Sorted by file (in import order) and position, without repeats."""
    rank = {f: i for i, f in enumerate(files)}
    unique = list(dict.fromkeys(diags))
    return sorted(unique, key=lambda d: (rank.get(d.span.file, -1), d.span.line, d.span.col))
