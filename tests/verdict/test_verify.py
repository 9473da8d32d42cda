"""Verdicts (SPEC §2) as a user sees them, through `runner.run_file`.

The seed's solution 1b and the classic mistakes one makes writing it: a factor of
2, a sign, a forgotten path, a rounded constant, a claim right at one point only.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derivcheck.runner import run_file

SEED_1B = Path(__file__).resolve().parents[2] / "problems" / "seed" / "ex1b-dag-backprop.yaml"

DAG = """
inputs: {x: {}, y: {}}
nodes:
  h1: 2*x
  h2: 2*h1**2
  h3: h1 + y
  l: h2 * h3
"""


def check(text: str, **kw):
    return run_file("t.yaml", data=textwrap.dedent(text).encode(), **kw)


def claims(*lines: str, head: str = DAG, tail: str = "") -> str:
    return textwrap.dedent(head) + "claims:\n" + "".join(f"  - {line}\n" for line in lines) + textwrap.dedent(tail)


def one(text: str, **kw):
    result = check(text, **kw)
    assert result.error is None, result.error
    assert len(result.claims) == 1
    return result.claims[0]


def as_float(v) -> float:
    return float(v) if not isinstance(v, list) else float(v[0])


# --- the seed ---------------------------------------------------------------------------------


def test_seed_claims_are_all_proved():
    result = run_file(str(SEED_1B), data=SEED_1B.read_bytes())
    assert result.error is None
    assert len(result.claims) == 11
    assert [c.verdict for c in result.claims] == ["proved"] * 11
    assert all(c.passed for c in result.claims)
    assert result.exit_code == 0
    assert [c.index for c in result.claims] == list(range(11))


def test_seed_verdicts_do_not_depend_on_the_seed():
    for seed in (0, 1, 12345):
        result = run_file("t.yaml", data=SEED_1B.read_bytes(), seed=seed, samples=4)
        assert {c.verdict for c in result.claims} == {"proved"}


def test_same_file_same_counterexample():
    text = claims("{wrt: x, is: 48*x**2 + 8*x*y}")
    a, b = one(text), one(text)
    assert a.counterexample == b.counterexample


# --- mutated claims ---------------------------------------------------------------------------


@pytest.mark.parametrize("claim, words", [
    ("2*(48*x**2 + 16*x*y)", ["constant factor", "2"]),
    ("(48*x**2 + 16*x*y)/2", ["constant factor", "1/2"]),
    ("-(48*x**2 + 16*x*y)", ["opposite sign"]),
    ("-(h3*4*h1 + h2)*2", ["opposite sign"]),
    ("h3*4*h1*2", ["missing", "x → h1 → h3 → l"]),
    ("h2*2", ["missing", "x → h1 → h2 → l"]),
])
def test_mutated_claims_are_wrong_with_a_diagnosis(claim, words):
    c = one(claims(f"{{wrt: x, is: {claim}}}"))
    assert c.verdict == "wrong" and not c.passed
    for word in words:
        assert word in c.diagnosis, c.diagnosis
    assert c.counterexample is not None
    assert as_float(c.counterexample.claimed) != as_float(c.counterexample.true)


def test_wrong_cross_term_has_a_confirmed_counterexample():
    c = one(claims("{wrt: x, is: 48*x**2 + 8*x*y}"))
    assert c.verdict == "wrong"
    ce = c.counterexample
    x, y = ce.point["x"], ce.point["y"]
    assert set(ce.point) == {"x", "y"}
    assert as_float(ce.claimed) == pytest.approx(48 * x**2 + 8 * x * y, rel=1e-8)
    assert as_float(ce.true) == pytest.approx(48 * x**2 + 16 * x * y, rel=1e-8)
    assert as_float(ce.claimed) != pytest.approx(as_float(ce.true), rel=1e-6)
    # sample points are never "nice"
    assert x not in (0, 1, -1) and float(x) != int(x)


@pytest.mark.parametrize("of, wrt, claim", [
    ("l", "h2", "h3 + 1"), ("l", "h3", "h3"), ("h2", "h1", "2*h1"), ("h3", "h1", "0"), ("h1", "x", "x"),
])
def test_wrong_local_partials(of, wrt, claim):
    assert one(claims(f"{{of: {of}, wrt: {wrt}, is: {claim}}}")).verdict == "wrong"


CUBE = """
inputs: [x]
nodes: {f: x**3/3}
"""


def test_rounded_constant_is_wrong_and_diagnosed():
    c = one(claims("{wrt: x, is: 0.333*x**2*3}", head=CUBE))
    assert c.verdict == "wrong"
    assert "rounded" in c.diagnosis


def test_rounded_constant_passes_with_rtol():
    c = one(claims("{wrt: x, is: 0.333*x**2*3, rtol: 1e-2}", head=CUBE))
    assert c.verdict in ("verified", "proved") and c.passed


def test_rounded_constant_passes_with_file_level_rtol():
    c = one(claims("{wrt: x, is: 0.333*x**2*3}", head=CUBE, tail="check: {rtol: 1e-2}\n"))
    assert c.passed


def test_rtol_too_tight_for_the_rounding_is_still_wrong():
    c = one(claims("{wrt: x, is: 0.333*x**2*3, rtol: 1e-4}", head=CUBE))
    assert c.verdict == "wrong"


def test_exact_third_is_proved():
    assert one(claims("{wrt: x, is: x**2}", head=CUBE)).verdict == "proved"
    assert one(claims("{wrt: x, is: 3*x**2/3}", head=CUBE)).verdict == "proved"


X3 = """
inputs: [x]
nodes: {f: x**3}
"""


def test_claim_right_only_at_x_equal_1_is_wrong():
    # 2x + 1 equals 3x² at x = 1 (and x = -1/3) only
    c = one(claims("{wrt: x, is: 2*x + 1}", head=X3))
    assert c.verdict == "wrong"


def test_claim_right_only_at_a_given_point_is_still_wrong():
    c = one(claims("{wrt: x, is: 2*x + 1}", head=X3, tail="points: [{x: 1}]\n"))
    assert c.verdict == "wrong"
    assert c.counterexample.point["x"] != 1


def test_tiny_extra_term_is_wrong():
    c = one(claims("{wrt: x, is: 3*x**2 + 1e-9*x}", head=X3))
    assert c.verdict == "wrong"
    assert c.counterexample.claimed != c.counterexample.true


@pytest.mark.parametrize("claim", ["3*x**2*(1 + 1e-20)", "3*x**2 + 1e-20*x", "3.0000000000000001*x**2"])
def test_exactly_wrong_by_a_tiny_amount_is_never_verified(claim):
    c = one(claims(f"{{wrt: x, is: {claim}}}", head=X3))
    assert c.verdict not in ("proved", "verified"), c.message


def test_tiny_extra_term_is_not_called_a_constant_factor():
    c = one(claims("{wrt: x, is: 3*x**2 + 1e-12*x}", head=X3))
    assert c.verdict == "wrong"
    assert "1 × the truth" not in c.diagnosis, c.diagnosis


def test_right_claim_for_the_cube():
    assert one(claims("{wrt: x, is: 3*x**2}", head=X3)).verdict == "proved"


# --- expect: fails --------------------------------------------------------------------------------


def test_expect_fails_on_a_wrong_claim_is_expected_fail():
    result = check(claims("{wrt: x, is: 48*x**2 + 8*x*y, expect: fails}"))
    c = result.claims[0]
    assert c.verdict == "expected-fail" and c.passed
    assert c.counterexample is not None
    assert result.exit_code == 0


def test_expect_fails_on_a_right_claim_fails_the_check():
    result = check(claims("{wrt: x, is: 48*x**2 + 16*x*y, expect: fails}"))
    c = result.claims[0]
    assert not c.passed
    assert c.verdict in ("proved", "verified")
    assert result.exit_code == 1


def test_exit_code_is_the_highest_of_the_claims():
    result = check(claims("{wrt: x, is: 48*x**2 + 16*x*y}", "{wrt: x, is: 48*x**2}", "{wrt: x, is: nosuch}"))
    assert [c.verdict for c in result.claims] == ["proved", "wrong", "error"]
    assert result.exit_code == 2


# --- domains ----------------------------------------------------------------------------------


def test_log_of_a_real_input_is_not_wrong():
    c = one(claims("{wrt: x, is: 1/x}", head="inputs: [x]\nnodes: {f: log(x)}\n"))
    assert c.verdict in ("proved", "verified", "undecided"), c.verdict
    assert c.verdict != "wrong"


def test_log_with_a_positive_domain_is_proved():
    c = one(claims("{wrt: x, is: 1/x}", head="inputs: {x: {domain: positive}}\nnodes: {f: log(x)}\n"))
    assert c.verdict == "proved"


def test_log_with_a_positive_domain_and_a_wrong_claim():
    c = one(claims("{wrt: x, is: 1/x**2}", head="inputs: {x: {domain: positive}}\nnodes: {f: log(x)}\n"))
    assert c.verdict == "wrong"
    assert c.counterexample.point["x"] > 0


def test_nowhere_defined_is_undecided_with_a_hint():
    c = one(claims("{wrt: x, is: 2*x/(x**2 + 1)}", head="inputs: [x]\nnodes: {f: log(-x**2 - 1)}\n"))
    assert c.verdict == "undecided"
    assert "domain" in c.message
    assert c.exit_code == 3


def test_sqrt_on_an_interval_domain():
    c = one(claims("{wrt: x, is: 1/(2*sqrt(x - 1))}", head="inputs: {x: {domain: [1, 5]}}\nnodes: {f: sqrt(x - 1)}\n"))
    assert c.verdict == "proved"


def test_abs_away_from_the_kink():
    c = one(claims("{wrt: x, is: x/abs(x)}", head="inputs: [x]\nnodes: {f: abs(x)}\n"))
    assert c.verdict in ("proved", "verified")
    c = one(claims("{wrt: x, is: 1}", head="inputs: [x]\nnodes: {f: abs(x)}\n"))
    assert c.verdict == "wrong"


# --- errors -----------------------------------------------------------------------------------


def test_unknown_name_in_a_claim_is_an_error_with_position():
    text = claims("{wrt: x, is: 48*x**2 + nosuch}")
    result = check(text)
    c = result.claims[0]
    assert c.verdict == "error" and not c.passed
    assert "nosuch" in c.message
    line = textwrap.dedent(text).splitlines()[c.line - 1]
    assert line[c.col - 1:].startswith("nosuch"), (c.line, c.col, line)
    assert result.exit_code == 2


def test_unknown_name_suggests_the_nearest():
    c = check(claims("{wrt: x, is: 2*h33}")).claims[0]
    assert c.verdict == "error" and "h3" in c.message


def test_claim_about_an_unknown_node_is_an_error():
    c = check(claims("{of: nosuch, wrt: x, is: 1}")).claims[0]
    assert c.verdict == "error" and "nosuch" in c.message


def test_one_bad_claim_does_not_stop_the_others():
    result = check(claims("{wrt: x, is: sin(}", "{wrt: x, is: 48*x**2 + 16*x*y}"))
    assert [c.verdict for c in result.claims] == ["error", "proved"]


def test_pi_is_a_constant():
    result = check(claims("{wrt: x, is: pi}", head="inputs: [x]\nnodes: {f: pi*x}\n"))
    assert result.error is None, result.error
    assert result.claims[0].verdict == "proved"


# --- vectors and matrices ---------------------------------------------------------------------

QUADFORM = """
inputs: {A: {shape: [3, 3]}, S: {shape: [3, 3], domain: symmetric}, x: {shape: [3]}}
nodes: {f: x.T @ A @ x, g: x.T @ S @ x}
"""


@pytest.mark.parametrize("of, wrt, claim, verdict, words", [
    ("g", "x", "2*S@x", "proved", []),  # right on the declared domain
    ("f", "x", "(A + A.T)@x", "proved", []),
    ("f", "x", "2*A@x", "wrong", ["symmetri"]),
    ("g", "x", "S@x", "wrong", ["constant factor", "1/2"]),
    ("f", "A", "x@x.T", "proved", []),
    ("f", "A", "outer(x, x)", "proved", []),
    ("g", "S", "x@x.T", "proved", []),  # the plain gradient, not a symmetrised one
    ("f", "x", "2*x.T@A", "wrong", ["shape"]),
])
def test_quadratic_form(of, wrt, claim, verdict, words):
    c = one(claims(f'{{of: {of}, wrt: {wrt}, is: "{claim}"}}', head=QUADFORM))
    assert c.verdict == verdict, (c.verdict, c.message, c.diagnosis)
    for word in words:
        assert word in c.diagnosis + c.message, (word, c.diagnosis, c.message)


LINEAR = """
inputs: {W: {shape: [2, 3]}, x: {shape: [3]}, t: {shape: [2]}}
nodes: {y: W@x, L: sum((y - t)**2)}
"""


@pytest.mark.parametrize("of, wrt, claim, verdict, words", [
    ("L", "W", "2*(y - t)@x.T", "proved", []),
    ("L", "W", "2*x@(y - t).T", "wrong", ["transposed"]),
    ("L", "W", "(y - t)@x.T", "wrong", ["1/2"]),
    ("L", "y", "2*(y - t)", "proved", []),
    ("y", "x", "W", "proved", []),
    ("y", "x", "W.T", "wrong", ["transposed"]),
])
def test_linear_layer(of, wrt, claim, verdict, words):
    c = one(claims(f'{{of: {of}, wrt: {wrt}, is: "{claim}"}}', head=LINEAR))
    assert c.verdict == verdict, (c.verdict, c.message, c.diagnosis)
    for word in words:
        assert word in c.diagnosis, (word, c.diagnosis)


def test_logdet_gradient_and_its_transpose_mistake():
    head = "inputs: {X: {shape: [3, 3], domain: invertible}}\nnodes: {f: logdet(X)}\n"
    assert one(claims("{wrt: X, is: inv(X).T}", head=head)).verdict == "proved"
    c = one(claims("{wrt: X, is: inv(X)}", head=head))
    assert c.verdict == "wrong" and "transpose" in c.diagnosis


@pytest.mark.parametrize("claim, extra, verdict", [
    ('entries: {index: [i, j, k], is: "delta(i, j) * x[k]"}', "", "proved"),
    ('entries: {index: [i, j, k], is: "delta(i, k) * x[j]"}', "", "wrong"),
    ('entries: {index: [j, k, i], is: "delta(i, j) * x[k]"}', ", index_order: wrt-first", "proved"),
])
def test_entries_claims_for_the_jacobian_of_wx(claim, extra, verdict):
    head = "inputs: {W: {shape: [2, 3]}, x: {shape: [3]}}\nnodes: {y: W@x}\n"
    assert one(claims(f"{{of: y, wrt: W, {claim}{extra}}}", head=head)).verdict == verdict


@pytest.mark.parametrize("rows", [2, 3])
def test_jacobian_in_the_declared_convention(rows):
    head = f"inputs: {{A: {{shape: [{rows}, 3]}}, x: {{shape: [3]}}}}\nnodes: {{y: A@x}}\n"
    assert one(claims("{of: y, wrt: x, is: A}", head=head)).verdict == "proved"
    assert one(claims("{of: y, wrt: x, is: A.T, index_order: wrt-first}", head=head)).verdict == "proved"
    assert one(claims("{of: y, wrt: x, is: A.T}", head=head)).verdict == "wrong"


@pytest.mark.parametrize("rows", [2, 3])
def test_other_convention_is_named_in_the_diagnosis(rows):
    head = f"inputs: {{A: {{shape: [{rows}, 3]}}, x: {{shape: [3]}}}}\nnodes: {{y: A@x}}\n"
    c = one(claims("{of: y, wrt: x, is: A.T}", head=head))
    assert c.verdict == "wrong"
    assert "wrt-first" in c.diagnosis or "index order" in c.diagnosis, c.diagnosis


# --- declared functions -----------------------------------------------------------------------

DECLARED = """
inputs: [x]
functions: [f, g]
nodes: {h1: g(x), h2: f(h1)}
"""


@pytest.mark.parametrize("wrt, claim, verdict", [
    ("x", "f'(h1)*g'(x)", "proved"),
    ("x", "f'(x)*g'(x)", "wrong"),
    ("x", "f'(h1)", "wrong"),
    ("h1", "f'(h1)", "proved"),
    ("[x, x]", "f''(h1)*g'(x)**2 + f'(h1)*g''(x)", "proved"),
    ("[x, x]", "f''(h1)*g'(x)**2", "wrong"),
])
def test_chain_rule_with_declared_functions(wrt, claim, verdict):
    assert one(claims(f'{{wrt: {wrt}, is: "{claim}"}}', head=DECLARED)).verdict == verdict


def test_derivative_of_declared_function_at_a_declared_function():
    result = check(claims("{wrt: x, is: \"f'(g(x))*g'(x)\"}", head=DECLARED))
    assert result.error is None, result.error
    assert result.claims[0].verdict == "proved"


# --- second derivatives -------------------------------------------------------------------------


@pytest.mark.parametrize("wrt, right, wrong", [
    ("[x, x]", "96*x + 16*y", "96*x"),
    ("[x, y]", "16*x", "16"),
    ("[y, x]", "16*x", "16*y"),
    ("[y, y]", "0", "1"),
    ("[h1, h1]", "8*h1 + 4*h3", "12*h1 + 4*h3"),
])
def test_second_derivatives(wrt, right, wrong):
    result = check(claims(f"{{wrt: {wrt}, is: {right}}}", f"{{wrt: {wrt}, is: {wrong}}}"))
    assert result.error is None, result.error
    assert [c.verdict for c in result.claims] == ["proved", "wrong"]


def test_hessian_claims_with_hess_and_grad():
    result = check(claims('{wrt: [x, x], is: "hess(l, x, x)"}', '{wrt: [x, x], is: "grad(l, x)/x + 48*x"}'))
    assert result.claims[0].verdict == "proved"
    assert result.claims[1].verdict in ("proved", "verified")


# --- properties -------------------------------------------------------------------------------

X, Y = sp.symbols("x y", real=True)


def poly_trees():
    """Polynomial-ish sympy expressions in x, y: small integer coefficients, powers, sin/cos/exp of
    a variable term (never of a constant, so the printed derivative has no E or exp(2))."""
    atoms = st.sampled_from([X, Y, X * Y, X + 1, 2 * Y - X])
    leaves = st.one_of(atoms, st.integers(-3, 3).map(sp.Integer))

    def extend(sub):
        return st.one_of(
            st.builds(lambda a, b: a + b, sub, sub),
            st.builds(lambda a, b: a - b, sub, sub),
            st.builds(lambda a, b: a * b, sub, sub),
            st.builds(lambda a, k: a**k, sub, st.integers(2, 3)),
            st.builds(lambda f, a: f(a), st.sampled_from([sp.sin, sp.cos, sp.exp]), atoms),
        )

    return st.recursive(leaves, extend, max_leaves=5)


@settings(max_examples=25)
@given(poly_trees(), st.sampled_from(["x", "y"]), st.integers(1, 5).map(lambda k: k * (-1) ** k))
def test_sympys_derivative_is_never_wrong_and_a_perturbed_one_never_passes(expr, var, c):
    derivative = sp.diff(expr, X if var == "x" else Y)
    text = f"inputs: [x, y]\nnodes:\n  f: \"{sp.sstr(expr)}\"\n"
    result = check(claims(f'{{wrt: {var}, is: "{sp.sstr(derivative)}"}}',
                          f'{{wrt: {var}, is: "{sp.sstr(derivative)} + {c}*x*y"}}', head=text))
    assert result.error is None, (text, result.error)
    right, perturbed = result.claims
    assert right.verdict in ("proved", "verified"), (expr, derivative, right.verdict, right.message)
    assert perturbed.verdict not in ("proved", "verified"), (expr, derivative, c, perturbed.verdict)
    assert perturbed.verdict == "wrong", (expr, perturbed.verdict, perturbed.message)


# --- activations and tensor functions --------------------------------------------------------------

ACTIVATIONS = """
inputs: [x, y]
nodes: {f: relu(x)*y, g: abs(x*y), s: softplus(x), t: sigmoid(x), u: tanh(x)}
"""


@pytest.mark.parametrize("of, claim, verdict", [
    ("f", "relu(x)/x*y", ("proved", "verified")),
    ("f", "y", ("wrong",)),  # right for x > 0 only
    ("g", "abs(x*y)/x", ("proved", "verified")),
    ("s", "sigmoid(x)", ("proved",)),
    ("t", "sigmoid(x)*(1 - sigmoid(x))", ("proved",)),
    ("t", "t*(1 - t)", ("proved",)),
    ("u", "1 - u**2", ("proved",)),
    ("u", "1 + u**2", ("wrong",)),
])
def test_activation_derivatives(of, claim, verdict):
    c = one(claims(f'{{of: {of}, wrt: x, is: "{claim}"}}', head=ACTIVATIONS))
    assert c.verdict in verdict, (c.verdict, c.message)


SOFTMAX = """
inputs: {z: {shape: [3]}}
nodes: {s: softmax(z), L: logsumexp(z), n: norm(z), m: mean(z)}
"""


@pytest.mark.parametrize("of, claim, verdict", [
    ("L", "softmax(z)", "proved"),
    ("L", "s", "proved"),
    ("n", "z/norm(z)", "proved"),
    ("m", "ones(3)/3", "proved"),
    ("s", "diag(s) - s@s.T", "proved"),
    ("s", "diag(s)", "wrong"),
    ("s", "diag(s) - s.T@s", "wrong"),  # a scalar sᵀs: the outer product was meant
])
def test_softmax_family(of, claim, verdict):
    c = one(claims(f'{{of: {of}, wrt: z, is: "{claim}"}}', head=SOFTMAX))
    assert c.verdict == verdict, (c.verdict, c.message, c.diagnosis)


LAYER_NORM = """
inputs: {a: {shape: [4]}}
nodes:
  mu: mean(a)
  sigma: sqrt(mean((a - mu)**2))
  u: (a - mu)/sigma
"""


@pytest.mark.parametrize("claim, verdict", [
    ("(eye(4) - ones(4) @ ones(4).T/4 - u @ u.T/4)/sigma", "proved"),
    ("(eye(4) - ones(4) @ ones(4).T/4 - u @ u.T/4)/sigma + 10**-30*eye(4)", "wrong"),
    ("(eye(4) - ones(4) @ ones(4).T/4 - u @ u.T/5)/sigma", "wrong"),
    ("(eye(4) - ones(4) @ ones(4).T/4 - u @ u.T/4)/sigma**2", "wrong"),
    ("(eye(4) - ones(4) @ ones(4).T/4)/sigma", "wrong"),
])
def test_a_root_node_and_the_nodes_built_on_it_are_proved_together(claim, verdict):
    """σ = √B stays a variable (B^(−1/2) in its derivative becomes 1/σ) while u = (a − μ)/σ and μ are
    substituted: the layer-norm Jacobian is then a rational identity, proved; a slip is still wrong."""
    result = one(claims(f"{{of: u, wrt: a, is: '{claim}'}}", head=LAYER_NORM))
    assert result.verdict == verdict, result.message
    if verdict == "proved":
        assert "identity test" in result.message


CROSS_ENTROPY = """
inputs: {a: {shape: [3]}}
nodes:
  y: softmax(a)
  E: -log(y[1])
"""


@pytest.mark.parametrize("claim, verdict", [
    ("y - [1, 0, 0]", "proved"),
    ("y - [1, 0, 0] + [0, 0, 10**-40]", "wrong"),
    ("y*(1 - y) - [1, 0, 0]", "wrong"),
])
def test_exp_of_minus_a_is_the_inverse_of_exp_a_in_a_proof(claim, verdict):
    """exp(a₁ − a₃) is exp(a₁)·exp(a₃)⁻¹, not a third unrelated value: the softmax cross-entropy
    gradient y − t is proved with each exp a free variable."""
    result = one(claims(f"{{of: E, wrt: a, is: '{claim}'}}", head=CROSS_ENTROPY))
    assert result.verdict == verdict, result.message


RELU_LAYER = """
inputs: {x: {shape: [3]}, W: {shape: [2, 3]}, c: {shape: [2]}}
nodes:
  a: W @ x
  h: relu(a)
  L: c.T @ h
"""


@pytest.mark.parametrize("claim, verdict", [
    ("((relu(a)/a) * c) @ x.T", "proved"),
    ("c @ x.T", "wrong"),
    ("((relu(a)/a) * c) @ x.T + 10**-40", "wrong"),
])
def test_a_relu_gate_written_as_relu_a_over_a_is_proved(claim, verdict):
    """The gate relu(a)/a meets sympy's step (each sign of a is a case); no gate, or a tiny term, is wrong."""
    result = one(claims(f"{{of: L, wrt: W, is: '{claim}'}}", head=RELU_LAYER))
    assert result.verdict == verdict, result.message


def test_an_approximation_that_is_exact_has_relative_error_0():
    """Becker–LeCun's eq. (10) is exact for one hidden layer: claim and truth agree to every certified
    digit, and the error is 0, not the last bit of a float."""
    (result,) = run_file(str(SEED_1B.parent / "ex2-becker-lecun-2layer.yaml")).claims
    assert result.verdict == "approximate" and result.max_rel_error == 0.0, result.message


ONCE_VERIFIED = ["normalization/layer-norm", "normalization/batch-norm", "layers/batchnorm", "layers/huber",
                 "bishop-prml/softmax-regression", "bishop-prml/logistic-regression", "cs231n/two-layer-net",
                 "activations/elu-selu", "losses/bce-with-logits", "losses/regression-losses",
                 "soundness/elu-cancellation", "soundness/bce-logit-float64"]


@pytest.mark.parametrize("name", ONCE_VERIFIED)
def test_every_right_claim_of_a_once_verified_shipped_file_is_proved(name):
    """These files' right claims were only `verified` (roots, softmax, kinks, relu gates, log-cosh);
    each is now proved, and each deliberate mistake is still found."""
    result = run_file(str(SEED_1B.parents[1] / f"{name}.yaml"))
    assert result.error is None
    for c in result.claims:
        assert c.verdict in ("proved", "expected-fail", "approximate") and c.passed, (c.name, c.verdict, c.message)
