"""High-precision evaluation of sympy expressions, compiled once per problem.

An expression list is flattened into a straight-line program over its unique
subexpressions (so shared subterms are computed once), then run with mpmath at
30 or 60 digits from exact Fraction inputs. No code generation, no eval.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp


def _heaviside(x, h=mpmath.mpf(0.5)):
    return mpmath.mpf(1) if x > 0 else (mpmath.mpf(0) if x < 0 else h)


def _sign(x):
    return mpmath.sign(x)


FUNCTIONS = {
    sp.exp: mpmath.exp, sp.log: mpmath.log, sp.sin: mpmath.sin, sp.cos: mpmath.cos, sp.tan: mpmath.tan,
    sp.tanh: mpmath.tanh, sp.Abs: abs, sp.sign: _sign, sp.Heaviside: _heaviside, sp.sinh: mpmath.sinh,
    sp.cosh: mpmath.cosh, sp.sec: mpmath.sec, sp.csc: mpmath.csc, sp.cot: mpmath.cot, sp.atan: mpmath.atan,
    sp.asin: mpmath.asin, sp.acos: mpmath.acos, sp.re: mpmath.re, sp.im: mpmath.im, sp.atan2: mpmath.atan2,
    sp.arg: mpmath.arg, sp.asinh: mpmath.asinh, sp.acosh: mpmath.acosh, sp.atanh: mpmath.atanh,
    sp.erf: mpmath.erf, sp.erfc: mpmath.erfc,
}


class Unsupported(Exception):
    """An expression node this evaluator does not know."""


class Compiled:
    """A list of expressions over an ordered list of symbols, as a straight-line program."""

    def __init__(self, symbols: list, expressions: list):
        self.symbols = list(symbols)
        self.size = len(expressions)
        slots: dict = {s: i for i, s in enumerate(self.symbols)}
        self.program: list = []  # (kind, payload, argument slots)
        self.outputs = [self._compile(sp.sympify(e), slots) for e in expressions]
        self.slots = len(slots)

    def _compile(self, root, slots: dict) -> int:
        stack = [(root, False)]
        while stack:
            node, ready = stack.pop()
            if node in slots:
                continue
            if not ready and node.args and not node.is_Number:
                stack.append((node, True))
                stack.extend((a, False) for a in node.args if a not in slots)
                continue
            slots[node] = len(slots)
            self.program.append(self._instruction(node, [slots[a] for a in node.args] if node.args else []))
        return slots[root]

    def _instruction(self, node, args: list) -> tuple:
        if node.is_Symbol:
            raise Unsupported(f"free symbol {node} has no value")
        if node.is_Rational:
            return ("const", Fraction(int(node.p), int(node.q)), args)
        if node.is_Float:
            return ("const", Fraction(str(node)), args)
        if node is sp.pi:
            return ("pi", None, args)
        if node is sp.E:
            return ("e", None, args)
        if node.is_Add:
            return ("add", None, args)
        if node.is_Mul:
            return ("mul", None, args)
        if node.is_Pow:
            return ("pow", None, args)
        if isinstance(node, sp.Max):
            return ("max", None, args)
        if isinstance(node, sp.Min):
            return ("min", None, args)
        if isinstance(node, (sp.core.numbers.NaN, sp.core.numbers.ComplexInfinity, sp.core.numbers.Infinity,
                             sp.core.numbers.NegativeInfinity)):
            return ("nan", None, args)
        if node is sp.I:
            return ("i", None, args)
        fn = FUNCTIONS.get(type(node))
        if fn is None:
            raise Unsupported(f"cannot evaluate {type(node).__name__}")
        return ("fn", fn, args)

    def __call__(self, values: list, dps: int) -> list:
        with mpmath.workdps(dps):
            reg: list = [None] * (len(self.symbols) + len(self.program))
            for i, v in enumerate(values):
                reg[i] = mpmath.mpf(v.numerator) / v.denominator if isinstance(v, Fraction) else mpmath.mpmathify(v)
            base = len(self.symbols)
            try:
                for k, (kind, payload, args) in enumerate(self.program):
                    reg[base + k] = _run(kind, payload, [reg[a] for a in args])
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                return [mpmath.nan] * self.size
            return [reg[o] for o in self.outputs]


def _run(kind, payload, a):
    if kind == "add":
        return mpmath.fsum(a)
    if kind == "mul":
        out = a[0]
        for x in a[1:]:
            out = out * x
        return out
    if kind == "pow":
        base, exp = a
        if base == 0 and mpmath.re(exp) < 0:
            return mpmath.nan
        return mpmath.power(base, exp)
    if kind == "fn":
        return payload(*a)
    if kind == "const":
        return mpmath.mpf(payload.numerator) / payload.denominator
    if kind == "max":
        return max(a)
    if kind == "min":
        return min(a)
    if kind == "pi":
        return +mpmath.pi
    if kind == "e":
        return mpmath.e + 0
    if kind == "i":
        return mpmath.mpc(0, 1)
    return mpmath.nan


class TermScale:
    """Σ|term| of each expression's top-level terms: the scale that cancellation is judged against.

    Terms are evaluated as they are and their absolute values taken numerically (sympy's Abs
    of a term can turn into atan2 and friends for roots of real symbols)."""

    def __init__(self, symbols: list, expressions: list):
        terms, self.groups = [], []
        for e in expressions:
            parts = sp.Add.make_args(sp.sympify(e))
            self.groups.append((len(terms), len(terms) + len(parts)))
            terms.extend(parts)
        self.compiled = Compiled(symbols, terms)

    def __call__(self, values: list, dps: int) -> list:
        results = self.compiled(values, dps)
        with mpmath.workdps(dps):
            return [mpmath.fsum(abs(x) for x in results[a:b]) for a, b in self.groups]


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
