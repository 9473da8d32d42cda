"""Static gates: sizes of values estimated before sympy or numpy compute anything.

Lowering asks `estimate` for every equation it emits, so number bombs (2**10**10), power towers
and huge tensors are refused at the offending column with a message, never run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from derivcheck.lang.errors import ExprError
from derivcheck.ops import OPS

MAX_TENSOR_ENTRIES = 100_000  # entries of any one value (node, temporary, claim, derivative)
MAX_EXPONENT = 1000  # |b| in a**b when b is a constant
MAX_LOG10 = 300  # a constant's magnitude (float64 reaches 1.8e308)
MAX_COEFF_LOG10 = 1000  # estimated coefficients of an expression in its variables (printing stays short)
MAX_DEGREE = 10**6  # estimated polynomial degree of a node in the inputs (exponents stay short)
MAX_BITS = 3400  # numerator/denominator of an exact constant (about 10^1000)
_LOG2 = math.log10(2)


@dataclass(frozen=True)
class Size:
    """A static estimate of a value: log10 of its coefficients' size (variables counted as 1),
    its degree in the inputs, and its exact value when it is a rational constant."""

    log10: float
    degree: float
    value: Fraction | None = None
    constant: bool = False


VARIABLE = Size(0.0, 1.0)
NODE = Size(0.0, 1.0)


def _log10_abs(v: Fraction) -> float:
    if v == 0:
        return -math.inf
    return math.log10(abs(v.numerator)) - math.log10(v.denominator)


def _logaddexp10(a: float, b: float) -> float:
    hi, lo = max(a, b), min(a, b)
    if hi == -math.inf:
        return hi
    return hi + math.log10(1 + 10 ** (lo - hi))


def _exact(v: Fraction | None, pos: int) -> Fraction | None:
    if v is not None and max(v.numerator.bit_length(), v.denominator.bit_length()) > MAX_BITS:
        raise ExprError(f"an exact constant here has more than {int(MAX_BITS * _LOG2)} digits; "
                        "this gate stops huge numbers", pos)
    return v


def estimate(op: str, args: list, shapes: list, params: dict, shape: tuple, pos: int) -> Size:
    """The Size of an equation's result from its arguments' Sizes; raises ExprError at a gate."""
    constant = all(a.constant for a in args)
    if op == "const":
        if params["kind"] == "num":
            v = params["value"]
            return Size(_log10_abs(v), 0.0, v, True)
        return Size(0.5 if params["kind"] == "pi" else 0.0, 0.0, None, True)
    if op == "pow":
        return _power(args[0], args[1], pos)
    if op in ("neg", "copy", "transpose"):
        a = args[0]
        return Size(a.log10, a.degree, None if a.value is None else (-a.value if op == "neg" else a.value), a.constant)
    if op in ("add", "sub", "mul", "div"):
        a, b = args
        value = None
        if a.value is not None and b.value is not None and not (op == "div" and b.value == 0):
            value = _exact({"add": a.value + b.value, "sub": a.value - b.value, "mul": a.value * b.value,
                            "div": a.value / b.value if b.value else None}[op], pos)
        if op in ("add", "sub"):
            size = Size(_logaddexp10(a.log10, b.log10), max(a.degree, b.degree), value, constant)
        elif op == "mul":
            size = Size(a.log10 + b.log10, a.degree + b.degree, value, constant)
        else:  # a small divisor makes large coefficients
            shrink = b.log10 if b.value is not None or b.log10 < 0 else 0.0
            size = Size(a.log10 - (shrink if shrink != -math.inf else 0.0), a.degree + b.degree, value, constant)
        if value is not None:
            size = Size(_log10_abs(value), size.degree, value, constant)
        return _checked(size, pos)
    if op == "matmul":
        a, b = args
        inner = shapes[0][-1] if shapes[0] else 1
        return _checked(Size(a.log10 + b.log10 + math.log10(inner), a.degree + b.degree, None, constant), pos)
    if op in ("det", "logdet", "inv"):
        n = shapes[0][0]
        a = args[0]
        return _checked(Size(n * max(a.log10, 0.0) + math.lgamma(n + 1) / math.log(10), n * a.degree, None, constant), pos)
    if op in ("sum", "trace", "stack"):
        grow = math.log10(max(math.prod(shapes[0]) if shapes else 1, 1))
        return _checked(Size(max((a.log10 for a in args), default=0.0) + grow,
                             max((a.degree for a in args), default=0.0), None, constant), pos)
    if op in OPS and OPS[op].bounded:  # |value| ≤ 1 whatever the argument: a fresh variable, not a bigger number
        return Size(0.0, 1.0, None, constant)
    # elementwise functions, declared functions, derivatives, ...: sizes pass through
    return _checked(Size(max((a.log10 for a in args), default=0.0), max((a.degree for a in args), default=0.0),
                         None, constant), pos)


def _checked(size: Size, pos: int) -> Size:
    if size.constant and size.log10 > MAX_LOG10:
        raise ExprError(f"constant too large (about 10^{size.log10:.0f}; limit 10^{MAX_LOG10}); "
                        "this gate stops number bombs", pos)
    if size.log10 > MAX_COEFF_LOG10:
        raise ExprError(f"numbers in this expression could reach about 10^{size.log10:.0f} (limit 10^{MAX_COEFF_LOG10}); "
                        "this gate stops number bombs", pos)
    if size.degree > MAX_DEGREE:
        raise ExprError(f"the degree of this expression could reach about {size.degree:.3g} (limit {MAX_DEGREE}); "
                        "this gate stops power bombs", pos)
    return size


def _power(a: Size, b: Size, pos: int) -> Size:
    """Reject power towers before sympy computes them (2**10**10, ((9**9)**9999)**9999, x**10**9)."""
    if b.constant and (b.value is None and b.log10 > math.log10(MAX_EXPONENT) or b.value is not None and abs(b.value) > MAX_EXPONENT):
        raise ExprError(f"exponent too large (limit: |exponent| ≤ {MAX_EXPONENT}); this gate stops power bombs", pos)
    if b.value is None:  # a variable (or irrational) exponent: x**y stays symbolic
        return _checked(Size(a.log10, a.degree + b.degree, None, a.constant and b.constant), pos)
    e = b.value
    if a.constant:
        if a.value == 0:
            return Size(-math.inf, 0.0, Fraction(0) if e > 0 else None, True)
        magnitude = float(e) * a.log10 if a.log10 != -math.inf else 0.0
        if abs(magnitude) > MAX_LOG10:
            raise ExprError(f"constant too large or too small (about 10^{magnitude:.0f}; limit 10^±{MAX_LOG10}); "
                            "this gate stops power bombs", pos)
        value = None
        if a.value is not None and e.denominator == 1:
            value = _exact(a.value ** int(e), pos)
        return Size(magnitude, 0.0, value, True)
    grown = abs(float(e)) * abs(a.log10) if math.isfinite(a.log10) else 0.0
    return _checked(Size(grown, a.degree * abs(float(e)), None, False), pos)
