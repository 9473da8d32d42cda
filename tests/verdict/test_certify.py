"""Certified verdicts (SPEC §2): equivalent rewrites of the truth are never wrong, perturbed claims
never pass, at any seed; the ball arithmetic encloses the value it claims to."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivcheck.runner import load_model
from derivcheck.verdict.certify import Comparison
from derivcheck.verdict.numeval import Compiled
from derivcheck.verdict.verify import Checker

x = sp.Symbol("x", real=True)
PASSING = {"proved", "verified"}

# building blocks whose sympy string is also derivcheck's expression language
ATOMS = [x, x**2 + 1, sp.exp(x / 3), sp.sin(x), sp.cos(2 * x), sp.tanh(x), 1 / (1 + sp.exp(-x)),
         sp.log(x**2 + 1), sp.atan(x), sp.Rational(3, 7) * x**3]
REWRITES = [sp.expand, sp.together, sp.factor, lambda e: e.rewrite(sp.exp), lambda e: e]

functions = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(st.tuples(inner, inner).map(lambda p: p[0] * p[1]),
                            st.tuples(inner, inner).map(lambda p: p[0] + p[1]),
                            inner.map(lambda e: sp.exp(-e**2 / 4))),
    max_leaves=3)


def _text(e) -> str:
    """sympy's text in derivcheck's spelling."""
    return sp.sstr(e).replace("Abs(", "abs(").replace("Max(", "max(").replace("Min(", "min(")


def _verdicts(f, claims: list, seed: int) -> list:
    text = "inputs: [x]\nnodes: {f: '%s'}\ncheck: {seed: %d}\nclaims:\n" % (_text(f), seed)
    text += "".join(f"  - {{wrt: x, is: '{_text(c)}'}}\n" for c in claims)
    model = load_model("property.yaml", text)
    checker = Checker(model)
    return [checker.check(c) for c in model.claims]


def _language(e) -> bool:
    """Whether sympy's text of e reads back in derivcheck's language (no I, no Piecewise, ...)."""
    return not e.has(sp.I) and all(type(a).__name__ in {"exp", "sin", "cos", "tanh", "log", "atan", "sqrt"}
                                   for a in e.atoms(sp.Function))


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(functions, st.sampled_from(REWRITES), st.integers(0, 19))
def test_an_equivalent_rewrite_of_the_truth_is_never_wrong(f, rewrite, seed):
    claim = rewrite(sp.diff(f, x))
    if not _language(claim):
        return
    (result,) = _verdicts(f, [claim], seed)
    assert result.verdict in PASSING | {"undecided"}, (f, claim, result)


PERTURBATIONS = [x / sp.Integer(10) ** 45, sp.exp(-90) * x**2, sp.exp(-95) * sp.sin(x),
                 sp.exp(-4000 * (x - sp.Rational(13, 10)) ** 2), sp.Rational(1, 10**30)]


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(functions, st.sampled_from(PERTURBATIONS), st.integers(0, 19))
def test_a_perturbed_truth_never_passes(f, term, seed):
    claim = sp.diff(f, x) + term
    if not _language(claim):
        return
    (result,) = _verdicts(f, [claim], seed)
    assert result.verdict not in PASSING, (f, claim, result)


@pytest.mark.parametrize("seed", range(20))
def test_a_kink_far_out_is_found_at_every_seed(seed):
    (right, wrong) = _verdicts(x * sp.Abs(x - 4000), [sp.Abs(x - 4000) + x * (x - 4000) / sp.Abs(x - 4000),
                                                       4000 - 2 * x], seed)
    assert right.verdict in PASSING and wrong.verdict == "wrong"


@pytest.mark.parametrize("seed", range(20))
def test_a_saturated_sigmoid_is_never_a_false_alarm(seed):
    s = 1 / (1 + sp.exp(-x))
    text = ("inputs: [x]\nnodes: {f: 1/(1 + exp(-x))}\npoints: [{x: 160.5}, {x: -95.5}]\n"
            f"check: {{seed: {seed}}}\nclaims: [{{wrt: x, is: (1 - f)*f}}, {{wrt: x, is: f, expect: fails}}]\n")
    model = load_model("sigmoid.yaml", text)
    right, wrong = (Checker(model).check(c) for c in model.claims)
    assert right.verdict in PASSING and wrong.verdict == "expected-fail", (right, wrong, s)


@pytest.mark.parametrize("seed", range(5))
def test_a_derivative_nonzero_only_between_close_kinks_is_found(seed):
    (result,) = _verdicts(sp.Max(0, sp.Rational(1, 1000) - sp.Abs(x)), [sp.Integer(0)], seed)
    assert result.verdict == "wrong"


@given(st.fractions(min_value=-50, max_value=50, max_denominator=1000), st.sampled_from(ATOMS))
@settings(max_examples=40, deadline=None, derandomize=True)
def test_a_ball_encloses_the_true_value(point, expr):
    program = Compiled([x], [expr])
    for digits in (30, 80):
        ball = program.balls([Fraction(point)], digits)[0]
        if isinstance(ball, str):
            continue
        with mpmath.workdps(200):
            exact = sp.N(expr.subs(x, sp.Rational(point.numerator, point.denominator)), 150)
            assert abs(mpmath.mpf(str(exact)) - ball[0]) <= ball[1] * (1 + mpmath.mpf(10) ** -20)


@pytest.mark.parametrize("expr, at, status", [
    (sp.log(x), Fraction(-1, 3), "invalid"), (sp.sqrt(x), Fraction(-2), "invalid"), (sp.asin(x), Fraction(3, 2), "invalid"),
    (sp.acosh(x), Fraction(1, 2), "invalid"), (1 / x, Fraction(0), "invalid"), (sp.atanh(x), Fraction(-1), "invalid"),
    (sp.log(x), (mpmath.mpf(0), mpmath.mpf(10) ** -3), "unsure"), (sp.sign(x), (mpmath.mpf(0), mpmath.mpf(1)), "unsure"),
    (sp.tan(x), (mpmath.pi / 2, mpmath.mpf(10) ** -3), "unsure"), (sp.exp(x), Fraction(10**13), "unsure"),
])
def test_outside_the_domain_is_invalid_and_a_ball_across_its_edge_is_unsure(expr, at, status):
    from derivcheck.verdict.numeval import INVALID, UNSURE

    assert Compiled([x], [expr, x]).balls([at], 30) == [{"invalid": INVALID, "unsure": UNSURE}[status]] * 2


def test_a_ball_input_keeps_every_bit_of_its_midpoint():
    """A node's ball passed on to the next program is read exactly, not rounded to a float on the way."""
    with mpmath.workdps(60):
        third = mpmath.mpf(1) / 3
    (mid, rad), = Compiled([x], [3 * x - 1]).balls([(third, mpmath.mpf(0))], 60)
    with mpmath.workdps(80):
        assert abs(mid) <= rad < mpmath.mpf(10) ** -55


def test_no_default_tolerance_a_difference_of_1e_minus_40_is_wrong():
    for term in (sp.Rational(1, 10**40), sp.exp(-92) * sp.cos(x)):
        (result,) = _verdicts(x**3, [3 * x**2 + term], 0)
        assert result.verdict == "wrong", (term, result)


def test_a_zero_difference_is_equal_and_a_tiny_one_differs():
    comparison = Comparison([x], [x**2], [x * x + sp.exp(-200)])
    at = lambda digits: [Fraction(3, 7)]  # noqa: E731
    assert comparison.decide(at).status == "differ"
    assert Comparison([x], [x**2], [x * x]).decide(at).status == "equal"


def test_samples_below_eight_is_a_located_error():
    from derivcheck.lang.errors import LocatedError

    with pytest.raises(LocatedError) as info:
        load_model("few.yaml", "inputs: [x]\nnodes: {f: x**2}\ncheck: {samples: 1}\nclaims: [{wrt: x, is: 2*x}]\n")
    assert info.value.line == 3 and "at least 8" in info.value.message


def test_the_identity_test_proves_an_identity_and_finds_a_nonzero_difference():
    from derivcheck.verdict.identity import degree, identity_test

    a, b = sp.symbols("a b", real=True)
    zero = (a + b) ** 3 - (a**3 + 3 * a**2 * b + 3 * a * b**2 + b**3) + 1 / (a - b) - 1 / (a - b)
    outcome, text = identity_test([zero], seed=1)
    assert outcome == "proved" and "error probability" in text
    assert identity_test([(a + b) ** 2 - a**2 - b**2], seed=1) == ("nonzero", None)
    assert identity_test([sp.exp(a) - 1], seed=1) is None  # not rational: the test does not apply
    assert degree(a**2 / (b + 1)) == (2, 1)


def test_float64_beyond_its_resolution_is_re_run_in_high_precision_not_inconsistent():
    text = ("inputs: [x]\nnodes: {f: sin(exp(x**2))}\npoints: [{x: 6.25}]\n"
            "claims: [{wrt: x, is: cos(exp(x**2))*exp(x**2)*2*x}]\n")
    model = load_model("ill.yaml", text)
    (result,) = (Checker(model).check(c) for c in model.claims)
    assert result.verdict == "proved"
    assert any("float64" in d for d in result.details)


def test_a_point_outside_the_domain_or_on_a_fixed_input_is_a_located_error():
    from derivcheck.lang.errors import LocatedError

    for head, point in (("x: {domain: positive}", "{x: -1.5}"), ("x: {value: 2}\n  y: {}", "{x: 3, y: 1.5}")):
        text = f"inputs:\n  {head}\nnodes: {{f: x**2}}\npoints: [{point}]\nclaims: [{{wrt: x, is: 2*x}}]\n"
        with pytest.raises(LocatedError) as info:
            load_model("p.yaml", text)
        assert info.value.line > 1 and ("domain" in info.value.message or "fixed" in info.value.message)


def test_roots_of_one_base_become_one_variable_in_a_proof():
    """v^(-1/2) and √v are one variable u with v = u²: the difference is then rational (a proof without simplify)."""
    from derivcheck.verdict.proof import attempt

    x, y = sp.symbols("x y", real=True)
    v = sp.Symbol("v", positive=True)  # a node's symbol, as in the first proof attempt
    same = (v + x) / sp.sqrt(v) - sp.sqrt(v) - x * v ** sp.Rational(-3, 2) * v  # 0, not by sympy's own rewriting
    assert same != 0
    proof = attempt([same], 10.0, cheap=True)
    assert proof.outcome == "proved" and "free variable" in proof.methods[0]
    for slip in (sp.Rational(1, 10**40), x * sp.sqrt(v) - x * v, v ** sp.Rational(1, 3) - sp.sqrt(v)):
        assert attempt([same + slip], 10.0).outcome != "proved"
    constant = sp.sqrt(2) * x * (x**2 + 1) - sp.sqrt(2) * x**3 - sp.sqrt(2) * x  # √2 is a number, not a base to replace
    assert attempt([constant], 10.0, cheap=True).outcome == "proved"


def test_exp_of_a_negated_or_doubled_term_is_a_power_of_one_variable_in_a_proof():
    """exp(−x) = exp(x)⁻¹ and exp(2x) = exp(x)²: the sigmoid written as a two-way softmax is proved
    with each exp a free variable; exp(10⁴·x) is left a variable of its own (its power would cost more
    than it proves) and a slip still fails."""
    from derivcheck.verdict.proof import attempt

    x, y = sp.symbols("x y", real=True)
    same = 1 / (1 + sp.exp(y - x)) - sp.exp(x) / (sp.exp(x) + sp.exp(y))
    doubled = (sp.exp(2 * x) - 1) / (sp.exp(x) + 1) - sp.exp(x) + 1
    for d in (same, doubled):
        proof = attempt([d], 10.0, cheap=True)
        assert proof.outcome == "proved" and "free variable" in proof.methods[0], d
    assert attempt([same + sp.exp(-x) / 10**40], 10.0).outcome != "proved"
    assert attempt([sp.exp(10**4 * x) - sp.exp(x) ** 2], 10.0, cheap=True).outcome != "proved"


def test_kinks_are_split_into_their_sign_cases_in_a_proof():
    """|u| = s·u, sign(u) = s, for each combination of s = ±1 (u and −u share one sign): the ELU
    derivative and |x − y| = |y − x| are proved; a claim right on one side of a kink only is not."""
    from derivcheck.verdict.proof import attempt

    x, y = sp.symbols("x y", real=True)
    a = sp.Symbol("a", positive=True)
    relu = sp.Max(0, x)
    elu = relu + a * (sp.exp(x - relu) - 1)
    step = sp.Heaviside(x)
    right = step + (1 - step) * a * sp.exp(x)
    proof = attempt([sp.diff(elu, x) - right], 10.0, cheap=True)
    assert proof.outcome == "proved" and "sign cases" in proof.methods[0]
    mirrored = sp.exp(sp.Abs(x - y)) * sp.sign(y - x) + sp.exp(sp.Abs(y - x)) * sp.sign(x - y)
    assert attempt([mirrored], 10.0, cheap=True).outcome == "proved"
    for slip in (sp.diff(elu, x) - a * sp.exp(x), sp.Abs(x) - x, sp.diff(elu, x) - right + sp.exp(-x) / 10**40):
        assert attempt([slip], 10.0).outcome != "proved", slip


def test_nested_kinks_split_one_sign_at_a_time_and_impossible_cases_vanish():
    """Huber: ρ = min(|r|, k)²/2 + k·max(|r| − k, 0) has ρ' = clip(r, −k, k). Solving r = ±τ, then
    k − τ = ±τ', settles every kink that a case decides; the nested cases that cannot happen vanish.
    A clip at the wrong place, or no clip, is not proved."""
    from derivcheck.verdict.proof import attempt

    r = sp.Symbol("r", real=True)
    k = sp.Symbol("k", positive=True)
    rho = sp.Min(sp.Abs(r), k) ** 2 / 2 + k * sp.Max(sp.Abs(r) - k, 0)
    clip = sp.Max(sp.Min(r, k), -k)
    proof = attempt([sp.diff(rho, r) - clip], 10.0, cheap=True)
    assert proof.outcome == "proved" and "sign cases" in proof.methods[0]
    for slip in (r, sp.Max(sp.Min(r, k), -2 * k), sp.Max(sp.Min(r, k / 2), -k)):
        assert attempt([sp.diff(rho, r) - slip], 10.0).outcome != "proved", slip


def test_hyperbolic_functions_are_read_in_exp_in_a_proof():
    """log-cosh' = tanh: tanh(r) and (eʳ − e⁻ʳ)/(eʳ + e⁻ʳ) are one value once tanh is written in exp."""
    from derivcheck.verdict.proof import attempt

    logcosh = sp.log((sp.exp(x) + sp.exp(-x)) / 2)
    assert attempt([sp.diff(logcosh, x) - sp.tanh(x)], 10.0, cheap=True).outcome == "proved"
    assert attempt([sp.diff(logcosh, x) - 1 / sp.cosh(x)], 10.0, cheap=True).outcome != "proved"


KINKS = [sp.Max(0, x - sp.Rational(1, 3)), sp.Abs(x + 2), sp.Min(x, 1) ** 2, sp.exp(x - sp.Max(0, x)), x * sp.Abs(x),
         sp.Min(sp.Abs(x), 2) ** 2, sp.Max(sp.Abs(x) - 1, 0), sp.Abs(sp.Abs(x - 1) - 3)]  # nested: Huber-like
kinked = st.recursive(st.sampled_from(KINKS + ATOMS[:4]),
                      lambda inner: st.one_of(st.tuples(inner, inner).map(lambda p: p[0] * p[1]),
                                              st.tuples(inner, inner).map(lambda p: p[0] + p[1])), max_leaves=3)
ONE_SIDED = [sp.Heaviside(x - sp.Rational(1, 3)) * x / 7, (x + sp.Abs(x)) * sp.exp(x) / 10**40,
             sp.Max(0, sp.Rational(1, 5) - sp.Abs(x + 2)), sp.Rational(1, 10**30)]


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(kinked, st.sampled_from(ONE_SIDED), st.integers(0, 19))
def test_sign_cases_prove_kinked_derivatives_and_never_a_one_sided_slip(f, slip, seed):
    """The derivative of a function with kinks, against itself with |u| written u·sign(u): never
    disproved; plus a term that is nonzero on one side of some kink only: never proved."""
    from derivcheck.verdict.proof import attempt

    truth = sp.diff(f, x)
    rewritten = truth.replace(sp.Abs, lambda u: u * sp.sign(u))
    assert attempt([rewritten - truth], 10.0, seed=seed).outcome in ("proved", "no")
    assert attempt([truth + slip - truth.replace(sp.Abs, lambda u: u * sp.sign(u))], 10.0, seed=seed).outcome != "proved"


def test_an_int_input_beyond_a_floats_reach_is_read_exactly():
    (ball,) = Compiled([x], [x - 2**60 - 1]).balls([2**60 + 1], 30)
    assert ball == (0, 0)
