"""An exact randomized identity test for rational functions (SPEC §2, `proved`).

Most matrix-calculus identities are rational functions of the entries, where
`cancel` on the expanded difference is slow. Instead: a degree bound D for the
numerator of claim − truth (derived from the expression tree), then exact
rational evaluation at k independent points with integer coordinates drawn from
a set of size N. A nonzero numerator of degree ≤ D vanishes at such a point with
probability ≤ D/N (Schwartz–Zippel), so k zeros leave an error probability
≤ (D/N)^k; k is chosen to make that ≤ 1e-60. No floats anywhere.

Matrix functions kept as nodes (X⁻¹, det X: see witness/symbolic.py) enter as
`Defined` symbols: at each point their values are computed exactly from their
definition (rational linear algebra, never an expanded inverse), and their degree
is derived from their argument's (an entry of A⁻¹ is a cofactor over det A: degrees
n−1 over n in A's entries). A point where a denominator vanishes is redrawn, and
the chance of drawing such a point (a polynomial of bounded degree vanishing) is
part of the reported error. A value with no rational definition (log|det X|) is a
free variable here: an identity in it is an identity, a nonzero is then no disproof.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction

N = 2**64  # size of the set each coordinate is drawn from
TARGET = 60  # decimal digits: the error probability is at most 10^-TARGET
MAX_TRIES = 40  # points that hit a pole of the denominator are redrawn


@dataclass(frozen=True)
class Defined:
    """Symbols standing for a matrix function of an n×n argument, valued from their definition.

    kind: 'inv' (n·n symbols, row-major), 'det' (one symbol), or 'free' (no rational definition:
    the test treats the symbols as free variables)."""

    kind: str
    symbols: tuple
    arg: tuple  # the argument's n·n entries, row-major (sympy expressions)
    n: int


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


def kept_degree(kind: str, n: int, entries: list) -> tuple[int, int]:
    """Degree bounds of det A or of an entry of A⁻¹, from the (p, q) bounds of A's entries.

    With D the product of the entries' denominators (degree Q = Σq) and A = M/D, M polynomial
    of degree ≤ m = max(p − q) + Q: det A = det M / Dⁿ and A⁻¹ = D·adj(M)/det M."""
    total = sum(q for _, q in entries)
    m = max(0, max(p - q for p, q in entries) + total)
    if kind == "det":
        return n * m, n * total
    return (n - 1) * m + total, n * m


def evaluate(expr, point: dict, memo: dict | None = None) -> Fraction:
    """expr at an exact point (raises ZeroDivisionError at a pole); `memo` shares subexpressions."""
    memo = {} if memo is None else memo
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


def exact_kept(kind: str, rows: list) -> list:
    """det (one value) or the inverse (n·n values, row-major) of a matrix of Fractions, exactly
    (sympy's DomainMatrix over QQ, fraction-free where it can); ZeroDivisionError when singular."""
    from sympy import QQ
    from sympy.polys.matrices import DomainMatrix
    from sympy.polys.matrices.exceptions import DMNonInvertibleMatrixError

    n = len(rows)
    matrix = DomainMatrix([[QQ(v.numerator, v.denominator) for v in row] for row in rows], (n, n), QQ)
    if kind == "det":
        value = matrix.det()
        return [Fraction(int(value.numerator), int(value.denominator))]
    try:
        inverse = matrix.inv()
    except DMNonInvertibleMatrixError as singular:
        raise ZeroDivisionError("singular matrix") from singular
    return [Fraction(int(v.numerator), int(v.denominator)) for row in inverse.to_list() for v in row]


def _relevant(differences: list, definitions) -> list:
    """The definitions the differences use (directly or through other definitions), in their order."""
    owner = {s: d for d in definitions for s in d.symbols}
    wanted, stack = set(), [s for d in differences for s in d.free_symbols]
    while stack:
        s = stack.pop()
        d = owner.get(s)
        if d is not None and id(d) not in wanted:
            wanted.add(id(d))
            stack.extend(s for e in d.arg for s in e.free_symbols)
    return [d for d in definitions if id(d) in wanted]


def identity_test(differences: list, seed: int, definitions=()):
    """('proved', text) when every difference vanished at enough random points; ('nonzero', None) when one
    did not (in independent variables); None when the test does not apply (or a nonzero proves nothing,
    because a value without a rational definition stood in as a free variable)."""
    definitions = _relevant(differences, definitions)
    memo: dict = {}
    try:
        poles = 0  # degree bound of the product of every denominator whose zero makes us redraw
        for d in definitions:
            if d.kind != "free":
                entries = [degree(e, memo) for e in d.arg]
                bound = kept_degree(d.kind, d.n, entries)
                poles += kept_degree("det", d.n, entries)[0] if d.kind == "inv" else 0
                memo.update((s, bound) for s in d.symbols)
        bound = max((degree(d, memo)[0] for d in differences), default=0)
    except ValueError:
        return None
    poles += sum(memo[node.base][0] for node in memo if node.is_Pow and node.exp.is_negative)
    if 2 * poles >= N:
        return None
    bound = max(bound, 1)
    per_point = bound / N / (1 - poles / N)  # Pr[a nonzero numerator vanishes | no pole was hit]
    points = max(1, math.ceil(TARGET / -math.log10(per_point)))
    valued = {s for d in definitions if d.kind != "free" for s in d.symbols}
    free = set().union(*(d.free_symbols for d in differences), *(e.free_symbols for d in definitions for e in d.arg))
    symbols = sorted(free - valued, key=str)
    rng = random.Random(seed)
    done, tries = 0, 0
    while done < points:
        tries += 1
        if tries > MAX_TRIES:
            return None
        point = {s: Fraction(rng.randrange(N)) for s in symbols}
        try:
            values: dict = {}
            for d in definitions:
                if d.kind != "free":
                    rows = [[evaluate(e, point, values) for e in d.arg[i * d.n:(i + 1) * d.n]] for i in range(d.n)]
                    point.update(zip(d.symbols, exact_kept(d.kind, rows)))
            if any(evaluate(d, point, values) != 0 for d in differences):
                return None if len(valued) < sum(len(d.symbols) for d in definitions) else ("nonzero", None)
        except ZeroDivisionError:
            continue
        done += 1
    error = per_point ** points
    return "proved", (f"exact identity test: claim − truth vanished at {points} random rational points "
                      f"(degree ≤ {bound}); error probability ≤ {error:.0e}")
