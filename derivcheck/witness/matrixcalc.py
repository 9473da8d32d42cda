"""sympy's matrix-expression calculus, shown beside the truth and cross-checked.

sympy can differentiate some matrix expressions in closed form (∂ aᵀXb/∂X = a bᵀ),
but is wrong in known cases (1.14 gives 0 for ∂ log det X/∂X; sympy issues 15614,
23931, 28618). derivcheck's truth is always component-wise; this module only
reports what the closed form says and whether it agrees at a sample point.
"""

from __future__ import annotations

import numpy as np
import sympy as sp


TRANSLATE = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "neg": lambda a: -a,
    "matmul": lambda a, b: _scalar_if_1x1(a * b),
    "transpose": lambda a: a.T if isinstance(a, sp.MatrixExpr) else a,
    "inv": lambda a: sp.Inverse(a),
    "det": lambda a: sp.Determinant(a),
    "logdet": lambda a: sp.log(sp.Determinant(a)),
    "trace": lambda a: sp.Trace(a),
    "copy": lambda a: a,
}


class NoClosedForm(Exception):
    """The expression uses an operation with no matrix-expression counterpart here."""


def _scalar_if_1x1(m):
    """A 1×1 product is a scalar (SPEC §1.3); Trace keeps sympy's calculus applicable."""
    return sp.Trace(m) if getattr(m, "shape", None) == (1, 1) else m


def _scalar_mul(a, b):
    if isinstance(a, sp.MatrixExpr) and isinstance(b, sp.MatrixExpr):
        raise NoClosedForm("elementwise product")
    return a * b


def matrix_expression(graph, node: str):
    """The node as a sympy matrix expression over MatrixSymbols (inputs), or NoClosedForm."""
    producer = graph.producer()
    env = {}
    for name, shape in graph.inputs.items():
        if shape == ():
            env[name] = sp.Symbol(name, real=True)
        else:
            rows, cols = (shape[0], 1) if len(shape) == 1 else shape
            env[name] = sp.MatrixSymbol(name, rows, cols)
    order = [e for e in graph.eqns]
    for eqn in order:
        if eqn.op == "const" and eqn.params["kind"] == "num":
            env[eqn.out] = sp.Rational(eqn.params["value"].numerator, eqn.params["value"].denominator)
        elif eqn.op == "mul":
            env[eqn.out] = _scalar_mul(*(env[a] for a in eqn.args))
        elif eqn.op in TRANSLATE and all(a in env for a in eqn.args):
            env[eqn.out] = TRANSLATE[eqn.op](*(env[a] for a in eqn.args))
        if eqn.out == node:
            break
    if node not in env or node not in producer and node not in graph.inputs:
        raise NoClosedForm("unsupported operation")
    return env[node], env


def closed_form_report(checker, of: str, wrt: str, point: dict, truth_values: list) -> str:
    """One line: sympy's closed form and whether it agrees with the component-wise truth."""
    graph = checker.graph
    if graph.shapes.get(of) != () or wrt not in graph.inputs or graph.shapes[wrt] == ():
        return ""
    try:
        expr, env = matrix_expression(graph, of)
        closed = expr.diff(env[wrt])
    except (NoClosedForm, TypeError, ValueError, AttributeError, NotImplementedError, KeyError):
        return ""
    if closed.has(sp.Derivative):
        return ""
    try:
        values = {}
        for name, shape in graph.inputs.items():
            entries = np.asarray(point[name], dtype=object)
            if shape == ():
                values[env[name]] = sp.Rational(entries[()].numerator, entries[()].denominator)
            else:
                rational = [[sp.Rational(v.numerator, v.denominator) for v in row] for row in
                            (entries.reshape(-1, 1) if len(shape) == 1 else entries)]
                values[env[name]] = sp.ImmutableMatrix(rational)
        explicit = closed.xreplace(values).doit()
        numbers = np.array(sp.Matrix(explicit).tolist() if hasattr(explicit, "shape") else
                           [[explicit]] * 1, dtype=object).astype(float).reshape(-1)
    except (TypeError, ValueError, AttributeError, NotImplementedError, sp.SympifyError):
        return ""
    truth = np.array([float(v) for v in truth_values])
    if numbers.size == 1 and truth.size > 1 and numbers[0] == 0:
        numbers = np.zeros_like(truth)
    if numbers.shape != truth.shape:
        verdict = "has another shape — not used"
    elif np.allclose(numbers, truth, rtol=1e-9, atol=1e-12 * max(1.0, np.abs(truth).max())):
        verdict = "agrees with the component-wise derivative"
    else:
        verdict = "DISAGREES with the component-wise derivative (a known sympy bug?) — not used"
    return f"sympy matrix calculus: ∂{of}/∂{wrt} = {sp.sstr(closed)} — {verdict}"
