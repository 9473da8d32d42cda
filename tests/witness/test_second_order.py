"""The engine's second derivatives (forward over reverse) and second-order verdicts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from derivcheck.lang.build import build
from derivcheck.lang.problem import load_text
from derivcheck.runner import run_file
from derivcheck.witness.engine import Engine
from derivcheck.witness.second_order import hessian

PROBLEM = b"""
inputs: {x: {shape: [2]}, A: {shape: [2, 2]}}
nodes:
  h: tanh(A @ x)
  f: sum(h*h) + logdet(A) + softplus(x.T@x) + det(inv(A))*sigmoid(x.T@x) + logsumexp(softmax(x)) + sum(exp(x)/(2 + sin(x)))
"""


def engine_and_env(x, a):
    model = build(load_text(PROBLEM, "t.yaml"))
    engine = Engine(model.graph.eqns)
    return engine, engine.forward({"x": np.asarray(x, float), "A": np.asarray(a, float)})


def gradient_fd(engine, env, wrt, at, of="f", h=1e-6):
    """Central differences of the engine's own gradient w.r.t. `at` (an input)."""
    base = {k: v for k, v in env.items() if k in ("x", "A")}
    out = []
    for index in np.ndindex(*np.shape(base[at])):
        cols = []
        for sign in (1, -1):
            moved = {k: v.copy() for k, v in base.items()}
            moved[at][index] += sign * h
            cols.append(engine.jacobian(engine.forward(moved), of, wrt))
        out.append((cols[0] - cols[1]) / (2 * h))
    return np.stack(out, axis=-1).reshape(np.shape(env[of]) + np.shape(env[wrt]) + np.shape(base[at]))


@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=2),
       st.lists(st.floats(-0.4, 0.4), min_size=4, max_size=4))
def test_hessian_matches_finite_differences_of_gradient(x, noise):
    a = np.array([[1.3, 0.2], [-0.3, 1.1]]) + np.array(noise).reshape(2, 2)
    engine, env = engine_and_env(x, a)
    for u, v in (("x", "x"), ("A", "x"), ("x", "A"), ("A", "A")):
        exact = hessian(engine, env, "f", u, v)
        approx = gradient_fd(engine, env, u, v)
        assert exact.shape == approx.shape
        assert np.allclose(exact, approx, rtol=1e-5, atol=1e-6), (u, v)


def test_mixed_second_derivative_between_nodes():
    """hess(f, h, x): ∂/∂x of the adjoint of node h (h's own parents held fixed)."""
    engine, env = engine_and_env([0.3, -0.7], [[1.2, 0.3], [-0.4, 0.9]])
    mixed = hessian(engine, env, "f", "h", "x")
    # ∂f/∂h = 2h, and h = tanh(Ax): ∂(2h)/∂x = 2 diag(1 - h²) A
    h = env["h"]
    expected = 2 * np.diag(1 - h * h) @ env["A"]
    assert np.allclose(mixed, expected, rtol=1e-12)


def verdicts(text: str) -> list:
    return [(c.verdict, c.passed) for c in run_file("t.yaml", data=text.encode()).claims]


def test_second_order_claims_verdicts():
    text = """
inputs: {x: {shape: [3]}, A: {shape: [3, 3]}}
nodes: {f: x.T @ A @ x}
claims:
  - {wrt: [x, x], is: A + A.T}
  - {wrt: [x, x], is: 2*A}
  - {wrt: [x, x], diagonal: true, is: 2*diag(A)}
  - {wrt: [x, A], is: "hess(f, x, A)"}
"""
    got = verdicts(text)
    assert got[0] == ("proved", True)
    assert got[1][0] == "wrong"
    assert got[2] == ("proved", True)
    assert got[3] == ("proved", True)


def test_approx_claim_reports_relative_error_and_fails_above_the_limit():
    text = """
inputs: [x]
nodes: {f: exp(x)}
claims:
  - {wrt: x, is: 1 + x, approx: true}
  - {wrt: x, is: exp(x)*1.001, approx: true, max_rel_error: 0.01}
  - {wrt: x, is: exp(x)*1.1, approx: true, max_rel_error: 0.01}
"""
    result = run_file("t.yaml", data=text.encode())
    first, second, third = result.claims
    assert first.verdict == "approximate" and first.passed and first.max_rel_error > 0
    assert second.passed and abs(second.max_rel_error - 0.001) < 1e-9
    assert not third.passed and abs(third.max_rel_error - 0.1) < 1e-9
    assert result.exit_code == 1
