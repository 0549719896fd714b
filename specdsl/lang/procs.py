"""Processes: their generated state variables, their actions, and `runnable`.

Naming conventions (the engines and the specs rely on them): for process `p`,
local `x` is state variable `p_x`, the program counter is `p_pc` (a tagged type
`p_pc` of the labels and `done`), the sleep flag `p_asleep`, the retry counter
`p_faults` (`faults N`); for a family each is a map from the id type.  Actions are named
`p_<label>` (`_1`, `_2`, ... when a step has several) and `p_wake`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from specdsl.ir import (
    BOOL,
    TRUE,
    Action,
    Binder,
    Expr,
    IntType,
    MapType,
    Param,
    Quant,
    TaggedType,
    Update,
    Var,
    Variant,
)
from specdsl.lang import ast
from specdsl.lang import simplify as s
from specdsl.lang.binders import unshadow
from specdsl.lang.exprs import Scope, binder_domain, const_int
from specdsl.lang.steps import Path, StepLowering, finish, may_block
from specdsl.lang.symbols import CheckError, Globals, ProcInfo

WAKE_LABEL = "<wake>"


def jumps(stmts: tuple[ast.Stmt, ...]) -> Iterator[ast.Jump]:
    for st in stmts:
        if isinstance(st, ast.Jump):
            yield st
        elif isinstance(st, ast.If):
            yield from jumps(st.then)
            yield from jumps(st.orelse)
        elif isinstance(st, ast.Either):
            for branch in st.branches:
                yield from jumps(branch)
        elif isinstance(st, ast.For):
            yield from jumps(st.body)


def process_info(decl: ast.ProcessDecl, g: Globals, report: Callable[[CheckError], None]) -> ProcInfo | None:
    """The process's ids, labels and generated variable names (None if unusable)."""
    id_type = None
    if decl.id_domain is not None:
        try:
            id_type, as_set = binder_domain(decl.id_domain, Scope(g, context="a process id domain"))
        except CheckError as e:
            report(e)
            return None
        if as_set is not None:
            report(CheckError(decl.id_domain.span, "process ids range over a type, not a set"))
            return None
    if not decl.steps:
        report(CheckError(decl.span, f"process `{decl.name}` has no steps (`label:` followed by statements)"))
        return None
    all_jumps = [j for step in decl.steps for j in jumps(step.body)]
    sleeps = decl.starts_asleep or any(j.kind == "sleep" for j in all_jumps)
    labels: list[str] = []
    for step in decl.steps:
        if step.label in labels:
            report(CheckError(step.span, f"duplicate label `{step.label}` in process `{decl.name}`"))
        elif step.label == "done":
            report(CheckError(step.span, "`done` is reserved: it is where a finished process is"))
        elif step.label == "wake" and sleeps:
            report(
                CheckError(
                    step.span, "label `wake` clashes with the timer step of a sleeping process: rename it"
                )
            )
        else:
            labels.append(step.label)
    locals_ = {}
    for v in decl.locals:
        try:
            locals_[v.name] = (f"{decl.name}_{v.name}", g.resolve_type(v.type))
        except CheckError as e:
            report(e)
    faults_max = 0
    if decl.faults is not None:
        try:
            faults_max = const_int(decl.faults, g)
            if faults_max < 1:
                raise CheckError(decl.faults.span, "`faults` needs a positive bound")
        except CheckError as e:
            report(e)
            faults_max = 1
        if "faults" in locals_:
            report(
                CheckError(
                    decl.faults.span, "`faults N` declares the local `faults`: do not declare it again"
                )
            )
        locals_["faults"] = (f"{decl.name}_faults", IntType(0, faults_max))
    info = ProcInfo(
        decl=decl,
        id_type=id_type,
        locals=locals_,
        labels=tuple(labels),
        pc_var=f"{decl.name}_pc",
        pc_type=TaggedType(f"{decl.name}_pc", tuple(Variant(lb) for lb in (*labels, "done"))),
        sleep_var=f"{decl.name}_asleep" if sleeps else None,
        faults_var=f"{decl.name}_faults" if decl.faults is not None else None,
        faults_max=faults_max,
    )
    return info if _generated_types_fit(info, g, report) else None


def _generated_types_fit(info: ProcInfo, g: Globals, report: Callable[[CheckError], None]) -> bool:
    """The state-space guard on the variables a process generates: for a family
    each is a map over its ids, which may be too large although its parts are not."""
    decl = info.decl
    spans = {v.name: v.span for v in decl.locals}
    if decl.faults is not None:
        spans["faults"] = decl.faults.span
    generated = [(var, t, spans[name]) for name, (var, t) in info.locals.items()]
    generated.append((info.pc_var, info.pc_type, decl.span))
    if info.sleep_var is not None:
        generated.append((info.sleep_var, BOOL, decl.span))
    fit = True
    for var, t, span in generated:
        what = f"the fault counter `{var}`" if var == info.faults_var else f"`{var}`"
        try:
            g.guard(t, span, what)
            if info.id_type is not None:
                g.guard(MapType(info.id_type, t), span, what)
        except CheckError as e:
            report(e)
            fit = False
    return fit


@dataclass(frozen=True)
class Lowered:
    actions: tuple[Action, ...]
    runnable: Expr


def lower_process(
    info: ProcInfo, g: Globals, order: list[str], report: Callable[[CheckError], None]
) -> Lowered:
    """Actions of every step (and the timer's wake step), and `runnable`.
    `order` is the state variables' order, which the updates follow."""
    decl = info.decl
    me: Expr | None = Param("self") if info.family else None
    base = Scope(g, info, context=f"process `{decl.name}`")
    lowering = StepLowering(base, info, report)
    self_params = (Binder("self", info.id_type),) if info.id_type is not None else ()

    def mine(var: str) -> Expr:
        return Var(var) if me is None else s.index(Var(var), me, BOOL)

    awake = [] if info.sleep_var is None else [s.unary("not", mine(info.sleep_var))]
    actions: list[Action] = []
    enabled: list[Expr] = []
    seen: set[str] = set()
    for step in decl.steps:
        if step.label in seen or step.label not in info.labels:
            continue  # a duplicate or reserved label, already reported
        seen.add(step.label)
        i = info.labels.index(step.label)
        at_label = s.binary("eq", _pc(info), s.make_tag(info.pc_type, step.label, None))
        paths = lowering.block(step.body, [Path()])
        conditions: list[Expr] = []
        for k, path in enumerate(paths, 1):
            values = finish(info, i, path)
            params = self_params + path.params
            names = [b.name for b in params]
            guard = unshadow(s.conj([at_label, *awake, *path.guard]), names)
            updates = tuple(
                Update(v, unshadow(values[v], names)) for v in order if v in values and values[v] != Var(v)
            )
            name = f"{decl.name}_{step.label}" + (f"_{k}" if len(paths) > 1 else "")
            actions.append(Action(name, decl.name, step.label, params, guard, updates, step.span))
            found = s.conj(list(path.guard))
            for b in reversed(path.params):
                found = Quant("exists", b.name, b.type, found)
            conditions.append(found)
        blocking = s.disj(conditions) if may_block(step.body) else TRUE
        enabled.append(s.conj([at_label, blocking]))
    if info.sleep_var is not None:
        wake = (
            s.except_(Var(info.sleep_var), me, s.lit(False, BOOL)) if me is not None else s.lit(False, BOOL)
        )
        actions.append(
            Action(
                f"{decl.name}_wake",
                decl.name,
                WAKE_LABEL,
                self_params,
                mine(info.sleep_var),
                (Update(info.sleep_var, wake),),
                decl.span,
            )
        )
    # At one of its labels (so not done), awake, and not blocked in that step.
    runnable = unshadow(s.conj([*awake, s.disj(enabled)]), ["self"] if info.family else [])
    return Lowered(tuple(actions), runnable)


def _pc(info: ProcInfo) -> Expr:
    return Var(info.pc_var) if not info.family else s.index(Var(info.pc_var), Param("self"), info.pc_type)
