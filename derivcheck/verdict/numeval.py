"""Certified evaluation of sympy expressions: ball arithmetic (Arb, through python-flint), compiled once.

An expression list is flattened into a straight-line program over its unique
subexpressions (shared subterms are computed once), then run on *balls*: a
midpoint and a radius that encloses every rounding error made so far, so a
value is known to lie in [mid − rad, mid + rad]. That is what lets a verdict
be decided rather than estimated (SPEC §2): a difference whose ball excludes 0
is certainly nonzero; one whose ball is tiny and contains 0 is zero to the
precision used. Inputs are exact Fractions. No code generation, no eval.

Arb's bounds are rigorous for every elementary function, and it runs the
program about ten times faster than balls on mpmath did. Balls leave this module
as exact mpmath (midpoint, radius) pairs, the form the rest of the verdict reads.

A ball that cannot be bounded (a pole, a kink or a branch cut inside it)
becomes UNSURE: more precision may shrink it. A value that is certainly
undefined (log of a negative number, a complex result) is INVALID.
"""

from __future__ import annotations

from contextlib import contextmanager
from fractions import Fraction

import flint
import mpmath
import numpy as np
import sympy as sp
from flint import arb, fmpq
from mpmath.libmp import from_man_exp, to_rational

INVALID = "invalid"  # undefined at this point: the point is not in the domain
UNSURE = "unsure"  # the ball cannot be bounded at this precision


class Unsupported(Exception):
    """An expression node this evaluator does not know."""


class _Undefined(Exception):
    def __init__(self, kind: str):
        self.kind = kind


def _require(certain: bool, impossible: bool) -> None:
    """Raise unless `certain` (true of the whole ball); INVALID when `impossible` (true of the whole ball), else UNSURE."""
    if not certain:
        raise _Undefined(INVALID if impossible else UNSURE)


HUGE = arb(10) ** 12  # exp of more than this is beyond any meaningful value: the point is undecidable


def _within(fn, inside, outside):
    """fn where the whole ball is `inside` its domain; INVALID where it is all `outside`, else UNSURE."""
    def value(x):
        _require(inside(x), outside(x))
        return fn(x)

    return value


class Kit:
    """The ball rules an op row's `ball` chooses from: each wraps an Arb function (`Kit.arb.tanh`,
    `abs`) with the domain it needs."""

    arb = arb

    @staticmethod
    def total(fn):
        """Defined everywhere (a pole inside the ball, as for tan, gives a non-finite ball: UNSURE)."""
        return fn

    @staticmethod
    def growing(fn):
        """exp, sinh, cosh: beyond |x| = 10¹² the value means nothing and the point is undecidable."""
        return _within(fn, lambda x: abs(x) < HUGE, lambda x: False)

    @staticmethod
    def positive(fn):
        return _within(fn, lambda x: x > 0, lambda x: x <= 0)

    @staticmethod
    def open_unit(fn):
        """asin, acos, atanh: defined (with a finite slope) on (−1, 1)."""
        return _within(fn, lambda x: abs(x) < 1, lambda x: abs(x) >= 1)

    @staticmethod
    def above_one(fn):
        return _within(fn, lambda x: x > 1, lambda x: x <= 1)


def _step(value):
    """sign, Heaviside, DiracDelta: constant on each side of 0, undecidable on a ball that holds 0."""
    def rule(x):
        _require(x > 0 or x < 0, False)
        return arb(value(x > 0))

    return rule


def _functions() -> dict:
    """sympy function → ball rule: the op table's rows, and the steps that sympy's derivatives of
    |a| and max bring in (sign, Heaviside, DiracDelta: 0 off the kink), which no row is."""
    from derivcheck.ops import OPS

    table = {row.meaning(sp): row.ball(Kit) for row in OPS.values() if row.ball is not None}
    table.update({
        sp.re: lambda x: x,
        sp.sign: _step(lambda positive: 1 if positive else -1),
        sp.Heaviside: _step(lambda positive: 1 if positive else 0),
        sp.DiracDelta: _step(lambda positive: 0),
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
            return ("const", fmpq(int(node.p), int(node.q)), args)
        if node.is_Float:
            value = Fraction(str(node))
            return ("const", fmpq(value.numerator, value.denominator), args)
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
        with _digits(dps):
            return self._balls(inputs)

    def _balls(self, inputs: list) -> list:
        try:
            reg: list = [_ball(v) for v in inputs] + [None] * len(self.program)
            base = len(self.symbols)
            for k, (kind, payload, args) in enumerate(self.program):
                reg[base + k] = _run(kind, payload, [reg[a] for a in args])
            out = [reg[o] for o in self.outputs]
            if not all(x.is_finite() for x in out):  # a pole or an overflow inside some ball
                return [UNSURE] * self.size
            return [pair(x) for x in out]
        except _Undefined as undefined:
            return [undefined.kind] * self.size
        except (ZeroDivisionError, ValueError, OverflowError, ArithmeticError):
            return [UNSURE] * self.size

    def __call__(self, values: list, dps: int) -> list:
        """Midpoints only (mpmath.nan where undefined): for reports and diagnoses, not for verdicts."""
        return [mpmath.nan if isinstance(b, str) else b[0] for b in self.balls(values, dps)]


@contextmanager
def _digits(dps: int):
    """Arb's working precision for one evaluation (a process-wide setting, restored after)."""
    saved = flint.ctx.dps
    flint.ctx.dps = dps
    try:
        yield
    finally:
        flint.ctx.dps = saved


def _ball(value) -> arb:
    """An input as an Arb ball: a Fraction (exact where binary allows), an mpmath (mid, rad) pair or an mpf."""
    if isinstance(value, Fraction):
        return arb(fmpq(value.numerator, value.denominator))
    if isinstance(value, int):
        return arb(value)
    if isinstance(value, str):  # an input already INVALID or UNSURE
        raise _Undefined(value)
    if isinstance(value, tuple):
        mid, rad = value
        return arb(mid=_arb(mid), rad=_arb(rad))
    return _arb(value)


def _arb(x) -> arb:
    """An mpf (or a float) exactly, from its signed mantissa and exponent."""
    sign, man, exp, _ = _raw(x)
    return arb((-man if sign else man, exp)) if man else arb(0)


def _raw(x) -> tuple:
    """mpmath's exact (sign, mantissa, exponent, bits) of an mpf; mpf(x) would round to mpmath's precision."""
    return x._mpf_ if isinstance(x, mpmath.mpf) else mpmath.mpf(float(x))._mpf_


def _mpf(x: arb) -> mpmath.mpf:
    """An exact Arb number (a midpoint or a radius) as an mpf, exactly: no rounding to mpmath's precision."""
    man, exp = x.man_exp()
    return mpmath.mp.make_mpf(from_man_exp(int(man), int(exp)))


def pair(x: arb) -> tuple:
    """An Arb ball as the (mid, rad) pair of mpfs the verdict reads."""
    return _mpf(x.mid()), _mpf(x.rad())


def _run(kind, payload, a):
    if kind == "add":
        total = a[0]
        for x in a[1:]:
            total = total + x  # never +=: that would write into the argument's register
        return total
    if kind == "mul":
        product = a[0]
        for x in a[1:]:
            product = product * x
        return product
    if kind == "powq":
        return _power(a[0], payload)
    if kind == "fn":
        return payload(a[0])
    if kind == "const":
        return arb(payload)
    if kind == "pow":
        base, exponent = a
        _require(base > 0, base <= 0)
        log = exponent * base.log()
        _require(abs(log) < HUGE, False)
        return log.exp()
    if kind in ("max", "min"):
        out = a[0]
        for x in a[1:]:
            out = out.max(x) if kind == "max" else out.min(x)
        return out
    if kind == "pi":
        return arb.pi()
    if kind == "e":
        return arb.const_e()
    raise _Undefined(INVALID)


def _power(x: arb, q: Fraction) -> arb:
    """x**q for an exact rational q, on sympy's real branch (no real root of a negative base)."""
    if q.denominator == 1:
        if q < 0:
            _require(x > 0 or x < 0, x.is_exact() and x.is_zero())
        return x ** int(q)
    _require(x > 0, x < 0)
    root = x.sqrt() if q.denominator == 2 else x.root(q.denominator)
    return root ** q.numerator


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
    with _digits(dps):
        widen = arb(0, arb(fmpq(rad.numerator, rad.denominator)))  # radius ≥ rad
        return [pair(arb(fmpq(v.numerator, v.denominator)) + widen) for v in values]


def _fraction(x) -> Fraction:
    """An mpf exactly, as a Fraction (its sign too)."""
    return Fraction(*to_rational(_raw(x)))
