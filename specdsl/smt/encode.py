"""The IR system as a symbolic transition relation, and its step-indexed unrolling.

`Encoding` builds templates once, over one pre-state (`pre`), one post-state
(`post`) and an action selector (`sel`): each ground action (parameters
enumerated with `interp.ground`) has an index, and a step takes exactly the
action whose index `sel` holds (interleaving).  The step is a disjunction with
one case per ground action: the selector names it, its guard holds, and every
leaf of the post-state is the action's effect (or the old value).  Measured on
pte_marker, this BMC unrolling is 2x faster than one if-chain over the actions
per leaf.  `Unrolling` instantiates the templates at step i by substitution, so
a deeper bound never re-encodes the prefix.

All terms live in the encoding's own Z3 context (`ctx`), so that two systems can
be encoded and solved on parallel threads.

Values outside the types.  IR integers are mathematical, so an update may leave
a variable's type (a count going to -1); `TypeOK` must see that value.  Each
integer leaf is therefore stored wide enough for its type, its initial values
and every value an update can give it from a state inside the types (interval
analysis), and a step may only start from a state inside the types: a state
outside them is where `TypeOK` fails, and the search does not go beyond it.
Guards and updates read the pre-state at its type's width (exact, since the
pre-state is inside its type); properties read the stored value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import z3

from specdsl.interp import GroundAction, State, ground, make_state
from specdsl.ir import Expr, Model, System, Type, Value
from specdsl.smt.expr import Evaluator
from specdsl.smt.solver import NEVER, SIDE_WORK, Budget, Deadline, check, new_solver
from specdsl.smt.sym import (
    LeafSpec,
    SInt,
    Substitution,
    SVal,
    Terms,
    bits_for,
    build,
    const,
    decode,
    equal,
    flatten,
    in_domain,
    leaf_specs,
    leaf_terms,
)
from specdsl.values import domain


@dataclass(frozen=True)
class Instance:
    """One process instance and the range of its ground actions' indices."""

    process: str
    instance: Value | None
    first: int
    last: int

    def __str__(self) -> str:
        return self.process if self.instance is None else f"{self.process}[{self.instance}]"

    @property
    def actions(self) -> range:
        """The indices of its ground actions."""
        return range(self.first, self.last + 1)


@dataclass(frozen=True)
class Leaf:
    spec: LeafSpec
    lo: int  # the stored range: the type's range widened by initial and updated values
    hi: int


def _ordered_ground(system: System) -> tuple[GroundAction, ...]:
    """Ground actions grouped by process instance, so an instance's steps are an index range."""
    procs = [p.name for p in system.processes]
    out = [ga for a in system.actions for ga in ground(a)]

    def key(ga: GroundAction) -> tuple[int, int]:
        p = system.process(ga.action.process)
        inst = 0 if p.id_type is None else domain(p.id_type).index(ga.instance)
        return procs.index(p.name), inst

    return tuple(sorted(out, key=key))  # stable: action order within an instance


class Encoding:
    """Templates of one system: initial states, transitions, properties, fairness."""

    def __init__(self, system: System, bv: bool = True, deadline: Deadline = NEVER) -> None:
        """`deadline`: the run's; construction stops with `TimedOut` once it has passed
        (a big system has many ground actions to encode)."""
        self.system = system
        self.deadline = deadline
        self.tm = tm = Terms(bv)
        self.ctx = tm.ctx
        self.ground = _ordered_ground(system)
        self.instances = self._instances()
        specs = [(v.name, s) for v in system.variables for s in leaf_specs(v.type, v.name)]

        # Pass 1: guards and updates over the pre-state at its type's width.
        typed = [self._leaf_const(f"{s.name}#", s.is_bool, s.lo, s.hi) for _, s in specs]
        typed_view = self._view(typed)
        ev = Evaluator(tm, typed_view)
        envs = [self._env(ga) for ga in self.ground]
        guards = [ev.bool(ga.action.guard, env) for ga, env in zip(self.ground, envs)]
        offsets = self._offsets()
        effects: list[dict[int, SVal]] = []
        for ga, env in zip(self.ground, envs):
            deadline.check()
            changed: dict[int, SVal] = {}
            for u in ga.action.updates:
                t = system.var(u.var).type
                new = flatten(tm, t, ev.eval(u.value, env))
                old = flatten(tm, t, typed_view[u.var])
                for j, (n, o) in enumerate(zip(new, old)):
                    if not _same(n, o):
                        changed[offsets[u.var] + j] = n
            effects.append(changed)

        # Stored ranges, then the real pre-state constants at those widths.
        self.leaves = self._stored(specs, effects)
        self.owners = [name for name, _ in specs]  # the variable each leaf belongs to
        self.pre = self.fresh_leaves("")
        self.post = self.fresh_leaves("'")
        width = max(1, self.stutter.bit_length())  # room for every index and the stutter
        self.sel = z3.BitVec("sel", width, self.ctx) if bv else z3.Int("sel", self.ctx)
        self.sel_next = z3.Const("sel'", self.sel.sort())  # the selector of the next step
        # a term over the typed pre-state, rewritten over the stored pre-state
        self._narrowed = Substitution(
            [
                (
                    c.term if isinstance(c, SInt) else c,
                    tm.fit(SInt(r, leaf.lo, leaf.hi), leaf.spec.lo, leaf.spec.hi)
                    if isinstance(c, SInt)
                    else r,
                )
                for c, r, leaf in zip(typed, self.pre, self.leaves)
            ]
        )
        self.primed = Substitution(list(zip(self.pre, self.post)))  # a state predicate, over the post-state
        self.raw = self.view(self.pre)
        self._ev_typed = ev
        self.guards = [self._narrowed(g) for g in guards]
        self.effects = [
            {j: self._narrowed(self._stored_term(j, new)) for j, new in eff.items()} for eff in effects
        ]
        self._allowed: dict[str, list[z3.BoolRef]] = {}

    # -- construction helpers

    def _leaf_const(self, name: str, is_bool: bool, lo: int, hi: int) -> SVal:
        if is_bool:
            return self.tm.var(name)
        return SInt(z3.Const(name, self.tm.sort(lo, hi)), lo, hi)

    def fresh_leaves(self, suffix: str) -> list[z3.ExprRef]:
        """A new copy of the stored state's leaves, named `<leaf><suffix>`."""
        return leaf_terms(
            [self._leaf_const(f"{x.spec.name}{suffix}", x.spec.is_bool, x.lo, x.hi) for x in self.leaves]
        )

    def view(self, terms: Sequence[z3.ExprRef]) -> dict[str, SVal]:
        """The variables' symbolic values made of stored leaves `terms`."""
        return self._view([t if x.spec.is_bool else SInt(t, x.lo, x.hi) for t, x in zip(terms, self.leaves)])

    def _view(self, leaves: Sequence[SVal]) -> dict[str, SVal]:
        it: Iterator[SVal] = iter(leaves)
        return {v.name: build(v.type, it) for v in self.system.variables}

    def _offsets(self) -> dict[str, int]:
        out, n = {}, 0
        for v in self.system.variables:
            out[v.name] = n
            n += len(leaf_specs(v.type, v.name))
        return out

    def _env(self, ga: GroundAction) -> dict[str, SVal]:
        types = {b.name: b.type for b in ga.action.params}
        return {name: const(self.tm, types[name], value) for name, value in ga.binding}

    def _instances(self) -> tuple[Instance, ...]:
        out: list[Instance] = []
        for i, ga in enumerate(self.ground):
            p, inst = ga.action.process, ga.instance
            if out and (out[-1].process, out[-1].instance) == (p, inst):
                out[-1] = Instance(p, inst, out[-1].first, i)
            else:
                out.append(Instance(p, inst, i, i))
        return tuple(out)

    def _stored(self, specs: list[tuple[str, LeafSpec]], effects: list[dict[int, SVal]]) -> list[Leaf]:
        lo = [s.lo for _, s in specs]
        hi = [s.hi for _, s in specs]
        offsets = self._offsets()
        seen: list[tuple[int, SVal]] = []
        for v in self.system.variables:
            for x in v.init:
                seen += list(enumerate(flatten(self.tm, v.type, const(self.tm, v.type, x)), offsets[v.name]))
        seen += [(j, a) for eff in effects for j, a in eff.items()]
        for j, a in seen:
            if isinstance(a, SInt):
                lo[j], hi[j] = min(lo[j], a.lo), max(hi[j], a.hi)
        return [Leaf(s, lo[j], hi[j]) for j, (_, s) in enumerate(specs)]

    def _stored_term(self, j: int, new: SVal) -> z3.ExprRef:
        leaf = self.leaves[j]
        return self.tm.fit(new, leaf.lo, leaf.hi) if isinstance(new, SInt) else new  # type: ignore[return-value]

    # -- templates (over pre, post and sel)

    @property
    def stutter(self) -> int:
        """The selector value of a stuttering step (which changes nothing)."""
        return len(self.ground)

    def is_sel(self, i: int) -> z3.BoolRef:
        return self.sel == i

    def took(self, inst: Instance) -> z3.BoolRef:
        """The step was one of `inst`'s actions, and changed the state.  For fairness a
        step that changes nothing is a stutter, as in TLA+'s `WF_vars`: it neither
        counts as taken nor makes the process enabled (`enabled_instance`)."""
        return self.tm.or_(*(self.tm.and_(self.is_sel(i), self._changes(i)) for i in inst.actions))

    def _changes(self, i: int) -> z3.BoolRef:
        """Ground action i's effect differs from the pre-state."""
        return self.tm.or_(*(new != self.pre[j] for j, new in self.effects[i].items()))

    def init(self) -> z3.BoolRef:
        """The pre-state is an initial state, leaf for leaf (so unused payload slots
        hold their canonical filler, as every update leaves them)."""
        tm = self.tm
        return tm.and_(
            *(tm.or_(*(self._is_value(v.name, v.type, x) for x in v.init)) for v in self.system.variables)
        )

    def _is_value(self, name: str, t: Type, value: Value) -> z3.BoolRef:
        parts = []
        tm = self.tm
        for have, want in zip(flatten(tm, t, self.raw[name]), flatten(tm, t, const(tm, t, value))):
            if isinstance(have, SInt):
                parts.append(have.term == tm.fit(want, have.lo, have.hi))  # type: ignore[arg-type]
            else:
                parts.append(have == want)
        return tm.and_(*parts)

    def dom(self) -> z3.BoolRef:
        """Every variable of the pre-state lies in its type.  The explicit stored ranges
        make it exact for unconstrained states too (as in an induction step), where
        the interval analysis that folds part of the type check does not apply."""
        return self._dom

    @cached_property
    def _dom(self) -> z3.BoolRef:
        stored = [
            z3.And(r >= leaf.lo, r <= leaf.hi)
            for r, leaf in zip(self.pre, self.leaves)
            if not leaf.spec.is_bool and not self._fills_sort(leaf)
        ]
        types = (in_domain(self.tm, v.type, self.raw[v.name]) for v in self.system.variables)
        return self.tm.and_(*stored, *types)

    def _fills_sort(self, leaf: Leaf) -> bool:
        """Whether every value of the leaf's sort lies in its stored range."""
        w = bits_for(leaf.lo, leaf.hi)
        return self.tm.bv and (leaf.lo, leaf.hi) == (-(1 << (w - 1)), (1 << (w - 1)) - 1)

    def pred(self, e: Expr) -> z3.BoolRef:
        """A state predicate over the (stored) pre-state."""
        return Evaluator(self.tm, self.raw).bool(e)

    def allowed(self, model: Model | None) -> list[z3.BoolRef]:
        """Per ground action, whether the model's scheduling constraints let it happen."""
        if model is None or not model.constraints:
            return [self.tm.true] * len(self.ground)
        if model.name not in self._allowed:
            out = []
            for ga in self.ground:
                inst = ga.instance
                env = {} if inst is None else {"self": self._env(ga)["self"]}
                conds = [
                    self._ev_typed.bool(c.allowed, env)
                    for c in model.constraints
                    if c.process == ga.action.process and (c.instance is None or c.instance == inst)
                ]
                out.append(self._narrowed(self.tm.and_(*conds)))
            self._allowed[model.name] = out
        return self._allowed[model.name]

    def enabled(self, model: Model | None) -> list[z3.BoolRef]:
        """Per ground action, enabled (and allowed) in the pre-state (inside its types)."""
        return [self.tm.and_(g, a) for g, a in zip(self.guards, self.allowed(model))]

    def enabled_instance(self, inst: Instance, model: Model | None) -> z3.BoolRef:
        """One of `inst`'s actions is enabled, allowed, and would change the state."""
        enabled = self.enabled(model)
        return self.tm.or_(*(self.tm.and_(enabled[i], self._changes(i)) for i in inst.actions))

    def _frame(self, i: int | None) -> list[z3.BoolRef]:
        """The post-state is ground action i's effect (None: the pre-state)."""
        effect = {} if i is None else self.effects[i]
        return [p == effect.get(j, r) for j, (p, r) in enumerate(zip(self.post, self.pre))]

    def trans(self, model: Model | None = None, stutter: bool = False) -> z3.BoolRef:
        """One step from pre to post: `sel` names a ground action that is enabled and
        allowed in a pre-state inside the types, and the post-state is its effect;
        with `stutter`, `sel` may also be `self.stutter`, a step that changes
        nothing, from any state (so that every path can be extended)."""
        tm = self.tm
        cases = [tm.and_(self.is_sel(i), en, *self._frame(i)) for i, en in enumerate(self.enabled(model))]
        step = tm.and_(self.dom(), tm.or_(*cases))
        return tm.or_(tm.and_(self.is_sel(self.stutter), *self._frame(None)), step) if stutter else step

    @cached_property
    def type_safe(self) -> list[bool]:
        """Per ground action: from a state inside the types, its step stays inside them
        (False when the solver cannot tell within `SIDE_WORK`)."""
        solver = new_solver(self.tm)
        solver.add(z3.Not(self.primed(self.dom())))
        out = []
        for i in range(len(self.ground)):
            solver.push()
            solver.add(self.action_step(i))
            out.append(check(solver, Budget(SIDE_WORK, self.deadline)) == z3.unsat)
            solver.pop()
        return out

    def action_step(self, i: int, model: Model | None = None) -> z3.BoolRef:
        """One step of ground action i from pre to post (no selector: one template per action)."""
        return self.tm.and_(self.dom(), self.enabled(model)[i], *self._frame(i))

    def deadlock(self, terminal: Expr | None) -> z3.BoolRef:
        """The pre-state (inside its types) has no step and is not an intended terminal state."""
        tm = self.tm
        term = tm.false if terminal is None else self.pred(terminal)
        return tm.and_(self.dom(), tm.not_(term), *(tm.not_(g) for g in self.guards))

    def fairness(self, model: Model) -> list[tuple[Instance, str]]:
        """The fair instances under `model`, each with its strongest fairness (weak or strong)."""
        out = []
        for inst in self.instances:
            kinds = {
                r.kind
                for r in model.fairness
                if r.process == inst.process and (r.instance is None or r.instance == inst.instance)
            }
            kind = "strong" if "strong" in kinds else "weak" if "weak" in kinds else None
            if kind:
                out.append((inst, kind))
        return out

    def same(self, a: dict[str, SVal], b: dict[str, SVal], names: Iterable[str] | None = None) -> z3.BoolRef:
        """Two views are equal as IR values (on the variables `names`, default all)."""
        names = [v.name for v in self.system.variables] if names is None else names
        return self.tm.and_(*(equal(self.tm, a[n], b[n]) for n in names))


def _same(a: SVal, b: SVal) -> bool:
    if isinstance(a, SInt):
        return isinstance(b, SInt) and a.term.eq(b.term)
    return not isinstance(b, SInt) and a.eq(b)  # type: ignore[union-attr]


class Unrolling:
    """Step-indexed copies of an encoding's state: state i, and the selector of step i."""

    def __init__(self, enc: Encoding) -> None:
        self.enc = enc
        self._states: list[list[z3.ExprRef]] = []
        self._sels: list[z3.ExprRef] = []
        self._views: list[dict[str, SVal]] = []
        self._cache: dict[tuple[int, int], tuple[z3.ExprRef, z3.ExprRef]] = {}  # (template, result)
        self._steps: list[Substitution] = []  # per step i, the templates' terms -> step i's

    def state(self, i: int) -> list[z3.ExprRef]:
        enc = self.enc
        while len(self._states) <= i:
            k = len(self._states)
            self._states.append(enc.fresh_leaves(f"@{k}"))
            self._sels.append(z3.Const(f"sel@{k}", enc.sel.sort()))
            self._views.append(enc.view(self._states[-1]))
        return self._states[i]

    def sel(self, i: int) -> z3.ExprRef:
        self.state(i)
        return self._sels[i]

    def view(self, i: int) -> dict[str, SVal]:
        self.state(i)
        return self._views[i]

    def at(self, term: z3.ExprRef, i: int) -> z3.ExprRef:
        """A template instantiated at step i (pre = state i, post = state i+1, sel = step i,
        sel_next = step i+1)."""
        key = (term.get_id(), i)
        hit = self._cache.get(key)
        if hit is None or not hit[0].eq(term):
            hit = self._cache[key] = (term, self._step(i)(term))
        return hit[1]

    def _step(self, i: int) -> Substitution:
        enc = self.enc
        while len(self._steps) <= i:
            k = len(self._steps)
            pairs = list(zip(enc.pre, self.state(k))) + list(zip(enc.post, self.state(k + 1)))
            pairs += [(enc.sel, self.sel(k)), (enc.sel_next, self.sel(k + 1))]
            self._steps.append(Substitution(pairs))
        return self._steps[i]

    def same(self, i: int, j: int) -> z3.BoolRef:
        """States i and j are equal (as IR values)."""
        return self.enc.same(self.view(i), self.view(j))

    def decode(self, model: z3.ModelRef, i: int) -> State:
        return decode_state(self.enc, model, self.view(i))

    def states(self, model: z3.ModelRef, n: int) -> list[State]:
        """States 0..n-1 of a model."""
        return [self.decode(model, i) for i in range(n)]

    def action(self, model: z3.ModelRef, i: int) -> GroundAction | None:
        """The ground action a model selects at step i (None for a stutter)."""
        k = model.eval(self.sel(i), model_completion=True).as_long()  # bit-vectors read as unsigned
        return self.enc.ground[k] if k < len(self.enc.ground) else None


def decode_state(enc: Encoding, model: z3.ModelRef, view: dict[str, SVal]) -> State:
    """The concrete state a model gives to a view."""
    tm = enc.tm

    def scalar(x: SVal) -> bool | int:
        if isinstance(x, SInt):
            return tm.value(model, x.term)
        return z3.is_true(model.eval(x, model_completion=True))

    system = enc.system
    return make_state(system, {v.name: decode(v.type, view[v.name], scalar) for v in system.variables})
