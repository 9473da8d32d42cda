"""derivcheck's own reverse-mode engine, checked against central finite differences.

Every row of the op table is tested (the parametrization reads `derivcheck.ops.OPS`,
so a new row is tested as soon as it exists): its vector-Jacobian rule must match
finite differences of its own forward at random inputs of every shape the row
accepts. Graphs built from problem text go through the same loader and builder a
user's file does.
"""

from __future__ import annotations

import math
import textwrap
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from derivcheck.lang.build import build
from derivcheck.lang.ir import Eqn, Graph
from derivcheck.lang.problem import load_text
from derivcheck.ops import OPS, ShapeError
from derivcheck.witness.engine import Engine

# Operand shapes tried for each arity; a row is tested on every combination its shape rule accepts.
UNARY_SHAPES = [(), (3,), (2, 3), (3, 3)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((3,), ()), ((), (3,)), ((2, 3), (2, 3)), ((2, 3), ()),
                 ((3, 3), (3, 3)), ((2, 3), (3,)), ((2, 3), (3, 2)), ((1, 3), (3,)), ((3,), (1, 3))]
# Parameters a row needs (a new row that needs parameters must be added here: the test will say so).
PARAMS = {"sum": [{}, {"axis": 0}, {"axis": 1}], "index": [{"at": (1,)}, {"at": (0, 2)}],
          "stack": [{"shape": (4,)}, {"shape": (2, 2)}]}
# Operand shapes that fit a row's parameters.
ACCEPTS = {"index": lambda shapes, p: len(shapes[0]) == len(p["at"])}


def cases():
    out = []
    for name, op in OPS.items():
        for params in PARAMS.get(name, [{}]):
            if op.arity == -1:
                n = int(np.prod(params["shape"]))
                combos = [((),) * n]
            elif op.arity == 1:
                combos = [(s,) for s in UNARY_SHAPES]
            elif op.arity == 2:
                combos = list(BINARY_SHAPES)
            else:
                combos = [((3,),) * op.arity]
            accepted = []
            for shapes in combos:
                try:
                    out_shape = op.shape(list(shapes), params)
                    if not ACCEPTS.get(name, lambda shapes, p: True)(shapes, params):
                        continue
                    with np.errstate(all="ignore"):
                        op.forward(params, *random_inputs(np.random.default_rng(0), shapes, positive=True))
                except (ShapeError, KeyError, IndexError, TypeError, ValueError, np.linalg.LinAlgError):
                    continue
                accepted.append((shapes, out_shape))
            label = "-".join(f"{k}{v}" for k, v in params.items()).replace(" ", "")
            if not accepted:
                out.append(pytest.param(name, params, None, None, id=f"{name}{label}-noshape"))
            for shapes, out_shape in accepted:
                sid = ",".join("x".join(map(str, s)) or "s" for s in shapes)
                out.append(pytest.param(name, params, shapes, out_shape, id=f"{name}{label}[{sid}]"))
    return out


def random_inputs(rng, shapes, positive: bool):
    """Entries of magnitude 0.3–1.5 (away from 0 and from kinks); square matrices diagonally dominant."""
    values = []
    for shape in shapes:
        a = rng.uniform(0.3, 1.5, size=shape)
        if not positive:
            a = a * rng.choice([-1.0, 1.0], size=shape)
        if len(shape) == 2 and shape[0] == shape[1]:
            a = a + 3.0 * np.eye(shape[0])
        values.append(np.asarray(a, dtype=float))
    return values


def single_op_engine(name, params, shapes, out_shape):
    args = tuple(f"a{i}" for i in range(len(shapes)))
    graph = Graph(inputs=dict(zip(args, shapes)))
    graph.eqns.append(Eqn("out", name, args, dict(params), tuple(out_shape)))
    return Engine(graph.eqns), args


def central_difference(fn, values, k, index, h=1e-6):
    plus = [v.copy() for v in values]
    minus = [v.copy() for v in values]
    plus[k][index] += h
    minus[k][index] -= h
    return (fn(plus) - fn(minus)) / (2 * h)


@pytest.mark.parametrize("name, params, shapes, out_shape", cases())
def test_vjp_of_every_op_matches_finite_differences(name, params, shapes, out_shape):
    assert shapes is not None, f"op {name!r}: none of the tried operand shapes is accepted; add one to the test"
    engine, args = single_op_engine(name, params, shapes, out_shape)
    rng = np.random.default_rng(zlib.crc32(f"{name}{params}{shapes}".encode()))

    def forward(values):
        env = engine.forward(dict(zip(args, values)))
        return np.asarray(env["out"], dtype=float)

    row = OPS[name]
    values = random_inputs(rng, shapes, positive=False)
    if row.d is not None:  # an elementwise function: inside its domain, away from a kink at 0
        lo, hi = row.domain
        values = [np.asarray(rng.uniform(lo, hi, size=s)) for s in shapes]
        values = [np.where(np.abs(v) < 0.2, v + 0.5, v) if row.kink else v for v in values]
    out = forward(values)
    if not np.all(np.isfinite(out)):  # e.g. a real power of a negative base: use positive operands
        values = random_inputs(rng, shapes, positive=True)
        out = forward(values)
    assert np.all(np.isfinite(out)), f"{name} is not finite at positive, well-conditioned inputs"
    assert out.shape == tuple(out_shape), f"forward gives shape {out.shape}, the shape rule says {out_shape}"

    cotangent = np.asarray(rng.uniform(-1, 1, size=out.shape))
    env = engine.forward(dict(zip(args, values)))
    adjoints = engine.backward(env, {"out": cotangent})
    for k, (arg, value) in enumerate(zip(args, values)):
        got = np.asarray(adjoints.get(arg, np.zeros(value.shape)), dtype=float)
        assert got.shape == value.shape, f"adjoint of operand {k} has shape {got.shape}, the operand {value.shape}"
        expected = np.zeros(value.shape)
        for index in np.ndindex(*value.shape):
            expected[index] = np.sum(cotangent * central_difference(forward, values, k, index))
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7,
                                   err_msg=f"{name}{params}: adjoint of operand {k} (shapes {shapes})")


def test_op_table_rows_have_all_parts():
    for name, op in OPS.items():
        assert op.name == name
        assert callable(op.forward) and callable(op.vjp) and callable(op.symbolic) and callable(op.shape)
        assert isinstance(op.rule, str) and op.rule


def test_power_with_a_constant_integer_exponent_has_no_exponent_adjoint_nan():
    # x**2 at a negative x: the exponent is a constant; its adjoint must not poison anything with NaN
    engine, args = single_op_engine("pow", {}, ((3,), ()), (3,))
    x = np.array([-1.5, 0.7, -0.4])
    env = engine.forward({"a0": x, "a1": np.asarray(2.0)})
    adj = engine.backward(env, {"out": np.ones(3)})
    np.testing.assert_allclose(adj["a0"], 2 * x)


# --- graphs from problem text -------------------------------------------------------------------


def model_of(text: str):
    return build(load_text(textwrap.dedent(text).encode(), "t.yaml"))


def engine_env(model, values: dict):
    engine = Engine(model.graph.eqns)
    env = engine.forward({k: np.asarray(v, dtype=float) for k, v in values.items()})
    return engine, env


def test_seed_1b_gradient_and_adjoints():
    model = model_of((Path(__file__).resolve().parents[2] / "problems/seed/ex1b-dag-backprop.yaml").read_text())
    x, y = 0.351379, -0.155443
    engine, env = engine_env(model, {"x": x, "y": y})
    assert float(engine.jacobian(env, "l", "x")) == pytest.approx(48 * x**2 + 16 * x * y, rel=1e-12)
    assert float(engine.jacobian(env, "l", "y")) == pytest.approx(8 * x**2, rel=1e-12)
    # an intermediate node's derivative is its backprop adjoint: its own parents held fixed
    assert float(engine.jacobian(env, "l", "h2")) == pytest.approx(2 * x + y, rel=1e-12)
    assert float(engine.jacobian(env, "l", "h3")) == pytest.approx(8 * x**2, rel=1e-12)
    assert float(engine.jacobian(env, "l", "h1")) == pytest.approx(4 * 2 * x * (2 * x + y) + 8 * x**2, rel=1e-12)


def test_variable_used_twice_gets_both_contributions():
    model = model_of("""
        inputs: [x]
        nodes: {f: x*x + sin(x)*x}
    """)
    engine, env = engine_env(model, {"x": 0.7})
    assert float(engine.jacobian(env, "f", "x")) == pytest.approx(2 * 0.7 + math.cos(0.7) * 0.7 + math.sin(0.7))


@pytest.mark.parametrize("text, shape", [
    ("inputs: {A: {shape: [2, 3]}, x: {shape: [3]}}\nnodes: {y: A @ x}", (2, 2, 3)),
    ("inputs: {x: {shape: [3]}}\nnodes: {y: softmax(x)}", (3, 3)),
    ("inputs: {X: {shape: [3, 3]}}\nnodes: {y: inv(X)}", (3, 3, 3, 3)),
    ("inputs: {x: {shape: [3]}, y: {shape: [3]}}\nnodes: {f: x.T @ y}", (3,)),
])
def test_jacobian_shapes_are_of_first(text, shape):
    model = model_of(text)
    rng = np.random.default_rng(1)
    name = model.graph.node_names[-1]
    first = next(iter(model.graph.inputs))
    values = {k: rng.uniform(0.3, 1.5, size=s) + (3 * np.eye(s[0]) if len(s) == 2 and s[0] == s[1] else 0)
              for k, s in model.graph.inputs.items()}
    engine, env = engine_env(model, values)
    jac = engine.jacobian(env, name, first)
    assert jac.shape == shape

    def f(v):
        return np.asarray(engine.forward({**values, first: v})[name], dtype=float)

    base = np.asarray(values[first], dtype=float)
    for index in np.ndindex(*base.shape):
        plus, minus = base.copy(), base.copy()
        plus[index] += 1e-6
        minus[index] -= 1e-6
        fd = (f(plus) - f(minus)) / 2e-6
        np.testing.assert_allclose(jac[(Ellipsis,) + index], fd, rtol=1e-5, atol=1e-8)


def test_five_thousand_node_chain_without_recursion_error():
    n = 5000
    lines = ["inputs: [x]", "nodes:", "  h1: sin(x)"]
    lines += [f"  h{k}: h{k - 1}*0.5 + cos(h{k - 1})" for k in range(2, n + 1)]
    model = model_of("\n".join(lines) + "\n")
    assert len(model.graph.node_names) == n
    assert model.output == f"h{n}"
    x = 0.3
    engine, env = engine_env(model, {"x": x})
    grad = float(engine.jacobian(env, f"h{n}", "x"))
    # forward-mode recursion by hand
    h, d = math.sin(x), math.cos(x)
    for _ in range(2, n + 1):
        h, d = h * 0.5 + math.cos(h), d * (0.5 - math.sin(h))
    assert float(env[f"h{n}"]) == pytest.approx(h, rel=1e-9)
    assert grad == pytest.approx(d, rel=1e-6, abs=1e-300)


# --- hypothesis: random scalar expressions ---------------------------------------------------


def expressions(depth: int = 4):
    """(text, python function of (x, y)) pairs over + - * / exp sin tanh sigmoid; no division near 0."""
    sigmoid = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    leaves = st.one_of(
        st.just(("x", lambda x, y: x)),
        st.just(("y", lambda x, y: y)),
        st.sampled_from(["0.5", "2", "1.25", "3"]).map(lambda c: (c, lambda x, y, c=float(c): c)),
    )
    if depth == 0:
        return leaves
    sub = expressions(depth - 1)
    unary = {"exp": math.exp, "sin": math.sin, "tanh": math.tanh, "sigmoid": sigmoid}

    def un(name, a):
        text, fa = a
        return f"{name}({text})", lambda x, y: unary[name](fa(x, y))

    def bi(op, a, b):
        (ta, fa), (tb, fb) = a, b
        if op == "+":
            return f"({ta}) + ({tb})", lambda x, y: fa(x, y) + fb(x, y)
        if op == "-":
            return f"({ta}) - ({tb})", lambda x, y: fa(x, y) - fb(x, y)
        if op == "*":
            return f"({ta}) * ({tb})", lambda x, y: fa(x, y) * fb(x, y)
        # a denominator kept away from 0: 2 + sin(b) ∈ [1, 3]
        return f"({ta}) / (2 + sin({tb}))", lambda x, y: fa(x, y) / (2 + math.sin(fb(x, y)))

    return st.one_of(
        leaves,
        st.builds(un, st.sampled_from(sorted(unary)), sub),
        st.builds(bi, st.sampled_from(["+", "-", "*", "/"]), sub, sub),
    )


def five_point(f, v, h=1e-3):
    return (-f(v + 2 * h) + 8 * f(v + h) - 8 * f(v - h) + f(v - 2 * h)) / (12 * h)


@settings(max_examples=60)
@given(expressions(), st.floats(-1.5, 1.5), st.floats(-1.5, 1.5))
def test_engine_gradient_of_random_expressions_matches_finite_differences(expr, x, y):
    text, fn = expr
    try:
        value = fn(x, y)
        fx = five_point(lambda v: fn(v, y), x)
        fy = five_point(lambda v: fn(x, v), y)
    except OverflowError:
        assume(False)
    assume(all(math.isfinite(v) and abs(v) < 1e6 for v in (value, fx, fy)))
    model = build(load_text(f"inputs: [x, y]\nnodes:\n  f: \"{text}\"\n".encode(), "t.yaml"))
    engine, env = engine_env(model, {"x": x, "y": y})
    assert float(env["f"]) == pytest.approx(value, rel=1e-12, abs=1e-12)
    gx = float(engine.jacobian(env, "f", "x"))
    gy = float(engine.jacobian(env, "f", "y"))
    scale = max(1.0, abs(value))
    assert abs(gx - fx) <= 1e-5 * max(abs(fx), scale), (text, gx, fx)
    assert abs(gy - fy) <= 1e-5 * max(abs(fy), scale), (text, gy, fy)


def test_variable_exponent_at_an_integer_value():
    model = model_of("""
        inputs: {x: {domain: positive}, y: {}}
        nodes: {f: x**y}
    """)
    engine, env = engine_env(model, {"x": 2.0, "y": 3.0})
    assert float(engine.jacobian(env, "f", "y")) == pytest.approx(8 * math.log(2))


@pytest.mark.parametrize("name", ["det", "logdet", "inv"])
def test_matrix_ops_at_a_negative_determinant(name):
    a = np.array([[0.4, 2.1, -0.3], [1.7, 0.2, 0.5], [-0.6, 0.3, 1.9]])
    assert np.linalg.det(a) < 0
    out_shape = OPS[name].shape([a.shape], {})
    engine, args = single_op_engine(name, {}, (a.shape,), out_shape)
    g = np.random.default_rng(3).uniform(-1, 1, size=out_shape)
    env = engine.forward({"a0": a})
    adj = engine.backward(env, {"out": g})["a0"]

    def f(v):
        return np.asarray(engine.forward({"a0": v[0]})["out"], dtype=float)

    expected = np.array([[np.sum(g * central_difference(f, [a], 0, (i, j))) for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(adj, expected, rtol=1e-5, atol=1e-7)
    if name == "logdet":
        assert float(env["out"]) == pytest.approx(math.log(abs(np.linalg.det(a))))
