"""Deciding claim − truth at one point (SPEC §2, certified comparison).

Claim, truth and their difference are evaluated together as balls (numeval),
at increasing precision, until every entry is decided: certainly nonzero (the
point is a counterexample) or zero to ZERO_DIGITS digits relative to the size of
the values. There is no default tolerance: `rtol`/`atol` apply only when the
user sets them, and then on certified bounds. A point that stays undecided at
the last precision is reported as such and never counts as a mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath

from derivcheck.verdict.numeval import INVALID, UNSURE, Compiled

LADDER = (30, 80, 200, 500)  # digits
ZERO_DIGITS = 60  # "zero" means |claim − truth| ≤ 10^-60 × the largest value, certified


@dataclass
class Decision:
    status: str  # "equal", "differ", INVALID or UNSURE
    truth: list  # midpoints (mpf) at the deciding precision
    claim: list
    digits: int = 0
    diff: list | None = None  # midpoints of claim − truth, computed as one expression (no cancellation)


class Comparison:
    """claim − truth for one derivative, compiled once: truth entries, claim entries, differences."""

    def __init__(self, free: list, truth: list, claim: list):
        self.free = free
        self.n = len(truth)
        self.program = Compiled(free, list(truth) + list(claim) + [c - t for c, t in zip(claim, truth)])

    def decide(self, inputs_at, tolerance=None, ladder=LADDER) -> Decision:
        """`inputs_at(digits)` gives the balls of `free` (or a status string) at that precision."""
        for digits in ladder:
            inputs = inputs_at(digits)
            if isinstance(inputs, str):
                if inputs == INVALID:
                    return Decision(INVALID, [], [], digits)
                continue
            balls = self.program.balls(inputs, digits)
            if INVALID in balls[: 2 * self.n]:
                return Decision(INVALID, [], [], digits)
            if any(isinstance(b, str) for b in balls):
                continue
            status = _status(balls, self.n, tolerance, digits)
            if status is not None:
                return Decision(status, [b[0] for b in balls[: self.n]], [b[0] for b in balls[self.n: 2 * self.n]],
                                digits, [b[0] for b in balls[2 * self.n:]])
        return Decision(UNSURE, [], [], ladder[-1])


def _status(balls: list, n: int, tolerance, digits: int):
    """'differ', 'equal', or None (undecided at this precision)."""
    with mpmath.workdps(digits):
        truth, claim, diff = balls[:n], balls[n: 2 * n], balls[2 * n:]
        size = max((abs(m) for m, _ in truth + claim), default=mpmath.mpf(0))
        floor = size * mpmath.mpf(10) ** (-ZERO_DIGITS)
        decided_zero = True
        for (sm, sr), (cm, cr), (dm, dr) in zip(truth, claim, diff):
            gap = min(dr + abs(dm), cr + sr + abs(cm - sm))  # an upper bound on |claim − truth|
            low = max(abs(dm) - dr, abs(cm - sm) - cr - sr)  # a lower bound
            if tolerance is not None:
                rtol, atol = tolerance
                allowed_low = atol + rtol * max(abs(sm) - sr, abs(cm) - cr, 0)
                allowed_high = atol + rtol * (max(abs(sm), abs(cm)) + max(sr, cr))
                if gap <= allowed_low:
                    continue
                if low > allowed_high:
                    return "differ"
            elif low > 0:
                return "differ"
            if gap > floor:
                decided_zero = False
        return "equal" if decided_zero else None


def rel_error(claimed: list, true: list) -> float:
    """‖claim − truth‖ / ‖truth‖ (Frobenius), for approximations; at ZERO_DIGITS digits, so that two
    midpoints equal to 30 digits do not differ by a float's rounding."""
    with mpmath.workdps(ZERO_DIGITS):
        diff = mpmath.sqrt(mpmath.fsum((mpmath.mpf(a) - mpmath.mpf(b)) ** 2 for a, b in zip(claimed, true)))
        norm = mpmath.sqrt(mpmath.fsum(mpmath.mpf(b) ** 2 for b in true))
    if norm == 0:
        return 0.0 if diff == 0 else float("inf")
    return float(diff / norm)


def nonzero_at(program: Compiled, inputs_at, ladder=LADDER) -> bool:
    """Whether some entry of `program` is certainly nonzero at the point."""
    for digits in ladder:
        inputs = inputs_at(digits)
        if isinstance(inputs, str):
            if inputs == INVALID:
                return False
            continue
        balls = program.balls(inputs, digits)
        if any(b == INVALID for b in balls):
            return False
        if any(not isinstance(b, str) and abs(b[0]) > b[1] for b in balls):
            return True
        if all(not isinstance(b, str) and b[1] == 0 for b in balls):
            return False
    return False
