"""The one path through the core: a source (file bytes or a loaded Problem) → its ProblemResult.

Every command, the Python API and the pytest plugin call `run_file` (in a worker process,
see pool.py); what a command shows besides the verdicts (the steps, the first wrong step,
the audit, the Hessian comparison, the graph, a derivative) is asked for with a `Request`
and computed here once, as plain data on the result. `run_file` never raises: user errors
become a located `error`, a limit an `undecided` naming it, anything else an internal error
with a hint to report it (exit 3), so no traceback ever reaches the user.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from derivcheck.lang.errors import LocatedError
from derivcheck.results import ProblemResult

MAX_BYTES = 1 << 20
DEFAULT_TIMEOUT = 20.0
GRACE = 2.0


@dataclass(frozen=True)
class Request:
    """What to compute from a source. The defaults are `check`'s: the verdicts and nothing else."""

    seed: int | None = None
    samples: int | None = None
    timeout: float | None = None
    claims: bool = True  # check the claims (steps, graph, hessian and grad's derivative do not)
    require_claims: bool = False  # a problem without claims is an error, not a derivation (--require-claims)
    closed_forms: bool = False  # sympy's closed forms beside passing claims, for the reader of `solve`
    truth_texts: str = "all"  # "failing": the true derivative's text only on claims that do not pass (check's text)
    steps: bool = False  # the chain-rule steps of the derivative the problem is about (solve)
    steps_of: tuple | None = None  # (of, wrt): the steps of that derivative (derivcheck steps)
    expand: bool = False  # tensor steps entry by entry too, never shortened (--expand, LaTeX)
    steps_latex: bool = False  # the steps typeset as LaTeX too (--format latex or markdown)
    first_wrong: bool = False  # the first wrong step of a claimed derivation
    audit: bool = False  # the mutation audit of every passing claim
    hessian: tuple | None = None  # (of or None, wrt or None): the Hessian diagonal comparison
    graph: tuple | None = None  # (of or None,): the DAG with values and adjoints
    derive: tuple | None = None  # (of, (wrt,) or (u, v)): one true derivative (grad without a claim)
    ir: bool = False  # the IR, one equation per line (solve --verbose)


def step_limit(timeout: float) -> float:
    """Wall-clock seconds one step (loading, one claim, ...) may take before its worker is killed.

    `timeout` bounds the proof attempt (which gets half of it) and sympy's other work inside
    a claim; the kill is the backstop for work that ignores it, with room for a loaded machine.
    """
    return 2 * timeout + GRACE


def deadline(timeout) -> float:
    """The most any one step may take, whatever it announces: a few claims' worth of the per-claim timeout."""
    return 4 * (timeout or DEFAULT_TIMEOUT) + 10


class Progress:
    """Where a check is, told to whoever bounds it (pool.py's parent process); no-op by default.

    `phase(seconds, info)` starts a step that may take at most `seconds`: info["kind"] is
    load, claim (with the claim's identity), derive, steps, audit, hessian or graph.
    `claim(result)` hands over a finished claim, so that a kill later on loses nothing already decided.
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


def limit_result(path: str, what: str) -> ProblemResult:
    """A file that hit a limit outside any claim: undecided (exit 3), saying which limit."""
    return ProblemResult(file=path, id=stem(path), limit=True, error={"line": 0, "column": 0, "message": f"undecided: {what}"})


def read_source(path: str) -> bytes:
    if path == "-":
        import sys

        return sys.stdin.buffer.read(MAX_BYTES + 1)
    with open(path, "rb") as handle:
        return handle.read(MAX_BYTES + 1)


def load_model(path: str, data=None):
    """A source → its built Model (raises LocatedError on bad input, OSError when unreadable).

    `data` is the file's bytes or text, or an already loaded Problem; None reads `path`."""
    from derivcheck.lang.build import build
    from derivcheck.lang.problem import Problem, load_text

    if isinstance(data, Problem):
        return build(data)
    return build(load_text(read_source(path) if data is None else data, path))


def stem(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0] or "stdin"


def run_file(path: str, *, data=None, progress: Progress | None = None, done: dict | None = None,
             **request) -> ProblemResult:
    """Check one source as `Request(**request)` asks. `done` (claim index → ClaimResult) are claims
    already decided (before a worker was replaced), not re-checked."""
    try:
        return run_model(load_model(path, data), Request(**request), progress=progress, done=done)
    except LocatedError as exc:
        return ProblemResult(file=path, id=stem(path), error={"line": exc.line, "column": exc.col, "message": exc.message})
    except OSError as exc:
        return ProblemResult(file=path, id=stem(path), error={"line": 0, "column": 0, "message": f"cannot read: {exc.strerror or exc}"})
    except RecursionError:
        return limit_result(path, "recursion limit hit (expression too deep)")
    except MemoryError:
        return limit_result(path, "memory limit hit")
    except Exception as exc:  # an internal error: report, never a traceback on the console
        where = traceback.extract_tb(exc.__traceback__)[-1]
        message = (f"internal error: {type(exc).__name__}: {exc} (at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}); "
                   "please report it with the problem file")
        return ProblemResult(file=path, id=stem(path), internal=True, error={"line": 0, "column": 0, "message": message})


def run_model(model, request: Request, *, progress: Progress | None = None, done: dict | None = None) -> ProblemResult:
    """A built Model → its ProblemResult (raises LocatedError for a bad request, such as an unknown --of)."""
    from derivcheck.verdict.verify import Checker

    progress = progress or Progress()
    problem = model.problem
    _fixed_matrices_invertible(model)
    checker = Checker(model, seed=request.seed, samples=request.samples, timeout=request.timeout)
    checker.closed_forms = request.closed_forms
    checker.truth_texts = request.truth_texts
    step = step_limit(checker.timeout)

    def phase(kind: str, steps: int = 1, **info) -> None:
        """Start a step that may take `steps` claims' worth of time."""
        progress.phase(step * steps, {"kind": kind, "timeout": checker.timeout, "id": problem.id, "title": problem.title,
                                      **info})

    out: dict = {"entry_indices": {c.spec.index: [t.text for t in c.spec.entry_index]
                                   for c in model.claims if c.spec.kind == "entries"},
                 "tensors": tuple(n for n, shape in model.graph.shapes.items() if shape and "#" not in n)}
    if request.ir:
        out["ir"] = str(model.graph)
    if request.require_claims and not model.claims:
        raise LocatedError("nothing claimed: the problem has no claims (--require-claims)", 1, 1)
    if request.claims:
        out["claims"] = tuple(_check_claims(checker, phase, progress, done or {}))
        if not model.claims:
            out["derived"] = tuple(derive_all(checker, lambda: phase("derive")))
    if request.first_wrong and len(out.get("claims", ())) >= 2:
        out["first_wrong"] = _first_wrong(model, out["claims"])
    if request.audit:
        from derivcheck.verdict.audit import audit_claims

        out["audits"] = audit_claims(checker, lambda: phase("audit"))
    if request.derive:
        phase("derive")
        out["derived"] = (derivative(checker, *request.derive),)
    if request.steps or request.steps_of:
        from derivcheck.verdict.steps import derivations_for, derive

        # solve's derivation spans the claims: a claim's worth of time for each
        phase("steps", steps=1 if request.steps_of else max(1, len(model.claims)))
        tex = request.steps_latex
        out["steps"] = ([derive(checker, *_names(checker, request.steps_of), expand=request.expand, tex=tex)]
                        if request.steps_of else derivations_for(checker, expand=request.expand, tex=tex))
    if request.hessian:
        from derivcheck.verdict import hessian

        phase("hessian")
        out["hessian"] = hessian.report(checker, *request.hessian)
    if request.graph:
        from derivcheck.verdict.flow import build_graph

        phase("graph")
        out["graph"] = build_graph(checker, _graph_output(checker, request.graph[0]))
    return ProblemResult(file=problem.path, id=problem.id, title=problem.title, **out)


INVERTING_OPS = ("inv", "det", "logdet")  # the engine inverts their argument (in the value or the derivative)


def _fixed_matrices_invertible(model) -> None:
    """A fixed `value:` matrix that inv, det or logdet takes must be invertible: otherwise no point is valid."""
    import sympy as sp

    fixed = {spec.name: spec for spec in model.problem.inputs if spec.value is not None and len(spec.shape) == 2}
    for eqn in model.graph.eqns:
        for name in eqn.args if eqn.op in INVERTING_OPS else ():
            spec = fixed.get(name)
            if spec is not None and sp.Matrix(spec.value).det() == 0:
                raise LocatedError(f"input {name!r} is fixed to a singular matrix, but {eqn.op}({name}) needs an "
                                   "invertible one (its derivative inverts it)", spec.line, spec.col)


def _check_claims(checker, phase, progress, done: dict) -> list:
    claims = []
    for c in checker.model.claims:
        if c.spec.index in done:
            claims.append(done[c.spec.index])
            continue
        phase("claim", claim=claim_identity(c))
        claims.append(_check_claim(checker, c))
        progress.claim(claims[-1])
    return claims


def _check_claim(checker, claim):
    """One claim's verdict; a limit hit inside it makes that claim undecided, not the whole file."""
    try:
        return checker.check(claim)
    except RecursionError:
        return limit_claim(claim_identity(claim), "recursion limit hit (expression too deep)")
    except MemoryError:
        return limit_claim(claim_identity(claim), "memory limit hit")


def _first_wrong(model, claims) -> dict | None:
    """The first wrong step, or None; an optional report, so it never costs the verdicts."""
    from derivcheck.verdict.firstwrong import first_wrong_step

    try:
        return first_wrong_step(model, claims)
    except Exception:  # noqa: BLE001 - an optional report; the verdicts stand on their own
        return None


def _names(checker, pair: tuple) -> tuple:
    """--of and --wrt, each an input or node of the problem (else a LocatedError)."""
    graph = checker.graph
    for name, what in zip(pair, ("--of", "--wrt")):
        if name not in graph.inputs and name not in graph.node_names:
            raise LocatedError(f"{what} {name!r} is not an input or node of the problem")
    return pair


def _graph_output(checker, of: str | None) -> str | None:
    graph = checker.graph
    if of is not None and of not in graph.node_names and of not in graph.inputs:
        raise LocatedError(f"--of {of!r} is not an input or node of the problem")
    if of is None and checker.model.output is None and graph.node_names:
        sinks = [n for n in graph.node_names if not any(n in ps for ps in graph.node_parents.values())]
        raise LocatedError(f"the problem has several outputs ({', '.join(sinks)}); choose one with --of")
    return of


def derivative(checker, of: str, wrt: tuple) -> tuple:
    """(of, wrt, text) of the true ∂of/∂wrt, or ∂²of/∂u∂v for two names (sympy, through the DAG)."""
    from derivcheck.verdict.printing import show

    sym = checker.sym
    value = sym.derivative(of, wrt[0])
    if len(wrt) == 2:
        value = sym.total(value, wrt[1])
    return of, wrt[0] if len(wrt) == 1 else list(wrt), show(sym.substitute(value))


def derive_all(checker, before_each=None) -> list:
    """With no claims: ∂output/∂input for every input, in node names and substituted."""
    model = checker.model
    if model.output is None:
        raise LocatedError("the problem has no claims and no single output to differentiate; add `output:`", 1, 1)
    out = []
    for name in model.graph.inputs:
        if before_each is not None:
            before_each()
        out.append(derivative(checker, model.output, (name,)))
    return out
