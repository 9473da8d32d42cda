"""The symbolic proof attempt: claim − truth → 0, by a cascade of cheap steps.

structural → kinks as signs → rational: the exact identity test, then cancel →
expand → simplify. Each step
runs only below a size gate (expression size, estimated expansion size), so the
same file reaches the same outcome on a loaded and an idle machine. The
wall-clock alarm is only a safety net ('timeout'); it raises a BaseException
so that sympy's broad `except Exception` blocks cannot swallow it.

Every form a step produces equals the difference, so a form that is not 0 is
handed back: evaluated with certified precision at the sample points, it can
show the claim wrong where the plain difference cancels to noise.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from dataclasses import dataclass, field
from math import comb

import sympy as sp

from derivcheck.verdict.identity import identity_test

CANCEL_OPS = 600  # count_ops gates: each step stays far below the time limit on a busy machine
EXPAND_OPS = 250
SIMPLIFY_OPS = 150
SIMPLIFY_SYMBOLS = 8  # simplify's cost grows fast with the variables and with |·| and sign in it
EXPAND_TERMS = 2_000  # estimated terms after expansion
SIGN_CASES = 16  # sign cases of the kinks a proof may split into
EXP_POWER = 8  # exp(k·m) becomes exp(m)^k up to this |k| (a larger power costs more than it proves)


class ProofTimeout(BaseException):
    """The safety-net time limit of the proof ran out."""


@dataclass
class Proof:
    outcome: str  # "proved", "disproved" (a rational difference that is not 0), "no", "timeout"
    forms: list = field(default_factory=list)  # nonzero forms equal to some difference
    methods: list = field(default_factory=list)  # how entries were proved, where not by simplification


def _alarm(signum, frame):
    raise ProofTimeout()


def expanded_terms(d, cap: int = EXPAND_TERMS) -> int:
    """An upper estimate of the number of terms of expand(d), stopping at cap."""
    if d.is_Add:
        return min(cap, sum(expanded_terms(a, cap) for a in d.args))
    if d.is_Mul:
        total = 1
        for a in d.args:
            total = min(cap, total * expanded_terms(a, cap))
        return total
    if d.is_Pow and d.exp.is_Integer and d.exp > 0 and d.base.is_Add:
        k, n = expanded_terms(d.base, cap), int(d.exp)
        return cap if n > cap else min(cap, comb(n + k - 1, k - 1))
    return 1


def kinks_as_signs(d):
    """max, min and the step written with |·| and sign (equal away from the kinks)."""
    if not d.has(sp.Max, sp.Min, sp.Heaviside):
        return d
    half = sp.Rational(1, 2)

    def as_signs(e):
        if isinstance(e, sp.Max):
            return _fold(e.args, lambda x, y: half * (x + y + sp.Abs(x - y)))
        if isinstance(e, sp.Min):
            return _fold(e.args, lambda x, y: half * (x + y - sp.Abs(x - y)))
        if isinstance(e, sp.Heaviside):
            return half * (1 + sp.sign(e.args[0]))
        return e

    return bottom_up(d, as_signs)


def bottom_up(expr, change, evaluate: bool = True):
    """expr with `change` applied to every subexpression, children first, as sympy's replace does, but
    each distinct subexpression once: replace walks a shared subtree as often as it occurs, which on
    a substituted DAG is exponentially often. `evaluate=False` leaves +, · and powers as built (for
    exact evaluation only: sympy's canonical forms ask costly questions of every rebuilt power)."""
    done: dict = {}
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in done:
            continue
        if not ready and node.args:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in done)
            continue
        args = [done[a] for a in node.args]
        if not any(a is not b for a, b in zip(args, node.args)):
            rebuilt = node
        elif not evaluate and (node.is_Add or node.is_Mul or node.is_Pow):
            rebuilt = node.func(*args, evaluate=False)
        else:
            rebuilt = node.func(*args)
        done[node] = change(rebuilt)
    return done[expr]


def _fold(args, pair):
    out = args[0]
    for a in args[1:]:
        out = pair(out, a)
    return out


KINKS = (sp.Max, sp.Min, sp.Abs, sp.sign, sp.Heaviside)


def is_rational_function(d, kinks: bool = False) -> bool:
    """Only +, ·, integer powers, rationals and real symbols (cancel decides these); with `kinks`,
    also max, min, |·|, sign and the step (rational on each side of every kink)."""
    for node in sp.preorder_traversal(d):
        if node.is_Symbol or node.is_Rational or node.is_Add or node.is_Mul:
            continue
        if node.is_Pow and node.exp.is_Integer:
            continue
        if kinks and isinstance(node, KINKS):
            continue
        return False
    return True


def _signs_as_symbols(d):
    """Abs(u) → u·s and sign(u) → s with s² = 1, when those are d's only functions.

    Exact: |u| = u·sign(u) everywhere, and an identity that holds for s = ±1 holds
    whatever the signs. Returns (new d, the sign symbols) or None.
    """
    functions = d.atoms(sp.Function)
    if not functions or any(not isinstance(f, (sp.Abs, sp.sign)) or f.args[0].has(sp.Abs, sp.sign) for f in functions):
        return None  # nested kinks are split case by case (_by_sign_cases)
    units, swap = [], {}
    for f in sorted(functions, key=sp.default_sort_key):
        u = f.args[0]
        if u not in swap:
            swap[u] = sp.Dummy("s")
            units.append(swap[u])
    d = d.replace(sp.Abs, lambda u: u * swap[u]).replace(sp.sign, lambda u: swap[u])
    if not is_rational_function(d.xreplace({s: sp.Symbol("s_") for s in units})):
        return None
    return d, units


def _zero(d, proof: Proof, cheap: bool, seed: int, definitions=()):
    """True when d is identically 0; False when a decision procedure shows it is not; else None.
    `definitions`: kept nodes' symbols (identity.Defined); they are not independent variables, so
    only the identity test, which values them from their definitions, may call d nonzero."""
    if d == 0:
        return True
    d = kinks_as_signs(d)
    signs = _signs_as_symbols(d)
    if signs is not None:
        reduced, units = signs
        numerator = sp.numer(sp.cancel(reduced))
        for s in units:
            numerator = sp.rem(sp.expand(numerator), s**2 - 1, s)
        if sp.expand(numerator) == 0:
            return True
    if is_rational_function(d):
        tested = identity_test([d], seed, definitions)
        if tested is not None and tested[0] == "proved":
            proof.methods.append(tested[1])
            return True
        kept = d.free_symbols & {s for defined in definitions for s in defined.symbols}
        if kept and tested is not None:  # nonzero where the kept nodes have their true values
            proof.forms.append(d)
            return False
        if sp.count_ops(d) >= CANCEL_OPS:
            return False if tested is not None else None
        canceled = sp.cancel(d)  # a decision procedure for rational functions
        if canceled == 0:
            return True
        proof.forms.append(canceled)
        return None if kept else False
    if _by_sign_cases(d, proof, seed, definitions) or _functions_as_symbols(d, proof, seed, definitions):
        return True
    if cheap:
        return None
    ops = sp.count_ops(d)
    if ops < EXPAND_OPS and expanded_terms(d) < EXPAND_TERMS:
        expanded = sp.expand(d)
        if expanded == 0:
            return True
        proof.forms.append(expanded)
    if ops < SIMPLIFY_OPS and len(d.free_symbols) <= SIMPLIFY_SYMBOLS and not d.has(sp.Piecewise, sp.Abs, sp.sign):
        simplified = sp.simplify(d)
        if simplified == 0:
            return True
        proof.forms.append(simplified)
    return None


def _by_sign_cases(d, proof: Proof, seed: int, definitions=()) -> bool:
    """Split on the sign of one innermost kink argument u at a time (max, min and the step are |·| and
    sign by now), u and −u alike, until no kink is left; d vanishing in every case, by the identity
    test, vanishes wherever no u is 0, which is where the derivative exists. Where u is linear in a
    variable v, the case u = ±τ (τ > 0) is written by solving for v, so sympy settles the kinks that
    the case decides (|k − r| in Huber once r and k − r have signs) and impossible cases vanish."""
    if not d.has(sp.Abs, sp.sign):
        return False
    left, methods = [SIGN_CASES], []
    if not _split_signs(d, left, methods, seed, definitions):
        return False
    cases = f"in each of the {SIGN_CASES - left[0]} sign cases of |·|, max and min"
    proof.methods.append(f"{cases}: {methods[0]}" if methods else f"claim − truth is 0 {cases}")
    return True


def _split_signs(d, left: list, methods: list, seed: int, definitions) -> bool:
    kinks = d.atoms(sp.Abs, sp.sign)
    if not kinks:
        left[0] -= 1
        return left[0] >= 0 and _kink_free_zero(d, methods, seed, definitions)
    innermost = [k.args[0] for k in kinks if not k.args[0].has(sp.Abs, sp.sign)]
    outside = [u for u in innermost if u in _kink_arguments_outside_functions(d)]
    u = min(outside or innermost, key=sp.default_sort_key)  # first a kink a case settles outright, not one in exp(…)
    u = -u if u.could_extract_minus_sign() else u
    return all(_split_signs(_with_sign(d, u, s, not definitions), left, methods, seed, definitions) for s in (1, -1))


def _kink_arguments_outside_functions(d) -> set:
    """The arguments of the |·| and sign of d that are not inside another function (exp, log, …)."""
    found, stack = set(), [d]
    while stack:
        e = stack.pop()
        if isinstance(e, (sp.Abs, sp.sign)):
            found.add(e.args[0])
            stack.append(e.args[0])
        elif not (isinstance(e, sp.Function) or e.is_Atom):
            stack.extend(e.args)
    return found


def _with_sign(d, u, s: int, solve: bool):
    """d where sign(u) = s: u = s·τ solved for a variable it is linear in (the one that leaves the fewest
    kinks), else |±u| → s·u and sign(±u) → ±s. Not solved when kept nodes' definitions read the
    variables (they would keep the old one), nor under derivatives (a variable there is no value)."""
    best, kinks = None, len(d.atoms(sp.Abs, sp.sign))
    if solve and not d.has(sp.Derivative, sp.Subs):
        tau = sp.Dummy("tau", positive=True)
        for v in sorted(u.free_symbols, key=sp.default_sort_key):
            c = sp.diff(u, v)
            if c.is_Rational and c != 0:
                branch = d.xreplace({v: (s * tau - (u - c * v)) / c})
                if len(branch.atoms(sp.Abs, sp.sign)) < (kinks if best is None else len(best.atoms(sp.Abs, sp.sign))):
                    best = branch  # fewer kinks than before: each split makes progress
    if best is not None:
        return best

    def fix(e):
        if isinstance(e, (sp.Abs, sp.sign)) and e.args[0] in (u, -u):
            same = 1 if e.args[0] == u else -1
            return s * u if isinstance(e, sp.Abs) else same * s
        return e

    return bottom_up(d, fix)


def _kink_free_zero(d, methods: list, seed: int, definitions) -> bool:
    """One sign case: 0 as it stands, by the identity test, or with function values as free variables."""
    if d == 0:
        return True
    if is_rational_function(d):
        tested = identity_test([d], seed, definitions)
        if tested is None or tested[0] != "proved":
            return False
        methods.append(tested[1])
        return True
    scratch = Proof("proved")
    if _functions_as_symbols(d, scratch, seed, definitions):
        methods.extend(scratch.methods)
        return True
    return False


def _functions_as_symbols(d, proof: Proof, seed: int, definitions=()) -> bool:
    """tanh, sinh and cosh in exp, exp(a + b) → exp(a)·exp(b), then every function application and
    irrational power a fresh symbol: if what is left is a rational function that is identically 0, so
    is d (whatever values those applications take). Proves shift invariances and the like without
    simplify."""
    if not d.atoms(sp.Function) and is_rational_function(d):
        return False

    def in_exp(e):  # tanh, sinh, cosh in exp (exact); exp(a + b) = exp(a)·exp(b)
        if isinstance(e, (sp.tanh, sp.sinh, sp.cosh)):
            e = e.rewrite(sp.exp)
        return e if not isinstance(e, sp.exp) else sp.Mul(*[sp.exp(t) for t in sp.Add.make_args(sp.expand(e.args[0]))])

    split = _roots_as_powers(bottom_up(d, in_exp))
    names: dict = {}

    def symbol(e):
        if isinstance(e, sp.exp):  # exp(k·m) = exp(m)^k: exp(m) and exp(−m) are one variable and its inverse
            k, m = e.args[0].as_coeff_Mul()
            if k.is_Integer and k != 1 and abs(k) <= EXP_POWER:
                return symbol(sp.exp(m)) ** int(k)
        if e not in names:
            names[e] = sp.Dummy("u")
        return names[e]

    flat = bottom_up(split, lambda e: symbol(e) if isinstance(e, (sp.Function, sp.Subs, sp.Derivative))
                     or (e.is_Pow and not e.exp.is_Integer) else e, evaluate=False)
    if not is_rational_function(flat):
        return False
    tested = identity_test([flat], seed, definitions)
    if tested is None or tested[0] != "proved":
        return False
    proof.methods.append(tested[1].replace("claim − truth", "claim − truth, with each function value a "
                                                            "free variable,"))
    return True


def _roots_as_powers(d):
    """Every base B raised to fractions p/q becomes a fresh positive u with B = u^Q (Q the lcm of the q):
    B^(p/q) → u^(pQ/q) and B itself → u^Q. Sound: an identity in independent u and the inputs holds
    at u = B^(1/Q) too, wherever B > 0 (elsewhere those roots are not real). Makes 1/√v and v^(-3/2)
    one variable, so normalisation layers are rational."""
    roots: dict = {}
    for power in d.atoms(sp.Pow):
        if power.exp.is_Rational and not power.exp.is_Integer and not power.base.is_number:
            roots.setdefault(power.base, []).append(power.exp)  # √2 stays a constant: 2 → u² would reach x**2
    for base in sorted(roots, key=sp.count_ops, reverse=True):
        q = math.lcm(*[int(e.q) for e in roots[base]])
        u = sp.Dummy("r", positive=True)
        d = d.xreplace({base ** e: u ** (e * q) for e in roots[base]}).xreplace({base: u ** q})
    return d


CANONICAL = sp.Symbol("_t", real=True)


def derivatives_at_points(d):
    """Derivative(f(g(x)), g(x)) — sympy's form for the chain rule — as Subs(Derivative(f(ξ), ξ), ξ, g(x)),
    the form of a claim's f'(g(x)), so both compare and evaluate alike."""
    def at_point(derivative):
        expr, pending = derivative.expr, []
        for v, n in derivative.variable_count:
            if v.is_Symbol:
                pending.append((v, n))
                continue
            t = sp.Dummy("xi", real=True)
            expr = sp.Subs(sp.Derivative(expr.xreplace({v: t}), (t, n)), t, v)
        return sp.Derivative(expr, *pending) if pending else expr

    return d.replace(lambda e: isinstance(e, sp.Derivative) and any(not v.is_Symbol for v in e.variables), at_point)


def canonical_subs(d):
    """f'(u) is Subs(Derivative(f(ξ), ξ), ξ, u) with whatever dummy ξ made it; use one name for all."""
    d = derivatives_at_points(d)

    def rename(subs):
        expr, variables, points = subs.args
        if len(variables) != 1:
            return subs
        return sp.Subs(expr.xreplace({variables[0]: CANONICAL}), CANONICAL, points[0])

    return d.replace(lambda e: isinstance(e, sp.Subs), rename)


def attempt(differences: list, seconds: float, cheap: bool = False, seed: int = 0, definitions=(),
            proof_only: bool = False) -> Proof:
    """Try to show every difference is 0; collect the nonzero forms met on the way. `definitions`:
    the kept nodes (identity.Defined) whose symbols the differences may read. `proof_only`: stop at
    the first entry not shown 0 (an attempt whose forms and disproofs would not count)."""
    use_alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    previous = signal.signal(signal.SIGALRM, _alarm) if use_alarm else None
    deadline = time.monotonic() + seconds
    proof = Proof("proved")
    try:
        if definitions and _all_at_once(differences, proof, seed, definitions):
            return proof
        for d in differences:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Proof("timeout", proof.forms, proof.methods)
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, remaining)
            try:
                zero = _zero(canonical_subs(sp.sympify(d)), proof, cheap, seed, definitions)
            except ProofTimeout:
                return Proof("timeout", proof.forms, proof.methods)
            except (Exception, RecursionError):  # noqa: BLE001 - a crash in sympy is no proof, never a verdict
                zero = None
            finally:
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            if zero is False:
                return Proof("disproved", proof.forms, proof.methods)
            if zero is None and proof.outcome == "proved":
                proof.outcome = "no"
            if zero is None and proof_only:
                return proof
        return proof
    finally:
        if use_alarm:
            signal.signal(signal.SIGALRM, previous)


def _all_at_once(differences: list, proof: Proof, seed: int, definitions) -> bool:
    """Every entry at once by one identity test (one exact evaluation of the kept nodes per point)."""
    entries = [sp.sympify(d) for d in differences]
    if len(entries) < 2 or not all(is_rational_function(d) for d in entries):
        return False
    tested = identity_test(entries, seed, definitions)
    if tested is None or tested[0] != "proved":
        return False
    proof.methods.append(tested[1])
    return True


def prove_zero(differences: list, seconds: float) -> str:
    """'proved', 'disproved', 'no' or 'timeout' (for callers that need only the outcome)."""
    return attempt(differences, seconds).outcome
