"""The mutation audit of a checked problem (the work behind `derivcheck audit`).

For every claim that passes, plausible wrong answers are made from it (derivcheck.verdict.mutate)
and each is checked exactly as the problem is written; a mutant that is not found wrong
*slips through*. Mutants equal to the claim for every value of the inputs are skipped as
`equivalent`, and those equal on the declared domain are marked so (they are not mistakes
there). Runs in the worker, under the deadline (runner.run_file with `audit=True`).
"""

from __future__ import annotations

import dataclasses

from derivcheck.results import ClaimAudit, MutantResult

PASSING = ("proved", "verified")


def audit_claims(checker, before_each, kinds=None) -> tuple:
    """A ClaimAudit per claim (every mutant of a claim shares the Checker's truth); `before_each()` starts
    each step's deadline."""
    audits = []
    for claim in checker.model.claims:
        before_each()
        audits.append(audit_claim(checker, claim, before_each, kinds=kinds))
    return tuple(audits)


def audit_claim(checker, claim, before_each=None, kinds=None) -> ClaimAudit:
    """The claim's verdict, and when it passes, the outcome of each of its mutants."""
    from derivcheck.verdict import mutate
    from derivcheck.lang.build import compile_claim
    from derivcheck.lang.problem import Text

    spec = claim.spec
    result = checker.check(claim)
    head = dict(index=spec.index, name=spec.name or f"claim {spec.index + 1}", claim=spec.body.text,
                verdict=result.verdict, passed=result.passed)
    if spec.expect_fails:
        return ClaimAudit(**head, audited=False, reason="a deliberate mistake (expect: fails)")
    if spec.approx:
        return ClaimAudit(**head, audited=False, reason="an approximation (approx: true)")
    if result.verdict not in PASSING:
        return ClaimAudit(**head, audited=False, reason=f"the claim itself is {result.verdict}")
    model = checker.model
    graph = model.graph
    text = claim.reading or spec.body.text
    entries = spec.kind == "entries"
    shapes = {n: s for n, s in graph.shapes.items() if "#" not in n}
    original = checker.sym.evaluate(claim.eqns, claim.target)
    out = []
    for m in mutate.mutants(text, shapes=shapes, entries=entries, ndim=len(claim.shape)):
        if kinds is not None and m.kind not in kinds:
            continue
        if before_each is not None:
            before_each()
        body = Text(m.text, spec.body.line, spec.body.col, True)
        mutant_spec = dataclasses.replace(spec, kind="entries" if entries else "is", body=body)
        compiled = compile_claim(mutant_spec, graph, model.output, model.problem)
        if compiled.error is not None:
            out.append(MutantResult(m.kind, m.description, m.text, "invalid", "error", compiled.error.message))
            continue
        if compiled.misfit is not None:  # shapes that do not fit: found wrong without evaluating it
            out.append(MutantResult(m.kind, m.description, m.text, "found-wrong", "wrong", compiled.misfit.message))
            continue
        same = equivalent(checker, original, checker.sym.evaluate(compiled.eqns, compiled.target))
        if same == "identical":
            out.append(MutantResult(m.kind, m.description, m.text, "equivalent", "", "equal to the claim for all inputs"))
            continue
        r = checker.check(compiled)
        outcome = "found-wrong" if r.verdict == "wrong" else ("invalid" if r.verdict == "error" else "slipped")
        if r.verdict == "proved":  # proved equal to the truth wherever the domains hold, as the claim is
            same = same or "domain"
        elif r.verdict in PASSING and not same:  # verified: give the comparison the proof's full time,
            value = checker.sym.evaluate(compiled.eqns, compiled.target)  # then test identity at fresh points
            same = equivalent(checker, original, value, seconds=max(1.0, checker.timeout / 2)) or (
                "domain" if equal_at_fresh_points(checker, original, value) else "")
        note = "equal to the claim on the declared domain of the inputs" if same else ""
        out.append(MutantResult(m.kind, m.description, m.text, outcome, r.verdict, r.message, on_domain=bool(note),
                                note=note))
    return ClaimAudit(**head, audited=True, mutants=tuple(out))


def equivalent(checker, a, b, seconds: float | None = None) -> str:
    """How two claim values are equal as expressions in the inputs: "identical" with no assumption,
    "domain" only on the declared domains (S.T for a symmetric S), or "" (not shown equal).

    Uses the proof cascade (structural, cancel, expand, simplify) under a time limit, so an
    undecided comparison just means the mutant is checked like any claim."""
    import numpy as np
    import sympy as sp

    from derivcheck.verdict.proof import prove_zero

    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    if a.shape != b.shape:
        return ""
    a, b = checker.sym.substitute(a), checker.sym.substitute(b)
    if _differ_at_a_sample_point(checker, list(a.flat), list(b.flat)):
        return ""  # the common case, decided without a proof attempt
    differences = [sp.sympify(x - y) for x, y in zip(a.flat, b.flat)]
    seconds = seconds or min(5.0, max(1.0, checker.timeout / 4))
    if prove_zero(differences, seconds) == "proved":
        return "identical"
    swap = checker.domain_substitution()
    if swap and prove_zero([d.xreplace(swap) for d in differences], seconds) == "proved":
        return "domain"
    return ""


def equal_at_fresh_points(checker, a, b, points: int = 4, digits: int = 60) -> bool:
    """Identity testing: a and b agree to 10^-40 (relative) at `points` fresh random points of the
    domains, evaluated at 60 digits. A non-zero difference of analytic expressions vanishes at
    random points with negligible probability, so this decides "equal on the domain" where a
    symbolic proof runs out of time, far beyond the verifier's own tolerance of 10^-15."""
    import random

    import mpmath
    import numpy as np

    from derivcheck.verdict import sampling
    from derivcheck.verdict.numeval import Compiled, finite_real, real

    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    if a.shape != b.shape:
        return False
    try:
        entries = [checker.concrete(e, 0) for e in list(checker.sym.substitute(a).flat) + list(checker.sym.substitute(b).flat)]
        free = sorted(set().union(*(e.free_symbols for e in entries)), key=str)
        fn = Compiled(free, entries)
    except Exception:  # noqa: BLE001 - cannot evaluate: not shown equal
        return False
    rng = random.Random(checker.seed ^ 0x5EED)
    n, agreed = a.size, 0
    for _ in range(points * 4):
        point = sampling.draw_point(rng, checker.model.problem.inputs)
        values = checker.values_at(point, 0, digits)
        got = fn([values[s] for s in free], digits)
        if not all(finite_real(v) for v in got):
            continue
        got = [real(v) for v in got]
        with mpmath.workdps(digits):
            if any(abs(x - y) > mpmath.mpf(10) ** -40 * max(1, abs(x), abs(y)) for x, y in zip(got[:n], got[n:])):
                return False
        agreed += 1
        if agreed == points:
            return True
    return False


def _differ_at_a_sample_point(checker, a: list, b: list) -> bool:
    """True when a and b clearly differ at the problem's first sample point (drawn from the domains)."""
    import mpmath

    from derivcheck.verdict.numeval import Compiled, finite_real, real

    try:
        point = checker.point(0)
        values = checker.values_at(point, 0, 30)
        entries = [checker.concrete(e, 0) for e in a + b]
        free = sorted(set().union(*(e.free_symbols for e in entries)), key=str)
        got = Compiled(free, entries)([values[s] for s in free], 30)
    except Exception:  # noqa: BLE001 - no verdict from this shortcut: the proofs decide
        return False
    if not all(finite_real(v) for v in got):
        return False
    got = [real(v) for v in got]
    n = len(a)
    return any(abs(x - y) > mpmath.mpf(10) ** -20 * max(1, abs(x), abs(y)) for x, y in zip(got[:n], got[n:]))
