"""Name the mistake in a wrong claim (SPEC §2): sign, constant factor, rounded
constant, transposed, other index order, a missing or extra path of the DAG,
missing symmetrisation; plus the entries that differ most.

Each diagnosis is a candidate transformation of the truth tested against the
claim's values at the valid sample points; the first that fits is reported.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import mpmath
import numpy as np

from derivcheck.ops import fmt_shape
from derivcheck.safetext import number_text

FIT = 1e-9


def _fits(a: np.ndarray, b: np.ndarray) -> bool:
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    scale = max(float(np.max(np.abs(a), initial=0)), float(np.max(np.abs(b), initial=0)), 1e-300)
    return bool(np.all(np.abs(a - b) <= FIT * scale))


OTHER_ORDER = ("the claim is written in the other index order ({order} first{who}); "
               "{fix}")


def other_order_text(claim_is_wrt_first: bool) -> str:
    if claim_is_wrt_first:
        return OTHER_ORDER.format(order="wrt", who=", as sympy and Mathematica write derivatives",
                                  fix="add index_order: wrt-first, or swap the indices")
    return OTHER_ORDER.format(order="of", who="", fix="drop index_order: wrt-first, or swap the indices")


def shape_diagnosis(claim_shape: tuple, written: tuple, of_rank: int, wrt_first: bool) -> str:
    """Name both shapes, and the mistake when the claim has the other order's or the transposed shape."""
    text = f"wrong shape: the claim is {fmt_shape(claim_shape)}, the derivative is {fmt_shape(written)}"
    split = len(written) - of_rank if wrt_first else of_rank
    other = written[split:] + written[:split]
    if 0 < split < len(written) and claim_shape == other:
        transposed = "the claim is transposed: " if len(written) == 2 else ""
        return text + " — " + transposed + other_order_text(not wrt_first)
    if len(claim_shape) == 2 and claim_shape == written[::-1]:
        return text + " — the claim is transposed"
    return text


def instance_lines(instance: dict) -> list:
    """The random smooth function that stood in for each declared function at the counterexample
    (smooth.py's a·sin(w·t + p) + b·exp(k·t) + c·t² + d·t), so the point can be reproduced."""
    def term(coefficient, text: str) -> str:
        value = float(coefficient)
        sign = "−" if value < 0 else "+"
        return f" {sign} {abs(value):g}{text}"

    lines = []
    for name, fn in sorted(instance.items()):
        formula = (f"{float(fn.a):g}·sin({float(fn.w):g}·t + {float(fn.p):g})" + term(fn.b, f"·exp({float(fn.k):g}·t)")
                   + term(fn.c, "·t²") + term(fn.d, "·t"))
        lines.append(f"with {name}(t) = {formula.replace('+ −', '− ')}")
    return lines


def _constant(ratio: float) -> str:
    frac = Fraction(ratio).limit_denominator(1000)
    return str(frac) if abs(float(frac) - ratio) < 1e-9 * abs(ratio) else f"{ratio:.6g}"


def diagnose(checker, claim, truth, value, rows) -> tuple[str, list]:
    shape = claim.expected
    S = np.array([[float(x) for x in r[2]] for r in rows])
    C = np.array([[float(x) for x in r[3]] for r in rows])
    details = _differing_entries(S, C, shape) if shape else []
    if not len(rows):
        return "", details
    if _fits(C, -S):
        return "opposite sign", details
    with mpmath.workdps(60):
        factor = _constant_factor(rows)
    if factor is not None and abs(factor - 1) < 1e-25:
        return "a difference too small to see in the printed values: a tiny extra term or factor?", details
    if factor is not None:
        if abs(factor - 1) < 1e-2:
            with mpmath.workdps(60):
                shown = mpmath.nstr(factor, 25)
            return (f"a rounded constant: the claim is {shown} × the truth "
                    "(write the exact constant, or set rtol)"), details
        return f"off by a constant factor: the claim is {_constant(float(factor))} × the truth", details
    order = _other_order(checker, claim, S, C)
    if order:
        return order, details
    if len(shape) == 2 and shape[0] == shape[1]:
        n = len(rows)
        if _fits(C.reshape((n,) + shape).transpose(0, 2, 1), S.reshape((n,) + shape)):
            hint = " (X⁻¹ where X⁻ᵀ is meant?)" if "inv" in claim.spec.body.text else ""
            return "transposed: the claim is the transpose of the true derivative" + hint, details
    paths = _path_diagnosis(checker, claim, rows, S, C)
    if paths:
        return paths, details
    repair = _repair(checker, claim, truth, rows)
    if repair:
        return repair, details
    sym = _symmetrisation(checker, claim, truth, value, rows)
    if sym:
        return sym, details
    worst = max(_relative_gap(r[2], r[3]) for r in rows)
    if worst < 1e-6:
        return f"close but not equal: a relative difference of {worst:.2g} (a tiny extra term?)", details
    return "", details


def _constant_factor(rows):
    """claim / truth when it is the same non-zero number at every entry and point (30-digit values)."""
    ratios = []
    for _, _, s, c, _ in rows:
        for a, b in zip(s, c):
            big = max(abs(a), abs(b))
            if big == 0:
                continue
            if abs(a) <= big * mpmath.mpf(10) ** -25:
                return None  # the truth vanishes where the claim does not
            ratios.append(b / a)
    if not ratios or ratios[0] == 0:
        return None
    k = ratios[0]
    if all(abs(r - k) <= abs(k) * mpmath.mpf(10) ** -20 for r in ratios):
        return k
    return None


def _relative_gap(s, c) -> float:
    with mpmath.workdps(60):
        return _gap(s, c)


def _gap(s, c) -> float:
    diff = max((abs(a - b) for a, b in zip(s, c)), default=0)
    scale = max((max(abs(a), abs(b)) for a, b in zip(s, c)), default=0)
    return float(diff / scale) if scale else 0.0


def _other_order(checker, claim, S, C) -> str:
    k = len(checker.graph.shapes[claim.of])
    shape = claim.expected
    if claim.spec.diagonal or k == 0 or k == len(shape):
        return ""
    other = shape[k:] + shape[:k]
    if other != shape:
        return ""
    n = len(S)
    axes = (0,) + tuple(range(1 + len(shape) - k, 1 + len(shape))) + tuple(range(1, 1 + len(shape) - k))
    swapped = S.reshape((n,) + shape).transpose(axes).reshape(n, -1)
    if _fits(C, swapped):
        return ("the claim is transposed: " if len(shape) == 2 else "") + other_order_text(not claim.spec.wrt_first)
    return ""


def _path_diagnosis(checker, claim, rows, S, C) -> str:
    if len(claim.wrt) != 1:
        return ""
    from derivcheck.witness.symbolic import paths

    found = paths(checker.sym, claim.of, claim.wrt[0])
    if len(found) < 2 or len(found) > 16:
        return ""
    terms = []
    for path, term in found:
        values = []
        for point, j, *_ in rows:
            free, fn = checker.compile(term, j)
            known = checker.values_at(point, j, 30)
            values.append([float(mpmath.re(x)) for x in fn([known[x] for x in free], 30)])
        terms.append((path, np.array(values)))
    name = lambda p: " → ".join(p)  # noqa: E731
    for size in (1, 2):
        for group in combinations(terms, size):
            total = sum(t for _, t in group)
            if _fits(C, S - total):
                which = " and ".join(f"the path {name(p)}" for p, _ in group)
                return f"a missing path term: the claim leaves out {which}"
    for path, t in terms:
        if _fits(C, S + t):
            return f"an extra term: the path {name(path)} is counted twice"
    return ""


def _symmetrisation(checker, claim, truth, value, rows) -> str:
    """Right once one square input is made symmetric: 2Ax written for (A + Aᵀ)x."""
    squares = [n for n, s in checker.graph.inputs.items() if len(s) == 2 and s[0] == s[1]
               and checker.model.domains.get(n) not in ("symmetric", "spd")]
    (tf, tfn), (cf, cfn) = checker.compile(truth, rows[0][1]), checker.compile(value, rows[0][1])
    for name in squares:
        point, j = dict(rows[0][0]), rows[0][1]
        a = np.asarray(point[name], dtype=object)
        point[name] = (a + a.T) / 2
        known = checker.values_at(point, j, 30)
        s = np.array([float(mpmath.re(x)) for x in tfn([known[x] for x in tf], 30)])
        c = np.array([float(mpmath.re(x)) for x in cfn([known[x] for x in cf], 30)])
        if _fits(c, s):
            return (f"missing symmetrisation: the claim is right only when {name} is symmetric "
                    f"(as 2Ax is for (A + Aᵀ)x)")
    return ""


REPAIRS = {
    "swap-product": "a product in the wrong order",
    "transpose-product": "a transposed product without swapping its factors ((AB)ᵀ = BᵀAᵀ)",
    "inverse-transpose": "an inverse without its transpose (X⁻¹ for X⁻ᵀ) or the reverse",
    "add-transpose": "a missing transpose",
    "drop-transpose": "an extra transpose",
    "symmetric-part": "a wrong symmetrisation",
}
MAX_REPAIRS = 24


def _repair(checker, claim, truth, rows) -> str:
    """Try the usual slips on the claim; if undoing one makes it right, name it."""
    import dataclasses

    from derivcheck.lang.build import compile_claim
    from derivcheck.verdict.mutate import mutants
    from derivcheck.lang.problem import Text

    text = claim.spec.body.text if claim.spec.kind == "is" else claim.reading if claim.spec.kind == "latex" else ""
    if not text:
        return ""
    shapes = {n: s for n, s in checker.graph.shapes.items() if "#" not in n}
    try:
        candidates = [m for m in mutants(text, shapes=shapes, ndim=len(claim.expected))
                      if m.kind in REPAIRS][:MAX_REPAIRS]
    except Exception:  # a claim the mutator cannot read gets no repair hint
        return ""
    every = _all_inverses_transposed(text)
    if every:
        candidates.insert(0, every)
    expected = np.array([[float(x) for x in r[2]] for r in rows[:2]])
    for mutant in candidates:
        body = Text(mutant.text, claim.spec.body.line, claim.spec.body.col)
        fixed = compile_claim(dataclasses.replace(claim.spec, body=body, kind="is"), checker.graph, claim.of,
                              checker.model.problem)
        if fixed.error is not None or fixed.shape != claim.shape:
            continue
        value = checker.reorder(checker.sym.evaluate(fixed.eqns, fixed.target), fixed)
        got = []
        for point, j, *_ in rows[:2]:
            free, fn = checker.compile(value, j)
            known = checker.values_at(point, j, 30)
            got.append([float(mpmath.re(x)) for x in fn([known[x] for x in free], 30)])
        if _fits(np.array(got), expected):
            return f"{REPAIRS[mutant.kind]}: the claim holds as {mutant.text} ({mutant.description})"
    return ""


def _all_inverses_transposed(text: str):
    """The claim with every X⁻¹ written X⁻ᵀ and every X⁻ᵀ written X⁻¹ (one slip, made throughout)."""
    import dataclasses

    from derivcheck.lang import exprs
    from derivcheck.verdict.mutate import Mutant, unparse

    def flip(node):
        if isinstance(node, exprs.Transpose) and isinstance(node.operand, exprs.Call) and node.operand.fn == "inv":
            return dataclasses.replace(node.operand, args=tuple(flip(a) for a in node.operand.args))
        if isinstance(node, exprs.Call) and node.fn == "inv":
            return exprs.Transpose(dataclasses.replace(node, args=tuple(flip(a) for a in node.args)), node.pos)
        if isinstance(node, (exprs.Neg, exprs.Transpose)):
            return dataclasses.replace(node, operand=flip(node.operand))
        if isinstance(node, exprs.Bin):
            return dataclasses.replace(node, left=flip(node.left), right=flip(node.right))
        if isinstance(node, exprs.Call):
            return dataclasses.replace(node, args=tuple(flip(a) for a in node.args))
        return node

    tree = exprs.parse(text, claim=True)
    flipped = flip(tree)
    if flipped == tree:
        return None
    return Mutant("inverse-transpose", "every X⁻¹ ↔ X⁻ᵀ", unparse(flipped))


def _differing_entries(S, C, shape, count: int = 3) -> list:
    diff = np.abs(S[0] - C[0])
    order = np.argsort(-diff)[:count]
    lines = []
    for k in order:
        if diff[k] == 0:
            break
        index = np.unravel_index(k, shape)
        label = ",".join(str(i + 1) for i in index)
        lines.append(f"entry [{label}]: claimed {number_text(C[0][k])}, true {number_text(S[0][k])}")
    return lines
