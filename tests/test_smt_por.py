"""Partial-order reduction: the steps it lets commute do commute, on every reachable state."""

from __future__ import annotations

import pytest
from ir_examples import lost_update
from oracle import explore
from random_systems import cells, lock_order, pin_wait

from specdsl.interp import apply, is_enabled
from specdsl.ir import System
from specdsl.smt.encode import Encoding
from specdsl.smt.por import commuting

SYSTEMS = [lost_update(), lock_order(), pin_wait(False), cells()]


@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: s.name)
def test_commuting_steps_commute_on_every_reachable_state(system: System) -> None:
    """Wherever "b, a" can happen, "a, b" can too and ends in the same state."""
    enc = Encoding(system)
    pairs = commuting(enc, None)
    assert any(pairs) == (system.name != "cells")  # cells has one process
    for state in explore(system).parent:
        for b, after in enumerate(pairs):
            gb = enc.ground[b]
            if not is_enabled(gb, state):
                continue
            via_b = apply(gb, state)
            for a in after:
                ga = enc.ground[a]
                if is_enabled(ga, via_b):
                    assert is_enabled(ga, state) and is_enabled(gb, apply(ga, state))
                    assert apply(gb, apply(ga, state)) == apply(ga, via_b)


def test_a_step_that_can_leave_the_types_commutes_with_nothing() -> None:
    enc = Encoding(cells(buggy=True))
    pairs = commuting(enc, None)
    n = enc.owners.index("n")
    leaving = [i for i, effect in enumerate(enc.effects) if n in effect]
    assert leaving and not any(i in after or pairs[i] for i in leaving for after in pairs)
