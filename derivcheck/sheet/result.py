"""What checking a sheet produced: one entry per claim found (or per statement without one).

Plain frozen data, for every renderer alike (text, JSON, JUnit, GitHub, the annotated copy).
"""

from __future__ import annotations

from dataclasses import dataclass

NOT_DERIVATIVE = "not a derivative statement"


@dataclass(frozen=True)
class SheetEntry:
    line: int
    text: str  # the whole statement, as written
    member: str  # the claimed side ("" for a statement without claims)
    verdict: str  # a claim's verdict, or "unchecked"
    reason: str = ""  # why it is not checked
    claim: object = None  # the ClaimResult, when checked
    at: int = -1  # sheet offset after the math the statement is in
    internal: bool = False  # derivcheck failed reading it: exit 3, with a hint to report it

    @property
    def checked(self) -> bool:
        return self.claim is not None

    @property
    def counts(self) -> bool:
        """An unchecked derivative statement (a non-derivative one is not a claim at all)."""
        return self.claim is None and self.reason != NOT_DERIVATIVE

    @property
    def exit_code(self) -> int:
        if self.internal:
            return 3
        return self.claim.exit_code if self.claim is not None else 0


@dataclass(frozen=True)
class SheetResult:
    file: str
    entries: tuple = ()
    error: dict | None = None  # {file, line, column, message} when a block is not a problem
    internal: bool = False

    def exit_code(self, strict: bool = False) -> int:
        if self.error is not None:
            return 3 if self.internal else 2
        code = max((e.exit_code for e in self.entries), default=0)
        if strict and any(e.counts for e in self.entries):
            code = max(code, 1)
        return code

    def as_problem(self):
        """The sheet as one ProblemResult (its claims renumbered), for `check` and the pytest plugin."""
        from derivcheck.results import ProblemResult

        stem = self.file.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0] or "sheet"
        claims = tuple(e.claim for e in self.entries if e.checked)
        error = None if self.error is None else {k: self.error[k] for k in ("line", "column", "message")}
        return ProblemResult(file=self.file, id=stem, claims=claims, error=error, internal=self.internal)

    def summary(self, strict: bool = False) -> dict:
        verdicts: dict = {}
        for e in self.entries:
            if e.checked:
                verdicts[e.verdict] = verdicts.get(e.verdict, 0) + 1
        return {"checked": sum(e.checked for e in self.entries),
                "unchecked": sum(e.counts for e in self.entries),
                "not_derivative": sum(e.reason == NOT_DERIVATIVE for e in self.entries),
                "verdicts": verdicts, "exit": self.exit_code(strict)}
