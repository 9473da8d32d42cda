"""Random smooth functions that stand in for declared functions (SPEC §1.4).

A declared `f` stays abstract in sympy; numerically a claim must hold for several
concrete functions. Each instance is a·sin(w·t + p) + b·exp(k·t) + c·t² + d·t,
whose derivatives of every order have a closed form, so the engine knows them
without sympy. Only the coefficients are shared with the symbolic side.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction


def _round(value: float) -> Fraction:
    return Fraction(f"{value:.4g}")


@dataclass(frozen=True)
class SmoothFunction:
    a: Fraction
    w: Fraction
    p: Fraction
    b: Fraction
    k: Fraction
    c: Fraction
    d: Fraction

    def numeric(self, order: int):
        """The order-th derivative as a numpy function."""
        import numpy as np

        a, w, p, b, k, c, d = map(float, (self.a, self.w, self.p, self.b, self.k, self.c, self.d))
        poly = [lambda t: c * t * t + d * t, lambda t: 2 * c * t + d, lambda t: 2 * c + 0 * t]
        tail = poly[order] if order < 3 else (lambda t: 0 * t)
        return lambda t: (a * w**order * np.sin(w * t + p + order * math.pi / 2)
                          + b * k**order * np.exp(k * t) + tail(t))

    def symbolic(self, sp, t):
        """The function itself as a sympy expression in t (sympy differentiates it on its own)."""
        r = sp.Rational
        return (r(self.a) * sp.sin(r(self.w) * t + r(self.p)) + r(self.b) * sp.exp(r(self.k) * t)
                + r(self.c) * t**2 + r(self.d) * t)


def draw(rng: random.Random) -> SmoothFunction:
    sign = lambda: rng.choice((-1, 1))  # noqa: E731
    return SmoothFunction(
        a=_round(sign() * rng.uniform(0.5, 2)),
        w=_round(rng.uniform(0.5, 1.7)),
        p=_round(rng.uniform(0, 3)),
        b=_round(sign() * rng.uniform(0.2, 1)),
        k=_round(rng.uniform(0.1, 0.6)),
        c=_round(sign() * rng.uniform(0.1, 0.5)),
        d=_round(sign() * rng.uniform(0.2, 1.5)),
    )


def instances(names, seed: int, count: int = 3) -> list[dict]:
    """`count` assignments of a concrete function to every declared name."""
    rng = random.Random(seed)
    return [{name: draw(rng) for name in names} for _ in range(count)]
