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

    @property
    def exit_code(self) -> int:
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
    steps: object = None  # steps.Derivation list, for solve
    internal: bool = False  # an internal error, not the user's

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return 3 if self.internal else 2
        return max((c.exit_code for c in self.claims), default=0)

    @property
    def status(self) -> str:
        code = self.exit_code
        if self.error is not None:
            return "internal-error" if self.internal else "error"
        return {0: "pass", 1: "fail", 2: "error", 3: "undecided"}[code]
