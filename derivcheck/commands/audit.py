"""`derivcheck audit PATH...`: would this problem catch the usual mistakes?

For every claim that passes (`proved` or `verified`), plausible wrong answers are made
from it (derivcheck.mutate: factor 2, sign, transposes, swapped products, X⁻¹ for X⁻ᵀ,
2A for A + Aᵀ, a dropped path term) and each is checked exactly as the problem is
written: same inputs, domains, points, seed and settings. A mutant that is not found
`wrong` *slips through*: the problem cannot tell that mistake from the right answer,
for example a transpose when every matrix is square and symmetric.

Mutants that do not compile (a shape mismatch inside the expression) are skipped as
`invalid`; mutants equal to the claim for every value of the inputs (a transposed
scalar, the sign of 0) are skipped as `equivalent`, since they are not mistakes.

Exit status: 0 no mutant slips through, 1 some mutant slips through, 2 bad input,
3 a limit was hit or an internal error; the highest over all files wins.
"""

from __future__ import annotations

import dataclasses
import os

import click

from derivcheck.commands.options import common, deadline

PASSING = ("proved", "verified")


@dataclasses.dataclass(frozen=True)
class MutantResult:
    kind: str
    description: str
    text: str
    outcome: str  # found-wrong | slipped | equivalent | invalid
    verdict: str = ""
    message: str = ""
    on_domain: bool = False  # equal to the claim wherever the inputs' domains hold (so not a mistake there)
    note: str = ""


@dataclasses.dataclass(frozen=True)
class ClaimAudit:
    index: int
    name: str
    claim: str
    verdict: str  # the original claim's verdict
    passed: bool  # whether the original claim passes (as `check` would say)
    audited: bool
    reason: str = ""  # why it was not audited
    mutants: tuple = ()

    @property
    def slipped(self) -> list:
        return [m for m in self.mutants if m.outcome == "slipped"]


@dataclasses.dataclass(frozen=True)
class AuditResult:
    file: str
    id: str
    claims: tuple = ()
    error: dict | None = None
    internal: bool = False

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return 3 if self.internal else 2
        return 1 if any(c.slipped for c in self.claims) else 0

    @property
    def status(self) -> str:
        if self.error is not None:
            return "internal-error" if self.internal else "error"
        return "slips" if self.exit_code else "ok"


# --- the work (runs in a worker process) ----------------------------------------------------


def audit_file(path: str, *, data: bytes | None = None, seed=None, samples=None, timeout=None, progress=None,
               done=None, with_steps=False) -> AuditResult:
    """Audit one file; never raises (bad input and internal errors become `error`)."""
    import traceback

    from derivcheck.errors import LocatedError
    from derivcheck.runner import read_source, stem

    try:
        if data is None:
            data = read_source(path)
        return audit_source(data, path, seed=seed, samples=samples, timeout=timeout, progress=progress)
    except LocatedError as exc:
        return AuditResult(path, stem(path), error={"line": exc.line, "column": exc.col, "message": exc.message})
    except OSError as exc:
        return AuditResult(path, stem(path), error={"line": 0, "column": 0, "message": f"cannot read: {exc.strerror or exc}"})
    except (RecursionError, MemoryError) as exc:
        what = "recursion limit" if isinstance(exc, RecursionError) else "memory limit"
        return AuditResult(path, stem(path), internal=True, error={"line": 0, "column": 0, "message": f"undecided: {what} hit"})
    except Exception as exc:  # noqa: BLE001 - an internal error is reported, never a traceback
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return AuditResult(path, stem(path), internal=True, error={
            "line": 0, "column": 0,
            "message": f"internal error: {type(exc).__name__}: {exc} (at {where.filename.rsplit('/', 1)[-1]}:{where.lineno})"})


def audit_source(data: bytes, path: str, *, seed=None, samples=None, timeout=None, progress=None,
                 kinds=None) -> AuditResult:
    from derivcheck.build import build
    from derivcheck.problem import load_text
    from derivcheck.runner import Progress, step_limit
    from derivcheck.verify import Checker

    progress = progress or Progress()
    problem = load_text(data, path)
    model = build(problem)
    checker = _checker_class(Checker)(model, seed=seed, samples=samples, timeout=timeout)
    step = step_limit(checker.timeout)
    audits = []
    for claim in model.claims:
        progress.phase(step, {"kind": "audit", "timeout": checker.timeout})
        audits.append(audit_claim(checker, claim, lambda: progress.phase(step, {"kind": "audit", "timeout": checker.timeout}),
                                  kinds=kinds))
    return AuditResult(path, problem.id, tuple(audits))


def _checker_class(base):
    """The Checker, remembering each true derivative: every mutant of a claim has the same truth,
    so it is derived and compiled once (the claim's own value is still checked from scratch)."""

    class AuditChecker(base):
        def truth(self, claim):
            key = (claim.of, tuple(claim.wrt), bool(claim.spec.diagonal))
            cache = self.__dict__.setdefault("_truths", {})
            if key not in cache:
                cache[key] = super().truth(claim)
            return cache[key]

    return AuditChecker


def audit_claim(checker, claim, before_each=None, kinds=None) -> ClaimAudit:
    """The claim's verdict, and when it passes, the outcome of each of its mutants."""
    from derivcheck import mutate
    from derivcheck.build import compile_claim
    from derivcheck.problem import Text

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

    from derivcheck.proof import prove_zero

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

    from derivcheck import sampling
    from derivcheck.numeval import Compiled, finite_real, real

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

    from derivcheck.numeval import Compiled, finite_real, real

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


# --- the command ------------------------------------------------------------------------------


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None, help="Worker processes (default: CPU count).")
@common
@click.pass_context
def audit(ctx, paths, fmt, jobs, seed, samples, timeout):
    """Mutation audit: does each passing claim's problem catch plausible wrong answers?

    Every mutant of a passing claim (factor 2, sign, transposes, swapped products, X⁻¹
    for X⁻ᵀ, 2A for A + Aᵀ, a dropped term) is checked as the problem is written; the
    ones not found wrong are listed. Exit 1 when some mutant slips through.
    """
    from derivcheck.discover import discover
    from derivcheck.pool import run_all

    files, notices = discover(paths)
    for notice in notices:
        click.echo(notice, err=True)
    if not files:
        click.echo("error: no problem files found" + (f" under {', '.join(paths)}" if paths else ""), err=True)
        ctx.exit(2)
    inputs = None
    if "-" in files:
        inputs = {"-": click.get_binary_stream("stdin").read((1 << 20) + 1)}
    options = dict(seed=seed, samples=samples, timeout=timeout)
    results = run_all(files, jobs=min(jobs or os.cpu_count() or 1, len(files)), deadline=deadline(timeout),
                      options=options, inputs=inputs, task="audit")
    code = max((_exit(r) for r in results), default=2)
    click.echo(render_json(results) if fmt == "json" else render_text(results))
    ctx.exit(code)


def _exit(r) -> int:
    return r.exit_code


def _counts(results) -> dict:
    counts = {"files": len(results), "claims_audited": 0, "mutants": 0, "found_wrong": 0, "slipped": 0,
              "equivalent": 0, "invalid": 0, "errors": 0}
    for r in results:
        if r.error is not None:
            counts["errors"] += 1
            continue
        for c in r.claims:
            counts["claims_audited"] += c.audited
            for m in c.mutants:
                counts[m.outcome.replace("-", "_")] += 1
                counts["mutants"] += m.outcome in ("found-wrong", "slipped")
    counts["exit"] = max((_exit(r) for r in results), default=2)
    return counts


def render_json(results) -> str:
    import json

    problems = []
    for r in results:
        entry = {"file": r.file, "id": r.id, "status": r.status, "exit": r.exit_code}
        if r.error is not None:
            entry["error"] = dict(r.error)
        else:
            entry["claims"] = [{"index": c.index, "name": c.name, "claim": c.claim, "verdict": c.verdict,
                                "passed": c.passed, "audited": c.audited, "reason": c.reason,
                                "mutants": [dataclasses.asdict(m) for m in c.mutants]} for c in r.claims]
        problems.append(entry)
    return json.dumps({"problems": problems, "summary": _counts(results)}, indent=2)


def render_text(results) -> str:
    lines = []
    for r in results:
        if r.error is not None:
            e = r.error
            where = f"{r.file}:{e['line']}:{e['column']}" if e.get("line") else r.file
            lines.append(f"{where}: error: {e['message']}")
            continue
        tried = sum(m.outcome in ("found-wrong", "slipped") for c in r.claims for m in c.mutants)
        slipped = [(c, m) for c in r.claims for m in c.slipped]
        label = "SLIPS" if slipped else "OK"
        audited = sum(c.audited for c in r.claims)
        lines.append(f"{label:<6}{r.file}  ({audited} claim{'s' * (audited != 1)} audited, {tried} mutants, "
                     f"{tried - len(slipped)} found wrong)")
        for c, m in slipped:
            why = f"  ({m.note})" if m.note else ""
            lines.append(f"    slips through: {c.name}: {m.kind} ({m.description}): {m.text}  → {m.verdict}{why}")
    s = _counts(results)
    lines.append(f"{s['files']} file{'s' * (s['files'] != 1)}, {s['claims_audited']} claims audited, "
                 f"{s['mutants']} mutants tried, {s['found_wrong']} found wrong, {s['slipped']} slipped through "
                 f"({s['equivalent']} equivalent and {s['invalid']} invalid skipped) — exit {s['exit']}")
    return "\n".join(lines)
