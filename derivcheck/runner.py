"""Load and check one problem file into a ProblemResult, never raising.

User errors become a located `error`; anything else is an internal error with
a hint to report it (exit 3), so no traceback ever reaches the user.
"""

from __future__ import annotations

import traceback

from derivcheck.errors import LocatedError
from derivcheck.results import ProblemResult

MAX_BYTES = 1 << 20


def read_source(path: str) -> bytes:
    if path == "-":
        import sys

        return sys.stdin.buffer.read(MAX_BYTES + 1)
    with open(path, "rb") as handle:
        return handle.read(MAX_BYTES + 1)


def stem(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0] or "stdin"


def run_file(path: str, *, seed=None, samples=None, timeout=None, data: bytes | None = None,
             with_steps: bool = False) -> ProblemResult:
    try:
        if data is None:
            data = read_source(path)
        return check_source(data, path, seed=seed, samples=samples, timeout=timeout, with_steps=with_steps)
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


def check_source(data: bytes, path: str, *, seed=None, samples=None, timeout=None, with_steps=False) -> ProblemResult:
    from derivcheck.build import build
    from derivcheck.problem import load_text
    from derivcheck.verify import Checker

    problem = load_text(data, path)
    model = build(problem)
    checker = Checker(model, seed=seed, samples=samples, timeout=timeout)
    claims = tuple(checker.check(c) for c in model.claims)
    derived = ()
    if not model.claims:
        derived = tuple(derive_all(checker))
    steps = None
    if with_steps:
        from derivcheck.steps import derivations_for

        steps = derivations_for(checker)
    return ProblemResult(file=path, id=problem.id, title=problem.title, claims=claims, derived=derived, steps=steps)


def derive_all(checker) -> list:
    """With no claims: ∂output/∂input for every input, in node names and substituted."""
    from derivcheck.printing import show

    model = checker.model
    if model.output is None:
        raise LocatedError("the problem has no claims and no single output to differentiate; add `output:`", 1, 1)
    out = []
    for name in model.graph.inputs:
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
