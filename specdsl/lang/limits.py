"""Limits on what lowering builds, so that checking stays cheap and no backend
recurses out of its depth.

Lowering can make an expression far larger than the text it comes from:
definitions are inlined (`def d2 = d1 + d1` doubles), each statement of a step
is substituted into the next (`y := y + y` twenty times is a million nodes),
`for` loops are unrolled and `either` branches multiply a step's actions.  The
checker measures what it builds as it builds it and stops at these limits,
with the position of the expression or statement that crosses one.
"""

from __future__ import annotations

from specdsl.ir import Expr
from specdsl.irwalk import children
from specdsl.lang.errors import Diagnostic

MAX_EXPR_NODES = 10_000  # the real specs' largest lowered expression has under 100
MAX_EXPR_DEPTH = 100  # as the syntax's MAX_DEPTH; the TLA+ printer overflows Python's stack near 200
MAX_UNROLL = 64  # copies of a `for` body in one step (nested loops multiply)
MAX_STEP_ACTIONS = 256  # actions one step lowers to (`either` branches, splitting `if`s)


class LimitExceeded(Exception):
    """Lowering crossed a limit: the check stops here (going on could repeat
    the expensive work, once per use of a large definition)."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class Extent:
    """Sizes and depths of lowered expressions.  Each node is measured once:
    lowering shares sub-expressions (a variable's value is read by every later
    statement), so a tree walk could take exponential time.  The memo keeps
    the nodes it measured alive, so that their ids stay theirs."""

    def __init__(self) -> None:
        self._memo: dict[int, tuple[Expr, int, int]] = {}

    def of(self, e: Expr) -> tuple[int, int]:
        """(nodes, depth) of `e` as a tree."""
        memo = self._memo
        stack = [e]
        while stack:
            node = stack[-1]
            if id(node) in memo:
                stack.pop()
                continue
            kids = tuple(children(node))
            unmeasured = [c for c in kids if id(c) not in memo]
            if unmeasured:
                stack += unmeasured
                continue
            stack.pop()
            measured = [memo[id(c)] for c in kids]
            nodes = 1 + sum(n for _, n, _ in measured)
            memo[id(node)] = (node, nodes, 1 + max((d for _, _, d in measured), default=0))
        _, nodes, depth = memo[id(e)]
        return nodes, depth

    def excess(self, e: Expr, depth_below: int = 0) -> str | None:
        """Why `e` (under `depth_below` more levels) is too large, or None."""
        nodes, depth = self.of(e)
        if nodes > MAX_EXPR_NODES:
            return f"more than {MAX_EXPR_NODES} nodes"
        if depth + depth_below > MAX_EXPR_DEPTH:
            return f"nested more than {MAX_EXPR_DEPTH} levels deep"
        return None
