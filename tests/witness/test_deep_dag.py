"""Deep DAGs (issue 8): h_{k+1} = tanh(h_k)·cos(h_{k-1}) + h_k/2, every node used twice.

A moderate case (k = 20) goes through `derivcheck check` like a user's file
(bench/deep_dag.py times k = 60 and compares the node-level and fully substituted
symbolic paths). The engine's float path, which such scalar DAGs run on, is checked
here against the numpy rows it stands in for, row by row, special values included.
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import numpy as np
import pytest

from derivcheck.lang.ir import Eqn
from derivcheck.ops import OPS
from derivcheck.witness.engine import Engine


def deep_problem(k: int) -> str:
    nodes = "\n".join(f"  h{i + 1}: tanh(h{i})*cos(h{i - 1}) + h{i}/2" for i in range(1, k))
    a, b, d1 = f"h{k - 1}", f"h{k - 2}", "(cos(x) + 1/3)"
    return f"""derivcheck: 1
inputs: {{x: {{}}}}
nodes:
  h0: x
  h1: sin(x) + x/3
{nodes}
claims:
  - {{of: h{k}, wrt: {a}, is: "(1 - tanh({a})**2)*cos({b}) + 1/2"}}
  - {{of: h2, wrt: x, is: "(1 - tanh(h1)**2)*cos(h0)*{d1} - tanh(h1)*sin(h0) + {d1}/2"}}
  - {{of: h{k}, wrt: {a}, is: "(1 - tanh({a})**2)*cos({b})", expect: fails}}
"""


def test_check_a_20_node_dag(tmp_path):
    path = tmp_path / "deep-20.yaml"
    path.write_text(deep_problem(20))
    done = subprocess.run([sys.executable, "-m", "derivcheck", "check", str(path)], capture_output=True,
                          text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "3 claims" in output and "expected-fail" in output


def chain(k: int) -> list:
    """The family as equations (what the parser makes of deep_problem), up to h_k."""
    two = {"kind": "num", "value": 2}
    eqns = [Eqn("h0", "copy", ("x",), {}, ()), Eqn("h1#1", "sin", ("x",), {}, ()),
            Eqn("h1#2", "const", (), {"kind": "num", "value": 3}, ()), Eqn("h1#3", "div", ("x", "h1#2"), {}, ()),
            Eqn("h1", "add", ("h1#1", "h1#3"), {}, ())]
    for i in range(1, k):
        t = lambda n: f"h{i + 1}#{n}"  # noqa: E731, B023
        eqns += [Eqn(t(1), "tanh", (f"h{i}",), {}, ()), Eqn(t(2), "cos", (f"h{i - 1}",), {}, ()),
                 Eqn(t(3), "mul", (t(1), t(2)), {}, ()), Eqn(t(4), "const", (), two, ()),
                 Eqn(t(5), "div", (f"h{i}", t(4)), {}, ()), Eqn(f"h{i + 1}", "add", (t(3), t(5)), {}, ())]
    return eqns


def test_engine_on_a_60_node_dag_matches_finite_differences():
    engine = Engine(chain(60))
    x0 = 0.37
    env = engine.forward({"x": np.asarray(x0)})
    grad = engine.jacobian(env, "h60", "x")
    h = 1e-6
    up, down = (float(engine.forward({"x": np.asarray(x0 + s)})["h60"]) for s in (h, -h))
    assert grad.shape == () and isinstance(env["h60"], np.ndarray)
    assert abs(float(grad) - (up - down) / (2 * h)) <= 1e-6 * max(1.0, abs(float(grad)))
    value, grads = engine.gradient({"x": np.asarray(x0)}, "h60", ["x", "h30"])
    adjoints = engine.backward(env, {"h60": np.ones(())})
    assert float(value) == float(env["h60"])
    assert float(grads["x"]) == float(adjoints["x"]) == float(grad)
    assert float(grads["h30"]) == float(adjoints["h30"])
    # the local partial the claim states: (1 - tanh² h59)·cos h58 + 1/2
    local = (1 - math.tanh(float(env["h59"])) ** 2) * math.cos(float(env["h58"])) + 0.5
    assert float(engine.jacobian(env, "h60", "h59")) == pytest.approx(local, rel=1e-15)


SPECIAL = [0.0, -0.0, 0.5, -1.5, 2.0, 3.0, 1e-300, 710.0, -745.5, 1e308, math.inf, -math.inf, math.nan]
rng = np.random.default_rng(20)
RANDOM = [float(v) for v in rng.normal(0, 3, 12)]


def close(a, b) -> bool:
    """Equal up to an ulp or two of the terms (math.tanh and numpy's tanh may differ in the last bit)."""
    a, b = np.asarray(a, dtype=float).reshape(-1), np.asarray(b, dtype=float).reshape(-1)
    same_nan = np.array_equal(np.isnan(a), np.isnan(b))
    return bool(same_nan and np.allclose(a, b, rtol=4e-16, atol=1e-15, equal_nan=True))  # libm vs numpy: an ulp


@pytest.mark.parametrize("op", sorted(name for name, row in OPS.items() if row.floats is not None))
def test_float_rule_equals_the_numpy_row(op):
    """Forward value and adjoints on the float path equal the numpy row's on 0-d arrays (what the
    engine computed for scalars before the float path), special values and nan/inf included."""
    row = OPS[op]
    args = ("a", "b")[:row.arity]
    engine = Engine([Eqn("y", op, args, {}, ())])
    values = RANDOM + SPECIAL
    for combo in (itertools.product(values, repeat=row.arity) if row.arity == 2 else ((v,) for v in values)):
        inputs = {n: np.asarray(v) for n, v in zip(args, combo)}
        assert engine._floats(inputs)
        got = engine.forward(inputs)
        adjoints = engine.backward(got, {"y": np.ones(())})
        with np.errstate(all="ignore"):
            out = np.asarray(row.forward({}, *inputs.values()), dtype=float)
            expected = row.vjp(np.ones(()), out, {}, *inputs.values())
        assert isinstance(got["y"], np.ndarray) and got["y"].shape == ()
        assert close(got["y"], out), (op, combo, got["y"], out)
        for name, e in zip(args, expected):
            assert isinstance(adjoints[name], np.ndarray) and adjoints[name].shape == ()
            assert close(adjoints[name], e), (op, combo, name, adjoints[name], e)
