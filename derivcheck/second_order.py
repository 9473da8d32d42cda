"""Second derivatives in the engine: forward mode over its own reverse pass.

Dual numbers (value + ε·tangent) carry their own tangent rules; running the
engine's forward and backward loops on object arrays of duals differentiates
the backward pass itself, so every op with a VJP rule gets Hessian-vector
products for free. Never imports sympy.
"""

from __future__ import annotations

import math

import numpy as np

from derivcheck.engine import Engine


def _binary(method):
    """Leave arrays to numpy (which then applies the method entry by entry)."""

    def wrapped(self, other):
        if isinstance(other, np.ndarray):
            return NotImplemented
        return method(self, other)

    return wrapped


class Dual:
    """A number value + ε·tangent with ε² = 0."""

    __slots__ = ("val", "dot")

    def __init__(self, val, dot=0.0):
        self.val = float(val)
        self.dot = float(dot)

    @staticmethod
    def lift(x):
        return x if isinstance(x, Dual) else Dual(x, 0.0)

    @_binary
    def __add__(self, o):
        o = Dual.lift(o)
        return Dual(self.val + o.val, self.dot + o.dot)

    __radd__ = __add__

    @_binary
    def __sub__(self, o):
        o = Dual.lift(o)
        return Dual(self.val - o.val, self.dot - o.dot)

    @_binary
    def __rsub__(self, o):
        return Dual.lift(o) - self

    @_binary
    def __mul__(self, o):
        o = Dual.lift(o)
        return Dual(self.val * o.val, self.dot * o.val + self.val * o.dot)

    __rmul__ = __mul__

    @_binary
    def __truediv__(self, o):
        o = Dual.lift(o)
        return Dual(self.val / o.val, (self.dot * o.val - self.val * o.dot) / (o.val * o.val))

    @_binary
    def __rtruediv__(self, o):
        return Dual.lift(o) / self

    def __neg__(self):
        return Dual(-self.val, -self.dot)

    def __pos__(self):
        return self

    @_binary
    def __pow__(self, o):
        o = Dual.lift(o)
        value = self.val**o.val
        dot = o.val * self.val ** (o.val - 1) * self.dot if self.dot else 0.0
        if o.dot:
            dot += value * math.log(self.val) * o.dot
        return Dual(value, dot)

    @_binary
    def __rpow__(self, o):
        return Dual.lift(o) ** self

    def __abs__(self):
        return Dual(abs(self.val), math.copysign(1.0, self.val) * self.dot if self.val else 0.0)

    def __float__(self):
        return self.val

    def __lt__(self, o):
        return self.val < Dual.lift(o).val

    def __le__(self, o):
        return self.val <= Dual.lift(o).val

    def __gt__(self, o):
        return self.val > Dual.lift(o).val

    def __ge__(self, o):
        return self.val >= Dual.lift(o).val

    def __eq__(self, o):
        return self.val == Dual.lift(o).val

    __hash__ = None

    def _chain(self, f, df):
        return Dual(f, df * self.dot)

    def exp(self):
        e = math.exp(self.val) if self.val < 709 else math.inf
        return self._chain(e, e)

    def log(self):
        return self._chain(math.log(self.val) if self.val > 0 else math.nan, 1 / self.val)

    def log1p(self):
        return self._chain(math.log1p(self.val) if self.val > -1 else math.nan, 1 / (1 + self.val))

    def sqrt(self):
        r = math.sqrt(self.val) if self.val >= 0 else math.nan
        return self._chain(r, 0.5 / r if r else math.inf)

    def sin(self):
        return self._chain(math.sin(self.val), math.cos(self.val))

    def cos(self):
        return self._chain(math.cos(self.val), -math.sin(self.val))

    def tan(self):
        t = math.tan(self.val)
        return self._chain(t, 1 + t * t)

    def tanh(self):
        t = math.tanh(self.val)
        return self._chain(t, 1 - t * t)

    def sign(self):
        return Dual(math.copysign(1.0, self.val) if self.val else 0.0, 0.0)

    @staticmethod
    def split(a: np.ndarray):
        return (np.vectorize(lambda x: Dual.lift(x).val, otypes=[float])(a),
                np.vectorize(lambda x: Dual.lift(x).dot, otypes=[float])(a))

    @staticmethod
    def join(val, tan) -> np.ndarray:
        out = np.empty(np.shape(val), dtype=object)
        for i in np.ndindex(*np.shape(val)):
            out[i] = Dual(np.asarray(val)[i], np.asarray(tan)[i])
        return out

    @staticmethod
    def linalg_inv(a):
        v, t = Dual.split(a)
        inv = np.linalg.inv(v)
        return Dual.join(inv, -inv @ t @ inv)

    @staticmethod
    def linalg_det(a):
        v, t = Dual.split(a)
        det = np.linalg.det(v)
        return Dual.join(det, det * np.trace(np.linalg.solve(v, t)))

    @staticmethod
    def linalg_logdet(a):
        v, t = Dual.split(a)
        return Dual.join(np.linalg.slogdet(v)[1], np.trace(np.linalg.solve(v, t)))


class DualEngine(Engine):
    """The same engine, on object arrays of dual numbers."""

    dtype = object

    def array(self, value) -> np.ndarray:
        out = np.asarray(value, dtype=object)
        if out.ndim == 0 and not isinstance(out[()], Dual):
            return _scalar(Dual.lift(out[()]))
        return out


def _scalar(x) -> np.ndarray:
    out = np.empty((), dtype=object)
    out[()] = x
    return out


def hessian(engine: Engine, env: dict, f: str, u: str, v: str) -> np.ndarray:
    """∂/∂v of ∂f/∂u, shape S + U + V: one dual forward per entry of v, one backward per entry of f."""
    dual = DualEngine(engine.eqns, engine.functions)
    fshape, ushape, vshape = (np.shape(env[n]) for n in (f, u, v))
    out = np.zeros(fshape + ushape + vshape)
    inputs = {name: Dual.join(value, np.zeros(np.shape(value))) for name, value in env.items()
              if not any(e.out == name for e in engine.eqns)}
    for k in np.ndindex(*vshape):
        tangent = np.zeros(vshape)
        tangent[k] = 1.0
        seeded = Dual.join(env[v], tangent)
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
                out[s + (Ellipsis,) + k] = Dual.split(np.asarray(adjoint, dtype=object))[1]
    return out
