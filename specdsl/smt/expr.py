"""IR expressions to symbolic values over one state (`sym`), mirroring `interp.evaluate`."""

from __future__ import annotations

from collections.abc import Mapping

import z3

from specdsl.ir import (
    Binary,
    Except,
    Expr,
    Field,
    Index,
    InDomain,
    IsTag,
    Ite,
    Lit,
    MakeRecord,
    MakeTag,
    MapComp,
    Param,
    Payload,
    Quant,
    SetComp,
    SetLit,
    Type,
    Unary,
    Var,
    WithField,
)
from specdsl.irwalk import FreeParams
from specdsl.smt.sym import (
    SInt,
    SMap,
    SRec,
    SSet,
    STag,
    SVal,
    Terms,
    align_sets,
    const,
    equal,
    first_value,
    in_domain,
    ite,
    tag_index,
    tag_slots,
)
from specdsl.values import domain


class Unsupported(Exception):
    """An IR construct the Z3 encoding does not handle."""


class Evaluator:
    """Evaluates expressions over a symbolic state (variable name -> value)."""

    def __init__(self, tm: Terms, state: Mapping[str, SVal]) -> None:
        self.tm = tm
        self.state = state
        self._free = FreeParams()
        self._closed: dict[int, tuple[Expr, SVal]] = {}  # the value of each closed node met so far

    def eval(self, e: Expr, env: Mapping[str, SVal]) -> SVal:
        """The value of `e`, remembered for a node with no free parameter: it depends on the
        state only (a liveness product repeats one "enabled" condition in every action)."""
        hit = self._closed.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        v = self._node(e, env)
        if not self._free(e):
            self._closed[id(e)] = (e, v)  # the node is kept alive with its entry
        return v

    def bool(self, e: Expr, env: Mapping[str, SVal] | None = None) -> z3.BoolRef:
        v = self.eval(e, env or {})
        assert isinstance(v, z3.BoolRef), e
        return v

    def _node(self, e: Expr, env: Mapping[str, SVal]) -> SVal:  # noqa: C901 - one case per node
        tm = self.tm
        if isinstance(e, Lit):
            return const(tm, e.type, e.value)
        if isinstance(e, Var):
            return self.state[e.name]
        if isinstance(e, Param):
            return env[e.name]
        if isinstance(e, Unary):
            a = self.eval(e.arg, env)
            return tm.not_(a) if e.op == "not" else tm.neg(a)  # type: ignore[arg-type]
        if isinstance(e, Binary):
            return self._binary(e, env)
        if isinstance(e, Ite):
            c = self.eval(e.cond, env)
            if z3.is_true(c) or z3.is_false(c):  # type: ignore[arg-type]
                return self.eval(e.then if z3.is_true(c) else e.orelse, env)  # type: ignore[arg-type]
            return ite(tm, c, self.eval(e.then, env), self.eval(e.orelse, env))  # type: ignore[arg-type]
        if isinstance(e, Index):
            m = self.eval(e.map, env)
            assert isinstance(m, SMap)
            return self._select(m, self.eval(e.key, env))
        if isinstance(e, Field):
            r = self.eval(e.record, env)
            assert isinstance(r, SRec)
            return r.get(e.name)
        if isinstance(e, IsTag):
            t = self.eval(e.arg, env)
            assert isinstance(t, STag)
            return tm.compare("eq", t.tag, tm.const(tag_index(t.type, e.tag)))
        if isinstance(e, Payload):
            t = self.eval(e.arg, env)
            assert isinstance(t, STag)
            slot = tag_slots(t.type)[1][tag_index(t.type, e.tag)]
            if slot is None:
                raise Unsupported(f"payload of {e.tag}, which has none")
            return t.slots[slot]
        if isinstance(e, MakeTag):
            types, index = tag_slots(e.type)
            i = tag_index(e.type, e.tag)
            slots = [const(tm, st, first_value(st)) for st in types]
            if e.payload is not None:
                slots[index[i]] = self.eval(e.payload, env)  # type: ignore[index]
            return STag(e.type, tm.const(i), tuple(slots))
        if isinstance(e, MakeRecord):
            return SRec(tuple((n, self.eval(x, env)) for n, x in e.fields))
        if isinstance(e, MapComp):
            return SMap(
                e.key_type,
                tuple(self.eval(e.body, self._bind(env, e.var, e.key_type, k)) for k in domain(e.key_type)),
            )
        if isinstance(e, Except):
            m = self.eval(e.map, env)
            assert isinstance(m, SMap)
            key, value = self.eval(e.key, env), self.eval(e.value, env)
            hits = self._hits(m, key)
            return SMap(m.key, tuple(ite(tm, h, value, x) for h, x in zip(hits, m.items)))
        if isinstance(e, WithField):
            r = self.eval(e.record, env)
            assert isinstance(r, SRec)
            v = self.eval(e.value, env)
            return SRec(tuple((n, v if n == e.name else x) for n, x in r.fields))
        if isinstance(e, SetLit):
            elems = [self.eval(x, env) for x in e.elems]
            bits = tuple(
                tm.or_(*(equal(tm, x, const(tm, e.elem_type, d)) for x in elems)) for d in domain(e.elem_type)
            )
            return SSet(e.elem_type, bits)
        if isinstance(e, SetComp):
            bits = tuple(self.bool(e.cond, self._bind(env, e.var, e.domain, d)) for d in domain(e.domain))
            return SSet(e.domain, bits)
        if isinstance(e, Quant):
            vals = [self.bool(e.body, self._bind(env, e.var, e.domain, d)) for d in domain(e.domain)]
            if e.kind == "forall":
                return tm.and_(*vals)
            if e.kind == "exists":
                return tm.or_(*vals)
            return self._count(vals)
        if isinstance(e, InDomain):
            return in_domain(tm, e.type, self.eval(e.arg, env))
        raise Unsupported(f"expression node {type(e).__name__}")

    def _bind(self, env: Mapping[str, SVal], name: str, t: Type, v: object) -> dict[str, SVal]:
        return {**env, name: const(self.tm, t, v)}  # type: ignore[arg-type]

    def _binary(self, e: Binary, env: Mapping[str, SVal]) -> SVal:
        tm, op = self.tm, e.op
        if op in ("and", "or", "implies"):
            a = self.bool(e.lhs, env)
            if op == "and" and z3.is_false(a):
                return a
            if op in ("or", "implies") and (z3.is_true(a) if op == "or" else z3.is_false(a)):
                return tm.true
            b = self.bool(e.rhs, env)
            return tm.and_(a, b) if op == "and" else tm.or_(a, b) if op == "or" else tm.implies(a, b)
        a, b = self.eval(e.lhs, env), self.eval(e.rhs, env)
        if op == "eq":
            return equal(tm, a, b)
        if op == "ne":
            return tm.not_(equal(tm, a, b))
        if op == "in":
            assert isinstance(b, SSet)
            return tm.or_(
                *(tm.and_(bit, equal(tm, a, const(tm, b.elem, d))) for d, bit in zip(domain(b.elem), b.bits))
            )
        if op in ("union", "inter", "diff"):
            assert isinstance(a, SSet) and isinstance(b, SSet)
            t, xs, ys = align_sets(tm, a, b)
            if op == "union":
                return SSet(t, tuple(tm.or_(x, y) for x, y in zip(xs, ys)))
            if op == "inter":
                return SSet(t, tuple(tm.and_(x, y) for x, y in zip(xs, ys)))
            return SSet(t, tuple(tm.and_(x, tm.not_(y)) for x, y in zip(xs, ys)))
        assert isinstance(a, SInt) and isinstance(b, SInt), e
        if op in ("lt", "le"):
            return tm.compare(op, a, b)
        if op in ("gt", "ge"):
            return tm.compare("lt" if op == "gt" else "le", b, a)
        return {"add": tm.add, "sub": tm.sub, "mul": tm.mul, "div": tm.div, "mod": tm.mod}[op](a, b)

    def _hits(self, m: SMap, key: SVal) -> list[z3.BoolRef]:
        return [equal(self.tm, key, const(self.tm, m.key, k)) for k in domain(m.key)]

    def _select(self, m: SMap, key: SVal) -> SVal:
        """`m[key]`; a key outside the domain gives the last item (any value would do)."""
        hits = self._hits(m, key)
        for h, x in zip(hits, m.items):
            if z3.is_true(h):
                return x
        out = m.items[-1]
        for h, x in reversed(list(zip(hits[:-1], m.items[:-1]))):
            out = ite(self.tm, h, x, out)
        return out

    def _count(self, vals: list[z3.BoolRef]) -> SInt:
        tm = self.tm
        total = tm.const(sum(1 for v in vals if z3.is_true(v)))
        for v in vals:
            if not (z3.is_true(v) or z3.is_false(v)):
                total = tm.add(total, tm.ite(v, tm.const(1), tm.const(0)))
        return total


__all__ = ["Evaluator", "Unsupported"]
