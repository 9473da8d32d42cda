"""The op table, row by row: the engine's forward, first and second derivatives against the row's
sympy meaning (sympy.diff), at seeded points inside each function's domain and off its kinks.

Every row is picked up automatically (a new row is tested without a new test); the VJPs are also
checked against finite differences, row by row, in tests/witness/test_engine.py.
"""

from __future__ import annotations

import zlib
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from derivcheck.lang.ir import Eqn
from derivcheck.ops import FUNCTIONS, OPS, ShapeError
from derivcheck.witness.engine import Engine
from derivcheck.witness.second_order import hessian

# Operand shapes tried, by arity; each row is tested on (at most two of) the shapes it accepts.
SHAPES = {1: [((3,),), ((2, 3),), ((2, 2),), ((),)],
          2: [((3,), (3,)), ((2, 3), (1, 3)), ((2, 3), (2,)), ((), (3,)), ((3,), (3, 2)), ((2, 3), (3,))],
          -1: [((), (), (), ())]}
# Parameters of the rows that take them.
PARAMS = {"sum": [{}, {"axis": 0}, {"axis": 1}], "softmax": [{}, {"axis": 0}, {"axis": 1}],
          "logsumexp": [{}, {"axis": 0}, {"axis": 1}],
          "index": [{"at": (1,)}, {"at": (0, 2)}, {"at": (1, slice(None))}, {"at": (slice(None), 2)}],
          "stack": [{"shape": (4,)}, {"shape": (2, 2)}]}


def _cases():
    out = []
    for name, row in OPS.items():
        for params in PARAMS.get(name, [{}]):
            accepted = []
            for shapes in SHAPES[row.arity]:
                try:
                    shape = row.shape(list(shapes), params)
                except (ShapeError, IndexError, TypeError, KeyError):
                    continue
                if name == "index" and len(shapes[0]) != len(params["at"]):
                    continue
                accepted.append((shapes, shape))
            label = ",".join(f"{k}={v}" for k, v in params.items())
            out.extend(pytest.param(name, params, shapes, shape, id=f"{name}[{label}]{shapes}")
                       for shapes, shape in accepted[:2 if row.arity == 2 else 1])
            if not accepted:
                out.append(pytest.param(name, params, None, None, id=f"{name}[{label}]-no-shape"))
    return out


CASES = _cases()


def _values(name, shapes, rng):
    """Arguments inside the row's domain, away from its kinks; square matrices well conditioned."""
    row = OPS[name]
    lo, hi = row.domain if row.d is not None else (0.3, 1.5)
    values = []
    for k, shape in enumerate(shapes):
        v = rng.uniform(lo, hi, size=shape)
        if row.kink is not None:  # off the kink: |a| > 0.2, and a, b of max/min apart
            v = np.where(np.abs(v) < 0.2, v + 0.5, v) + 0.6 * k
        if len(shape) == 2 and shape[0] == shape[1]:
            v = v + 3.0 * np.eye(shape[0])
        values.append(np.asarray(v, dtype=float))
    return values


def _symbols(shapes):
    out = []
    for k, shape in enumerate(shapes):
        syms = np.empty(shape, dtype=object)
        for i in np.ndindex(*shape):
            syms[i] = sp.Symbol(f"a{k}_{'_'.join(map(str, i))}", real=True)
        out.append(syms)
    return out


def _setup(name, params, shapes, shape):
    assert shapes is not None, f"row {name!r} accepts none of the tried shapes; add one to SHAPES"
    rng = np.random.default_rng(zlib.crc32(f"{name}{params}{shapes}".encode()))
    values = _values(name, shapes, rng)
    weights = rng.uniform(-1, 1, size=shape)
    args = tuple(f"a{k}" for k in range(len(shapes)))
    eqns = [Eqn("y", name, args, dict(params), shape), Eqn("c", "const", (), {"kind": "num", "value": 0}, ()),
            Eqn("wy", "mul", ("w", "y"), {}, shape), Eqn("s", "sum", ("wy",), {}, ())]
    env = dict(zip(args, values))
    env["w"] = np.asarray(weights)
    syms = _symbols(shapes)
    meaning = np.asarray(OPS[name].symbolic(sp, params, *syms), dtype=object)
    total = sp.Add(*(sp.nsimplify(w) * e for w, e in zip(np.asarray(weights).flat, meaning.flat)))
    at = {s: v for a, x in zip(syms, values) for s, v in zip(a.flat, x.flat)}
    return Engine(eqns[:1] + eqns[2:]), env, syms, meaning, total, at


def _num(expr, at) -> float:
    return float(sp.N(sp.sympify(expr).xreplace(at), 30))


@pytest.mark.parametrize("name, params, shapes, shape", CASES)
def test_forward_equals_the_sympy_meaning(name, params, shapes, shape):
    engine, env, syms, meaning, total, at = _setup(name, params, shapes, shape)
    got = np.asarray(engine.forward(env)["y"], dtype=float)
    assert got.shape == tuple(shape)
    expected = np.array([_num(e, at) for e in meaning.flat]).reshape(shape)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=f"{name}{params}: forward vs sympy")


@pytest.mark.parametrize("name, params, shapes, shape", CASES)
def test_first_derivatives_equal_sympy_diff(name, params, shapes, shape):
    engine, env, syms, meaning, total, at = _setup(name, params, shapes, shape)
    env = engine.forward(env)
    adjoints = engine.backward(env, {"s": 1.0})
    for k, a in enumerate(syms):
        expected = np.array([_num(sp.diff(total, s), at) for s in a.flat]).reshape(a.shape)
        got = np.asarray(adjoints.get(f"a{k}", np.zeros(a.shape)), dtype=float).reshape(a.shape)
        np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-10, err_msg=f"{name}{params}: ∂/∂a{k}")


@pytest.mark.parametrize("name, params, shapes, shape", CASES)
def test_second_derivatives_equal_sympy_diff(name, params, shapes, shape):
    engine, env, syms, meaning, total, at = _setup(name, params, shapes, shape)
    env = engine.forward(env)
    for k, a in enumerate(syms):
        got = hessian(engine, env, "s", f"a{k}", f"a{k}").reshape(a.size, a.size)
        expected = np.array([[_num(sp.diff(total, u, v), at) for v in a.flat] for u in a.flat])
        np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-9, err_msg=f"{name}{params}: ∂²/∂a{k}²")


def test_every_language_function_has_a_row_or_a_lowering():
    from derivcheck.lang.ir import Lowerer

    for name in FUNCTIONS:
        row = OPS.get(name)
        assert (row is not None and row.text == name) or hasattr(Lowerer, "call_" + name) or name == "tr", name


@pytest.mark.parametrize("name", [n for n, row in OPS.items() if row.d is not None and "'" not in n])
def test_every_elementwise_function_has_derivative_rows(name):
    assert OPS[name + "'"].kink is OPS[name].kink and name + "''" in OPS


def test_the_schema_documents_every_function():
    from derivcheck.lang.schema import RESERVED_NAMES, problem_schema

    described = problem_schema()["$defs"]["expression"]["description"]
    for name, doc in FUNCTIONS.items():
        assert f"{name}: {doc}" in described and name in RESERVED_NAMES


ELEMENTWISE_ROWS = sorted(n for n, row in OPS.items() if row.d is not None)


@pytest.mark.parametrize("name", ELEMENTWISE_ROWS)
def test_certified_evaluation_and_the_precise_engine_read_every_elementwise_row(name):
    """The row's sympy meaning evaluates on balls (its `ball` rule, when the meaning is a function of
    its own) and the ball holds the row's `precise` value at 50 digits, which matches its float `scalar`."""
    import mpmath

    from derivcheck.verdict.numeval import Compiled
    from derivcheck.witness.precise import Precise

    row = OPS[name]
    t = sp.Symbol("t", real=True)
    compiled = Compiled([t], [row.meaning(sp)(t)])
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    lo, hi = row.domain
    for v in rng.uniform(lo, hi, size=4):
        if row.kink is not None and abs(v) < 0.2:
            v += 0.5
        exact = Fraction(float(v))
        with mpmath.workdps(50):
            precise = Precise.lift(exact).through(row).v
            (mid, rad), = compiled.balls([exact], 50)
            assert abs(mid - precise) <= rad + mpmath.mpf(10) ** -45 * (1 + abs(precise)), (name, v)
            assert rad <= mpmath.mpf(10) ** -40 * (1 + abs(precise)), (name, v, rad)
        assert float(precise) == pytest.approx(row.scalar(float(v)), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", sorted(n for n, row in OPS.items() if row.kept_vjp is not None))
@pytest.mark.parametrize("n", [2, 3])
def test_a_kept_rule_is_the_vjp_of_the_sympy_meaning(name, n):
    """A kept node's symbolic derivative is the row's `kept_vjp` in its own symbols (the witness never
    expands inv or det); here sympy differentiates the entry-wise meaning and the two agree exactly."""
    row = OPS[name]
    rng = np.random.default_rng(zlib.crc32(f"{name}{n}".encode()))
    a = np.array([[sp.Symbol(f"a{i}{j}", real=True) for j in range(n)] for i in range(n)], dtype=object)
    meaning = np.asarray(row.symbolic(sp, {}, a), dtype=object)
    at = {s: sp.Rational(int(rng.integers(-9, 10)), int(rng.integers(1, 5))) for s in a.flat}
    at.update({a[i, i]: at[a[i, i]] + 10 for i in range(n)})  # diagonally dominant: invertible
    g = np.array([sp.Rational(int(rng.integers(-9, 10)), 3) for _ in range(meaning.size)], dtype=object)
    g = g.reshape(meaning.shape)
    by_sympy = sum(gk * np.vectorize(lambda s, e=e: sp.diff(e, s), otypes=[object])(a)
                   for gk, e in zip(g.flat, meaning.flat))
    value = sp.Matrix(a.tolist()).xreplace(at)
    inverse = np.array(value.inv().tolist(), dtype=object)
    out = np.array(value.det()) if meaning.ndim == 0 else inverse
    by_rule = np.asarray(row.kept_vjp(g[()] if g.ndim == 0 else g, out[()] if out.ndim == 0 else out, inverse))
    for p, q in zip(np.asarray(by_sympy, dtype=object).flat, by_rule.flat):
        assert sp.nsimplify(sp.sympify(p).xreplace(at)) == sp.nsimplify(q), (name, n)
