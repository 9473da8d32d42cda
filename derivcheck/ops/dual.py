"""Dual numbers value + ε·tangent (ε² = 0): the number type of second order.

A dual has arithmetic only; every function applied to one (exp, erf, relu, ...) takes its rule
from its row of the table (`through`), so a new row is differentiable twice without a line here.
Duals nest (a dual whose parts are duals), which gives the higher derivatives that g''(x) and
its adjoint need.
"""

from __future__ import annotations

from derivcheck.ops.base import ROWS, call, each, np

_NUMPY_NAMES = {"arc" + n: "a" + n for n in ("sin", "cos", "tan", "sinh", "cosh", "tanh")}  # np.arcsin -> asin


def _binary(method):
    """Leave arrays to numpy (which then applies the method entry by entry)."""

    def wrapped(self, other):
        if isinstance(other, np.ndarray):
            return NotImplemented
        return method(self, other)

    return wrapped


def _sign(x) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


class Dual:
    """A number value + ε·tangent with ε² = 0; value and tangent may themselves be duals."""

    __slots__ = ("val", "dot")

    def __init__(self, val, dot=0.0):  # numpy floats: 1/0 is inf and 0/0 nan, as in the float engine
        self.val = val if isinstance(val, Dual) else np.float64(val)
        self.dot = dot if isinstance(dot, Dual) else np.float64(dot)

    @staticmethod
    def lift(x):
        return x if isinstance(x, Dual) else Dual(x, 0.0)

    def __getattr__(self, name):
        """numpy's functions on object arrays call x.sin(), x.exp(), x.arcsin(): the row's rule."""
        row = ROWS.get(_NUMPY_NAMES.get(name, name))
        if row is None or row.d is None:
            raise AttributeError(name)
        return lambda: self.through(row)

    def through(self, row):
        """The row's function at this number: f(v) + ε·f'(v)·tangent."""
        return Dual(call(row.name, self.val), row.d(self.val) * self.dot)

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
        dot = o.val * self.val ** (o.val - 1) * self.dot if _nonzero(self.dot) else 0.0
        if _nonzero(o.dot):
            dot = dot + value * call("log", self.val) * o.dot
        return Dual(value, dot)

    @_binary
    def __rpow__(self, o):
        return Dual.lift(o) ** self

    def __abs__(self):
        return Dual(abs(self.val), _sign(self.val) * self.dot)

    def __float__(self):
        return float(self.val)

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


def _nonzero(x) -> bool:
    return isinstance(x, Dual) or x != 0


def split(a):
    """(values, tangents) of an array of duals, as float arrays."""
    return (np.vectorize(lambda x: float(Dual.lift(x).val), otypes=[float])(a),
            np.vectorize(lambda x: float(Dual.lift(x).dot), otypes=[float])(a))


def join(val, tan):
    out = np.empty(np.shape(val), dtype=object)
    for i in np.ndindex(*np.shape(val)):
        out[i] = Dual(np.asarray(val)[i], np.asarray(tan)[i])
    return out


def linalg(name: str, a):
    """inv, det and logdet of a matrix of duals: the derivative of each, in closed form."""
    v, t = split(a)
    if name == "inv":
        inv = np.linalg.inv(v)
        return join(inv, -inv @ t @ inv)
    if name == "det":
        det = np.linalg.det(v)
        return join(det, det * np.trace(np.linalg.solve(v, t)))
    return join(np.linalg.slogdet(v)[1], np.trace(np.linalg.solve(v, t)))


def derivative(h, order: int, a):
    """The `order`-th derivative of the formula h at a (floats, arrays, duals), by nested duals."""
    if order == 0:
        return h(a)

    def seed(x):
        for _ in range(order):
            x = Dual(x, 1.0)
        return x

    def tangent(y):
        for _ in range(order):
            y = Dual.lift(y).dot
        return y

    if not isinstance(a, np.ndarray):  # one float or one dual
        return tangent(h(seed(a)))
    out = each(tangent, np.asarray(h(each(seed, a)), dtype=object))
    return out if a.dtype == object else out.astype(float)
