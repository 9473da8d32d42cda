"""Load and check one problem file into a ProblemResult, never raising.

User errors become a located `error`; anything else is an internal error with
a hint to report it (exit 3), so no traceback ever reaches the user.
"""

from __future__ import annotations

import traceback

from derivcheck.errors import LocatedError
from derivcheck.results import ProblemResult

MAX_BYTES = 1 << 20
DEFAULT_TIMEOUT = 20.0
GRACE = 2.0


def step_limit(timeout: float) -> float:
    """Wall-clock seconds one step (loading, one claim, ...) may take before its worker is killed.

    `timeout` bounds the proof attempt (which gets half of it) and sympy's other work inside
    a claim; the kill is the backstop for work that ignores it, with room for a loaded machine.
    """
    return 2 * timeout + GRACE


class Progress:
    """Where a check is, told to whoever bounds it (pool.py's parent process); no-op by default.

    `phase(seconds, info)` starts a step that may take at most `seconds`: info["kind"] is
    load, claim (with the claim's identity), derive or steps. `claim(result)` hands over a
    finished claim, so that a kill later on loses nothing already decided.
    """

    def phase(self, seconds: float, info: dict) -> None:
        pass

    def claim(self, result) -> None:
        pass


def claim_identity(claim) -> dict:
    """The fields a ClaimResult needs, for a verdict made without the Checker (a limit was hit)."""
    spec = claim.spec
    return dict(index=spec.index, name=spec.name or f"claim {spec.index + 1}", of=claim.of, wrt=list(claim.wrt),
                claim_text=spec.body.text, reading=claim.reading, line=spec.line, col=spec.col)


def limit_claim(identity: dict, what: str):
    """An `undecided` claim that names the limit it hit."""
    from derivcheck.results import ClaimResult

    return ClaimResult(**identity, verdict="undecided", passed=False, message=what)


def read_source(path: str) -> bytes:
    if path == "-":
        import sys

        return sys.stdin.buffer.read(MAX_BYTES + 1)
    with open(path, "rb") as handle:
        return handle.read(MAX_BYTES + 1)


def stem(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0] or "stdin"


def run_file(path: str, *, seed=None, samples=None, timeout=None, data: bytes | None = None,
             with_steps: bool = False, progress: Progress | None = None, done: dict | None = None) -> ProblemResult:
    """Check one file. `done` (claim index → ClaimResult) are claims already decided, not re-checked."""
    try:
        if data is None:
            data = read_source(path)
        return check_source(data, path, seed=seed, samples=samples, timeout=timeout, with_steps=with_steps,
                            progress=progress, done=done)
    except LocatedError as exc:
        return ProblemResult(file=path, id=stem(path), error={"line": exc.line, "column": exc.col, "message": exc.message})
    except OSError as exc:
        return ProblemResult(file=path, id=stem(path), error={"line": 0, "column": 0, "message": f"cannot read: {exc.strerror or exc}"})
    except RecursionError:
        return ProblemResult(file=path, id=stem(path), internal=True,
                             error={"line": 0, "column": 0, "message": "undecided: recursion limit hit (expression too deep)"})
    except MemoryError:
        return ProblemResult(file=path, id=stem(path), internal=True,
                             error={"line": 0, "column": 0, "message": "undecided: memory limit hit"})
    except Exception as exc:  # an internal error: report, never a traceback on the console
        where = traceback.extract_tb(exc.__traceback__)[-1]
        message = (f"internal error: {type(exc).__name__}: {exc} (at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}); "
                   "please report it with the problem file")
        return ProblemResult(file=path, id=stem(path), internal=True, error={"line": 0, "column": 0, "message": message})


def check_source(data: bytes, path: str, *, seed=None, samples=None, timeout=None, with_steps=False,
                 progress: Progress | None = None, done: dict | None = None) -> ProblemResult:
    from derivcheck.problem import load_text

    return check_problem(load_text(data, path), seed=seed, samples=samples, timeout=timeout,
                         with_steps=with_steps, progress=progress, done=done)


def check_problem(problem, *, seed=None, samples=None, timeout=None, with_steps=False,
                  progress: Progress | None = None, done: dict | None = None) -> ProblemResult:
    """A loaded Problem → its ProblemResult (raises LocatedError for a bad model)."""
    from derivcheck.build import build
    from derivcheck.verify import Checker

    progress = progress or Progress()
    done = done or {}
    path = problem.path
    model = build(problem)
    checker = Checker(model, seed=seed, samples=samples, timeout=timeout)
    checker.closed_forms = with_steps  # sympy's closed forms are for the reader of `solve`, not for CI
    step = step_limit(checker.timeout)
    claims = []
    for c in model.claims:
        if c.spec.index in done:
            claims.append(done[c.spec.index])
            continue
        progress.phase(step, {"kind": "claim", "claim": claim_identity(c), "timeout": checker.timeout})
        claims.append(_check_claim(checker, c))
        progress.claim(claims[-1])
    derived = ()
    if not model.claims:
        derived = tuple(derive_all(checker, lambda: progress.phase(step, {"kind": "derive", "timeout": checker.timeout})))
    steps = None
    if with_steps:
        from derivcheck.steps import derivations_for

        progress.phase(step * max(1, len(model.claims)),
                       {"kind": "steps", "timeout": checker.timeout, "id": problem.id, "title": problem.title})
        steps = derivations_for(checker)
    return ProblemResult(file=path, id=problem.id, title=problem.title, claims=tuple(claims), derived=derived, steps=steps)


def _check_claim(checker, claim):
    """One claim's verdict; a limit hit inside it makes that claim undecided, not the whole file."""
    try:
        return checker.check(claim)
    except RecursionError:
        return limit_claim(claim_identity(claim), "recursion limit hit (expression too deep)")
    except MemoryError:
        return limit_claim(claim_identity(claim), "memory limit hit")


def derive_all(checker, before_each=None) -> list:
    """With no claims: ∂output/∂input for every input, in node names and substituted."""
    from derivcheck.printing import show

    model = checker.model
    if model.output is None:
        raise LocatedError("the problem has no claims and no single output to differentiate; add `output:`", 1, 1)
    out = []
    for name in model.graph.inputs:
        if before_each is not None:
            before_each()
        value = checker.sym.derivative(model.output, name)
        out.append((model.output, name, show(checker.sym.substitute(value))))
    return out


def load_model(path: str, *, seed=None):
    """A Checker for the file, raising LocatedError on bad input."""
    from derivcheck.build import build
    from derivcheck.problem import load_text
    from derivcheck.verify import Checker

    try:
        data = read_source(path)
    except OSError as exc:
        raise LocatedError(f"cannot read: {exc.strerror or exc}") from None
    return Checker(build(load_text(data, path)), seed=seed)


def show_error(path: str, exc: LocatedError) -> int:
    import sys

    where = f"{path}:{exc.line}:{exc.col}" if exc.line else path
    print(f"{where}: error: {exc.message}", file=sys.stderr)
    return 2
