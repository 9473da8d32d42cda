"""derivcheck's own reverse-mode engine on numpy float64 arrays.

Evaluation is a loop over the equations with an environment dict; backprop is
the same loop reversed, adding into an adjoint dict (a variable used twice gets
two contributions). It reads only `forward` and `vjp` of the op table and never
imports sympy.
"""

from __future__ import annotations

import math

import numpy as np

from derivcheck.ops import OPS


def const_value(params: dict) -> np.ndarray:
    kind, value = params["kind"], params["value"]
    if kind == "num":
        return np.asarray(float(value))
    if kind == "pi":
        return np.asarray(math.pi)
    if kind == "eye":
        return np.eye(value)
    return np.ones(value)


class Engine:
    """Evaluates and differentiates equation lists; `functions` maps declared names to SmoothFunctions."""

    dtype = float

    def __init__(self, eqns: list, functions: dict | None = None):
        self.eqns = eqns
        self.functions = functions or {}

    def array(self, value) -> np.ndarray:
        return np.asarray(value, dtype=self.dtype)

    def forward(self, env: dict) -> dict:
        env = dict(env)
        with np.errstate(all="ignore"):
            for eqn in self.eqns:
                env[eqn.out] = self.apply(eqn, env)
        return env

    def apply(self, eqn, env: dict) -> np.ndarray:
        if eqn.op == "const":
            return const_value(eqn.params)
        if eqn.op == "fn":
            fn = self.functions[eqn.params["name"]].numeric(eqn.params["order"])
            return self.array(fn(env[eqn.args[0]]))
        if eqn.op in ("grad", "hess", "hessdiag"):
            return self.derivative_op(eqn, env)
        return self.array(OPS[eqn.op].forward(eqn.params, *(env[a] for a in eqn.args)))

    def vjp(self, eqn, g: np.ndarray, env: dict) -> tuple:
        args = [env[a] for a in eqn.args]
        if eqn.op == "fn":
            slope = self.functions[eqn.params["name"]].numeric(eqn.params["order"] + 1)
            return (g * slope(args[0]),)
        return OPS[eqn.op].vjp(g, env[eqn.out], eqn.params, *args)

    def backward(self, env: dict, seeds: dict, stop: str | None = None) -> dict:
        """Adjoints of every variable given adjoints `seeds` of some; does not pass through `stop`."""
        adjoints = {name: np.array(value, dtype=self.dtype) for name, value in seeds.items()}
        with np.errstate(all="ignore"):
            for eqn in reversed(self.eqns):
                g = adjoints.get(eqn.out)
                if g is None or eqn.op == "const" or eqn.out == stop:
                    continue
                for arg, contribution in zip(eqn.args, self.vjp(eqn, g, env)):
                    contribution = self.array(contribution).reshape(np.shape(env[arg]))
                    adjoints[arg] = adjoints[arg] + contribution if arg in adjoints else contribution
        return adjoints

    def jacobian(self, env: dict, f: str, v: str) -> np.ndarray:
        """∂f/∂v with shape S + T: one backward pass per entry of f (v's own parents held fixed)."""
        fshape, vshape = np.shape(env[f]), np.shape(env[v])
        out = np.zeros(fshape + vshape)
        for index in np.ndindex(*fshape):
            seed = np.zeros(fshape)
            seed[index] = 1.0
            adj = self.backward(env, {f: seed}, stop=v)
            out[index] = adj.get(v, np.zeros(vshape))
        return out

    def derivative_op(self, eqn, env: dict) -> np.ndarray:
        if eqn.op == "grad":
            return self.jacobian(env, *eqn.args)
        from derivcheck.second_order import hessian

        f, u, v = eqn.args if eqn.op == "hess" else (eqn.args[0], eqn.args[1], eqn.args[1])
        full = hessian(self, env, f, u, v)
        if eqn.op == "hess":
            return full
        n = int(np.prod(np.shape(env[v]), dtype=int))
        return np.diagonal(full.reshape(n, n)).reshape(np.shape(env[v])).copy()
