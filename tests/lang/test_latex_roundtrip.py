"""Whatever derivcheck prints as LaTeX it reads back to the same expression (SPEC §1.5).

Expressions of every shape are drawn, printed with the LaTeX writer (report/latex_out.py), read
with the LaTeX reader (latex.py) in the same problem's names and shapes, and the two are proved
equal with sympy, entry by entry."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivcheck.lang import exprs
from derivcheck.lang.ir import Graph, lower_into
from derivcheck.lang.latex import to_expression
from derivcheck.ops import ELEMENTWISE
from derivcheck.report.latex_out import expr_latex
from derivcheck.witness.symbolic import Symbolic

SHAPES = {"x": (), "y": (), "gamma": (), "u": (3,), "v": (3,), "A": (3, 3), "B": (3, 3)}
TENSORS = frozenset(n for n, s in SHAPES.items() if s)
SMOOTH = [f for f in ELEMENTWISE if f not in ("log", "sqrt", "log1p", "asin", "acos", "acosh", "atanh")]


def _scalars(inner):
    return st.one_of(
        st.sampled_from(["x", "y", "gamma", "2", "(1/2)", "pi"]),
        st.sampled_from(["sum(v)", "u.T @ v", "trace(A)", "det(B)", "norm(u)", "v[2]", "A[1, 3]", "logsumexp(u)"]),
        st.builds(lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from(["+", "-", "*"]), inner),
        st.builds(lambda a: f"({a})**2", inner),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(SMOOTH), inner),
        st.builds(lambda f, p, a: f"{f}{p}({a})", st.sampled_from(["sigmoid", "tanh", "relu", "gelu"]),
                  st.sampled_from(["'", "''"]), inner),
        st.builds(lambda a, b: f"max({a}, {b})", inner, inner),
    )


SCALAR = st.recursive(st.sampled_from(["x", "y", "gamma"]), _scalars, max_leaves=5)


def _vectors(inner):
    return st.one_of(
        st.builds(lambda s, a: f"({s} * {a})", SCALAR, inner),
        st.builds(lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from(["+", "-", "*"]), inner),
        st.builds(lambda m, a: f"({m} @ {a})", st.sampled_from(["A", "B", "A.T", "inv(B)"]), inner),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(["sigmoid", "tanh", "exp", "softmax"]), inner),
        st.just("diag(A)"), st.just("A[:, 2]"),
        st.builds(lambda a, b, c: f"[{a}, {b}, {c}]", SCALAR, SCALAR, SCALAR),
    )


VECTOR = st.recursive(st.sampled_from(["u", "v"]), _vectors, max_leaves=4)


def _matrices(inner):
    return st.one_of(
        st.builds(lambda a, b: f"({a} @ {b})", inner, inner),
        st.builds(lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from(["+", "-", "*"]), inner),
        st.builds(lambda s, a: f"({s} * {a})", SCALAR, inner),
        st.builds(lambda a: f"({a}).T", inner),
        st.builds(lambda a: f"diag({a})", VECTOR),
        st.builds(lambda a, b: f"outer({a}, {b})", VECTOR, VECTOR),
        st.builds(lambda r: "[" + ", ".join("[" + ", ".join(row) + "]" for row in r) + "]",
                  st.lists(st.lists(SCALAR, min_size=3, max_size=3), min_size=3, max_size=3)),
    )


MATRIX = st.recursive(st.sampled_from(["A", "B", "inv(A)", "eye(3)"]), _matrices, max_leaves=4)


def _value(text: str) -> np.ndarray:
    graph = Graph(inputs=dict(SHAPES))
    lower_into(graph, "out", exprs.parse(text), known=dict(graph.shapes))
    return Symbolic(graph, {}).evaluate(graph.eqns, "out")


def _roundtrip(text: str):
    latex = expr_latex(text, tensors=TENSORS)
    read = to_expression(latex, names=frozenset(SHAPES), shapes=SHAPES)
    a, b = _value(text), _value(read)
    assert a.shape == b.shape, (text, latex, read)
    for p, q in zip(a.flat, b.flat):
        assert p == q or sp.simplify(p - q) == 0, (text, latex, read)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(SCALAR, VECTOR, MATRIX))
def test_printed_latex_reads_back_to_an_equal_expression(text):
    _roundtrip(text)


def test_examples_of_the_round_trip():
    for text in ["gamma * sigmoid'(x) + u.T @ A @ v", "sum(A * B, axis=0)", "mean(A, axis=1)", "relu''(x) / y",
                 "softmax(A @ v) * u", "logdet(A) + norm(A)", "abs(x - y) + min(x, y)", "erf(x) + asinh(y)",
                 "[x, 2*y, 1] * u", "A @ [[x, 0, 1], [0, y, 0], [1, 0, gamma]]"]:
        _roundtrip(text)
