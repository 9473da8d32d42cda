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
    """True when d is identically 0; False or None when no proof was found."""
    if d == 0:
        return True
    signs = _signs_as_symbols(d)
    if signs is not None:
        d, units = signs
        numerator = sp.numer(sp.cancel(d))
        for s in units:
            numerator = sp.rem(sp.expand(numerator), s**2 - 1, s)
        return True if sp.expand(numerator) == 0 else None  # not every sign pattern occurs: no disproof
    if is_rational_function(d):
        return sp.cancel(d) == 0  # cancel is a decision procedure for rational functions
    ops = sp.count_ops(d)
    if ops < SMALL and sp.expand(d) == 0:
        return True
    if ops < 4 * SMALL and sp.simplify(d) == 0:
        return True
    return None


def is_rational_function(d) -> bool:
    return not d.atoms(sp.Function) and not any(p.exp.is_Rational is False for p in d.atoms(sp.Pow)) \
        and not d.has(sp.pi, sp.E)


CANONICAL = sp.Symbol("_t", real=True)


def canonical_subs(d):
    """f'(u) is Subs(Derivative(f(ξ), ξ), ξ, u) with whatever dummy ξ made it; use one name for all."""
    def rename(subs):
        expr, variables, points = subs.args
        if len(variables) != 1:
            return subs
        return sp.Subs(expr.xreplace({variables[0]: CANONICAL}), CANONICAL, points[0])

    return d.replace(lambda e: isinstance(e, sp.Subs), rename)


def _signs_as_symbols(d):
    """Abs(u) → u·s and sign(u) → s with s² = 1, when those are d's only functions.

    Exact: |u| = u·sign(u) everywhere, and an identity that holds for s = ±1 holds
    whatever the signs. Returns (new d, the sign symbols) or None.
    """
    functions = d.atoms(sp.Function)
    if not functions or any(not isinstance(f, (sp.Abs, sp.sign)) for f in functions):
        return None
    units, swap = [], {}
    for f in sorted(functions, key=sp.default_sort_key):
        u = f.args[0]
        if u not in swap:
            swap[u] = sp.Dummy("s")
            units.append(swap[u])
    d = d.replace(sp.Abs, lambda u: u * swap[u]).replace(sp.sign, lambda u: swap[u])
    if d.atoms(sp.Function) or any(p.exp.is_Rational is False for p in d.atoms(sp.Pow)):
        return None
    return d, units


def prove_zero(differences: list, seconds: float) -> str:
    """'proved' when every difference simplifies to 0; 'disproved' when a decision procedure
    (cancel, for rational functions) shows one is not identically 0; else 'timeout' or 'no'."""
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
                zero = _is_zero(canonical_subs(sp.sympify(d)))
                if zero is False:
                    return "disproved"
                if zero is None:
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
