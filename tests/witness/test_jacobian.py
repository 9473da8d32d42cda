"""The symbolic witness's Jacobian is sympy's own derivative, entry for entry (it only shares the work
on subexpressions that several entries reuse, and skips those without the variable)."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derivcheck.witness.symbolic import jacobian

x, y, z = sp.symbols("x y z", real=True)
f = sp.Function("f")
ATOMS = [x, y, z, sp.Integer(2), sp.Rational(1, 3), x * y, x + z]
expressions = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: p[0] * p[1]),
        st.tuples(inner, inner).map(lambda p: p[0] + p[1]),
        st.tuples(inner, st.sampled_from([2, 3, -1, -2, sp.Rational(1, 2)])).map(lambda p: p[0] ** p[1]),
        st.tuples(inner, st.sampled_from([sp.sin, sp.exp, sp.Abs, sp.tanh, f])).map(lambda p: p[1](p[0])),
        st.tuples(inner, inner).map(lambda p: sp.Max(p[0], p[1])),
        st.tuples(inner, inner).map(lambda p: p[0] ** p[1]),
    ),
    max_leaves=8)


@settings(max_examples=60, deadline=None)
@given(st.lists(expressions, min_size=1, max_size=3))
def test_the_jacobian_is_sympys_derivative_entry_for_entry(entries):
    shared = entries[0]  # an entry that reuses another's subexpression
    array = np.array(entries + [shared * (shared + x)], dtype=object)
    variables = np.array([x, y, z], dtype=object)
    result = jacobian(array, variables)
    for i, e in enumerate(array):
        for j, v in enumerate(variables):
            assert result[i, j] == sp.diff(e, v), (e, v)
