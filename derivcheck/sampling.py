"""Sample points drawn from the inputs' domains (SPEC §2).

Never "nice" values: scalars come from a continuous distribution over magnitudes
0.1–10 (a few larger), rounded to 6 significant digits so a counterexample is
short; matrices are dense, non-symmetric unless the domain says so, and well
conditioned; vectors are never constant. Values are exact Fractions.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import numpy as np

MAX_COND = 50.0


def round6(value: float) -> Fraction:
    return Fraction(f"{value:.6g}")


def is_nice(value: Fraction) -> bool:
    if value.denominator == 1:
        return True
    quarter = float(value) / (math.pi / 4)
    return abs(quarter - round(quarter)) < 1e-6


def scalar(rng: random.Random, domain, large: bool = False) -> Fraction:
    while True:
        if isinstance(domain, tuple):
            lo, hi = float(domain[0]), float(domain[1])
            margin = (hi - lo) * 0.02
            value = round6(rng.uniform(lo + margin, hi - margin))
            if not lo < value < hi:
                continue
        else:
            magnitude = math.exp(rng.uniform(math.log(10), math.log(100)) if large
                                 else rng.uniform(math.log(0.1), math.log(10)))
            sign = {"positive": 1, "negative": -1}.get(domain) or rng.choice((-1, 1))
            value = round6(sign * magnitude)
        if not is_nice(value):
            return value


def _entries(rng: random.Random, shape: tuple) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        while True:
            value = round6(rng.choice((-1, 1)) * rng.uniform(0.2, 2.0))
            if not is_nice(value):
                break
        out[index] = value
    return out


def max_cond(n: int) -> float:
    """Dense random n×n matrices have condition numbers that grow like n; allow for that."""
    return max(MAX_COND, 10.0 * n)


def matrix(rng: random.Random, shape: tuple, domain) -> np.ndarray:
    for attempt in range(200):
        if isinstance(domain, tuple):
            out = np.empty(shape, dtype=object)
            for index in np.ndindex(*shape):
                out[index] = scalar(rng, domain)
        else:
            out = _entries(rng, shape)
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
        if attempt >= 20 and shape[0] == shape[1] and domain not in ("symmetric", "spd"):
            out = out + np.eye(shape[0], dtype=int) * round6(shape[0] ** 0.5)  # still dense, not symmetric
        values = out.astype(float)
        if domain == "spd" and np.linalg.eigvalsh(values).min() <= 0.05:
            continue
        if shape[0] == shape[1] and np.linalg.cond(values) > max_cond(shape[0]):
            continue
        return out
    raise RuntimeError("could not draw a well-conditioned matrix")


def onehot(rng: random.Random, n: int) -> np.ndarray:
    out = np.array([Fraction(0)] * n, dtype=object)
    out[rng.randrange(n)] = Fraction(1)
    return out


def draw_point(rng: random.Random, inputs, large: bool = False) -> dict:
    """One point: input name → object array of Fractions (0-d for scalars)."""
    point = {}
    for spec in inputs:
        if spec.value is not None:
            point[spec.name] = np.array(spec.value, dtype=object)
        elif spec.domain == "onehot":
            point[spec.name] = onehot(rng, spec.shape[0])
        elif spec.shape == ():
            point[spec.name] = np.array(scalar(rng, spec.domain, large), dtype=object)
        else:
            point[spec.name] = matrix(rng, spec.shape, spec.domain)
    return point


def seed_for(problem_id: str, override: int | None) -> int:
    if override is not None:
        return override
    import zlib

    return zlib.crc32(problem_id.encode("utf-8", "surrogatepass"))  # a file name that is not UTF-8 has surrogates
