"""`entries` claims: an index formula (`delta(i, j) * x[k]`) → one tensor.

The formula is lowered once per index tuple with the indices bound to numbers
(1-based, as on paper), and the scalar results are stacked into the claim's
tensor, so both witnesses evaluate it like any other claim.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from derivcheck.lang import exprs
from derivcheck.lang.errors import ExprError, LocatedError
from derivcheck.lang.ir import Eqn, Lowerer

MAX_ENTRIES = 10_000


class EntryLowerer(Lowerer):
    def __init__(self, graph, target, *, known, bound: dict):
        super().__init__(graph, target, known=known, index_names=frozenset(bound))
        self.bound = bound

    def visit_Name(self, node: exprs.Name) -> str:
        if node.id in self.bound:
            return self.const("num", Fraction(self.bound[node.id]))
        return super().visit_Name(node)

    def index_value(self, node) -> int:
        if isinstance(node, exprs.Name) and node.id in self.bound:
            return self.bound[node.id]
        return super().index_value(node)

    def call_delta(self, node: exprs.Call) -> str:
        if len(node.args) != 2:
            raise ExprError("delta takes two indices, as in delta(i, j)", node.pos)
        i, j = (self.index_value(a) for a in node.args)
        return self.const("num", Fraction(int(i == j)))


def lower_entries(claim, graph, known: dict, parse_at) -> list:
    spec = claim.spec
    index_names = [t.text for t in spec.entry_index]
    shape = claim.expected
    if spec.wrt_first:
        split = len(graph.shapes[claim.of]) if not spec.diagonal else 0
        shape = shape[split:] + shape[:split]
    if len(index_names) != len(shape):
        raise LocatedError(f"entries lists {len(index_names)} indices but the derivative has {len(shape)} "
                           f"(shape {list(shape)})", spec.line, spec.col)
    if int(np.prod(shape, dtype=int)) > MAX_ENTRIES:
        raise LocatedError(f"entries claims are limited to {MAX_ENTRIES} entries", spec.line, spec.col)
    expr = parse_at(spec.body, claim=True, entries=True)
    scratch = graph.scratch()
    eqns, parts = [], []
    for n, index in enumerate(np.ndindex(*shape)):
        bound = {name: i + 1 for name, i in zip(index_names, index)}
        lowerer = EntryLowerer(scratch, f"{claim.target}@{n}", known=known, bound=bound)
        try:
            lowerer.lower(expr)
        except ExprError as exc:
            raise LocatedError(exc.message, *spec.body.locate(exc.offset)) from None
        if lowerer.eqns[-1].shape != ():
            raise LocatedError("an entries formula must give a scalar for each index", spec.body.line, spec.body.col)
        eqns.extend(lowerer.eqns)
        parts.append(lowerer.target)
    eqns.append(Eqn(claim.target, "stack", tuple(parts), {"shape": shape}, shape))
    return eqns
