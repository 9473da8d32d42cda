"""Verdicts (SPEC §2): sample, compare both witnesses, compare the claim, prove.

For each claim: the truth from sympy (node-level, exact) and from the engine
(float64); the claim evaluated exactly; at every valid sample point the engine
must agree with sympy (else `inconsistent`), and the claim with the truth (else
`wrong`, confirmed at 60 digits); then a symbolic proof upgrades `verified` to
`proved`.
"""

from __future__ import annotations

import random

import mpmath
import numpy as np
import sympy as sp

from derivcheck import sampling, smooth
from derivcheck.diagnose import diagnose, instance_lines, shape_diagnosis
from derivcheck.engine import DERIVATIVE_OPS, Engine
from derivcheck.numeval import Compiled, TermScale, finite_real, flat, real
from derivcheck.ops import OPS, fmt_shape
from derivcheck.proof import prove_zero
from derivcheck.results import ClaimResult, Counterexample
from derivcheck.symbolic import Symbolic, free_symbols

ENGINE_RTOL = 1e-7
DEFAULT_RTOL = sp.Rational(1, 10**25)  # values are exact, evaluated at 30 digits


class _ClaimEngine(Engine):
    """Evaluates a claim's equations; its grad/hess terms are the model engine's derivatives."""

    def __init__(self, eqns: list, model: Engine):
        super().__init__(eqns, model.functions)
        self.model = model

    def derivative_op(self, eqn, env: dict):
        return self.model.derivative_op(eqn, env)


class Checker:
    """Checks the claims of one Model; shares sample points and compiled nodes across claims."""

    def __init__(self, model, *, seed: int | None = None, samples: int | None = None, timeout: float | None = None):
        self.model = model
        self.graph = model.graph
        settings = model.problem.check
        self.samples = samples or settings.samples
        self.timeout = timeout or settings.timeout
        self.settings = settings
        self.seed = sampling.seed_for(model.problem.id, seed if seed is not None else settings.seed)
        self.sym = Symbolic(self.graph, model.domains)
        functions = sorted(self.graph.functions)
        self.instances = smooth.instances(functions, self.seed) if functions else [{}]
        self.engines = [Engine(self.graph.eqns, inst) for inst in self.instances]
        self.input_symbols = [s for name in self.graph.inputs for s in self.sym.symbols[name].flat]
        self._points: list = []
        self._rng = random.Random(self.seed)
        self._node_fns: dict = {}
        self._compiled: dict = {}
        self.closed_forms = True  # show sympy's matrix-calculus answer beside passing claims

    # --- points -----------------------------------------------------------
    def fixed_points(self) -> list:
        return self.model.points

    def point(self, i: int) -> dict:
        while len(self._points) <= i:
            large = len(self._points) % 8 == 7
            self._points.append(sampling.draw_point(self._rng, self.model.problem.inputs, large))
        return self._points[i]

    def candidate_points(self):
        fixed = self.fixed_points()
        for p in fixed:
            yield p, True
        for i in range(self.samples * 12 + 24):
            yield self.point(i), False

    # --- compiled exact evaluation -----------------------------------------
    def concrete(self, expr, j: int):
        """expr with declared functions replaced by instance j (derivatives evaluated by sympy)."""
        if not self.instances[j]:
            return expr
        t = sp.Dummy("t", real=True)
        for name, fn in self.instances[j].items():
            lam = sp.Lambda(t, fn.symbolic(sp, t))
            expr = expr.replace(self.sym.functions[name], lam)
        return expr.doit()

    def node_fns(self, j: int) -> list:
        if j not in self._node_fns:
            fns = []
            for node in self.graph.node_names:
                entries = [self.concrete(e, j) for e in flat(self.sym.local[node])]
                free = sorted(free_symbols(entries), key=str)
                fns.append((list(self.sym.symbols[node].flat), free, Compiled(free, entries)))
            self._node_fns[j] = fns
        return self._node_fns[j]

    def values_at(self, point: dict, j: int, dps: int) -> dict:
        """Every input and node symbol → its value at the point, at `dps` digits."""
        values = {}
        for name in self.graph.inputs:
            for s, v in zip(self.sym.symbols[name].flat, np.asarray(point[name], dtype=object).flat):
                values[s] = v
        for outs, free, fn in self.node_fns(j):
            results = fn([values[s] for s in free], dps)
            for s, r in zip(outs, results):
                values[s] = real(r) if finite_real(r) else mpmath.nan
        return values

    def compile(self, array: np.ndarray, j: int):
        key = (id(array), j)
        if key not in self._compiled:
            self._compiled[key] = (array, self._compile(array, j))
        return self._compiled[key][1]

    def _compile(self, array: np.ndarray, j: int):
        entries = [self.concrete(e, j) for e in flat(array)]
        free = sorted(free_symbols(entries), key=str) if entries else []
        return free, Compiled(free, entries), TermScale(free, entries)

    # --- engine --------------------------------------------------------------
    def engine_env(self, point: dict, j: int):
        env = {name: np.asarray(point[name], dtype=object).astype(float) for name in self.graph.inputs}
        try:
            env = self.engines[j].forward(env)
        except np.linalg.LinAlgError:  # a singular matrix under inv: no value here, as for a pole
            return None
        for eqn in self.graph.eqns:
            row = OPS.get(eqn.op)
            if row is not None and row.kink is not None and np.any(np.abs(row.kink(*(env[a] for a in eqn.args))) < 1e-6):
                return None  # too close to a kink (the table's `kink` of abs, relu, max, min, ...)
            if not np.all(np.isfinite(env[eqn.out])):
                return None
        return env

    # --- one claim -----------------------------------------------------------
    def check(self, claim) -> ClaimResult:
        spec = claim.spec
        base = dict(index=spec.index, name=spec.name or f"claim {spec.index + 1}", of=claim.of,
                    wrt=list(claim.wrt), claim_text=spec.body.text, reading=claim.reading, line=spec.line, col=spec.col)
        if claim.error is not None:
            err = claim.error
            return ClaimResult(**{**base, "line": err.line or spec.line, "col": err.col or spec.col},
                               verdict="error", passed=False, message=err.message)
        if claim.misfit is not None:
            return self.misfit(claim, base)
        written = self.convention_shape(claim)
        if claim.shape != written:
            return self.wrong_shape(claim, base, written)
        truth = self.truth(claim)
        value = self.sym.evaluate(claim.eqns, claim.target)
        value = self.reorder(value, claim)
        return self.compare(claim, base, truth, value)

    def convention_shape(self, claim) -> tuple:
        if not claim.spec.wrt_first or claim.spec.diagonal:
            return claim.expected
        k = len(self.graph.shapes[claim.of])
        return claim.expected[k:] + claim.expected[:k]

    def reorder(self, value: np.ndarray, claim) -> np.ndarray:
        if not claim.spec.wrt_first or claim.spec.diagonal:
            return value
        k = len(self.graph.shapes[claim.of])
        r = value.ndim - k
        return np.transpose(value, tuple(range(r, value.ndim)) + tuple(range(r))) if value.ndim else value

    def truth(self, claim) -> np.ndarray:
        if len(claim.wrt) == 1:
            return self.sym.derivative(claim.of, claim.wrt[0])
        full = self.sym.total(self.sym.derivative(claim.of, claim.wrt[0]), claim.wrt[1])
        if claim.spec.diagonal:
            n = int(np.prod(self.graph.shapes[claim.wrt[0]], dtype=int))
            return np.diagonal(full.reshape(n, n)).reshape(self.graph.shapes[claim.wrt[0]]).copy()
        return full

    def engine_truth(self, claim, env: dict, j: int) -> np.ndarray:
        engine = self.engines[j]
        if len(claim.wrt) == 1:
            return engine.jacobian(env, claim.of, claim.wrt[0])
        from derivcheck.second_order import hessian

        full = hessian(engine, env, claim.of, claim.wrt[0], claim.wrt[1])
        if claim.spec.diagonal:
            n = int(np.prod(self.graph.shapes[claim.wrt[0]], dtype=int))
            return np.diagonal(full.reshape(n, n)).reshape(self.graph.shapes[claim.wrt[0]]).copy()
        return full

    def engine_claim(self, claim, env: dict, j: int):
        """The engine's value of a claim that uses grad/hess/hessdiag (flat, of-first), else None."""
        if not any(e.op in DERIVATIVE_OPS for e in claim.eqns):
            return None
        value = _ClaimEngine(claim.eqns, self.engines[j]).forward(env)[claim.target]
        return self.reorder(np.asarray(value, dtype=float), claim).reshape(-1)

    def wrong_shape(self, claim, base: dict, written: tuple) -> ClaimResult:
        diagnosis = shape_diagnosis(claim.shape, written, len(self.graph.shapes[claim.of]), claim.spec.wrt_first)
        return ClaimResult(**base, verdict="expected-fail" if claim.spec.expect_fails else "wrong",
                           passed=claim.spec.expect_fails,
                           message=f"the claim has shape {fmt_shape(claim.shape)}, the derivative has shape {fmt_shape(written)}",
                           diagnosis=diagnosis)

    def misfit(self, claim, base: dict) -> ClaimResult:
        """A claim whose own shapes do not fit (dZ @ X.T with mismatched inner sizes) is wrong."""
        err = claim.misfit
        return ClaimResult(**{**base, "line": err.line or base["line"], "col": err.col or base["col"]},
                           verdict="expected-fail" if claim.spec.expect_fails else "wrong",
                           passed=claim.spec.expect_fails, message=f"the claim's shapes do not fit: {err.message}",
                           diagnosis=f"wrong shape: {err.message}")

    def compare(self, claim, base: dict, truth: np.ndarray, value: np.ndarray) -> ClaimResult:
        spec = claim.spec
        rtol = next((sp.Rational(r) for r in (spec.rtol, self.settings.rtol) if r is not None), DEFAULT_RTOL)
        atol = next((sp.Rational(a) for a in (spec.atol, self.settings.atol) if a is not None), sp.Integer(0))
        compiled = {}
        rows, mismatch, inconsistency, rel_errors = [], None, None, []
        drawn = 0
        for point, fixed in self.candidate_points():
            if not fixed and drawn >= self.samples:
                break
            j = len(rows) % len(self.instances)
            env = self.engine_env(point, j)
            if env is None:
                continue
            if j not in compiled:
                compiled[j] = (self.compile(truth, j), self.compile(value, j))
            (tfree, tfn, tscale), (cfree, cfn, _) = compiled[j]
            values = self.values_at(point, j, 30)
            if any(v is mpmath.nan for v in values.values()):
                continue
            s = tfn([values[x] for x in tfree], 30)
            c = cfn([values[x] for x in cfree], 30)
            if not all(finite_real(x) for x in s + c):
                continue
            s, c = [real(x) for x in s], [real(x) for x in c]
            scale = [real(x) for x in tscale([values[x] for x in tfree], 30)]
            eng = self.engine_truth(claim, env, j).reshape(-1)
            if not np.all(np.isfinite(eng)):
                continue
            rows.append((point, j, s, c, eng))
            drawn += not fixed
            bad_engine = [k for k in range(len(s)) if not _close(s[k], eng[k], ENGINE_RTOL, 1e-12, scale[k])]
            if bad_engine and inconsistency is None and not self.confirm_sympy(truth, point, j, eng, bad_engine):
                inconsistency = (point, s, eng, "the true derivative")
            engine_claim = self.engine_claim(claim, env, j)
            if engine_claim is not None and inconsistency is None:
                _, cfn, cscale = compiled[j][1]
                cscale = [real(x) for x in cscale([values[x] for x in cfree], 30)]
                wrong = [k for k in range(len(c)) if not _close(c[k], engine_claim[k], ENGINE_RTOL, 1e-12, cscale[k])]
                if wrong and not self.confirm_sympy(value, point, j, engine_claim, wrong):
                    inconsistency = (point, c, engine_claim, "the claim's derivative terms (grad/hess)")
            if spec.approx:
                rel_errors.append(_rel_error(c, s))
                continue
            bad = [k for k in range(len(s)) if not _close(s[k], c[k], rtol, atol, scale[k])]
            if bad and mismatch is None and self.confirm_mismatch(truth, value, point, j, rtol, atol):
                mismatch = (point, s, c, eng, j)
        shape = claim.expected
        base = {**base, "points_used": len(rows), "truth_text": _text(self.sym.substitute(truth)),
                "truth_nodes": _text(truth)}
        if inconsistency is not None:
            point, s, eng, what = inconsistency
            return ClaimResult(**base, verdict="inconsistent", passed=False,
                               message=f"sympy and the engine disagree about {what}",
                               counterexample=Counterexample(_show_point(point), _shape_list(s, shape),
                                                             _shape_list(s, shape), _shape_list(eng, shape)))
        if drawn < self.samples and mismatch is None:
            return ClaimResult(**base, verdict="undecided", passed=False,
                               message=f"only {len(rows)} valid sample points of {self.samples} needed; "
                                       "declare a `domain` for the inputs so the derivative is defined")
        if spec.approx:
            worst = float(max(rel_errors)) if rel_errors else 0.0
            ok = spec.max_rel_error is None or worst <= float(spec.max_rel_error)
            return ClaimResult(**base, verdict="approximate", passed=ok, max_rel_error=worst,
                               message=f"relative error {worst:.3g}" + (
                                   "" if spec.max_rel_error is None else f" (allowed {float(spec.max_rel_error):.3g})"))
        if mismatch is not None:
            point, s, c, eng, j = mismatch
            diagnosis, details = diagnose(self, claim, truth, value, rows)
            gap = max(abs(a - b) for a, b in zip(s, c))
            details = [f"largest |claimed − true| at the counterexample: {mpmath.nstr(gap, 6)}"] + details
            details = instance_lines(self.instances[j]) + details
            details = details + self.closed_form(claim, rows)
            worst = max((_rel_error(r[3], r[2]) for r in rows), default=None)
            return ClaimResult(**base, verdict="expected-fail" if spec.expect_fails else "wrong",
                               passed=spec.expect_fails, message="the claim differs from the true derivative",
                               max_rel_error=None if worst is None else float(worst),
                               counterexample=Counterexample(_show_point(point), _shape_list(c, shape),
                                                             _shape_list(s, shape)),
                               diagnosis=diagnosis, details=details)
        details = self.closed_form(claim, rows) if self.closed_forms else []
        outcome = self.prove(truth, value)
        tolerant = any(t is not None for t in (spec.rtol, spec.atol, self.settings.rtol, self.settings.atol))
        if outcome == "disproved" and not tolerant:
            return self.disproved(claim, base, truth, value, rows)
        verdict = "proved" if outcome == "proved" else "verified"
        message = "claim − truth simplifies to 0" if verdict == "proved" else (
            f"equal at {len(rows)} sample points; " + {
                "timeout": "no symbolic proof within the time limit",
                "disproved": "claim − truth is not exactly 0, but within the tolerance you set"}.get(
                outcome, "sympy found no proof"))
        if spec.expect_fails:
            message += "; but the claim is marked `expect: fails` and it holds"
        return ClaimResult(**base, verdict=verdict, passed=not spec.expect_fails, message=message, max_rel_error=0.0,
                           details=details)

    def closed_form(self, claim, rows) -> list:
        """sympy's matrix-expression answer for the record, cross-checked at the first point."""
        from derivcheck.matrixcalc import closed_form_report

        if len(claim.wrt) != 1 or not rows or self.instances[0]:
            return []
        line = closed_form_report(self, claim.of, claim.wrt[0], rows[0][0], rows[0][2])
        return [line] if line else []

    def confirm_sympy(self, truth, point, j, eng, indices) -> bool:
        """Re-evaluate sympy's truth at 60 digits; True if it then agrees with the engine."""
        free, fn, scale_fn = self.compile(truth, j)
        values = self.values_at(point, j, 60)
        s = [real(x) for x in fn([values[x] for x in free], 60)]
        scale = [real(x) for x in scale_fn([values[x] for x in free], 60)]
        return all(_close(s[k], eng[k], ENGINE_RTOL, 1e-12, scale[k]) for k in indices)

    def confirm_mismatch(self, truth, value, point, j, rtol, atol) -> bool:
        (tfree, tfn, tscale), (cfree, cfn, _) = self.compile(truth, j), self.compile(value, j)
        values = self.values_at(point, j, 60)
        s = [real(x) for x in tfn([values[x] for x in tfree], 60)]
        c = [real(x) for x in cfn([values[x] for x in cfree], 60)]
        scale = [real(x) for x in tscale([values[x] for x in tfree], 60)]
        return any(not _close(s[k], c[k], rtol, atol, scale[k]) for k in range(len(s)))

    def differences(self, truth: np.ndarray, value: np.ndarray) -> list:
        """claim − truth per entry, in the inputs, with symmetric domains and fixed values applied."""
        full_truth = self.sym.substitute(truth)
        full_value = self.sym.substitute(value)
        swap = self.domain_substitution()
        return [sp.sympify(c - t).xreplace(swap) for c, t in zip(full_value.flat, full_truth.flat)]

    def prove(self, truth: np.ndarray, value: np.ndarray) -> str:
        """First in node symbols (sound: they are free variables there), then in the inputs if that
        is not too large; 'disproved' only counts in the inputs, where the variables are independent."""
        budget = max(1.0, self.timeout / 2)
        swap = self.domain_substitution()
        local = [sp.sympify(c - t).xreplace(swap) for c, t in zip(value.flat, truth.flat)]
        if prove_zero(local, budget / 2) == "proved":
            return "proved"
        if not (self.sym.substitutable(truth) and self.sym.substitutable(value)):
            return "no"
        return prove_zero(self.differences(truth, value), budget / 2)

    def disproved(self, claim, base: dict, truth, value, rows) -> ClaimResult:
        """Equal to sampling precision, yet claim − truth is a non-zero rational function: wrong,
        with the exact difference at a sample point where it does not vanish."""
        differences = self.differences(truth, value)
        for point, j, s, c, _ in rows:
            exact = {}
            for name in self.graph.inputs:
                for sym_, v in zip(self.sym.symbols[name].flat, np.asarray(point[name], dtype=object).flat):
                    exact[sym_] = sp.Rational(v.numerator, v.denominator)
            gaps = [d.xreplace(exact) for d in differences]
            if any(g != 0 for g in gaps):
                worst = max(gaps, key=lambda g: abs(g))
                shape = claim.expected
                return ClaimResult(
                    **base, verdict="expected-fail" if claim.spec.expect_fails else "wrong",
                    passed=claim.spec.expect_fails, message="claim − truth is a non-zero rational function",
                    counterexample=Counterexample(_show_point(point), _shape_list(c, shape), _shape_list(s, shape)),
                    diagnosis="a difference too small for the sample tolerance: claim − truth simplifies to a "
                              "non-zero expression (a tiny extra term or a rounded constant?)",
                    details=[f"exact claim − truth at this point: {sp.sstr(sp.Float(worst, 6))}"])
        return ClaimResult(**base, verdict="undecided", passed=False,
                           message="claim − truth is not identically 0, yet it vanished at every sample point")

    def domain_substitution(self) -> dict:
        """For symmetric inputs, the lower triangle's symbols become the upper triangle's;
        a fixed input's symbols become its value."""
        swap = {}
        for spec in self.model.problem.inputs:
            if spec.value is not None:
                for s, v in zip(self.sym.symbols[spec.name].flat, np.asarray(spec.value, dtype=object).flat):
                    swap[s] = sp.Rational(v.numerator, v.denominator)
        for name, domain in self.model.domains.items():
            if domain in ("symmetric", "spd"):
                syms = self.sym.symbols[name]
                for i, k in np.ndindex(*syms.shape):
                    if i > k:
                        swap[syms[i, k]] = syms[k, i]
        return swap


def _close(s, c, rtol, atol, scale) -> bool:
    """|S − C| ≤ atol + rtol·max(|S|, |C|, term scale), in enough digits not to round the values."""
    with mpmath.workdps(80):
        s, c = mpmath.mpf(s), mpmath.mpf(c)
        bound = mpmath.mpf(atol) + mpmath.mpf(rtol) * max(abs(s), abs(c), abs(mpmath.mpf(scale)))
        return abs(s - c) <= bound


def _rel_error(claimed: list, true: list) -> float:
    diff = mpmath.sqrt(sum((mpmath.mpf(a) - mpmath.mpf(b)) ** 2 for a, b in zip(claimed, true)))
    norm = mpmath.sqrt(sum(mpmath.mpf(b) ** 2 for b in true))
    if norm == 0:
        return 0.0 if diff == 0 else float("inf")
    return float(diff / norm)


def _number(x):
    """A short float for reports; values beyond float64 stay exact-ish text (JSON has no Infinity)."""
    f = float(x)
    if not np.isfinite(f):
        with mpmath.workdps(30):
            return mpmath.nstr(mpmath.mpf(x), 10) if mpmath.isfinite(x) else str(x)
    return float(f"{f:.10g}")


def _shape_list(values: list, shape: tuple):
    array = np.array([_number(v) for v in values], dtype=object).reshape(shape)
    return array.tolist() if shape else array[()]


def _show_point(point: dict) -> dict:
    def show(v):
        return float(v) if not isinstance(v, np.ndarray) or v.ndim == 0 else [show(x) for x in v]

    return {name: show(np.asarray(value, dtype=object)) if np.asarray(value).ndim else float(np.asarray(value, dtype=object)[()])
            for name, value in point.items()}


def _text(array: np.ndarray) -> str:
    from derivcheck.printing import show

    return show(array)
