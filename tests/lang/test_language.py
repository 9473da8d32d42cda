"""The language of real layers (SPEC §1.3, §1.5): the verdicts, readings and messages users see."""

from __future__ import annotations

import textwrap

import pytest

from derivcheck.lang.errors import ExprError
from derivcheck.lang.exprs import parse
from derivcheck.lang.latex import read, to_expression
from derivcheck.runner import run_file

MLP = """
dims: {m: 4, d: 3, h: 2}
inputs:
  X: {shape: [m, d]}
  W: {shape: [d, h]}
  b: {shape: [h]}
nodes:
  Z: X @ W + b.T
  L: sum(relu(Z)**2)/m
claims:
"""


def check(text: str):
    return run_file("t.yaml", data=textwrap.dedent(text).encode())


def verdicts(text: str) -> list:
    result = check(text)
    assert result.error is None, result.error
    return [(c.verdict, c.message) for c in result.claims]


def test_gelu_exact_via_erf(invoke):
    right = "0.5*(1 + erf(x/sqrt(2))) + x*exp(-x**2/2)/sqrt(2*pi)"
    assert invoke("grad", "gelu(x)", "--wrt", "x", "--claim", right)[0] == 0
    assert invoke("grad", "gelu(x)", "--wrt", "x", "--claim", "0.5*(1 + erf(x/sqrt(2)))")[0] == 1


def test_mlp_over_a_batch_with_a_broadcast_bias_in_yaml_and_latex():
    text = MLP + "".join(f"  - {c}\n" for c in [
        "{wrt: W, is: \"2*X.T @ (relu(Z) * relu'(Z))/m\"}",
        "{wrt: b, is: \"sum(2*relu(Z) * relu'(Z), axis=0)/m\"}",
        "{wrt: W, latex: \"\\\\frac{2}{m} X^\\\\top (\\\\mathrm{relu}(Z) \\\\odot \\\\mathrm{relu}'(Z))\"}",
        "{wrt: b, latex: \"\\\\frac{2}{m} (\\\\mathrm{relu}(Z) \\\\odot \\\\mathrm{relu}'(Z))^\\\\top \\\\mathbf{1}\"}",
    ])
    assert [v for v, _ in verdicts(text)] == ["proved"] * 4


def test_inner_size_mismatch_is_wrong_so_expect_fails_holds():
    text = MLP + "  - {wrt: W, is: \"2*(relu(Z) * relu'(Z)) @ X.T/m\", expect: fails}\n" \
               + "  - {wrt: W, is: \"2*(relu(Z) * relu'(Z)) @ X.T/m\"}\n"
    result = check(text)
    assert [c.verdict for c in result.claims] == ["expected-fail", "wrong"]
    assert result.claims[1].diagnosis == "wrong shape: @ needs matching inner sizes: 4×2 @ 3×4"
    assert result.exit_code == 1


def test_unknown_names_in_a_misfit_claim_are_still_errors():
    result = check(MLP + "  - {wrt: W, is: \"relu(Z) @ X.T + V\"}\n")
    assert result.claims[0].verdict == "error" and "unknown name 'V'" in result.claims[0].message


@pytest.mark.parametrize("latex, reading", [
    (r"\sigma'(a) \odot W^\top \delta", "sigmoid'(a)*(transpose(W) @ delta)"),
    (r"\frac{2}{x^\top x}(A x - R x)", "(2/(transpose(x) @ x))*(A @ x - R @ x)"),
    (r"\hat{\mu} + \gamma", "muhat + gamma"),
    (r"\|x\|_2^2 + \|A\|_F", "norm(x)**2 + norm(A)"),
    (r"\frac{\partial L}{\partial x} + \frac{\partial^2 L}{\partial x^2} x", "grad(L, x) + hess(L, x, x) @ x"),
    (r"\operatorname{diag}(a) \mathbf{1} + diag(a) x", "diag(a) @ ones(3) + diag(a) @ x"),
    (r"\max(\mu, \gamma) + \operatorname{erf}(\mu) + \arctan \gamma", "max(mu, gamma) + erf(mu) + atan(gamma)"),
])
def test_latex_readings(latex, reading):
    shapes = {"a": (3,), "W": (3, 3), "delta": (3,), "x": (3,), "A": (3, 3), "R": (3, 3), "muhat": (),
              "gamma": (), "mu": (), "L": ()}
    assert to_expression(latex, names=frozenset(shapes), shapes=shapes) == reading
    if "delta" not in reading:  # delta names the Kronecker delta in expressions: only sheets map \delta
        text, expr = read(latex, shapes=shapes)
        assert text == reading and expr == parse(reading, claim=True)


def test_latex_reading_is_echoed():
    result = check(MLP + "  - {wrt: b, latex: \"\\\\frac{2}{m} (\\\\mathrm{relu}(Z) \\\\odot \\\\mathrm{relu}'(Z))^\\\\top "
                         "\\\\mathbf{1}\"}\n")
    assert result.claims[0].reading == "(2/m)*transpose(relu(Z)*relu'(Z)) @ ones(4)"


@pytest.mark.parametrize("body, verdict", [
    ("{of: r, wrt: x, is: \"[-2*(1 - x[1]) - 400*x[1]*(x[2] - x[1]**2), 200*(x[2] - x[1]**2)]\"}", "proved"),
    ("{of: r, wrt: x, is: \"[-2*(1 - x[1]), 200*(x[2] - x[1]**2)]\", expect: fails}", "expected-fail"),
])
def test_rosenbrock_on_a_vector_with_indexing_and_a_literal(body, verdict):
    text = "inputs: {x: {shape: [2]}}\nnodes:\n  r: (1 - x[1])**2 + 100*(x[2] - x[1]**2)**2\nclaims:\n  - " + body + "\n"
    assert verdicts(text)[0][0] == verdict


@pytest.mark.parametrize("expr, message", [
    ("erfx(x)", "unknown function 'erfx' (did you mean 'erf'?); the functions are abs, acos,"),
    ("x**2 +", "syntax error: expected an expression after '+'"),
    ("x + A", "elementwise operands scalar and 2×3 do not fit"),
    ("A + ones(3, 2)", "elementwise operands 2×3 and 3×2 do not fit: allowed are the same shape, a scalar, or a row "
                       "(1×n) or a column (m×1, or a vector of length m) broadcast across an m×n matrix"),
    ("A[3, 1]", "index 3 of A is out of range 1..2 (indices start at 1)"),
    ("softmax(A)", "softmax of a matrix (2×3) needs axis=0 (each column) or axis=1 (each row)"),
    ("x'(A)", "needs an elementwise function"),
])
def test_located_errors_that_help(expr, message):
    result = check(f"inputs: {{x: {{}}, A: {{shape: [2, 3]}}}}\nnodes:\n  f: {expr}\n")
    if message.startswith("elementwise operands scalar"):  # a scalar broadcasts: this one is fine
        assert result.error is None
        return
    assert result.error is not None and message in result.error["message"], result.error


def test_broadcast_row_and_column_and_their_adjoints():
    text = """
    dims: {m: 3, n: 2}
    inputs: {A: {shape: [m, n]}, r: {shape: [n]}, c: {shape: [m]}}
    nodes:
      f: sum((A + r.T) * (A - c) / (1 + ones(m, n)))
    claims:
      - {wrt: r, is: "sum(A - c, axis=0)/2"}
      - {wrt: c, is: "-sum(A + r.T, axis=1)/2"}
      - {wrt: A, is: "(2*A + r.T - c)/2"}
    """
    assert [v for v, _ in verdicts(text)] == ["proved"] * 3


def test_axis_on_mean_softmax_logsumexp_and_dims_as_constants():
    text = """
    dims: {m: 2, n: 3}
    inputs: {X: {shape: [m, n]}}
    nodes:
      f: sum(logsumexp(X, axis=1)) + sum(mean(X, axis=0))
    claims:
      - {wrt: X, is: "softmax(X, axis=1) + ones(m, n)/m"}
      - {wrt: X, is: "softmax(X, axis=0) + ones(m, n)/m", expect: fails}
    """
    assert [v for v, _ in verdicts(text)] == ["proved", "expected-fail"]


def test_tab_and_flow_comma_messages():
    result = check("inputs:\n\tx: {}\n")
    assert (result.error["line"], result.error["column"], result.error["message"]) == (
        2, 1, "tabs cannot indent YAML; use spaces")
    result = check("inputs: [a, b]\nnodes:\n  f: max(a, b)\nclaims:\n  - {wrt: a, is: max(a, b)}\n")
    assert "unquoted comma" in result.error["message"] and "quote the expression" in result.error["message"]


def test_derivatives_of_known_functions():
    text = "inputs: [a]\nnodes: {s: sigmoid(a), r: relu(a)}\nclaims:\n" \
           "  - {of: s, wrt: a, is: \"sigmoid'(a)\"}\n  - {of: s, wrt: a, is: \"sigmoid(a)*(1 - sigmoid(a))\"}\n" \
           "  - {of: r, wrt: a, is: \"relu'(a)\"}\n  - {of: s, wrt: [a, a], is: \"sigmoid''(a)\"}\n"
    assert [v for v, _ in verdicts(text)] == ["proved"] * 4


def test_an_expression_error_is_located():
    with pytest.raises(ExprError) as err:
        parse("x + * y")
    assert err.value.offset == 4
