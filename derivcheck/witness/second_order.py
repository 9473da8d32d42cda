"""Second derivatives in the engine: forward mode over its own reverse pass.

The engine's forward and backward loops run on object arrays of dual numbers (ops/dual.py),
which differentiates the backward pass itself, so every op with a VJP rule gets Hessian-vector
products for free; elementwise functions take their dual rule from their row. Never imports
sympy, and needs nothing of the engine but an instance to copy.
"""

from __future__ import annotations

import numpy as np

from derivcheck.ops.dual import Dual, join, split


def hessian(engine, env: dict, f: str, u: str, v: str) -> np.ndarray:
    """∂/∂v of ∂f/∂u, shape S + U + V: one dual forward per entry of v, one backward per entry of f."""
    dual = type(engine)(engine.eqns, engine.functions, number=Dual)
    fshape, ushape, vshape = (np.shape(env[n]) for n in (f, u, v))
    out = np.zeros(fshape + ushape + vshape)
    inputs = {name: join(value, np.zeros(np.shape(value))) for name, value in env.items()
              if not any(e.out == name for e in engine.eqns)}
    for k in np.ndindex(*vshape):
        tangent = np.zeros(vshape)
        tangent[k] = 1.0
        seeded = join(env[v], tangent)
        denv = dict(inputs)
        if v in denv:
            denv[v] = seeded
        with np.errstate(all="ignore"):
            for eqn in engine.eqns:
                denv[eqn.out] = seeded if eqn.out == v else dual.apply(eqn, denv)
        for s in np.ndindex(*fshape):
            seed = np.zeros(fshape)
            seed[s] = 1.0
            adjoint = dual.backward(denv, {f: seed}, stop=u).get(u)
            if adjoint is not None:
                out[s + (Ellipsis,) + k] = split(np.asarray(adjoint, dtype=object))[1]
    return out
