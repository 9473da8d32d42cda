"""High-precision evaluation of sympy expressions, compiled once per problem.

Expressions are compiled with lambdify over mpmath (from sympy objects that
derivcheck built itself, never from user text) and evaluated at 30 or 60 digits
from exact Fraction inputs.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

_MODULES = [{"Heaviside": lambda x, h=0.5: mpmath.mpf(1) if x > 0 else (mpmath.mpf(0) if x < 0 else mpmath.mpf(h)),
             "sign": mpmath.sign, "Max": mpmath.max if hasattr(mpmath, "max") else max,
             "Min": min}, "mpmath"]


class Compiled:
    """A list of expressions over an ordered list of symbols."""

    def __init__(self, symbols: list, expressions: list):
        self.symbols = symbols
        self.size = len(expressions)
        self.fn = sp.lambdify(symbols, expressions, modules=_MODULES, dummify=True)

    def __call__(self, values: list, dps: int) -> list:
        with mpmath.workdps(dps):
            args = [mpmath.mpf(v.numerator) / v.denominator if isinstance(v, Fraction) else mpmath.mpmathify(v)
                    for v in values]
            try:
                out = self.fn(*args)
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                return [mpmath.nan] * self.size
            return list(out)


def finite_real(value) -> bool:
    if isinstance(value, mpmath.mpc):
        if abs(value.imag) > mpmath.mpf(10) ** (-mpmath.mp.dps // 2) * max(1, abs(value.real)):
            return False
        value = value.real
    try:
        return bool(mpmath.isfinite(value))
    except TypeError:
        return False


def real(value):
    return value.real if isinstance(value, mpmath.mpc) else value


def flat(array: np.ndarray) -> list:
    return [sp.sympify(e) for e in np.asarray(array, dtype=object).reshape(-1)]
