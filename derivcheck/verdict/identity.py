"""An exact randomized identity test for rational functions (SPEC §2, `proved`).

Most matrix-calculus identities are rational functions of the entries, where
`cancel` on the expanded difference is slow. Instead: a degree bound D for the
numerator of claim − truth (derived from the expression tree), then exact
rational evaluation at k independent points with integer coordinates drawn from
a set of size N. A nonzero numerator of degree ≤ D vanishes at such a point with
probability ≤ D/N (Schwartz–Zippel), so k zeros leave an error probability
≤ (D/N)^k; k is chosen to make that ≤ 1e-60. No floats anywhere.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

N = 2**64  # size of the set each coordinate is drawn from
TARGET = 60  # decimal digits: the error probability is at most 10^-TARGET
MAX_TRIES = 40  # points that hit a pole of the denominator are redrawn


def _postorder(expr, memo: dict, visit) -> None:
    """memo[node] = visit(node, memo) for every node of expr's DAG, children first (no recursion)."""
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        if not ready and node.args and not node.is_Number:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in memo)
            continue
        memo[node] = visit(node, memo)


def degree(expr, memo: dict | None = None) -> tuple[int, int]:
    """(numerator, denominator) degree bounds of expr written as one fraction P/Q."""
    memo = {} if memo is None else memo
    _postorder(expr, memo, _degree)
    return memo[expr]


def _degree(node, memo) -> tuple[int, int]:
    if node.is_Symbol:
        return 1, 0
    if node.is_Rational:
        return 0, 0
    if node.is_Add:
        p, q = memo[node.args[0]]
        for a in node.args[1:]:
            pa, qa = memo[a]
            p, q = max(p + qa, pa + q), q + qa
        return p, q
    if node.is_Mul:
        return sum(memo[a][0] for a in node.args), sum(memo[a][1] for a in node.args)
    if node.is_Pow and node.exp.is_Integer:
        p, q = memo[node.base]
        n = int(node.exp)
        return (n * p, n * q) if n >= 0 else (-n * q, -n * p)
    raise ValueError(f"not rational: {type(node).__name__}")


def evaluate(expr, point: dict) -> Fraction:
    """expr at an exact point (raises ZeroDivisionError at a pole)."""
    memo: dict = {}
    _postorder(expr, memo, lambda node, done: _value(node, done, point))
    return memo[expr]


def _value(node, memo: dict, point: dict) -> Fraction:
    if node.is_Symbol:
        return point[node]
    if node.is_Rational:
        return Fraction(int(node.p), int(node.q))
    if node.is_Add:
        return sum((memo[a] for a in node.args), Fraction(0))
    if node.is_Mul:
        out = Fraction(1)
        for a in node.args:
            out *= memo[a]
        return out
    return memo[node.base] ** int(node.exp)


def identity_test(differences: list, seed: int):
    """('proved', text) when every difference vanished at enough random points; ('nonzero', None) when one
    did not (in independent variables); None when the test does not apply."""
    memo: dict = {}
    try:
        bound = max((degree(d, memo)[0] for d in differences), default=0)
    except ValueError:
        return None
    if bound == 0:
        bound = 1
    per_point = bound / N
    points = max(1, math.ceil(TARGET / -math.log10(per_point)))
    symbols = sorted(set().union(*(d.free_symbols for d in differences)), key=str)
    rng = random.Random(seed)
    done, tries = 0, 0
    while done < points:
        tries += 1
        if tries > MAX_TRIES:
            return None
        point = {s: Fraction(rng.randrange(N)) for s in symbols}
        try:
            if any(evaluate(d, point) != 0 for d in differences):
                return "nonzero", None
        except ZeroDivisionError:
            continue
        done += 1
    error = per_point ** points
    return "proved", (f"exact identity test: claim − truth vanished at {points} random rational points "
                      f"(degree ≤ {bound}); error probability ≤ {error:.0e}")
