"""Certified evaluation of sympy expressions: ball arithmetic on mpmath, compiled once.

An expression list is flattened into a straight-line program over its unique
subexpressions (shared subterms are computed once), then run on *balls*: a
midpoint and a radius that encloses every rounding error made so far, so a
value is known to lie in [mid − rad, mid + rad]. That is what lets a verdict
be decided rather than estimated (SPEC §2): a difference whose ball excludes 0
is certainly nonzero; one whose ball is tiny and contains 0 is zero to the
precision used. Inputs are exact Fractions. No code generation, no eval.

A ball that cannot be bounded (a pole, a kink or a branch cut inside it)
becomes UNSURE: more precision may shrink it. A value that is certainly
undefined (log of a negative number, a complex result) is INVALID.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

INVALID = "invalid"  # undefined at this point: the point is not in the domain
UNSURE = "unsure"  # the ball cannot be bounded at this precision


class Unsupported(Exception):
    """An expression node this evaluator does not know."""


class _Undefined(Exception):
    def __init__(self, kind: str):
        self.kind = kind


_ULPS: dict = {}


def _ulp() -> mpmath.mpf:
    """A generous bound on one rounding error of mpmath at the working precision (one per precision)."""
    prec = mpmath.mp.prec
    if prec not in _ULPS:
        _ULPS[prec] = mpmath.ldexp(mpmath.mpf(1), -prec + 6)
    return _ULPS[prec]


def _exact(value: Fraction):
    mid = mpmath.mpf(value.numerator) / value.denominator
    exact = value.denominator & (value.denominator - 1) == 0 and abs(value.numerator).bit_length() < mpmath.mp.prec
    return mid, mpmath.mpf(0) if exact else abs(mid) * _ulp()


def _rounded(mid, rad):
    return mid, rad + abs(mid) * _ulp()


def _require(condition: bool, inside: bool) -> None:
    """Raise unless `condition`; INVALID when the whole ball violates it, else UNSURE."""
    if not condition:
        raise _Undefined(INVALID if inside else UNSURE)


# --- elementary functions: value and a Lipschitz bound over the ball ----------
def _positive_arg(m, r):
    _require(m - r > 0, m + r <= 0)


def _log(m, r):
    _positive_arg(m, r)
    return mpmath.log(m), 1 / (m - r)


def _periodic(fn):
    """sin and cos: 1-Lipschitz; a ball wider than 1 is just [-1, 1] (and mpmath is spared reducing a huge m)."""
    def value(m, r):
        if r > 1:
            raise _Wide()
        return fn(m), ONE

    return value


class _Wide(Exception):
    """A ball that covers the whole range of a bounded function: [-1, 1]."""


def _tan(m, r):
    _require(r < 1, False)
    lo, hi = mpmath.cos(m - r), mpmath.cos(m + r)
    _require(lo * hi > 0 and lo * mpmath.cos(m) > 0, False)
    return mpmath.tan(m), max(1 / lo**2, 1 / hi**2)


def _unit_interval(m, r):
    _require(abs(m) + r < 1, abs(m) - r >= 1)
    return 1 - (abs(m) + r) ** 2


def _asin(m, r):
    return mpmath.asin(m), 1 / mpmath.sqrt(_unit_interval(m, r))


def _acos(m, r):
    return mpmath.acos(m), 1 / mpmath.sqrt(_unit_interval(m, r))


def _atanh(m, r):
    return mpmath.atanh(m), 1 / _unit_interval(m, r)


def _acosh(m, r):
    _require(m - r > 1, m + r <= 1)
    return mpmath.acosh(m), 1 / mpmath.sqrt((m - r) ** 2 - 1)


def _step(m, r, value):
    _require(abs(m) > r, False)
    return value(m), mpmath.mpf(0)


ONE = mpmath.mpf(1)
HUGE = mpmath.mpf(10) ** 12  # exp of more than this is beyond any meaningful value: the point is undecidable


def _exp(m, r):
    _require(abs(m) + r < HUGE, False)
    return mpmath.exp(m), mpmath.exp(m + r)


def _hyperbolic(fn, slope):
    def value(m, r):
        _require(abs(m) + r < HUGE, False)
        return fn(m), slope(abs(m) + r)

    return value


def _lipschitz(fn, bound):
    """A function whose slope never exceeds `bound` (tanh, atan, erf, |a|, ...)."""
    bound = mpmath.mpf(bound)
    return lambda m, r: (fn(m), bound)


class Kit:
    """The ball rules an op row's `ball` chooses from (the row says which rule fits its function)."""

    mp = mpmath
    ERF_SLOPE = mpmath.mpf("1.1284")  # 2/√π rounded up: erf and erfc are Lipschitz with it
    exp, log, tan, asin, acos, acosh, atanh = (staticmethod(f) for f in (_exp, _log, _tan, _asin, _acos, _acosh, _atanh))
    periodic, hyperbolic, lipschitz = staticmethod(_periodic), staticmethod(_hyperbolic), staticmethod(_lipschitz)


def _functions() -> dict:
    """sympy function → ball rule: the op table's rows, and the steps that sympy's derivatives of
    |a| and max bring in (sign, Heaviside, DiracDelta: 0 off the kink), which no row is."""
    from derivcheck.ops import OPS

    table = {row.meaning(sp): row.ball(Kit) for row in OPS.values() if row.ball is not None}
    table.update({
        sp.re: _lipschitz(lambda m: m, 1),
        sp.sign: lambda m, r: _step(m, r, mpmath.sign),
        sp.Heaviside: lambda m, r: _step(m, r, lambda x: ONE if x > 0 else mpmath.mpf(0)),
        sp.DiracDelta: lambda m, r: _step(m, r, lambda x: mpmath.mpf(0)),
    })
    return table


FUNCTIONS = _functions()


class Compiled:
    """A list of expressions over an ordered list of symbols, as a straight-line program on balls."""

    def __init__(self, symbols: list, expressions: list):
        self.symbols = list(symbols)
        self.size = len(expressions)
        slots: dict = {s: i for i, s in enumerate(self.symbols)}
        self.program: list = []  # (kind, payload, argument slots)
        self.outputs = [self._compile(sp.sympify(e), slots) for e in expressions]

    def _compile(self, root, slots: dict) -> int:
        stack = [(root, False)]
        while stack:
            node, ready = stack.pop()
            if node in slots:
                continue
            children = self._children(node)
            if not ready and children:
                stack.append((node, True))
                stack.extend((a, False) for a in children if a not in slots)
                continue
            slots[node] = len(slots)
            self.program.append(self._instruction(node, [slots[a] for a in children]))
        return slots[root]

    @staticmethod
    def _children(node) -> tuple:
        if node.is_Pow and node.exp.is_Rational:
            return (node.base,)  # the exponent stays exact in the instruction
        return () if node.is_Number else node.args

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
            return ("powq", Fraction(int(node.exp.p), int(node.exp.q)), args) if node.exp.is_Rational \
                else ("pow", None, args)
        if isinstance(node, (sp.Max, sp.Min)):
            return ("max" if isinstance(node, sp.Max) else "min", None, args)
        if isinstance(node, (sp.core.numbers.NaN, sp.core.numbers.ComplexInfinity, sp.core.numbers.Infinity,
                             sp.core.numbers.NegativeInfinity)) or node is sp.I:
            return ("invalid", None, args)
        fn = FUNCTIONS.get(type(node))
        if isinstance(node, (sp.Heaviside, sp.DiracDelta)):
            args = args[:1]  # Heaviside(u, H0), DiracDelta(u, k): the second argument never matters off the kink
        if fn is None or len(args) != 1:
            raise Unsupported(f"cannot evaluate {type(node).__name__}")
        return ("fn", fn, args)

    def balls(self, inputs: list, dps: int) -> list:
        """Each expression as a ball (mid, rad), or INVALID / UNSURE, from exact or ball inputs."""
        with mpmath.workdps(dps):
            reg: list = [None] * (len(self.symbols) + len(self.program))
            for i, v in enumerate(inputs):
                reg[i] = _exact(v) if isinstance(v, Fraction) else v if isinstance(v, tuple) else _rounded(v, 0)
            base = len(self.symbols)
            try:
                for k, (kind, payload, args) in enumerate(self.program):
                    reg[base + k] = _run(kind, payload, [reg[a] for a in args])
            except _Undefined as undefined:
                return [undefined.kind] * self.size
            except (ZeroDivisionError, ValueError, OverflowError, TypeError, ArithmeticError):
                return [UNSURE] * self.size
            return [reg[o] for o in self.outputs]

    def __call__(self, values: list, dps: int) -> list:
        """Midpoints only (mpmath.nan where undefined): for reports and diagnoses, not for verdicts."""
        return [mpmath.nan if isinstance(b, str) else b[0] for b in self.balls(values, dps)]


def _run(kind, payload, a):
    for ball in a:
        if isinstance(ball, str):
            raise _Undefined(ball)
    if kind == "add":
        mid = mpmath.fsum(m for m, _ in a)
        return _rounded(mid, mpmath.fsum(r for _, r in a))
    if kind == "mul":
        mid, rad = a[0]
        for m, r in a[1:]:
            mid, rad = mid * m, abs(mid) * r + abs(m) * rad + rad * r
            rad += abs(mid) * _ulp()
        return mid, rad
    if kind == "powq":
        return _power(a[0], payload)
    if kind == "pow":
        (bm, br), (em, er) = a
        _positive_arg(bm, br)
        log_mid, slope = _log(bm, br)
        return _function(_exp, _run("mul", None, [(em, er), _rounded(log_mid, slope * br)]))
    if kind == "fn":
        return _function(payload, a[0])
    if kind == "const":
        return _exact(payload)
    if kind in ("max", "min"):
        pick = max if kind == "max" else min
        return _rounded(pick(m for m, _ in a), max(r for _, r in a))  # max and min are 1-Lipschitz
    if kind == "pi":
        return _rounded(+mpmath.pi, 0)
    if kind == "e":
        return _rounded(mpmath.e + 0, 0)
    raise _Undefined(INVALID)


def _function(fn, ball):
    m, r = ball
    try:
        value, slope = fn(m, r)
    except _Wide:
        return mpmath.mpf(0), ONE
    if isinstance(value, mpmath.mpc) or not mpmath.isfinite(value):
        raise _Undefined(INVALID)
    return _rounded(value, slope * r + abs(value) * _ulp())


def _power(ball, q: Fraction):
    """ball**q for an exact rational q, with a radius from the monotonicity of |x|^n."""
    m, r = ball
    if q == 0:
        return mpmath.mpf(1), mpmath.mpf(0)
    if q.denominator == 1 and q > 0:
        n = int(q)
        mid = m**n
        top = (abs(m) + r) ** n
        return mid, top - abs(m) ** n + top * _ulp()
    if q.denominator == 1:
        _require(abs(m) > r, r == 0 and m == 0)
        inv_mid = 1 / m
        inverse = _rounded(inv_mid, r / (abs(m) * (abs(m) - r)))
        return _power(inverse, -q)
    _require(m - r > 0, m + r < 0)  # a negative base has no real rational power in sympy's branch
    exponent = mpmath.mpf(q.numerator) / q.denominator
    mid = mpmath.power(m, exponent)
    slope = abs(exponent) * max(mpmath.power(m - r, exponent - 1), mpmath.power(m + r, exponent - 1))
    return _rounded(mid, slope * r)


def flat(array: np.ndarray) -> list:
    return [sp.sympify(e) for e in np.asarray(array, dtype=object).reshape(-1)]


def finite_real(value) -> bool:
    """A midpoint that is a finite real number (for callers that work with midpoints)."""
    try:
        return not isinstance(value, mpmath.mpc) and bool(mpmath.isfinite(value))
    except TypeError:
        return False


def real(value):
    return value.real if isinstance(value, mpmath.mpc) else value


# --- matrix functions kept as nodes (inv, det): exact or certified, never expanded -------------
def kept_balls(kind: str, entries: list, n: int, dps: int) -> list:
    """inv (n·n values) or det (one) of the n×n matrix whose row-major entries are given exactly
    (Fractions: exact rational linear algebra) or as balls (the exact inverse of the midpoints,
    widened by a perturbation bound). Fractions or balls, or [INVALID] / [UNSURE]."""
    from derivcheck.verdict.identity import exact_kept

    if any(isinstance(e, str) for e in entries):
        return [UNSURE if UNSURE in entries else INVALID]
    exact = all(isinstance(e, Fraction) for e in entries)
    rows = [[e if isinstance(e, Fraction) else _fraction(e[0]) for e in entries[i * n:(i + 1) * n]] for i in range(n)]
    if exact:
        try:
            return exact_kept(kind, rows)
        except ZeroDivisionError:  # a singular matrix has no inverse: not in the domain
            return [INVALID]
    try:
        inverse = exact_kept("inv", rows)
    except ZeroDivisionError:  # a singular matrix may be inside the balls
        return [UNSURE]
    radii = [Fraction(0) if isinstance(e, Fraction) else _fraction(e[1]) for e in entries]
    z = max(sum(abs(v) for v in inverse[i * n:(i + 1) * n]) for i in range(n))  # ‖M⁻¹‖∞
    e = max(sum(radii[i * n:(i + 1) * n]) for i in range(n))  # ‖E‖∞ ≥ ‖A − M‖∞ for every A in the balls
    t = z * e
    if t >= Fraction(1, 2):
        return [UNSURE]
    if kind == "inv":  # ‖(M+E)⁻¹ − M⁻¹‖ ≤ ‖M⁻¹‖²‖E‖ / (1 − ‖M⁻¹‖‖E‖)
        values, rad = inverse, z * t / (1 - t)
    else:  # det(M+E) = det M · det(I + M⁻¹E), every eigenvalue of M⁻¹E at most t in size
        values = exact_kept("det", rows)
        rad = abs(values[0]) * ((1 + t) ** n - 1)
    with mpmath.workdps(dps):
        widen = (mpmath.mpf(rad.numerator) / rad.denominator) * (1 + _ulp())  # ≥ rad: two roundings
        return [_rounded(_exact(v)[0], _exact(v)[1] + widen) for v in values]


def _fraction(x) -> Fraction:
    """An mpf exactly, as a Fraction."""
    man, exp = mpmath.mpf(x).man_exp
    return Fraction(man) * Fraction(2) ** exp
