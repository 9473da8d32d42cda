"""Verdicts (SPEC §2): sample, compare both witnesses, decide the claim, prove.

For each claim: the truth from sympy (node-level, exact) and from the engine
(float64); at every valid sample point claim − truth is decided with certified
precision (certify.py): a certified nonzero difference is a counterexample; the
engine must agree with sympy wherever float64 can represent the computation
(agreement.py). Then the symbolic cascade (proof.py): a proof gives `proved` and
overrides every numeric result; the nonzero forms it meets are evaluated at the
points, so a difference too small for sampling is still found.
"""

from __future__ import annotations

import dataclasses
import random
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from derivcheck.ops import fmt_shape
from derivcheck.results import ClaimResult, Counterexample
from derivcheck.verdict import identity, kinks, sampling
from derivcheck.verdict.agreement import WitnessCheck
from derivcheck.verdict.certify import LADDER, Comparison, Decision, nonzero_at, rel_error
from derivcheck.verdict.diagnose import diagnose, instance_lines, shape_diagnosis
from derivcheck.verdict.numeval import INVALID, UNSURE, Compiled, Unsupported, flat, kept_balls
from derivcheck.verdict.proof import attempt, bottom_up, derivatives_at_points, is_rational_function
from derivcheck.verdict.sampling import MODERATE, moderation
from derivcheck.witness import smooth
from derivcheck.witness.engine import Engine
from derivcheck.witness.symbolic import Symbolic, free_symbols, replace

RATIONAL_NODE_OPS = 200  # a larger rational node stays a free symbol in the middle proof attempt
DIAGNOSIS_ROWS = 4  # points kept after a counterexample, so that a diagnosis can tell factor from path


class Checker:
    """Checks the claims of one Model; shares sample points and compiled nodes across claims."""

    def __init__(self, model, *, seed: int | None = None, samples: int | None = None, timeout: float | None = None):
        self.model = model
        self.graph = model.graph
        settings = model.problem.check
        self.samples = max(8, samples or settings.samples)  # SPEC §2: a verdict rests on at least 8 points
        self.timeout = timeout or settings.timeout
        self.settings = settings
        self.seed = sampling.seed_for(model.problem.id, seed if seed is not None else settings.seed)
        self.sym = Symbolic(self.graph, model.domains)
        functions = sorted(self.graph.functions)
        self.instances = smooth.instances(functions, self.seed) if functions else [{}]
        self.engines = [Engine(self.graph.eqns, inst) for inst in self.instances]
        self.witness = WitnessCheck(self)
        self._points: list = []
        self._kink_points: list | None = None
        self._rng = random.Random(self.seed)
        self._node_fns: dict = {}
        self._compiled: dict = {}
        self._truths: dict = {}  # (of, wrt, diagonal) → the true derivative
        self._balls: dict = {}  # (id(point), instance, digits) → (point, symbol → ball, node → failure)
        self._rational: dict | None = None  # rational_nodes(), built once
        self._roots: dict | None = None  # roots_as_nodes()' table, built once
        self.closed_forms = True  # show sympy's matrix-calculus answer beside passing claims
        self.truth_texts = "all"  # or "failing": the true derivative's text only where the report shows it

    # --- points -----------------------------------------------------------
    def point(self, i: int) -> dict:
        while len(self._points) <= i:
            magnitude = sampling.magnitude_class(len(self._points))
            self._points.append(sampling.draw_point(self._rng, self.model.problem.inputs, magnitude))
        return self._points[i]

    def candidate_points(self):
        """(point, origin): the file's points, points beside kinks, then drawn points."""
        for p in self.model.points:
            yield p, "fixed"
        if self._kink_points is None:
            self._kink_points = kinks.points(self.sym, self.model.problem.inputs, self.seed)
        for p in self._kink_points:
            yield p, "kink"
        for i in range(self.samples * 12 + 24):
            yield self.point(i), "drawn"

    # --- exact evaluation -----------------------------------------------------
    def concrete(self, expr, j: int):
        """expr with declared functions replaced by instance j (derivatives evaluated by sympy)."""
        if not self.instances[j]:
            return expr
        expr = derivatives_at_points(sp.sympify(expr))
        t = sp.Dummy("t", real=True)
        for name, fn in self.instances[j].items():
            lam = sp.Lambda(t, fn.symbolic(sp, t))
            expr = expr.replace(self.sym.functions[name], lam)
        return expr.doit()

    def node_fn(self, node: str, j: int):
        """(the node's entry symbols, the symbols its expression reads, its compiled expression)."""
        key = (node, j)
        if key not in self._node_fns:
            entries = [self.concrete(e, j) for e in flat(self.sym.local[node])]
            free = sorted(free_symbols(entries), key=str)
            self._node_fns[key] = (list(self.sym.symbols[node].flat), free, Compiled(free, entries))
        return self._node_fns[key]

    def nodes_needed(self, free) -> list:
        """The nodes and kept nodes whose values the symbols `free` depend on, in dependency order."""
        return self.sym.needed(free)

    def kept_at(self, name: str, values: dict, j: int, digits: int) -> list:
        """A kept node's values: exact where its argument is a rational function of exact values
        (exact linear algebra), else certified balls; never an expanded inverse or determinant."""
        kept = self.sym.kept[name]
        key = (name, j)
        if key not in self._node_fns:
            entries = [self.concrete(e, j) for e in flat(kept.arg)]
            free = sorted(free_symbols(entries), key=str)
            try:
                rational = [e for e in entries if identity.degree(e)]
            except ValueError:
                rational = None
            self._node_fns[key] = (free, Compiled(free, entries), rational)
        free, fn, rational = self._node_fns[key]
        known = [values[s] for s in free]
        n = kept.arg.shape[0]
        if rational and all(isinstance(v, Fraction) for v in known):
            point, memo = dict(zip(free, known)), {}
            try:
                entries = [identity.evaluate(e, point, memo) for e in rational]
            except ZeroDivisionError:
                return [INVALID]
        else:
            entries = fn.balls(known, digits)
        return kept_balls(kept.op, entries, n, digits)

    def balls_at(self, point: dict, j: int, digits: int, nodes: list | None = None):
        """Every input symbol and the symbols of `nodes` (default: all) → its ball at the point,
        or INVALID / UNSURE. A node's balls at a point and precision are computed once and reused by
        every claim and every later call (the point is kept with them, so its id stays its own)."""
        known = self._balls.get((id(point), j, digits))
        if known is None:
            values = {}
            for name in self.graph.inputs:
                for s, v in zip(self.sym.symbols[name].flat, np.asarray(point[name], dtype=object).flat):
                    values[s] = Fraction(v)
            known = self._balls[(id(point), j, digits)] = (point, values, {})
        _, values, failed = known  # failed: node → INVALID / UNSURE, or None when its balls are in values
        for node in self.sym.order if nodes is None else nodes:
            if node not in failed:
                if node in self.sym.kept:
                    outs, results = list(self.sym.kept[node].symbols.flat), self.kept_at(node, values, j, digits)
                else:
                    outs, free, fn = self.node_fn(node, j)
                    results = fn.balls([values[s] for s in free], digits)
                failed[node] = next((r for r in results if isinstance(r, str)), None)
                if failed[node] is None:
                    values.update(zip(outs, results))
            if failed[node] is not None:
                return failed[node]
        return dict(values)

    def values_at(self, point: dict, j: int, digits: int) -> dict:
        """Midpoints of balls_at (mpmath.nan where undefined): for diagnoses and reports."""
        values = self.balls_at(point, j, digits)
        if isinstance(values, str):
            return {s: mpmath.nan for syms in self.sym.symbols.values() for s in syms.flat}
        return {s: v if isinstance(v, Fraction) else v[0] for s, v in values.items()}

    def inputs_for(self, free: list, point: dict, j: int, of: str | None = None):
        """A function digits → the balls of `free` at the point (as certify.Comparison wants);
        the point is INVALID where `of` (the function differentiated) or a node it uses is undefined."""
        nodes = self.nodes_needed(list(free) + ([] if of is None else list(self.sym.symbols[of].flat)))

        def at(digits):
            values = self.balls_at(point, j, digits, nodes)
            return values if isinstance(values, str) else [values[s] for s in free]

        return at

    def compile(self, array: np.ndarray, j: int):
        key = (id(array), j)
        if key not in self._compiled:
            entries = [self.concrete(e, j) for e in flat(array)]
            free = sorted(free_symbols(entries), key=str) if entries else []
            self._compiled[key] = (array, (free, Compiled(free, entries)))
        return self._compiled[key][1]

    def comparison(self, truth: np.ndarray, value: np.ndarray, j: int) -> Comparison:
        key = (id(truth), id(value), j)
        if key not in self._compiled:
            t = [self.concrete(e, j) for e in flat(truth)]
            c = [self.concrete(e, j) for e in flat(value)]
            free = sorted(free_symbols(t + c), key=str)
            self._compiled[key] = ((truth, value), Comparison(free, t, c))
        return self._compiled[key][1]

    # --- engine ----------------------------------------------------------------
    def engine_env(self, point: dict, j: int):
        """The float64 forward pass, or None where it overflows or sits on a kink."""
        env = {name: np.asarray(point[name], dtype=object).astype(float) for name in self.graph.inputs}
        try:
            env = self.engines[j].forward(env)
        except np.linalg.LinAlgError:  # a singular matrix under inv: no value here, as for a pole
            return None
        for eqn in self.graph.eqns:
            rule = kinks.kink_rule(eqn)
            if rule is not None and np.any(np.abs(rule(*[env[a] for a in eqn.args])) < 1e-9):
                return None
            if not np.all(np.isfinite(env[eqn.out])):
                return None
        return env

    def near_kink(self, point: dict) -> bool:
        """On or next to a kink of the DAG: no verdict may depend on which side."""
        env = {name: np.asarray(point[name], dtype=object).astype(float) for name in self.graph.inputs}
        with np.errstate(all="ignore"):
            env = self.engines[0].forward(env)
        for eqn in self.graph.eqns:
            rule = kinks.kink_rule(eqn)
            if rule is not None:
                arg = np.abs(np.asarray(rule(*[env[a] for a in eqn.args]), dtype=float))
                if np.any(arg < 1e-9 * np.maximum(1.0, np.max(np.abs(arg), initial=0))):
                    return True
        return False

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
        try:
            truth = self.truth(claim)
            value = self.reorder(self.sym.evaluate(claim.eqns, claim.target), claim)
            return self.with_truth_text(self.compare(claim, base, truth, value), truth)
        except (RecursionError, MemoryError):
            raise
        except Exception as exc:  # noqa: BLE001 - one claim's internal error must not take the file down
            return ClaimResult(**base, verdict="error", passed=False, internal=True,
                               message=f"internal error while checking this claim ({type(exc).__name__}: "
                                       f"{str(exc)[:200]}); this is a bug in derivcheck, please report it")

    def with_truth_text(self, result: ClaimResult, truth: np.ndarray) -> ClaimResult:
        """The true derivative as text (substituted and in node names): substituting and printing cost
        more than many verdicts, so with truth_texts == "failing" only claims that do not pass get it."""
        if self.truth_texts == "failing" and result.passed:
            return result
        full, nodes_text = self.sym.substitute(truth), _text(truth)
        same = all(a is b for a, b in zip(np.asarray(full).flat, np.asarray(truth).flat))  # nothing substituted
        return dataclasses.replace(result, truth_text=nodes_text if same else _text(full), truth_nodes=nodes_text)

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
        """The true derivative, derived once per (of, wrt) and shared by every claim about it, so that
        its compiled form and its values at the points are shared too (nobody writes into it)."""
        of, wrt = claim.of, tuple(claim.wrt)
        diagonal = len(wrt) == 2 and bool(claim.spec.diagonal)
        if (of, wrt[:1], False) not in self._truths:
            self._truths[of, wrt[:1], False] = self.sym.derivative(of, wrt[0])
        if (of, wrt, diagonal) not in self._truths:
            full = self.sym.total(self._truths[of, wrt[:1], False], wrt[1])
            if diagonal:
                n = int(np.prod(self.graph.shapes[wrt[0]], dtype=int))
                full = np.diagonal(full.reshape(n, n)).reshape(self.graph.shapes[wrt[0]]).copy()
            self._truths[of, wrt, diagonal] = full
        return self._truths[of, wrt, diagonal]

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

    def tolerance(self, spec):
        """(rtol, atol) when the user set either, else None: there is no default tolerance."""
        rtol = next((r for r in (spec.rtol, self.settings.rtol) if r is not None), None)
        atol = next((a for a in (spec.atol, self.settings.atol) if a is not None), None)
        if rtol is None and atol is None:
            return None
        return mpmath.mpf(Fraction(rtol or 0).numerator) / Fraction(rtol or 0).denominator, \
            mpmath.mpf(Fraction(atol or 0).numerator) / Fraction(atol or 0).denominator

    def sample(self, claim, truth, value, proved: bool = False) -> dict:
        """Decide claim − truth at the sample points (unless already `proved`); check the engine at each."""
        spec = claim.spec
        tolerance = self.tolerance(spec)
        found = {"rows": [], "counterexamples": [], "inconsistency": None, "undecidable": 0, "drawn": 0}
        for point, origin in self.candidate_points():
            if origin != "fixed" and found["drawn"] >= self.samples:
                break
            if spec.approx and origin != "fixed" and moderation(point) > MODERATE:
                continue
            if self.near_kink(point):
                continue
            j = len(found["rows"]) % len(self.instances)
            if proved:  # only validity matters; the engine is compared where the truth's value is tight
                free, _ = self.compile(truth, j)
                valid = self.inputs_for(free, point, j, claim.of)(LADDER[0])
                exact = None if valid == INVALID else self.witness.truth_at(truth, point, j, claim.of) or []
                decision = Decision(INVALID if exact is None else "equal", exact, exact)
            else:
                comparison = self.comparison(truth, value, j)
                decision = comparison.decide(self.inputs_for(comparison.free, point, j, claim.of), tolerance)
            if decision.status == INVALID:
                continue
            if decision.status == UNSURE:
                found["undecidable"] += 1
                continue
            found["drawn"] += origin != "fixed"
            eng = self.witness.check(claim, truth, value, point, j, decision, found)
            found["rows"].append((point, j, decision.truth, decision.claim, eng))
            if decision.status == "differ" and not spec.approx:
                found["counterexamples"].append((len(found["rows"]) - 1, decision.diff))
            if any(moderation(found["rows"][k][0]) <= MODERATE for k, _ in found["counterexamples"]) \
                    and len(found["rows"]) >= DIAGNOSIS_ROWS:
                break  # a moderate counterexample, and points enough to diagnose the mistake
        return found

    def compare(self, claim, base: dict, truth: np.ndarray, value: np.ndarray) -> ClaimResult:
        spec = claim.spec
        early = None if spec.approx else self.prove(truth, value, cheap=True)
        found = self.sample(claim, truth, value, proved=early is not None and early.outcome == "proved")
        rows = found["rows"]
        base = {**base, "points_used": len(rows)}
        notes = self.witness.notes(found) + _undecidable_note(found["undecidable"])
        if found["inconsistency"] is not None:
            point, s, eng, what = found["inconsistency"]
            return ClaimResult(**base, verdict="inconsistent", passed=False, details=notes,
                               message=f"sympy and the engine disagree about {what}",
                               counterexample=Counterexample(_show_point(point), _shape_list(s, claim.expected),
                                                             _shape_list(s, claim.expected),
                                                             _shape_list(eng, claim.expected)))
        if spec.approx:
            return self.approximate(claim, base, rows, notes)
        if found["drawn"] < self.samples and not found["counterexamples"] and found["undecidable"] \
                and early.outcome != "proved":
            early = self.prove(truth, value)  # values too cancelled to decide: a proof decides instead
            if early.outcome == "proved":
                found = self.sample(claim, truth, value, proved=True)
                rows = found["rows"]
                base["points_used"] = len(rows)
                notes = self.witness.notes(found) + notes
        if found["drawn"] < self.samples and not found["counterexamples"]:
            return ClaimResult(**base, verdict="undecided", passed=False, details=notes,
                               message=f"only {found['drawn']} valid sample points of {self.samples} needed; "
                                       "declare a `domain` for the inputs so the derivative is defined")
        proof = early if early.outcome == "proved" or found["counterexamples"] else self.prove(truth, value)
        if proof.outcome == "proved":
            if found["counterexamples"]:
                notes = notes + ["numeric evaluation disagreed with the proof at a sample point: "
                                 "this is a bug in derivcheck, please report it"]
            how = proof.methods[0] if proof.methods else "claim − truth simplifies to 0"
            return self.passing(claim, base, "proved", how, notes)
        if found["counterexamples"]:
            return self.wrong(claim, base, truth, value, rows, found["counterexamples"], notes)
        if proof.outcome == "timeout":
            return ClaimResult(**base, verdict="undecided", passed=False, details=notes,
                               message="the time limit was hit in the symbolic proof step (a safety net); "
                                       "raise --timeout")
        if proof.forms and not tolerance_set(self, spec):
            shown = self.disprove(claim, base, proof.forms, rows, notes)
            if shown is not None:
                return shown
        if proof.outcome == "disproved" and not tolerance_set(self, spec):
            return ClaimResult(**base, verdict="undecided", passed=False, details=notes,
                               message="claim − truth is not identically 0, yet it vanished at every sample point")
        message = f"claim − truth certified zero at {len(rows)} sample points; no symbolic proof"
        if proof.outcome == "disproved":
            message = f"within the tolerance you set at {len(rows)} sample points (claim − truth is not exactly 0)"
        return self.passing(claim, base, "verified", message, notes + self.closed_form(claim, rows))

    def passing(self, claim, base, verdict, message, notes) -> ClaimResult:
        if claim.spec.expect_fails:
            message += "; but the claim is marked `expect: fails` and it holds"
        return ClaimResult(**base, verdict=verdict, passed=not claim.spec.expect_fails, message=message,
                           max_rel_error=0.0, details=notes)

    def approximate(self, claim, base, rows, notes) -> ClaimResult:
        spec = claim.spec
        if not rows:
            return ClaimResult(**base, verdict="undecided", passed=False, details=notes,
                               message="no valid moderate sample point to measure the approximation at")
        worst = max(rel_error(r[3], r[2]) for r in rows)
        ok = spec.max_rel_error is None or worst <= float(spec.max_rel_error)
        return ClaimResult(**base, verdict="approximate", passed=ok, max_rel_error=worst, details=notes,
                           message=f"relative error {worst:.3g}" + (
                               "" if spec.max_rel_error is None else f" (allowed {float(spec.max_rel_error):.3g})"))

    def wrong(self, claim, base, truth, value, rows, counterexamples, notes) -> ClaimResult:
        spec = claim.spec
        best, diff = min(counterexamples, key=lambda k: moderation(rows[k[0]][0]))
        point, j, s, c, _ = rows[best]
        if moderation(point) > MODERATE:
            notes = notes + ["the claim holds at every moderate sample point; it fails only far out or near 0"]
        try:
            diagnosis, details = diagnose(self, claim, truth, value, [rows[best]] + [r for k, r in enumerate(rows)
                                                                                    if k != best])
        except Exception:  # noqa: BLE001 - a failed diagnosis leaves the verdict standing
            diagnosis, details = "", []
        gap = max(abs(d) for d in diff)
        details = [f"largest |claimed − true| at the counterexample: {mpmath.nstr(gap, 6)}"] + details + notes
        details = instance_lines(self.instances[j]) + details + self.closed_form(claim, rows)
        return ClaimResult(**base, verdict="expected-fail" if spec.expect_fails else "wrong",
                           passed=spec.expect_fails, message="the claim differs from the true derivative",
                           max_rel_error=rel_error(c, s), counterexample=_counterexample(point, c, s, claim.expected, diff),
                           diagnosis=diagnosis, details=details)

    def disprove(self, claim, base, forms, rows, notes):
        """A nonzero form of claim − truth, certified nonzero at a sample point: wrong."""
        for form in forms[:4]:
            programs: dict = {}  # instance → (free, the form compiled), once for all the rows
            for point, j, s, c, _ in sorted(rows, key=lambda r: moderation(r[0])):
                if j not in programs:
                    try:
                        expr = self.concrete(sp.sympify(form), j)
                        free = sorted(expr.free_symbols, key=str)
                        programs[j] = (free, Compiled(free, [expr]))
                    except Unsupported:
                        break
                free, program = programs[j]
                if nonzero_at(program, self.inputs_for(free, point, j)):
                    gap = program(self.inputs_for(free, point, j)(200), 200)[0]
                    return ClaimResult(
                        **base, verdict="expected-fail" if claim.spec.expect_fails else "wrong",
                        passed=claim.spec.expect_fails, message="claim − truth is a nonzero expression",
                        counterexample=_counterexample(point, c, s, claim.expected, [gap] * len(s) if len(s) == 1 else None),
                        diagnosis="a difference too small to see in the values: claim − truth simplifies to a "
                                  "nonzero expression (a tiny extra term or a rounded constant?)",
                        details=[f"claim − truth = {_short(form)}; at this point it is "
                                 f"{mpmath.nstr(gap, 6)}, certified nonzero"] + notes)
        return None

    def closed_form(self, claim, rows) -> list:
        """sympy's matrix-expression answer for the record, cross-checked at the first point."""
        from derivcheck.witness.matrixcalc import closed_form_report

        if not self.closed_forms or len(claim.wrt) != 1 or not rows or self.instances[0]:
            return []
        line = closed_form_report(self, claim.of, claim.wrt[0], rows[0][0], rows[0][2])
        return [line] if line else []

    def differences(self, truth: np.ndarray, value: np.ndarray) -> list:
        """claim − truth per entry, in the inputs, with symmetric domains and fixed values applied."""
        full_truth = self.sym.substitute(truth, each=True)
        full_value = self.sym.substitute(value, each=True)
        swap = self.domain_substitution()
        return [sp.sympify(c - t).xreplace(swap) for c, t in zip(full_value.flat, full_truth.flat)]

    def prove(self, truth: np.ndarray, value: np.ndarray, cheap: bool = False):
        """Three ways, each sound, from cheap to costly: in node symbols (free variables there); with the
        rational nodes substituted (the others stay free, so 1/σ and u = (a − μ)/σ meet; cheap steps
        only, so only in the cheap attempt, which compare always makes first); in the inputs if that is
        not too large. 'disproved' only counts in the inputs, where the variables are independent.
        `cheap`: only the structural and rational steps (before sampling, or after a counterexample)."""
        budget = max(1.0, float(self.timeout)) / 3  # a safety net only: the size gates bound each step
        swap = {**self.domain_substitution(), **self.node_definitions()}
        local = [self.roots_as_nodes(sp.sympify(c - t).xreplace(swap)) for c, t in zip(value.flat, truth.flat)]
        first = attempt(local, budget, cheap, self.seed, self.definitions(swap))
        if first.outcome == "proved":
            return first
        forms = first.forms
        rational = {} if self.sym.kept or not cheap else self.rational_nodes()
        if any(d.free_symbols & rational.keys() for d in local):
            middle = attempt([replace(d, rational) for d in local], budget, True, self.seed, proof_only=True)
            if middle.outcome == "proved":  # cheap steps, up to the first entry it cannot show to be 0
                return middle
        if not (self.sym.substitutable(truth, each=True) and self.sym.substitutable(value, each=True)):
            return type(first)("no" if first.outcome == "disproved" else first.outcome, forms)
        second = attempt(self.differences(truth, value), budget, cheap, self.seed,
                         self.definitions(self.domain_substitution(), substituted=True))
        second.forms = second.forms + forms
        return second

    def rational_nodes(self) -> dict:
        """Each node symbol whose definition is a rational function, kinks allowed (relu(a): the proof
        splits on their signs) → that definition, written in the inputs and the other nodes' symbols
        (sound: equal by definition); the others stay free."""
        if self._rational is None:
            self._rational = {}
            for s, e in self.node_entries():
                if is_rational_function(e, kinks=True) and e.count_ops() <= RATIONAL_NODE_OPS:
                    self._rational[s] = e.xreplace(self._rational)
        return self._rational

    def roots_as_nodes(self, d):
        """B**(k·r) → σ**k for a node σ defined as B**r (r a fraction such as 1/2): its derivative
        brings B**(−1/2), which the node's symbol did not replace (sound: equal wherever σ is defined)."""
        roots = self._roots
        if roots is None:
            roots = self._roots = {}
            for s, e in self.node_entries():
                if e.is_Pow and e.exp.is_Rational and not e.exp.is_Integer and not e.base.is_number:
                    roots[e.base] = (e.exp, s)
        if not roots or not d.has(*roots):
            return d

        def as_node(e):
            if not (e.is_Pow and e.base in roots):
                return e
            r, s = roots[e.base]
            k = e.exp / r
            return s**k if k.is_Integer else e

        return bottom_up(d, as_node)

    def definitions(self, swap: dict, substituted: bool = False) -> list:
        """The kept nodes as the identity test's Defined symbols, their arguments written as the
        differences are (node symbols, or substituted into the inputs); a kept node with no rational
        definition (logdet) or an argument too large to substitute is a free variable there."""
        out = []
        for kept in self.sym.kept.values():
            arg = kept.arg
            usable = not substituted or self.sym.substitutable(arg)
            if substituted and usable:
                arg = self.sym.substitute(arg)
            kind = kept.op if usable and kept.op in ("inv", "det") else "free"
            out.append(identity.Defined(kind, tuple(kept.symbols.flat),
                                        tuple(sp.sympify(e).xreplace(swap) for e in arg.flat), arg.shape[0]))
        return out

    def node_definitions(self) -> dict:
        """Each node's defining expression → the node's symbol (tanh(a1[i]) → z1[i]): equal by definition,
        and what is left is often a rational function of independent symbols."""
        return {e: s for s, e in self.node_entries() if not e.is_Atom}

    def node_entries(self):
        """(a node's entry symbol, the sympy expression that defines it), in evaluation order."""
        for node in self.graph.node_names:
            for s, e in zip(self.sym.symbols[node].flat, self.sym.local[node].flat):
                yield s, sp.sympify(e)

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


def tolerance_set(checker, spec) -> bool:
    return checker.tolerance(spec) is not None


def _undecidable_note(count: int) -> list:
    if not count:
        return []
    return [f"{count} sample point(s) could not be decided within 500 digits (heavy cancellation) and were "
            "skipped"]


def _short(expr, limit: int = 200) -> str:
    text = sp.sstr(expr)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


def _number(x):
    """A short float for reports; values beyond float64 stay as text (JSON has no Infinity)."""
    f = float(x)
    if not np.isfinite(f) or f == 0 and x != 0:
        with mpmath.workdps(30):
            return mpmath.nstr(mpmath.mpf(x), 10) if mpmath.isfinite(x) else str(x)
    return float(f"{f:.10g}") + 0.0  # + 0.0: never "-0"


def _claimed(c, s, d):
    """The claimed value; where it would print like the true one, the true value ± the exact gap."""
    if d is None or d == 0 or _number(c) != _number(s):
        return _number(c)
    return f"{mpmath.nstr(s, 10)} {'+' if d > 0 else '−'} {mpmath.nstr(abs(d), 3)}"


def _counterexample(point, c, s, shape, diff=None) -> Counterexample:
    diff = diff if diff is not None else [None] * len(c)
    claimed = np.array([_claimed(*t) for t in zip(c, s, diff)], dtype=object).reshape(shape)
    return Counterexample(_show_point(point), claimed.tolist() if shape else claimed[()], _shape_list(s, shape))


def _shape_list(values: list, shape: tuple):
    array = np.array([_number(v) for v in values], dtype=object).reshape(shape)
    return array.tolist() if shape else array[()]


def _show_point(point: dict) -> dict:
    def show(v):
        return float(v) if not isinstance(v, np.ndarray) or v.ndim == 0 else [show(x) for x in v]

    return {name: show(np.asarray(value, dtype=object)) if np.asarray(value).ndim else float(np.asarray(value, dtype=object)[()])
            for name, value in point.items()}


def _text(array: np.ndarray) -> str:
    from derivcheck.verdict.printing import show

    return show(array)
