"""Sample points on both sides of every kink whose location can be found (SPEC §2).

A claim can be wrong only beyond a kink (x·|x − 4000|) or only between two
close kinks (relu(1/1000 − |x|)); random points rarely land there. For each kink
argument (the `kink` of an op-table row: abs and relu of a, max and min of
a − b), each scalar input it depends on is moved, the others held at a moderate
point, to just below and just above every real root, and to the middle between
neighbouring roots.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from derivcheck.ops import OPS
from derivcheck.verdict import sampling
from derivcheck.verdict.numeval import Compiled, Unsupported

MAX_KINKS = 8  # kink expressions examined per problem
MAX_ROOTS = 6  # roots used per kink and variable
SCAN = [s * 10.0 ** (k / 20) for k in range(-120, 141) for s in (-1, 1)]  # ±1e-6 … ±1e7


def kink_rule(eqn):
    """The row's kink: a function of the op's arguments whose sign change is a kink, or None."""
    row = OPS.get(eqn.op)
    return None if row is None else row.kink


def kink_arguments(sym) -> list:
    """The scalar expressions (in input symbols) whose sign changes are kinks of the DAG."""
    env = dict(sym.symbols)
    found = []
    for eqn in sym.graph.eqns:
        value = sym.apply(eqn, env)
        env[eqn.out] = sym.symbols[eqn.out] if eqn.out in sym.local else value
        rule = kink_rule(eqn)
        if rule is not None:
            arg = np.asarray(rule(*[np.asarray(env[a], dtype=object) for a in eqn.args]), dtype=object)
            found.extend(arg.reshape(-1)[:MAX_KINKS])
        if len(found) >= MAX_KINKS:
            break
    if not found:
        return []
    return [e for e in sym.substitute(np.array(found[:MAX_KINKS], dtype=object)).flat if e.free_symbols]


def points(sym, inputs, seed: int) -> list:
    """Points beside the kinks: input name → object array of Fractions, like sampling.draw_point."""
    try:
        arguments = kink_arguments(sym)
    except (ValueError, TypeError, ArithmeticError, RecursionError, Unsupported):
        return []
    rng = random.Random(seed ^ 0x6B696E6B)
    specs = {spec.name: spec for spec in inputs}
    scalars = {s: name for name, syms in sym.symbols.items() if name in specs and specs[name].shape == ()
               and specs[name].value is None for s in syms.flat}
    out = []
    for argument in arguments:
        base = sampling.draw_point(rng, inputs)
        values = {s: Fraction(base[name][()]) for s, name in scalars.items()}
        for var in sorted(argument.free_symbols & set(scalars), key=str):
            others = {s: sp.Rational(v.numerator, v.denominator) for s, v in values.items() if s != var}
            line = argument.xreplace(others)
            if line.free_symbols != {var}:
                continue
            domain = specs[scalars[var]].domain
            for value in _beside(_roots(line, var), rng):
                if _in_domain(value, domain):
                    point = dict(base)
                    point[scalars[var]] = np.array(value, dtype=object)
                    out.append(point)
    return out


def _roots(line, var) -> list:
    """Real roots of a univariate expression: exactly for polynomials, else by a sign scan."""
    try:
        poly = sp.Poly(line, var)
        if poly.degree() <= 12:
            return sorted({float(sp.re(r)) for r in poly.nroots(n=30) if abs(sp.im(r)) < 1e-20})[:MAX_ROOTS]
    except (sp.PolynomialError, sp.GeneratorsNeeded, ValueError, TypeError, ArithmeticError):
        pass
    try:
        program = Compiled([var], [line])
    except Unsupported:
        return []
    grid = sorted(SCAN)
    signs = [_sign(program, x) for x in grid]
    roots = []
    for (a, sa), (b, sb) in zip(zip(grid, signs), zip(grid[1:], signs[1:])):
        if sa and sb and sa != sb:
            for _ in range(80):
                mid = (a + b) / 2
                sm = _sign(program, mid)
                if sm == sa:
                    a = mid
                else:
                    b = mid
            roots.append((a + b) / 2)
    return roots[:MAX_ROOTS]


def _sign(program: Compiled, x: float) -> int:
    value = program([Fraction(x)], 30)[0]
    return 0 if not mpmath.isfinite(value) else int(mpmath.sign(value))


def _beside(roots: list, rng: random.Random) -> list:
    """Just below and above each root, and between neighbours; never a nice value."""
    targets = []
    for k, r in enumerate(roots):
        gaps = [abs(r - other) for other in roots if other != r]
        reach = min([abs(r) * 0.05 if r else 1e-3] + [g / 3 for g in gaps])
        for side in (-1, 1):
            targets.append(r + side * reach * rng.uniform(0.2, 0.8))
        if k + 1 < len(roots):
            targets.append((r + roots[k + 1]) / 2)
    out = []
    for t in targets:
        if math.isfinite(t) and t != 0:
            value = sampling.round6(t)
            if not sampling.is_nice(value):
                out.append(value)
    return out


def _in_domain(value: Fraction, domain) -> bool:
    if isinstance(domain, tuple):
        return domain[0] < value < domain[1]
    return {"positive": value > 0, "negative": value < 0}.get(domain, value != 0)
