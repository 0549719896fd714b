"""Liveness to safety: a fair lasso that violates a temporal property, as a reachable state.

After Biere, Artho and Schuppan (2002).  The product of a system with a
monitor is another IR system, over

- the variables that steer the behaviour (`ghost.steering`; the ghosts cannot
  change which lassos exist, so they are left out);
- `loop.started` and a copy `v@loop` of each of them: at any moment the
  monitor's `save` step may copy the state into them (once), which marks the
  start of a loop;
- per fair process instance, what the loop has seen of it: that it took a step
  (`loop.took(p)`), and for weak fairness that it was disabled in some loop
  state (`loop.idle(p)`), for strong fairness that it was enabled in one
  (`loop.enabled(p)`).  As in TLA+'s `WF_vars`, only steps that change the
  state count, and "enabled" means allowed by the model too;
- accumulators that decide whether the behaviour violates the formula, as the
  lasso search's do (`lasso.LassoEncoding.violation`): "p failed in every state
  so far", "in some loop state", and so on;
- `loop.stepped`: a step was taken since the save.

Every step of the system updates the monitor from its pre-state, so in state k
of a path the accumulators cover states 0..k-1, the loop ones the states from
the save to k-1.  The monitor's `stutter` step (after the save) changes no
variable of the system: it records a state that repeats forever, which is fair
when no fair process must move there.

The lasso closes when the current state agrees with the saved one: the path
from the saved state back to it, repeated, is a behaviour (on the ghosts too,
see `ghost.py`), fair when every fair instance's record allows it.  So "saved,
stepped, back at the saved state, fair, violated" is reachable when a fair lasso
violates the formula, and its negation is a safety property of the product:
an inductive invariant that implies it (`strengthen`) proves the temporal
property with no bound.

Leaving out the ghosts over-approximates the fair lassos, so a proof stays
sound: a step that writes a ghost counts as taken (it may change the state),
and only a step that changes a steering variable counts as enabled.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from specdsl.interp import State, evaluate, initial_states, successors
from specdsl.ir import (
    BOOL,
    FALSE,
    TRUE,
    Action,
    Binary,
    Expr,
    Ite,
    Lit,
    Model,
    Param,
    Process,
    Property,
    Quant,
    StateVar,
    System,
    Temporal,
    Unary,
    Update,
    Value,
    Var,
)
from specdsl.irdump import format_expr
from specdsl.irwalk import substitute, transform, vars_read
from specdsl.smt.ghost import steering
from specdsl.smt.lasso import _parts, shape, state_exprs
from specdsl.smt.solver import NEVER, Deadline
from specdsl.smt.strengthen import Sample, locations
from specdsl.values import domain, format_value

MONITOR = "loop"  # the monitor's process
STARTED = "loop.started"
STEPPED = "loop.stepped"
FIRST_STEP = "path.stepped"  # a step was taken (the `first` accumulators hold state 0's values)


def saved_name(var: str) -> str:
    """The copy of `var` made when the loop started."""
    return f"{var}@loop"


@dataclass(frozen=True)
class FairInstance:
    process: str
    instance: Value | None
    kind: str  # weak or strong

    def __str__(self) -> str:
        return self.process if self.instance is None else f"{self.process}[{format_value(self.instance)}]"

    @property
    def took(self) -> str:
        return f"loop.took({self})"

    @property
    def seen(self) -> str:
        """Weak: it was disabled in some loop state; strong: enabled in one."""
        return f"loop.{'idle' if self.kind == 'weak' else 'enabled'}({self})"


@dataclass(frozen=True)
class Accumulator:
    """A monitor flag updated from each step's pre-state, over the state predicates `preds`:
    `some`/`all` (in some/every state so far), `loop_some`/`loop_all` (in some/every loop
    state so far), `persist` (for some state so far, preds[0] held there and preds[1] from
    there on), `first` (preds[0] in state 0)."""

    kind: str
    preds: tuple[Expr, ...]
    name: str

    @property
    def init(self) -> bool:
        return self.kind in ("all", "loop_all")

    def after(self, now: bool, started: bool, stepped: bool, values: Sequence[bool]) -> bool:
        """The flag after a step from a state where the predicates have `values`."""
        if self.kind == "some":
            return now or values[0]
        if self.kind == "all":
            return now and values[0]
        if self.kind == "loop_some":
            return now or (started and values[0])
        if self.kind == "loop_all":
            return now and (not started or values[0])
        if self.kind == "persist":
            return (now or values[0]) and values[1]
        return now if stepped else values[0]

    def update(self) -> Expr:
        """`after` as an IR expression over the pre-state."""
        now, p, started = Var(self.name), self.preds, Var(STARTED)
        if self.kind == "some":
            return _or(now, p[0])
        if self.kind == "all":
            return _and(now, p[0])
        if self.kind == "loop_some":
            return _or(now, _and(started, p[0]))
        if self.kind == "loop_all":
            return _and(now, Binary("implies", started, p[0]))
        if self.kind == "persist":
            return _and(_or(now, p[0]), p[1])
        return Ite(Var(FIRST_STEP), now, p[0])


class _Violations:
    """The accumulators the formulas' violations read, made on demand."""

    def __init__(self) -> None:
        self.accs: dict[tuple[str, tuple[Expr, ...]], Accumulator] = {}

    def acc(self, kind: str, *preds: Expr) -> Expr:
        key = (kind, preds)
        if key not in self.accs:
            what = ", ".join(format_expr(p) for p in preds)
            self.accs[key] = Accumulator(kind, preds, f"path.{kind}({what})")
        return Var(self.accs[key].name)

    def of(self, f: Temporal) -> Expr:
        """True when the lasso closing now violates `f` (as `LassoEncoding.violation`)."""
        kind, preds = shape(f)
        if kind in ("and", "or", "not"):
            parts = [self.of(a) for a in _parts(f)]
            return _or(*parts) if kind == "and" else _and(*parts) if kind == "or" else _not(parts[0])
        bad = [_not(p) for p in preds]
        if kind == "now":
            return self.acc("first", bad[0])
        if kind == "F":
            return self.acc("all", bad[0])
        if kind == "G":
            return self.acc("some", bad[0])
        if kind == "FG":
            return self.acc("loop_some", bad[0])
        if kind == "GF":
            return self.acc("loop_all", bad[0])
        return _and(self.acc("persist", preds[0], bad[1]), self.acc("loop_all", bad[1]))


@dataclass(frozen=True)
class Product:
    """The product system; `projection`, the system on its steering variables under the
    model (the product without the monitor); per formula, the invariant "no fair lasso
    violates it" (`targets`)."""

    system: System
    projection: System
    fair: tuple[FairInstance, ...]
    accumulators: tuple[Accumulator, ...]
    ghost_writers: frozenset[str]  # the actions that write a ghost
    targets: tuple[Property, ...]

    def facts(self, invariants: Sequence[Expr]) -> list[Expr]:
        """Invariants of the system (over its variables) that hold in the product: of the
        current state and of the saved one, a reachable state too (those over steering
        variables only)."""
        kept = {v.name for v in self.projection.variables}
        usable = [e for e in invariants if vars_read(e) <= kept]
        saved = [
            transform(e, lambda x: Var(saved_name(x.name)) if isinstance(x, Var) else None) for e in usable
        ]
        return usable + saved


def product(system: System, model: Model, formulas: Sequence[tuple[str, Temporal]]) -> Product:
    """The liveness-to-safety product of `system` under `model` for `formulas` (by name)."""
    steer = steering(system, model, (e for _, f in formulas for e in state_exprs(f)))
    kept = tuple(v for v in system.variables if v.name in steer)
    names = frozenset(steer)
    fair = tuple(fair_instances(system, model))
    violations = _Violations()
    bad = [(name, violations.of(f)) for name, f in formulas]
    accs = tuple(violations.accs.values())
    own = tuple(
        Action(
            a.name,
            a.process,
            a.label,
            a.params,
            _and(a.guard, _allowed(model, a)),
            tuple(u for u in a.updates if u.var in names),
            a.span,
        )
        for a in system.actions
    )
    writers = frozenset(a.name for a in system.actions if any(u.var not in names for u in a.updates))
    projection = System(
        system.name, system.file, system.params, kept, system.processes, own, (Model("fair", (), ()),), (), ()
    )
    enabled_now = [_enabled(own, inst) for inst in fair]

    def monitor(took: Sequence[Expr]) -> tuple[Update, ...]:
        """What a step from the current state records (`took[i]`: instance i took it)."""
        started = Var(STARTED)
        ups = [Update(acc.name, acc.update()) for acc in accs]
        ups += [Update(FIRST_STEP, TRUE), Update(STEPPED, _or(Var(STEPPED), started))]
        for i, inst in enumerate(fair):
            if took[i] != FALSE:
                ups.append(Update(inst.took, _or(Var(inst.took), _and(started, took[i]))))
            seen = _not(enabled_now[i]) if inst.kind == "weak" else enabled_now[i]
            ups.append(Update(inst.seen, _or(Var(inst.seen), _and(started, seen))))
        return tuple(ups)

    actions = [
        Action(
            a.name,
            a.process,
            a.label,
            a.params,
            a.guard,
            (*a.updates, *monitor(_took(a, fair, writers))),
            a.span,
        )
        for a in own
    ]
    copies = tuple(Update(saved_name(v.name), Var(v.name)) for v in kept)
    actions.append(
        Action("loop_save", MONITOR, "save", (), _not(Var(STARTED)), (Update(STARTED, TRUE), *copies))
    )
    actions.append(Action("loop_stutter", MONITOR, "stutter", (), Var(STARTED), monitor([FALSE] * len(fair))))

    variables = [*kept, *(StateVar(saved_name(v.name), v.type, v.init[:1], v.role, v.owner) for v in kept)]
    flags = [STARTED, STEPPED, FIRST_STEP, *(n for inst in fair for n in (inst.took, inst.seen))]
    variables += [StateVar(n, BOOL, (False,)) for n in flags]
    variables += [StateVar(acc.name, BOOL, (acc.init,)) for acc in accs]

    back = _and(*(Binary("eq", Var(v.name), Var(saved_name(v.name))) for v in kept))
    fairness = [
        _or(Var(inst.took), Var(inst.seen) if inst.kind == "weak" else _not(Var(inst.seen))) for inst in fair
    ]
    closed = _and(Var(STARTED), Var(STEPPED), back, *fairness)
    proc = Process(MONITOR, None, None, True, "none", "", ("save", "stutter"), TRUE)
    prod = System(
        system.name,
        system.file,
        system.params,
        tuple(variables),
        (*system.processes, proc),
        tuple(actions),
        (Model("fair", (), ()),),
        (),
        (),
    )
    targets = tuple(
        Property(name, "invariant", _not(_and(closed, violated)), span=system.property(name).span)
        for name, violated in bad
    )
    return Product(prod, projection, fair, accs, writers, targets)


def fair_instances(system: System, model: Model) -> list[FairInstance]:
    """The fair process instances under `model`, each with its strongest fairness."""
    out = []
    for p in system.processes:
        for inst in [None] if p.id_type is None else domain(p.id_type):
            kinds = {
                r.kind
                for r in model.fairness
                if r.process == p.name and (r.instance is None or r.instance == inst)
            }
            kind = "strong" if "strong" in kinds else "weak" if "weak" in kinds else None
            if kind:
                out.append(FairInstance(p.name, inst, kind))
    return out


def sample(prod: Product, limit: int, deadline: Deadline = NEVER) -> Sample:
    """The product's reachable states in breadth-first order, as `Sample.of(prod.system)`
    would find them (a test checks that they agree), from the projection's state graph:
    the monitor's bookkeeping on tuples, instead of the interpreter on the product's
    larger expressions, is 5-10x faster.  Once `deadline` has passed the sample is left
    incomplete."""
    proj = prod.projection
    index: dict[State, int] = {}
    graph: list[list[tuple[int, int | None]]] = []  # per state: (successor, fair instance that took the step)
    order: list[State] = []
    fair_of = {(inst.process, inst.instance): i for i, inst in enumerate(prod.fair)}

    def node(s: State) -> int:
        if s not in index:
            index[s] = len(order)
            order.append(s)
            graph.append([])
        return index[s]

    queue = deque(node(s) for s in initial_states(proj))
    while queue and not deadline.passed():
        n = queue.popleft()
        s = order[n]
        for ga, nxt in successors(proj, s):
            fresh = nxt not in index
            m = node(nxt)
            if fresh:
                queue.append(m)
            moved = nxt != s or ga.action.name in prod.ghost_writers
            graph[n].append((m, fair_of.get((ga.action.process, ga.instance)) if moved else None))
    preds = [[bool(evaluate(p, s)) for acc in prod.accumulators for p in acc.preds] for s in order]
    enabled = [{i for m, i in graph[n] if i is not None and order[m] != order[n]} for n in range(len(order))]
    spans, start = [], 0
    for acc in prod.accumulators:
        spans.append((start, start + len(acc.preds)))
        start += len(acc.preds)
    kinds = [inst.kind for inst in prod.fair]
    blank = tuple(v.init[0] for v in prod.system.variables[len(proj.variables) : 2 * len(proj.variables)])

    # a product state: (state, saved or -1, started, stepped, first_step, (took, seen) per instance, accs)
    def step(p: tuple, nxt: int, took: int | None) -> tuple:
        n, saved, started, stepped, first = p[:5]
        fair_flags = p[5 : 5 + 2 * len(kinds)]
        accs = p[5 + 2 * len(kinds) :]
        values = preds[n]
        new_fair = []
        for i, kind in enumerate(kinds):
            took_i, seen_i = fair_flags[2 * i], fair_flags[2 * i + 1]
            on = i in enabled[n]
            new_fair += [
                took_i or (started and took == i),
                seen_i or (started and (not on if kind == "weak" else on)),
            ]
        new_accs = tuple(
            acc.after(now, started, first, values[a:b])
            for acc, now, (a, b) in zip(prod.accumulators, accs, spans)
        )
        return (nxt, saved, started, stepped or started, True, *new_fair, *new_accs)

    init_flags = (False,) * (3 + 2 * len(kinds))
    init_accs = tuple(acc.init for acc in prod.accumulators)
    seen = {(index[s], -1, *init_flags, *init_accs): 0 for s in initial_states(proj)}
    queue2 = deque(seen)
    while queue2 and len(seen) < limit and not deadline.passed():
        p = queue2.popleft()
        nexts = [step(p, m, took) for m, took in graph[p[0]]]
        if not p[2]:
            nexts.append((p[0], p[0], True, *p[3:]))
        else:
            nexts.append(step(p, p[0], None))
        for q in nexts:
            if q not in seen:
                seen[q] = seen[p] + 1
                queue2.append(q)
    locs = tuple(locations(prod.system))
    position = {v.name: i for i, v in enumerate(prod.system.variables)}
    readers = [
        (position[loc.var], None if loc.key_type is None else domain(loc.key_type).index(loc.key))
        for loc in locs
    ]

    def row(p: tuple) -> tuple[Value, ...]:
        saved = blank if p[1] < 0 else order[p[1]].values
        values = (*order[p[0]].values, *saved, *p[2:])
        return tuple(
            values[i] if k is None else values[i].items[k][1]  # a map's items follow its key type's order
            for i, k in readers
        )

    rows = tuple(row(p) for p in seen)
    return Sample(locs, rows, tuple(seen.values()), complete=not queue and not queue2)


def _took(a: Action, fair: Sequence[FairInstance], writers: frozenset[str]) -> list[Expr]:
    """Per fair instance, whether a step of `a` is one of its and changes the state
    (a step that writes a ghost may: it counts)."""
    moved = TRUE if a.name in writers else _changes(a)
    out = []
    for inst in fair:
        if inst.process != a.process:
            out.append(FALSE)
        elif inst.instance is None:
            out.append(moved)
        else:
            out.append(_and(Binary("eq", Param("self"), Lit(inst.instance, a.params[0].type)), moved))
    return out


def _enabled(actions: Sequence[Action], inst: FairInstance) -> Expr:
    """One of the instance's steps (guards already carry the model) is enabled and changes the state."""
    cases = []
    for a in actions:
        if a.process != inst.process:
            continue
        step = _and(a.guard, _changes(a))
        params = a.params[1:] if inst.instance is not None else a.params
        for b in reversed(params):  # the `pick` parameters
            step = Quant("exists", b.name, b.type, step)
        if inst.instance is not None:
            step = substitute(step, {"self": Lit(inst.instance, a.params[0].type)})
        cases.append(step)
    return _or(*cases)


def _allowed(model: Model, action: Action) -> Expr:
    """The model's scheduling constraints on `action` (over `self`)."""
    conds = []
    for c in model.constraints:
        if c.process != action.process:
            continue
        cond = c.allowed
        if c.instance is not None:
            cond = _or(Binary("ne", Param("self"), Lit(c.instance, action.params[0].type)), cond)
        conds.append(cond)
    return _and(*conds)


def _changes(action: Action) -> Expr:
    """The step gives some variable it updates a new value."""
    return _or(*(Binary("ne", Var(u.var), u.value) for u in action.updates))


def _and(*es: Expr) -> Expr:
    parts = [e for e in es if e != TRUE]
    if FALSE in parts:
        return FALSE
    out = parts[0] if parts else TRUE
    for e in parts[1:]:
        out = Binary("and", out, e)
    return out


def _or(*es: Expr) -> Expr:
    parts = [e for e in es if e != FALSE]
    if TRUE in parts:
        return TRUE
    out = parts[0] if parts else FALSE
    for e in parts[1:]:
        out = Binary("or", out, e)
    return out


def _not(e: Expr) -> Expr:
    return FALSE if e == TRUE else TRUE if e == FALSE else Unary("not", e)
