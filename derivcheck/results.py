"""Result objects: what checking produced, for every renderer alike (text, JSON, …).

Frozen and plain (strings, numbers, lists), so they cross process boundaries and
render without recomputing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PASSING = {"proved", "verified", "expected-fail"}
EXIT_OF_VERDICT = {"proved": 0, "verified": 0, "expected-fail": 0, "wrong": 1, "error": 2,
                   "inconsistent": 3, "undecided": 3}


@dataclass(frozen=True)
class Counterexample:
    point: dict  # input name → value (number or nested list), printable
    claimed: object
    true: object
    engine: object = None


@dataclass(frozen=True)
class ClaimResult:
    index: int
    name: str
    of: str
    wrt: list
    verdict: str
    passed: bool
    message: str = ""
    line: int = 0
    col: int = 0
    max_rel_error: float | None = None
    counterexample: Counterexample | None = None
    diagnosis: str = ""
    claim_text: str = ""
    reading: str = ""
    truth_text: str = ""  # the true derivative, as an expression
    truth_nodes: str = ""  # the same written with node names
    points_used: int = 0
    details: list = field(default_factory=list)  # extra lines: differing entries, sympy's closed form, …
    internal: bool = False  # an `error` that is derivcheck's bug, not the user's (exit 3)

    @property
    def exit_code(self) -> int:
        if self.internal:
            return 3
        if self.verdict == "approximate":
            return 0 if self.passed else 1
        if self.verdict in ("proved", "verified") and not self.passed:
            return 1  # expect: fails, but the claim holds
        return EXIT_OF_VERDICT.get(self.verdict, 3)


@dataclass(frozen=True)
class ProblemResult:
    file: str
    id: str
    title: str = ""
    claims: tuple = ()
    error: dict | None = None  # {line, column, message} when the file could not be loaded
    derived: tuple = ()  # (of, wrt, expression text) when the problem has no claims
    steps: object = None  # Derivation list (solve, steps)
    internal: bool = False  # an internal error, not the user's
    limit: bool = False  # `error` says which time or memory limit was hit: undecided, not a bug
    # Computed in the worker only when the command asks (runner.Request); plain data, so the
    # parent renders them without importing sympy.
    first_wrong: dict | None = None  # firstwrong.first_wrong_step
    entry_indices: dict = field(default_factory=dict)  # claim index → index names of an `entries` claim
    tensors: tuple = ()  # the vector and matrix inputs and nodes: LaTeX writes their elementwise product as ⊙
    audits: tuple = ()  # ClaimAudit per claim (derivcheck audit)
    hessian: dict | None = None  # verdict.hessian's comparison (derivcheck hessian)
    graph: object = None  # flow.GraphData (derivcheck graph)
    ir: str = ""  # the IR as text, one equation per line (solve --verbose)

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return 3 if self.internal or self.limit else 2
        return max((c.exit_code for c in self.claims), default=0)

    @property
    def status(self) -> str:
        code = self.exit_code
        if self.error is not None:
            return "internal-error" if self.internal else "undecided" if self.limit else "error"
        return {0: "pass", 1: "fail", 2: "error", 3: "undecided"}[code]

    @property
    def audit_exit_code(self) -> int:
        return self.audit_exit()

    def audit_exit(self, strict: bool = False) -> int:
        """`derivcheck audit`: 1 when a mutant slips through (with `strict`, also one that equals the
        claim on the declared domain), else as for loading (0, 2 or 3)."""
        if self.error is not None:
            return self.exit_code
        return 1 if any(c.slipped_mutants(strict) for c in self.audits) else 0


@dataclass(frozen=True)
class MutantResult:
    kind: str
    description: str
    text: str
    outcome: str  # found-wrong | slipped | equivalent | invalid
    verdict: str = ""
    message: str = ""
    on_domain: bool = False  # equal to the claim wherever the inputs' domains hold (so not a mistake there)
    note: str = ""


@dataclass(frozen=True)
class ClaimAudit:
    index: int
    name: str
    claim: str
    verdict: str  # the original claim's verdict
    passed: bool  # whether the original claim passes (as `check` would say)
    audited: bool
    reason: str = ""  # why it was not audited
    mutants: tuple = ()

    def slipped_mutants(self, strict: bool = False) -> list:
        """Mutants the problem cannot tell from the claim; one equal to the claim on the declared
        domain (S → Sᵀ for a symmetric S) is not a mistake there, so it counts only with `strict`."""
        return [m for m in self.mutants if m.outcome == "slipped" and (strict or not m.on_domain)]

    @property
    def slipped(self) -> list:
        return self.slipped_mutants()

    @property
    def equivalent_on_domain(self) -> list:
        return [m for m in self.mutants if m.outcome == "slipped" and m.on_domain]


@dataclass(frozen=True)
class Derivation:
    """The chain-rule steps of one derivative (SPEC §4), as text and LaTeX (steps.derive)."""

    of: str
    wrt: str
    partials: tuple  # (child, parent, in node names, substituted)
    path_sum: str
    result_nodes: str
    result: str
    rules: tuple  # (node, text) adjoint rules for tensor nodes
    table: tuple  # (name, value, adjoint) at the first sample point
    point: dict
    partials_latex: tuple = ()  # (child, parent, in node names, substituted)
    path_sum_latex: str = ""
    result_nodes_latex: str = ""
    result_latex: str = ""
    rules_latex: tuple = ()  # (node, LaTeX) adjoint rules for tensor nodes
    names_latex: dict = field(default_factory=dict)  # every name of the problem → LaTeX
    adjoints: tuple = ()  # steps_matrix.Adjoint per name on the paths: the matrix form of a tensor problem
    expanded: bool = True  # the entry-wise steps were built (always for scalars; tensors only with --expand)


LOCAL = "\1"  # in Adjoint.terms: f's own gradient with respect to the name, without a short form


@dataclass(frozen=True)
class Adjoint:
    """One adjoint of the matrix-form steps (steps_matrix): ∂f/∂node = terms = short, with its shape."""

    node: str
    terms: str  # the contributions in ∂-names: ∂L/∂y xᵀ
    short: str  # the same with the children's short forms substituted ("" when none)
    shape: str


def d(f: str, v: str) -> str:
    """∂f/∂v as every report writes it."""
    return f"∂{f}/∂{v}"
