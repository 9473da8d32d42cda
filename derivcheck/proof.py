"""The symbolic proof attempt: claim − truth → 0, by a cheap cascade under a time limit.

structural → cancel → expand (when small) → simplify last. The alarm raises a
BaseException so that sympy's broad `except Exception` blocks cannot swallow it;
the worker process's deadline is the backstop.
"""

from __future__ import annotations

import signal
import threading
import time

import sympy as sp

SMALL = 400


class ProofTimeout(BaseException):
    """The time given to the proof ran out."""


def _alarm(signum, frame):
    raise ProofTimeout()


def _is_zero(d) -> bool | None:
    if d == 0:
        return True
    ops = sp.count_ops(d)
    if ops < 4 * SMALL:
        c = sp.cancel(d)
        if c == 0:
            return True
    if ops < SMALL:
        if sp.expand(d) == 0:
            return True
    s = sp.simplify(d)
    if s == 0:
        return True
    return None


def prove_zero(differences: list, seconds: float) -> str:
    """'proved' when every difference simplifies to 0, 'timeout' or 'no' otherwise."""
    use_alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    previous = signal.signal(signal.SIGALRM, _alarm) if use_alarm else None
    deadline = time.monotonic() + seconds
    try:
        for d in differences:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, remaining)
            try:
                if not _is_zero(sp.sympify(d)):
                    return "no"
            except ProofTimeout:
                return "timeout"
            except (RecursionError, MemoryError, TypeError, ValueError, ZeroDivisionError, AttributeError):
                return "no"
            finally:
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
        return "proved"
    finally:
        if use_alarm:
            signal.signal(signal.SIGALRM, previous)
