"""Sample points drawn from the inputs' domains (SPEC §2).

Never "nice" values: values come from a continuous distribution, rounded to 6
significant digits so a counterexample is short. Magnitudes spread over several
decades (a claim wrong only far out, or only near 0, must meet a point there):
most points are moderate (0.1–10), some small, some large and some far out (up
to 10⁶). Every domain holds for every entry of every shape. Matrices are dense,
non-symmetric unless the domain says so, and well conditioned; vectors are
never constant. Values are exact Fractions.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import numpy as np

MAX_COND = 50.0


def round6(value: float) -> Fraction:
    """6 significant digits, and always two below the decimal point (so a far value is not an integer)."""
    digits = 6 if value == 0 else max(6, int(math.log10(abs(value))) + 3)
    return Fraction(f"{value:.{digits}g}")


def is_nice(value: Fraction) -> bool:
    if value.denominator == 1:
        return True
    quarter = float(value) / (math.pi / 4)
    return abs(quarter - round(quarter)) < 1e-6


# magnitude classes: (low, high) of |value| for scalars; one point in 8 of each non-moderate class
MAGNITUDES = {"moderate": (0.1, 10.0), "small": (1e-3, 0.1), "large": (10.0, 1e3), "far": (1e3, 1e6)}
PATTERN = ("moderate", "moderate", "moderate", "far", "moderate", "small", "moderate", "large")


def magnitude_class(i: int) -> str:
    """The magnitude class of the i-th drawn point: the first points are moderate."""
    return PATTERN[i % len(PATTERN)]


def _sign(rng: random.Random, domain) -> int:
    return {"positive": 1, "negative": -1}.get(domain) or rng.choice((-1, 1))


def scalar(rng: random.Random, domain, magnitude: str = "moderate") -> Fraction:
    while True:
        if isinstance(domain, tuple):
            lo, hi = float(domain[0]), float(domain[1])
            margin = (hi - lo) * 0.02
            value = round6(rng.uniform(lo + margin, hi - margin))
            if not lo < value < hi:
                continue
        else:
            low, high = MAGNITUDES[magnitude]
            value = round6(_sign(rng, domain) * math.exp(rng.uniform(math.log(low), math.log(high))))
        if not is_nice(value):
            return value


def _entries(rng: random.Random, shape: tuple, domain) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        while True:
            value = round6(_sign(rng, domain) * rng.uniform(0.2, 2.0))
            if not is_nice(value):
                break
        out[index] = value
    return out


def _scaled(rng: random.Random, out: np.ndarray, magnitude: str) -> np.ndarray:
    """Entries of order 1 scaled into a magnitude class (a whole matrix keeps its conditioning)."""
    if magnitude == "moderate":
        return out
    low, high = MAGNITUDES[magnitude]
    factor = math.exp(rng.uniform(math.log(low), math.log(high)))
    while True:
        scaled = np.vectorize(lambda v: round6(float(v) * factor), otypes=[object])(out)
        if not any(is_nice(v) for v in scaled.flat):
            return scaled
        factor *= 1.001


def max_cond(n: int) -> float:
    """Dense random n×n matrices have condition numbers that grow like n; allow for that."""
    return max(MAX_COND, 10.0 * n)


def matrix(rng: random.Random, shape: tuple, domain, magnitude: str = "moderate") -> np.ndarray:
    out = _matrix(rng, shape, domain)
    return out if isinstance(domain, tuple) else _scaled(rng, out, magnitude)


def _matrix(rng: random.Random, shape: tuple, domain) -> np.ndarray:
    for attempt in range(200):
        if isinstance(domain, tuple):
            out = np.empty(shape, dtype=object)
            for index in np.ndindex(*shape):
                out[index] = scalar(rng, domain)
        else:
            out = _entries(rng, shape, domain)
        if domain in ("symmetric", "spd"):
            out = np.vectorize(lambda v: round6(float(v)), otypes=[object])((out + out.T) / 2)
            out = np.triu(out) + np.triu(out, 1).T
        if domain == "spd":
            n = shape[0]
            out = out @ out.T / n + np.eye(n, dtype=int) * Fraction(1, 2)
            out = np.vectorize(lambda v: round6(float(v)), otypes=[object])(out)
        if len(shape) == 1:
            if len(set(out.tolist())) == len(out) or len(out) == 1:
                return out
            continue
        if attempt >= 20 and shape[0] == shape[1] and domain not in ("symmetric", "spd", "negative"):
            out = out + np.eye(shape[0], dtype=int) * round6(shape[0] ** 0.5)  # still dense, not symmetric
        values = out.astype(float)
        if domain == "spd" and np.linalg.eigvalsh(values).min() <= 0.05:
            continue
        if shape[0] == shape[1] and np.linalg.cond(values) > max_cond(shape[0]):
            continue
        return out
    raise RuntimeError("could not draw a well-conditioned matrix")


MODERATE = 1.0  # a point is moderate when every value is within a decade of 1


def moderation(point: dict) -> float:
    """How far the point's values are from 1, in decades (≤ MODERATE: every value in 0.1–10)."""
    worst = 0.0
    for value in point.values():
        for v in np.asarray(value, dtype=object).flat:
            if v != 0:
                worst = max(worst, abs(math.log10(abs(Fraction(v).numerator)) - math.log10(Fraction(v).denominator)))
    return worst


def onehot(rng: random.Random, n: int) -> np.ndarray:
    out = np.array([Fraction(0)] * n, dtype=object)
    out[rng.randrange(n)] = Fraction(1)
    return out


def draw_point(rng: random.Random, inputs, magnitude: str = "moderate") -> dict:
    """One point: input name → object array of Fractions (0-d for scalars)."""
    point = {}
    for spec in inputs:
        if spec.value is not None:
            point[spec.name] = np.array(spec.value, dtype=object)
        elif spec.domain == "onehot":
            point[spec.name] = onehot(rng, spec.shape[0])
        elif spec.shape == ():
            point[spec.name] = np.array(scalar(rng, spec.domain, magnitude), dtype=object)
        else:
            point[spec.name] = matrix(rng, spec.shape, spec.domain, magnitude)
    return point


def seed_for(problem_id: str, override: int | None) -> int:
    if override is not None:
        return override
    import zlib

    return zlib.crc32(problem_id.encode("utf-8", "surrogatepass"))  # a file name that is not UTF-8 has surrogates
