"""The engine re-run in high precision, to tell its bugs from float64's limits.

Where the float64 engine disagrees with sympy, the disagreement may be float64's
(sin of 9e16, 1 − σ(160) rounding to 0) rather than a bug in either witness.
`Precise` is a number with the methods numpy's object arrays call (`exp`, `log`,
… and `linalg_*` for the engine's linear algebra), so the engine's own forward
and backward loops run unchanged on mpmath numbers. Never imports sympy.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np

from derivcheck.engine import Engine

HUGE = 10**12  # exp beyond this has no meaning for a sample point (and would cost mpmath dearly)


def _lift(x):
    if isinstance(x, Precise):
        return x
    if isinstance(x, Fraction):
        return Precise(mpmath.mpf(x.numerator) / x.denominator)
    return Precise(mpmath.mpf(x) if not isinstance(x, (bool, np.bool_)) else mpmath.mpf(int(x)))


def _binary(method):
    def wrapped(self, other):
        if isinstance(other, np.ndarray):
            return NotImplemented
        return method(self, _lift(other))

    return wrapped


def _unary(fn):
    return lambda self: Precise(fn(self.v))


def _periodic(fn):
    """sin, cos, tan of an argument beyond the working precision have no digits left: nan."""
    return lambda self: Precise(fn(self.v) if abs(self.v) < mpmath.ldexp(1, mpmath.mp.prec) else mpmath.nan)


class Precise:
    """An mpmath real in the clothes numpy's object arrays expect."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    __add__ = __radd__ = _binary(lambda a, b: Precise(a.v + b.v))
    __sub__ = _binary(lambda a, b: Precise(a.v - b.v))
    __rsub__ = _binary(lambda a, b: Precise(b.v - a.v))
    __mul__ = __rmul__ = _binary(lambda a, b: Precise(a.v * b.v))
    __truediv__ = _binary(lambda a, b: Precise(a.v / b.v))
    __rtruediv__ = _binary(lambda a, b: Precise(b.v / a.v))
    __pow__ = _binary(lambda a, b: Precise(_real(mpmath.power(a.v, b.v))))
    __rpow__ = _binary(lambda a, b: Precise(_real(mpmath.power(b.v, a.v))))
    __lt__ = _binary(lambda a, b: a.v < b.v)
    __le__ = _binary(lambda a, b: a.v <= b.v)
    __gt__ = _binary(lambda a, b: a.v > b.v)
    __ge__ = _binary(lambda a, b: a.v >= b.v)
    __eq__ = _binary(lambda a, b: a.v == b.v)
    __hash__ = None

    def __neg__(self):
        return Precise(-self.v)

    def __pos__(self):
        return self

    def __abs__(self):
        return Precise(abs(self.v))

    def __float__(self):
        return float(self.v)

    def __bool__(self):
        return bool(self.v)

    exp = _unary(lambda v: mpmath.exp(v) if abs(v) < HUGE else mpmath.nan)
    expm1 = _unary(lambda v: mpmath.expm1(v) if abs(v) < HUGE else mpmath.nan)
    log = _unary(lambda v: mpmath.log(v) if v > 0 else mpmath.nan)
    log1p = _unary(lambda v: mpmath.log1p(v) if v > -1 else mpmath.nan)
    sqrt = _unary(lambda v: mpmath.sqrt(v) if v >= 0 else mpmath.nan)
    sin, cos, tan = _periodic(mpmath.sin), _periodic(mpmath.cos), _periodic(mpmath.tan)
    sinh, cosh, tanh = _unary(mpmath.sinh), _unary(mpmath.cosh), _unary(mpmath.tanh)
    arcsin, arccos, arctan = _unary(mpmath.asin), _unary(mpmath.acos), _unary(mpmath.atan)
    arcsinh, arccosh, arctanh = _unary(mpmath.asinh), _unary(mpmath.acosh), _unary(mpmath.atanh)
    erf, erfc = _unary(mpmath.erf), _unary(mpmath.erfc)
    sign = _unary(mpmath.sign)

    @staticmethod
    def linalg_inv(a):
        return _array(mpmath.inverse(_matrix(a)).tolist())

    @staticmethod
    def linalg_det(a):
        return _array(mpmath.det(_matrix(a)))

    @staticmethod
    def linalg_logdet(a):
        return _array(mpmath.log(abs(mpmath.det(_matrix(a)))))


def _real(v):
    return v if not isinstance(v, mpmath.mpc) else (v.real if v.imag == 0 else mpmath.nan)


def _matrix(a: np.ndarray):
    return mpmath.matrix([[_lift(x).v for x in row] for row in a])


def _array(values) -> np.ndarray:
    out = np.empty(np.shape(values) if isinstance(values, list) else (), dtype=object)
    if out.ndim == 0:
        out[()] = Precise(values)
    else:
        for index in np.ndindex(*out.shape):
            out[index] = Precise(values[index[0]][index[1]])
    return out


def lift_array(value) -> np.ndarray:
    """An exact (Fraction) or float array as an object array of Precise."""
    value = np.asarray(value, dtype=object)
    out = np.empty(value.shape, dtype=object)
    for index in np.ndindex(*value.shape):
        out[index] = _lift(value[index])
    return out


def as_mpf(array) -> list:
    return [_lift(x).v for x in np.asarray(array, dtype=object).reshape(-1)]


class PreciseEngine(Engine):
    """The same engine, on object arrays of Precise numbers (run inside mpmath.workdps)."""

    dtype = object

    def array(self, value) -> np.ndarray:
        out = np.asarray(value, dtype=object)
        if out.ndim == 0 and not isinstance(out[()], Precise):
            return lift_array(out)
        return out

    def _const(self, eqn, floats: bool):
        params = eqn.params
        if params["kind"] == "num":
            return lift_array(Fraction(params["value"]))
        if params["kind"] == "pi":
            return lift_array(mpmath.pi)
        return lift_array(super()._const(eqn, floats))
