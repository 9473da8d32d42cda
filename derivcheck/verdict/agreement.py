"""The second witness at each sample point: does the engine agree with sympy?

The engine runs in float64. Where it disagrees with sympy's certified value the
cause may be float64 itself (exp(x²) ≈ 9e16 is beyond the resolution of sin;
1 − σ(160) rounds to 0), so before calling the witnesses inconsistent the
engine is re-run in high precision (precise.py). A disagreement that survives
there, stable from one precision to the next, is `inconsistent`; a point where
no precision tried gives a stable engine value is skipped for the engine and
counted (SPEC §2: compared only where float64 can represent the computation).
"""

from __future__ import annotations

import mpmath
import numpy as np

from derivcheck.verdict.certify import LADDER
from derivcheck.verdict.sampling import MODERATE, moderation
from derivcheck.witness.engine import DERIVATIVE_OPS, Engine
from derivcheck.witness.precise import as_mpf, lift_array, precise_engine

FLOAT_AGREEMENT = 1e-6  # float64 engine vs exact, relative to the largest entry
PRECISE_AGREEMENT = mpmath.mpf(10) ** -12  # high-precision engine vs exact (declared functions use float coefficients)
PRECISIONS = (40, 80, 160)


def _agree(engine: list, exact: list, rtol) -> bool:
    size = max([abs(x) for x in exact] + [abs(x) for x in engine] + [mpmath.mpf(0)])
    return all(abs(mpmath.mpf(e) - s) <= rtol * size for e, s in zip(engine, exact))


def _floats(compute):
    """A float64 engine result, or None where float64 itself fails (a division by an underflowed 0)."""
    try:
        with np.errstate(all="ignore"):
            return compute()
    except (ArithmeticError, ValueError):
        return None


def _ordinary(exact, low=1e-30, high=1e30) -> bool:
    """Values of a size where the engine's numbers mean something: a saturated softmax gives 1e-244
    as the difference of two numbers near 1, which no fixed working precision reproduces."""
    size = max([abs(x) for x in exact] + [mpmath.mpf(0)])
    return low <= size <= high


def _second_order(point, exact) -> str:
    """Second order runs on float dual numbers only, so a disagreement counts where float64 is surely
    adequate: a moderate point and values of moderate size."""
    return "disagree" if moderation(point) <= MODERATE and _ordinary(exact, 1e-6, 1e6) else "skip"


class _ClaimEngine(Engine):
    """Evaluates a claim's equations on the model engine's numbers; its grad/hess terms are the
    model engine's derivatives."""

    def __init__(self, eqns: list, model: Engine):
        super().__init__(eqns, model.functions, number=model.number)
        self.model = model

    def derivative_op(self, eqn, env: dict):
        return self.model.derivative_op(eqn, env)


class WitnessCheck:
    """Compares the engine with the truth at each point of one Checker and counts what it skipped."""

    def __init__(self, checker):
        self.checker = checker
        self._truths: dict = {}  # (id(truth), id(point), instance, of) → (truth, point, midpoints or None)

    def check(self, claim, truth, value, point, j, decision, found):
        """The float64 engine's derivative at the point (or None), recording a disagreement in `found`."""
        env = self.checker.engine_env(point, j)
        exact = self.truth_at(truth, point, j, claim.of)
        eng = None if env is None else _floats(lambda: self.engine_truth(claim, env, j).reshape(-1))
        if env is not None:
            self.check_claim_terms(claim, env, point, j, decision, found)
        if not exact:  # the truth is not tight here (a value that cancels to noise): nothing to compare
            self.record(found, "skip", ())
            return eng
        if eng is not None and np.all(np.isfinite(eng)) and _agree(list(eng), exact, FLOAT_AGREEMENT):
            return eng
        if len(claim.wrt) != 1:
            verdict, value = ("skip" if eng is None else _second_order(point, exact)), eng
        else:
            verdict, value = self.precise(lambda engine, env: engine.jacobian(env, claim.of, claim.wrt[0]),
                                          point, j, exact)
            verdict = verdict if _ordinary(exact) else "skip"
        self.record(found, verdict, (point, exact, value, "the true derivative"))
        return eng

    def check_claim_terms(self, claim, env, point, j, decision, found) -> None:
        """A claim written with grad/hess terms: the engine's value of it must match sympy's."""
        if not any(e.op in DERIVATIVE_OPS for e in claim.eqns) or found["inconsistency"] is not None:
            return
        checker = self.checker

        def claim_value(engine, env):
            value = _ClaimEngine(claim.eqns, engine).forward(env)[claim.target]
            return checker.reorder(np.asarray(value, dtype=object), claim)

        value = _floats(lambda: np.asarray(claim_value(checker.engines[j], env), dtype=float).reshape(-1))
        if value is not None and np.all(np.isfinite(value)) and _agree(list(value), decision.claim, FLOAT_AGREEMENT):
            return
        if any(e.op in ("hess", "hessdiag") for e in claim.eqns):
            verdict = "skip" if value is None else _second_order(point, decision.claim)
        else:
            verdict, value = self.precise(claim_value, point, j, decision.claim)
            verdict = verdict if _ordinary(decision.claim) else "skip"
        self.record(found, verdict, (point, decision.claim, value, "the claim's derivative terms (grad/hess)"))

    @staticmethod
    def record(found: dict, verdict: str, inconsistency: tuple) -> None:
        if verdict != "disagree":
            found["float_skipped"] = found.get("float_skipped", 0) + 1
        elif found["inconsistency"] is None:
            found["inconsistency"] = inconsistency

    def truth_at(self, truth, point, j, of=None):
        """The truth's midpoints, once their balls are tight to 30 digits; else None. Computed once per
        point for every claim about the same derivative (the Checker shares the truth among them)."""
        key = (id(truth), id(point), j, of)
        if key not in self._truths:
            self._truths[key] = (truth, point, self._tight(truth, point, j, of))  # both kept: their ids stay theirs
        return self._truths[key][2]

    def _tight(self, truth, point, j, of):
        free, fn = self.checker.compile(truth, j)
        for digits in LADDER:
            values = self.checker.inputs_for(free, point, j, of)(digits)
            if isinstance(values, str):
                continue
            balls = fn.balls(values, digits)
            if any(isinstance(b, str) for b in balls):
                continue
            size = max([abs(m) for m, _ in balls] + [mpmath.mpf(0)])
            if all(r <= size * mpmath.mpf(10) ** -20 for _, r in balls):
                return [m for m, _ in balls]
        return None

    def precise(self, compute, point, j, exact) -> tuple:
        """('agree' | 'disagree' | 'skip', the engine's value): `compute(engine, env)` re-run on the
        engine at increasing precision."""
        checker = self.checker
        engine = precise_engine(checker.graph.eqns, checker.instances[j])
        runs = []
        for digits in PRECISIONS:
            with mpmath.workdps(digits):
                try:
                    env = engine.forward({name: lift_array(point[name]) for name in checker.graph.inputs})
                    value = as_mpf(compute(engine, env))
                except (ArithmeticError, ValueError, TypeError):
                    return "skip", None
                if all(mpmath.isfinite(v) for v in value) and _agree(value, exact, PRECISE_AGREEMENT):
                    return "agree", None
                runs.append(value)
        stable = _agree(runs[-1], runs[-2], mpmath.mpf(10) ** -30) and any(v != 0 for v in runs[-1])
        return ("disagree" if stable else "skip"), [float(v) for v in runs[-1]]

    def engine_truth(self, claim, env: dict, j: int) -> np.ndarray:
        checker = self.checker
        engine = checker.engines[j]
        if len(claim.wrt) == 1:
            return engine.jacobian(env, claim.of, claim.wrt[0])
        from derivcheck.witness.second_order import hessian

        full = hessian(engine, env, claim.of, claim.wrt[0], claim.wrt[1])
        if claim.spec.diagonal:
            n = int(np.prod(checker.graph.shapes[claim.wrt[0]], dtype=int))
            return np.diagonal(full.reshape(n, n)).reshape(checker.graph.shapes[claim.wrt[0]]).copy()
        return full

    @staticmethod
    def notes(found: dict) -> list:
        skipped = found.get("float_skipped", 0)
        if not skipped:
            return []
        return [f"the float64 engine was not compared at {skipped} point(s) where float64 cannot represent "
                "the computation (checked in high precision instead where possible)"]
