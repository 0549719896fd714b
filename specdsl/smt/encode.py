"""The IR system as a symbolic transition relation, and its step-indexed unrolling.

`Encoding` builds templates once, over one pre-state (`pre`), one post-state
(`post`) and an action selector (`sel`): each ground action (parameters
enumerated with `interp.ground`) has an index, and a step takes exactly the
action whose index `sel` holds (interleaving); every leaf the action does not
change keeps its value.  `Unrolling` instantiates the templates at step i by
substitution, so a deeper bound never re-encodes the prefix.

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

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import z3

from specdsl.interp import GroundAction, State, ground, make_state
from specdsl.ir import Expr, Model, System, Type, Value
from specdsl.smt.expr import Evaluator
from specdsl.smt.sym import (
    Arith,
    LeafSpec,
    SInt,
    SVal,
    and_,
    bits_for,
    build,
    const,
    decode,
    equal,
    flatten,
    implies,
    in_domain,
    leaf_specs,
    leaf_terms,
    not_,
    or_,
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

    def __init__(self, system: System, bv: bool = True) -> None:
        self.system = system
        self.ar = ar = Arith(bv)
        self.ground = _ordered_ground(system)
        self.instances = self._instances()
        specs = [(v.name, s) for v in system.variables for s in leaf_specs(v.type, v.name)]

        # Pass 1: guards and updates over the pre-state at its type's width.
        typed = [self._leaf_const(f"{s.name}#", s.is_bool, s.lo, s.hi) for _, s in specs]
        typed_view = self._view(typed)
        ev = Evaluator(ar, typed_view)
        envs = [self._env(ga) for ga in self.ground]
        guards = [ev.bool(ga.action.guard, env) for ga, env in zip(self.ground, envs)]
        offsets = self._offsets()
        effects: list[dict[int, SVal]] = []
        for ga, env in zip(self.ground, envs):
            changed: dict[int, SVal] = {}
            for u in ga.action.updates:
                t = system.var(u.var).type
                new = flatten(t, ev.eval(u.value, env))
                old = flatten(t, typed_view[u.var])
                for j, (n, o) in enumerate(zip(new, old)):
                    if not _same(n, o):
                        changed[offsets[u.var] + j] = n
            effects.append(changed)

        # Stored ranges, then the real pre-state constants at those widths.
        self.leaves = self._stored(specs, effects)
        self.owners = [name for name, _ in specs]  # the variable each leaf belongs to
        self.pre = leaf_terms(
            [self._leaf_const(x.spec.name, x.spec.is_bool, x.lo, x.hi) for x in self.leaves]
        )
        self.post = leaf_terms(
            [self._leaf_const(f"{x.spec.name}'", x.spec.is_bool, x.lo, x.hi) for x in self.leaves]
        )
        n = len(self.ground)
        self.sel = z3.BitVec("sel", max(1, n.bit_length())) if bv else z3.Int("sel")
        self._narrow = [
            (
                c.term if isinstance(c, SInt) else c,
                ar.fit(SInt(r, leaf.lo, leaf.hi), leaf.spec.lo, leaf.spec.hi) if isinstance(c, SInt) else r,
            )
            for c, r, leaf in zip(typed, self.pre, self.leaves)
        ]
        self.raw = self._view(self._stored_leaves(self.pre))
        self._ev_typed = ev
        self.guards = [self._narrowed(g) for g in guards]
        self._next = self._next_state(effects)
        self._effects = [
            {j: self._narrowed(self._stored_term(j, new)) for j, new in eff.items()} for eff in effects
        ]
        self._allowed: dict[str, list[z3.BoolRef]] = {}

    # -- construction helpers

    def _leaf_const(self, name: str, is_bool: bool, lo: int, hi: int) -> SVal:
        if is_bool:
            return z3.Bool(name)
        return SInt(z3.Const(name, self.ar.sort(lo, hi)), lo, hi)

    def _view(self, leaves: Sequence[SVal]) -> dict[str, SVal]:
        it: Iterator[SVal] = iter(leaves)
        return {v.name: build(v.type, it) for v in self.system.variables}

    def _stored_leaves(self, terms: Sequence[z3.ExprRef]) -> list[SVal]:
        return [t if leaf.spec.is_bool else SInt(t, leaf.lo, leaf.hi) for t, leaf in zip(terms, self.leaves)]

    def _offsets(self) -> dict[str, int]:
        out, n = {}, 0
        for v in self.system.variables:
            out[v.name] = n
            n += len(leaf_specs(v.type, v.name))
        return out

    def _env(self, ga: GroundAction) -> dict[str, SVal]:
        types = {b.name: b.type for b in ga.action.params}
        return {name: const(self.ar, types[name], value) for name, value in ga.binding}

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
                seen += list(enumerate(flatten(v.type, const(self.ar, v.type, x)), offsets[v.name]))
        seen += [(j, a) for eff in effects for j, a in eff.items()]
        for j, a in seen:
            if isinstance(a, SInt):
                lo[j], hi[j] = min(lo[j], a.lo), max(hi[j], a.hi)
        return [Leaf(s, lo[j], hi[j]) for j, (_, s) in enumerate(specs)]

    def _narrowed(self, term: z3.ExprRef) -> z3.ExprRef:
        """A term over the typed pre-state, rewritten over the stored pre-state."""
        return z3.substitute(term, *self._narrow)

    def _stored_term(self, j: int, new: SVal) -> z3.ExprRef:
        leaf = self.leaves[j]
        return self.ar.fit(new, leaf.lo, leaf.hi) if isinstance(new, SInt) else new  # type: ignore[return-value]

    def _next_state(self, effects: list[dict[int, SVal]]) -> list[z3.ExprRef]:
        """Per leaf, its value after the selected step (an if-chain over the actions changing it)."""
        out = []
        for j, r in enumerate(self.pre):
            value: z3.ExprRef = r
            for i in reversed(range(len(self.ground))):
                new = effects[i].get(j)
                if new is not None:
                    value = z3.If(self.is_sel(i), self._stored_term(j, new), value)
            out.append(self._narrowed(value))
        return out

    # -- templates (over pre, post and sel)

    def is_sel(self, i: int) -> z3.BoolRef:
        return self.sel == i

    def sel_range(self, stutter: bool) -> z3.BoolRef:
        """`sel` names a ground action, or (with `stutter`) the stuttering step `len(ground)`."""
        n = len(self.ground) + (1 if stutter else 0)
        if self.ar.bv:
            return z3.BoolVal(True) if n == 2 ** self.sel.size() else z3.ULT(self.sel, n)
        return z3.And(self.sel >= 0, self.sel < n)

    def took(self, inst: Instance) -> z3.BoolRef:
        """The step was one of `inst`'s actions."""
        if self.ar.bv:
            return z3.And(z3.UGE(self.sel, inst.first), z3.ULE(self.sel, inst.last))
        return z3.And(self.sel >= inst.first, self.sel <= inst.last)

    def init(self) -> z3.BoolRef:
        """The pre-state is an initial state, leaf for leaf (so unused payload slots
        hold their canonical filler, as every update leaves them)."""
        return and_(
            *(or_(*(self._is_value(v.name, v.type, x) for x in v.init)) for v in self.system.variables)
        )

    def _is_value(self, name: str, t: Type, value: Value) -> z3.BoolRef:
        parts = []
        for have, want in zip(flatten(t, self.raw[name]), flatten(t, const(self.ar, t, value))):
            if isinstance(have, SInt):
                parts.append(have.term == self.ar.fit(want, have.lo, have.hi))  # type: ignore[arg-type]
            else:
                parts.append(have == want)
        return and_(*parts)

    def dom(self) -> z3.BoolRef:
        """Every variable of the pre-state lies in its type.  The explicit stored ranges
        make it exact for unconstrained states too (as in an induction step), where
        the interval analysis that folds part of the type check does not apply."""
        stored = [
            z3.And(r >= leaf.lo, r <= leaf.hi)
            for r, leaf in zip(self.pre, self.leaves)
            if not leaf.spec.is_bool and not self._fills_sort(leaf)
        ]
        return and_(*stored, *(in_domain(self.ar, v.type, self.raw[v.name]) for v in self.system.variables))

    def _fills_sort(self, leaf: Leaf) -> bool:
        """Whether every value of the leaf's sort lies in its stored range."""
        w = bits_for(leaf.lo, leaf.hi)
        return self.ar.bv and (leaf.lo, leaf.hi) == (-(1 << (w - 1)), (1 << (w - 1)) - 1)

    def pred(self, e: Expr) -> z3.BoolRef:
        """A state predicate over the (stored) pre-state."""
        return Evaluator(self.ar, self.raw).bool(e)

    def allowed(self, model: Model | None) -> list[z3.BoolRef]:
        """Per ground action, whether the model's scheduling constraints let it happen."""
        if model is None or not model.constraints:
            return [z3.BoolVal(True)] * len(self.ground)
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
                out.append(self._narrowed(and_(*conds)))
            self._allowed[model.name] = out
        return self._allowed[model.name]

    def enabled(self, model: Model | None) -> list[z3.BoolRef]:
        """Per ground action, enabled (and allowed) in the pre-state (inside its types)."""
        return [and_(g, a) for g, a in zip(self.guards, self.allowed(model))]

    def enabled_instance(self, inst: Instance, model: Model | None) -> z3.BoolRef:
        return or_(*self.enabled(model)[inst.first : inst.last + 1])

    def trans(self, model: Model | None = None) -> z3.BoolRef:
        """One step from pre to post: the selected action is enabled and allowed, and
        the post-state is its effect (a stuttering selector changes nothing)."""
        parts = [self.dom()]
        parts += [
            implies(self.is_sel(i), en) for i, en in enumerate(self.enabled(model)) if not z3.is_true(en)
        ]
        parts += [p == v for p, v in zip(self.post, self._next)]
        return and_(*parts)

    def action_step(self, i: int, model: Model | None = None) -> z3.BoolRef:
        """One step of ground action i from pre to post (no selector: one template per action)."""
        effect = self._effects[i]
        parts = [self.dom(), self.enabled(model)[i]]
        parts += [p == effect.get(j, r) for j, (p, r) in enumerate(zip(self.post, self.pre))]
        return and_(*parts)

    def deadlock(self, terminal: Expr | None) -> z3.BoolRef:
        """The pre-state (inside its types) has no step and is not an intended terminal state."""
        term = z3.BoolVal(False) if terminal is None else self.pred(terminal)
        return and_(self.dom(), not_(term), *(not_(g) for g in self.guards))

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

    def state(self, i: int) -> list[z3.ExprRef]:
        enc = self.enc
        while len(self._states) <= i:
            k = len(self._states)
            self._states.append(
                [z3.Const(f"{leaf.spec.name}@{k}", p.sort()) for leaf, p in zip(enc.leaves, enc.pre)]
            )
            self._sels.append(z3.Const(f"sel@{k}", enc.sel.sort()))
            self._views.append(enc._view(enc._stored_leaves(self._states[-1])))
        return self._states[i]

    def sel(self, i: int) -> z3.ExprRef:
        self.state(i)
        return self._sels[i]

    def view(self, i: int) -> dict[str, SVal]:
        self.state(i)
        return self._views[i]

    def at(self, term: z3.ExprRef, i: int) -> z3.ExprRef:
        """A template instantiated at step i (pre = state i, post = state i+1, sel = step i)."""
        key = (term.get_id(), i)
        hit = self._cache.get(key)
        if hit is None or not hit[0].eq(term):
            pairs = list(zip(self.enc.pre, self.state(i)))
            pairs += list(zip(self.enc.post, self.state(i + 1)))
            pairs.append((self.enc.sel, self.sel(i)))
            hit = self._cache[key] = (term, z3.substitute(term, *pairs))
        return hit[1]

    def same(self, i: int, j: int) -> z3.BoolRef:
        """States i and j are equal (as IR values)."""
        a, b = self.view(i), self.view(j)
        return and_(*(equal(self.enc.ar, a[v.name], b[v.name]) for v in self.enc.system.variables))

    def decode(self, model: z3.ModelRef, i: int) -> State:
        ar = self.enc.ar

        def scalar(x: SVal) -> bool | int:
            if isinstance(x, SInt):
                return ar.value(model, x.term)
            return z3.is_true(model.eval(x, model_completion=True))

        view = self.view(i)
        system = self.enc.system
        return make_state(system, {v.name: decode(v.type, view[v.name], scalar) for v in system.variables})

    def states(self, model: z3.ModelRef, n: int) -> list[State]:
        """States 0..n-1 of a model."""
        return [self.decode(model, i) for i in range(n)]
