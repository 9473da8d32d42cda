"""The engine re-run in high precision, to tell its bugs from float64's limits.

Where the float64 engine disagrees with sympy, the disagreement may be float64's
(sin of 9e16, 1 − σ(160) rounding to 0) rather than a bug in either witness.
`Precise` is a number class for the engine (as the dual numbers of second order
are): arithmetic on mpmath reals, and each elementwise row's function from its
mpmath counterpart (g′ and g″ by mpmath's own high-precision differentiation),
so the engine's forward and backward loops run unchanged. Never imports sympy.
"""

from __future__ import annotations

import functools
from fractions import Fraction

import mpmath
import numpy as np

from derivcheck.ops import OPS
from derivcheck.witness.engine import Engine

HUGE = 10**12  # exp beyond this has no meaning for a sample point (and would cost mpmath dearly)


@functools.cache
def _function(name: str):
    """The mpmath function of an elementwise row (g, g′ or g″), from the row; nan outside its domain
    (a complex value) and for arguments beyond HUGE, where no sample point's value has meaning."""
    row = OPS.get(name)
    if row is None or row.precise is None:
        raise ArithmeticError(f"no high-precision function for {name}")
    fn = row.precise(mpmath)

    def guarded(v):
        if not abs(v) < HUGE:
            return mpmath.nan
        out = fn(v)
        return out if isinstance(out, mpmath.mpf) else mpmath.nan

    return guarded


def _binary(method):
    def wrapped(self, other):
        if isinstance(other, np.ndarray):
            return NotImplemented
        return method(self, Precise.lift(other))

    return wrapped


class Precise:
    """An mpmath real that the engine can hold in object arrays."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    @staticmethod
    def lift(x):
        if isinstance(x, Precise):
            return x
        if isinstance(x, Fraction):
            return Precise(mpmath.mpf(x.numerator) / x.denominator)
        return Precise(mpmath.mpf(int(x) if isinstance(x, (bool, np.bool_)) else x))

    def through(self, row):
        """The row's function at this number (called by the op table for every elementwise row)."""
        return Precise(_function(row.name)(self.v))

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

    def exp(self):  # numpy's exp on object arrays (declared functions' instances use it)
        return Precise(_function("exp")(self.v))

    def sin(self):
        return Precise(_function("sin")(self.v))

    def cos(self):
        return Precise(_function("cos")(self.v))


def _real(v):
    return v if not isinstance(v, mpmath.mpc) else (v.real if v.imag == 0 else mpmath.nan)


def lift_array(value) -> np.ndarray:
    """An exact (Fraction) or float array as an object array of Precise."""
    value = np.asarray(value, dtype=object)
    out = np.empty(value.shape, dtype=object)
    for index in np.ndindex(*value.shape):
        out[index] = Precise.lift(value[index])
    return out


def as_mpf(array) -> list:
    return [Precise.lift(x).v for x in np.asarray(array, dtype=object).reshape(-1)]


def precise_engine(eqns: list, functions: dict) -> Engine:
    """The engine on Precise numbers (run it inside mpmath.workdps)."""
    return Engine(eqns, functions, number=Precise)
