"""Matrices at real sizes (issue 15): inverses and determinants stay nodes, so 6×6 and 8×8
Matrix Cookbook identities get their verdicts, and the exact identity test proves them with a
real degree bound; perturbed claims never pass."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import mpmath
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivcheck.runner import load_model
from derivcheck.verdict.identity import Defined, degree, exact_kept, identity_test, kept_degree
from derivcheck.verdict.numeval import INVALID, kept_balls
from derivcheck.verdict.verify import Checker

IDENTITIES = {  # name: (inputs, f, right claim, classic mistake) — Matrix Cookbook eqs. 61, 49, 57
    "inverse": ("a: {shape: [n]}\n  b: {shape: [n]}\n  X: {shape: [n, n], domain: invertible}",
                "a.T @ inv(X) @ b", "-inv(X).T @ a @ b.T @ inv(X).T", "-inv(X) @ a @ b.T @ inv(X)"),
    "det": ("X: {shape: [n, n], domain: invertible}", "det(X)", "det(X) * inv(X).T", "det(X) * inv(X)"),
    "logdet": ("X: {shape: [n, n], domain: invertible}", "logdet(X)", "inv(X).T", "inv(X)"),
}


def problem(kind: str, n: int, *, mistake_expected: bool = True) -> str:
    inputs, f, right, wrong = IDENTITIES[kind]
    fails = ", expect: fails" if mistake_expected else ""
    return (f"derivcheck: 1\nid: {kind}-{n}\ndims: {{n: {n}}}\ninputs:\n  {inputs}\nnodes:\n  f: {f}\n"
            f"claims:\n  - {{wrt: X, is: \"{right}\"}}\n  - {{wrt: X, is: \"{wrong}\"{fails}}}\n")


def cli(*args):
    from click.testing import CliRunner

    from derivcheck.cli import main_group

    result = CliRunner().invoke(main_group, [str(a) for a in args], env={"NO_COLOR": "1"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_8x8_cookbook_identities_are_proved_and_their_mistakes_caught_through_check(tmp_path: Path):
    for kind in IDENTITIES:
        (tmp_path / f"{kind}.yaml").write_text(problem(kind, 8), encoding="utf-8")
    code, out = cli("check", tmp_path, "--jobs", "1", "--no-cache")
    assert code == 0, out
    for kind in IDENTITIES:
        assert f"{kind}.yaml  (1 proved, 1 expected-fail)" in out
    assert "3 problems, 6 claims, 3 expected-fail, 3 proved" in out


def test_a_6x6_mistake_not_marked_expected_is_wrong_through_solve(tmp_path: Path):
    path = tmp_path / "inverse.yaml"
    path.write_text(problem("inverse", 6, mistake_expected=False), encoding="utf-8")
    code, out = cli("solve", path)
    assert code == 1, out
    assert "✓ proved" in out and "inv(X)[1,1]" in out  # the true derivative in the kept node
    assert "✗ wrong" in out and "counterexample" in out


def test_the_claims_inverse_is_the_dags_kept_node_never_an_expanded_inverse():
    model = load_model("inverse.yaml", problem("inverse", 6))
    checker = Checker(model)
    results = [checker.check(c) for c in model.claims]
    assert [r.verdict for r in results] == ["proved", "expected-fail"]
    assert list(checker.sym.kept) == ["inv(X)"]  # the claim's inv(X) reused the node's
    assert "inv(X)[1,1]" in results[0].truth_text and "X[1,1]" not in results[0].truth_text


def test_the_degree_bound_of_a_kept_inverse_and_determinant_is_real():
    assert kept_degree("inv", 8, [(1, 0)] * 64) == (7, 8)  # a cofactor over the determinant
    assert kept_degree("det", 8, [(1, 0)] * 64) == (8, 0)
    # entries that are rational functions themselves: compare with sympy's own inverse, 3×3
    x, y = sp.symbols("x y", real=True)
    entries = [sp.sympify(e) for e in (x / (y + 1), y, 1, x * y, 2, 1 / x, 1, x + y, y**2)]
    bound = kept_degree("inv", 3, [degree(e) for e in entries])
    inverse = sp.Matrix(3, 3, entries).inv()
    for e in inverse:
        numerator, denominator = sp.fraction(sp.cancel(sp.together(e)))
        assert sp.Poly(numerator, x, y).total_degree() <= bound[0]
        assert sp.Poly(denominator, x, y).total_degree() <= bound[1]
    d_bound = kept_degree("det", 3, [degree(e) for e in entries])
    numerator, denominator = sp.fraction(sp.cancel(sp.together(sp.Matrix(3, 3, entries).det())))
    assert sp.Poly(numerator, x, y).total_degree() <= d_bound[0]
    assert sp.Poly(denominator, x, y).total_degree() <= d_bound[1]


def _inverse_symbols(n: int):
    X = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"X{i}{j}", real=True))
    Y = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"Y{i}{j}", real=True))
    return X, Y, Defined("inv", tuple(Y), tuple(X), n)


def test_the_identity_test_values_kept_symbols_from_their_definition():
    X, Y, inverse = _inverse_symbols(4)
    identity = list(X * Y - sp.eye(4))  # zero only because Y is X⁻¹
    outcome, text = identity_test(identity, seed=3, definitions=[inverse])
    assert outcome == "proved" and float(text.rsplit("≤ ", 1)[1]) <= 1e-60
    assert identity_test(list(Y * X.T - sp.eye(4)), seed=3, definitions=[inverse]) == ("nonzero", None)
    # as free variables, X·Y − I is not zero: no proof, and no false identity either
    assert identity_test(identity, seed=3) == ("nonzero", None)
    # a kept value with no rational definition stands in as a free variable: a nonzero proves nothing
    free = Defined("free", tuple(Y), tuple(X), 4)
    assert identity_test(identity, seed=3, definitions=[free]) is None


def test_exact_and_ball_values_of_kept_nodes():
    rows = [[Fraction(2), Fraction(1)], [Fraction(1), Fraction(3)]]
    assert exact_kept("inv", rows) == [Fraction(3, 5), Fraction(-1, 5), Fraction(-1, 5), Fraction(2, 5)]
    assert exact_kept("det", rows) == [Fraction(5)]
    assert kept_balls("inv", [Fraction(1)] * 4, 2, 30) == [INVALID]  # singular: outside the domain
    eps = mpmath.mpf(10) ** -20
    balls = [(mpmath.mpf(2), eps), (mpmath.mpf(1), mpmath.mpf(0)), (mpmath.mpf(1), mpmath.mpf(0)), (mpmath.mpf(3), eps)]
    for corner in (Fraction(1, 2 * 10**20), Fraction(-1, 2 * 10**20)):  # points inside the balls
        exact = exact_kept("inv", [[2 + corner, Fraction(1)], [Fraction(1), 3 + corner]])
        for (mid, rad), value in zip(kept_balls("inv", balls, 2, 40), exact):
            with mpmath.workdps(60):
                assert abs(mpmath.mpf(value.numerator) / value.denominator - mid) <= rad
        (mid, rad), = kept_balls("det", balls, 2, 40)
        det = exact_kept("det", [[2 + corner, Fraction(1)], [Fraction(1), 3 + corner]])[0]
        with mpmath.workdps(60):
            assert abs(mpmath.mpf(det.numerator) / det.denominator - mid) <= rad


def test_ball_values_of_kept_nodes_keep_every_sign_and_every_bit():
    from mpmath.libmp import to_rational

    """Negative midpoints with more bits than a float: the inverse and det balls still hold the truth."""
    with mpmath.workdps(40):
        third, eps = -mpmath.mpf(1) / 3, mpmath.mpf(10) ** -35
        balls = [(third, eps), (mpmath.mpf(1), eps), (mpmath.mpf(-1), eps), (-mpmath.mpf(5) / 7, eps)]
        exact = [Fraction(*to_rational(m._mpf_)) for m, _ in balls]
    rows = [exact[:2], exact[2:]]
    for kind in ("inv", "det"):
        for (mid, rad), value in zip(kept_balls(kind, balls, 2, 40), exact_kept(kind, rows)):
            with mpmath.workdps(80):
                assert abs(mpmath.mpf(value.numerator) / value.denominator - mid) <= rad, kind
                assert rad < mpmath.mpf(10) ** -30, kind


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(kind=st.sampled_from(sorted(IDENTITIES)), n=st.integers(3, 4),
       bump=st.sampled_from(["X", "inv(X)", "inv(X).T @ inv(X)", "X[1, 2] * ones(n, n)", "det(X) * eye(n)"]),
       scale=st.sampled_from(["1/1000", "-3", "1/10**9"]), seed=st.integers(0, 2**16))
def test_perturbed_claims_never_pass(kind, n, bump, scale, seed):
    inputs, f, right, _ = IDENTITIES[kind]
    text = (f"inputs:\n  {inputs}\ndims: {{n: {n}}}\nnodes:\n  f: {f}\n"
            f"claims:\n  - {{wrt: X, is: \"{right}\"}}\n  - {{wrt: X, is: \"{right} + {scale} * {bump}\"}}\n")
    model = load_model("perturbed.yaml", text)
    good, bad = (Checker(model, seed=seed).check(c) for c in model.claims)
    assert good.verdict == "proved", good.message
    assert bad.verdict == "wrong", bad.message
