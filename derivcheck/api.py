"""The Python API, for notebooks and graders.

    from derivcheck import api

    problem = api.load("problems/seed/ex1b-dag-backprop.yaml")   # or YAML text
    result = api.check(problem)                                   # or a path, or YAML text
    api.verdicts(result)        # {"claim name": "proved", ...}
    result.exit_code            # 0 pass, 1 wrong, 2 bad input, 3 undecided/inconsistent

`load` raises `ProblemError` (a LocatedError: `.message`, `.line`, `.col`) on bad input.
`check` never raises for a bad problem: like the command line, it returns a
`ProblemResult` whose `.error` says where the problem is. Checks run as the command
line's do: in a worker process, under the per-claim deadline (twice `timeout` + 2 s).
"""

from __future__ import annotations

import os

from derivcheck.lang.errors import LocatedError
from derivcheck.lang.problem import Problem
from derivcheck.results import ClaimResult, ProblemResult

ProblemError = LocatedError

__all__ = ["load", "check", "verdicts", "failures", "Problem", "ProblemResult", "ClaimResult", "ProblemError"]


def _is_path(source) -> bool:
    if isinstance(source, os.PathLike):
        return True
    if isinstance(source, bytes):
        return False
    if not isinstance(source, str):
        raise TypeError(f"expected a path, YAML text or a Problem, got {type(source).__name__}")
    if "\n" in source:
        return False
    return source.endswith((".yaml", ".yml")) or os.path.isfile(source)


def load(path_or_text) -> Problem:
    """A validated Problem from a file path (str or Path) or from YAML text (str or bytes).

    A string is read as a path when it has no newline and names an existing file or ends in
    .yaml/.yml; otherwise it is YAML text. Raises ProblemError (with .line/.col) on bad input,
    OSError when the file cannot be read.
    """
    from derivcheck.lang.problem import load_text
    from derivcheck.runner import read_source

    if _is_path(path_or_text):
        path = os.fspath(path_or_text)
        return load_text(read_source(path), path)
    return load_text(path_or_text, "<text>")


def check(path_or_problem, seed: int | None = None, samples: int | None = None,
          timeout: float | None = None) -> ProblemResult:
    """Check every claim of a problem (a Problem from `load`, a path, or YAML text).

    Returns a ProblemResult: `.claims` (ClaimResult: name, verdict, passed, counterexample,
    diagnosis, …), `.exit_code` and `.error` (None, or {line, column, message} when the
    problem could not be loaded or built). `seed` and `samples` override the file's `check:`.
    """
    from derivcheck.runner import deadline
    from derivcheck.pool import run_all

    if isinstance(path_or_problem, Problem):
        path, source = path_or_problem.path, path_or_problem
    elif _is_path(path_or_problem):
        path, source = os.fspath(path_or_problem), None
    else:
        path = "<text>"
        source = path_or_problem.encode("utf-8") if isinstance(path_or_problem, str) else path_or_problem
    options = dict(seed=seed, samples=samples, timeout=timeout)
    return run_all([path], jobs=1, deadline=deadline(timeout), options=options, inputs={path: source})[0]


def verdicts(result: ProblemResult) -> dict:
    """Claim name → verdict, in file order. A claim without `name` is `claim N` (N from 1);
    a name used twice gets ` #N` appended (its 1-based position)."""
    out: dict = {}
    for c in result.claims:
        key = c.name if c.name not in out else f"{c.name} #{c.index + 1}"
        out[key] = c.verdict
    return out


def failures(result: ProblemResult) -> list:
    """The claims that did not pass (wrong, error, undecided, …), as ClaimResult objects."""
    return [c for c in result.claims if not c.passed]

