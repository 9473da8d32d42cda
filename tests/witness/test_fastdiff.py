"""The optional symengine backend (derivcheck/witness/fastdiff.py, the `fast` extra).

The same verdicts with and without it: every seed problem is checked with
DERIVCHECK_SYMBOLIC=sympy and =symengine. The two seed files whose checks take
10+ s (second-order claims) compare the derived truths instead of the whole check,
so the file stays fast. The symengine half is skipped when symengine is not installed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derivcheck.runner import load_model, run_file
from derivcheck.verdict.verify import Checker
from derivcheck.witness import fastdiff
from derivcheck.witness.symbolic import jacobian

SEED = sorted((Path(__file__).resolve().parents[2] / "problems" / "seed").glob("*.yaml"))
HEAVY = {"ex2-becker-lecun-3layer.yaml", "ex2-hessian-identities.yaml"}
needs_symengine = pytest.mark.skipif(fastdiff.symengine() is None, reason="symengine is not installed (extra `fast`)")

x, y = sp.symbols("x y", real=True)
p = sp.Symbol("p", positive=True)
w = sp.Symbol("W[1,2]", real=True)
SUPPORTED = [
    sp.tanh(x) * sp.cos(y) + x / 2,
    x**3 * y - sp.Rational(1, 3) * x + sp.pi * y,
    sp.exp(x * y) / (1 + sp.exp(-x)),
    sp.log(p) * sp.sqrt(p) + p ** sp.Rational(2, 3),
    sp.sin(w) ** 2 + sp.tan(w * x),
    sp.Integer(7),
]
UNSUPPORTED = [sp.Abs(x) * y, sp.Max(0, x), sp.Function("f")(x * y), sp.Float("0.5") * x, sp.sign(x)]


def test_backend_switch(monkeypatch):
    monkeypatch.setenv(fastdiff.VARIABLE, "sympy")
    assert fastdiff.backend() == "sympy"
    monkeypatch.setenv(fastdiff.VARIABLE, "symengine")
    assert fastdiff.backend() == ("symengine" if fastdiff.symengine() is not None else "sympy")
    monkeypatch.delenv(fastdiff.VARIABLE)
    assert fastdiff.backend() == ("symengine" if fastdiff.symengine() is not None else "sympy")


def test_what_goes_to_symengine():
    assert all(fastdiff.supported(e) for e in SUPPORTED)
    assert not any(fastdiff.supported(e) for e in UNSUPPORTED)


@needs_symengine
@pytest.mark.parametrize("expr", SUPPORTED + UNSUPPORTED, ids=str)
def test_derivatives_equal_sympy_and_keep_the_symbols(expr):
    symbols = [x, y, p, w]
    got = fastdiff.derivatives(expr, symbols)
    for s, d in zip(symbols, got):
        expected = sp.diff(expr, s)
        assert sp.simplify(d - expected) == 0, (s, d, expected)
        assert d.free_symbols <= expr.free_symbols  # the caller's own symbols, assumptions included


@needs_symengine
def test_jacobian_shape_and_entries(monkeypatch):
    expr = np.array([[sp.tanh(x) * y, x**2], [sp.exp(y), sp.Integer(1)]], dtype=object)
    symbols = np.array([x, y], dtype=object)
    monkeypatch.setenv(fastdiff.VARIABLE, "symengine")
    fast = jacobian(expr, symbols)
    monkeypatch.setenv(fastdiff.VARIABLE, "sympy")
    slow = jacobian(expr, symbols)
    assert fast.shape == slow.shape == (2, 2, 2) and fast.dtype == object
    assert all(sp.simplify(a - b) == 0 for a, b in zip(fast.flat, slow.flat))
    assert fast[0, 0, 1] == sp.tanh(x)


def verdicts(path: Path) -> list:
    result = run_file(str(path))
    assert result.error is None, result.error
    return [(c.index, c.verdict) for c in result.claims]


@needs_symengine
@pytest.mark.parametrize("path", [p for p in SEED if p.name not in HEAVY], ids=lambda p: p.name)
def test_same_verdicts_with_and_without_symengine(path, monkeypatch):
    monkeypatch.setenv(fastdiff.VARIABLE, "sympy")
    plain = verdicts(path)
    monkeypatch.setenv(fastdiff.VARIABLE, "symengine")
    assert verdicts(path) == plain


@needs_symengine
@pytest.mark.parametrize("name", sorted(HEAVY))
def test_same_truths_with_and_without_symengine(name, monkeypatch):
    path = next(p for p in SEED if p.name == name)
    truths = {}
    for backend in ("sympy", "symengine"):
        monkeypatch.setenv(fastdiff.VARIABLE, backend)
        model = load_model(str(path))
        checker = Checker(model)
        truths[backend] = [checker.truth(c) for c in checker.model.claims if c.error is None]
    point = checker.point(0)  # node symbols are the same Symbols in both checkers: evaluate both here
    values = checker.values_at(point, 0, 40)
    for a, b in zip(truths["sympy"], truths["symengine"]):
        assert a.shape == b.shape
        (fa, ca), (fb, cb) = checker.compile(a, 0), checker.compile(b, 0)
        for u, v in zip(ca([values[s] for s in fa], 40), cb([values[s] for s in fb], 40)):
            assert abs(u - v) <= 1e-30 * (1 + abs(u)), (u, v)
