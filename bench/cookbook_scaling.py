"""Matrix Cookbook identities against the matrix size n, beside the peers a user would reach for.

    python bench/cookbook_scaling.py                       # n = 2 3 4 6 8 12 16, at most 60 s a case
    python bench/cookbook_scaling.py --sizes 2 4 8 --cap 30
    python bench/cookbook_scaling.py --one sympy inverse 3 # one case (what the table runs, in a child)

Five identities, each with its right claim and one classic mistake (so every tool decides two
claims): inverse ∂aᵀX⁻¹b/∂X = −X⁻ᵀabᵀX⁻ᵀ (eq. 61), det ∂det X/∂X = det(X)X⁻ᵀ (eq. 49), logdet
∂ln|det X|/∂X = X⁻ᵀ (eq. 57), trace ∂tr(AXB)/∂X = AᵀBᵀ (eq. 101), quadform ∂bᵀXᵀXc/∂X = X(bcᵀ + cbᵀ)
(eq. 77). Tools, each in a child process killed at `--cap` seconds ("timeout"; larger n of
that tool and identity are then skipped), timed after their imports:

- derivcheck: the core path of `derivcheck check` (runner.run_file) on a generated problem file
  (after one warm-up file, as `check` warms its workers);
- sympy: what a user writes by hand: explicit symbol matrices, `diff` entry by entry, then
  `simplify(diff - claim) == 0`;
- lambdify: the same derivative lambdified, compared with the claim at 8 random points;
- torch: autograd's gradient compared with the claim at 8 random points, plus
  `torch.autograd.gradcheck` of the function at each, after one warm-up call (skipped with a
  notice without torch).

Prints a table of seconds per identity and n, the verdicts, and the log-log slope of time
against n over the sizes that finished. No assertion: the figures go into bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
TOOLS = ("derivcheck", "sympy", "lambdify", "torch")
KINDS = {  # name: (inputs, f, right claim, wrong claim)
    "inverse": ("a: {shape: [n]}\n  b: {shape: [n]}\n  X: {shape: [n, n], domain: invertible}",
                "a.T @ inv(X) @ b", "-inv(X).T @ a @ b.T @ inv(X).T", "-inv(X) @ a @ b.T @ inv(X)"),
    "det": ("X: {shape: [n, n], domain: invertible}", "det(X)", "det(X) * inv(X).T", "det(X) * inv(X)"),
    "logdet": ("X: {shape: [n, n], domain: invertible}", "logdet(X)", "inv(X).T", "inv(X)"),
    "trace": ("A: {shape: [n, n]}\n  X: {shape: [n, n]}\n  B: {shape: [n, n]}",
              "trace(A @ X @ B)", "A.T @ B.T", "B.T @ A.T"),
    "quadform": ("b: {shape: [n]}\n  c: {shape: [n]}\n  X: {shape: [n, n]}",
                 "b.T @ X.T @ X @ c", "X @ (b @ c.T + c @ b.T)", "2 * X @ b @ c.T"),
}


def problem(kind: str, n: int) -> str:
    inputs, f, right, wrong = KINDS[kind]
    return (f"derivcheck: 1\nid: bench-{kind}-{n}\ndims: {{n: {n}}}\ninputs:\n  {inputs}\nnodes:\n  f: {f}\n"
            f"claims:\n  - {{wrt: X, is: \"{right}\"}}\n  - {{wrt: X, is: \"{wrong}\", expect: fails}}\n")


# --- the tools, each deciding the right and the wrong claim -------------------------------
def run_derivcheck(kind: str, n: int) -> dict:
    import derivcheck.verdict.verify  # noqa: F401  (imports outside the timing, as for the peers)
    from derivcheck.runner import run_file

    with tempfile.TemporaryDirectory() as folder:
        warm = os.path.join(folder, "warm.yaml")  # first-call costs out of the timing, as `check` warms its workers
        with open(warm, "w", encoding="utf-8") as handle:
            handle.write("inputs: [x]\nnodes: {f: x**2}\nclaims: [{wrt: x, is: 2*x}]\n")
        run_file(warm)
        path = os.path.join(folder, f"{kind}-{n}.yaml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(problem(kind, n))
        start = time.perf_counter()
        result = run_file(path)
        seconds = time.perf_counter() - start
    verdicts = [c.verdict for c in result.claims] or [result.status]
    return {"seconds": seconds, "verdicts": verdicts, "ok": result.exit_code == 0}


def symbolic(kind: str, n: int):
    """(variables, f, right claim, wrong claim, X) as explicit sympy matrices."""
    import sympy as sp

    def matrix(name, rows, cols):
        return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}{i}_{j}", real=True))

    X = matrix("x", n, n)
    a, b, c = matrix("a", n, 1), matrix("b", n, 1), matrix("c", n, 1)
    A, B = matrix("A", n, n), matrix("B", n, n)
    if kind == "inverse":
        inv = X.inv()
        return [X, a, b], (a.T * inv * b)[0, 0], -inv.T * a * b.T * inv.T, -inv * a * b.T * inv, X
    if kind == "det":
        d = X.det()
        return [X], d, d * X.inv().T, d * X.inv(), X
    if kind == "logdet":
        return [X], sp.log(X.det()), X.inv().T, X.inv(), X
    if kind == "trace":
        return [A, X, B], (A * X * B).trace(), A.T * B.T, B.T * A.T, X
    return [b, c, X], (b.T * X.T * X * c)[0, 0], X * (b * c.T + c * b.T), 2 * X * b * c.T, X


def gradient(f, X):
    import sympy as sp

    return sp.Matrix(X.rows, X.cols, lambda i, j: sp.diff(f, X[i, j]))


def run_sympy(kind: str, n: int) -> dict:
    import sympy as sp

    start = time.perf_counter()
    _, f, right, wrong, X = symbolic(kind, n)
    grad = gradient(f, X)
    verdicts = [all(sp.simplify(g - c) == 0 for g, c in zip(grad, claim)) for claim in (right, wrong)]
    return {"seconds": time.perf_counter() - start, "verdicts": verdicts, "ok": verdicts == [True, False]}


def points(kind: str, n: int, count: int = 8):
    """Random inputs (X well conditioned: n·I plus noise), as numpy arrays in `symbolic`'s order."""
    import numpy as np

    rng = np.random.default_rng(n)
    shapes = {"inverse": [(n, n), (n, 1), (n, 1)], "det": [(n, n)], "logdet": [(n, n)],
              "trace": [(n, n), (n, n), (n, n)], "quadform": [(n, 1), (n, 1), (n, n)]}[kind]
    where = {"inverse": 0, "det": 0, "logdet": 0, "trace": 1, "quadform": 2}[kind]
    for _ in range(count):
        values = [rng.uniform(-1, 1, shape) for shape in shapes]
        values[where] = values[where] + n * np.eye(n)
        yield values


def run_lambdify(kind: str, n: int) -> dict:
    import numpy as np
    import sympy as sp

    start = time.perf_counter()
    variables, f, right, wrong, X = symbolic(kind, n)
    flat = [s for m in variables for s in m]
    grad = gradient(f, X)
    functions = [sp.lambdify(flat, grad - claim, "numpy") for claim in (right, wrong)]
    verdicts = []
    for function in functions:
        worst = 0.0
        for values in points(kind, n):
            worst = max(worst, float(np.max(np.abs(np.asarray(function(*[v for m in values for v in m.ravel()]))))))
        verdicts.append(worst < 1e-8)
    return {"seconds": time.perf_counter() - start, "verdicts": verdicts, "ok": verdicts == [True, False]}


def run_torch(kind: str, n: int) -> dict:
    import torch

    torch.set_num_threads(1)

    def parts(values):
        return [torch.tensor(v, dtype=torch.float64) for v in values]

    def f(kind, *t):
        if kind == "inverse":
            X, a, b = t
            return (a.T @ torch.linalg.inv(X) @ b).squeeze()
        if kind == "det":
            return torch.linalg.det(t[0])
        if kind == "logdet":
            return torch.linalg.slogdet(t[0])[1]
        if kind == "trace":
            A, X, B = t
            return torch.trace(A @ X @ B)
        b, c, X = t
        return (b.T @ X.T @ X @ c).squeeze()

    def claims(kind, *t):
        if kind == "inverse":
            X, a, b = t
            inv = torch.linalg.inv(X)
            return -inv.T @ a @ b.T @ inv.T, -inv @ a @ b.T @ inv
        if kind in ("det", "logdet"):
            X = t[0]
            scale = torch.linalg.det(X) if kind == "det" else 1.0
            return scale * torch.linalg.inv(X).T, scale * torch.linalg.inv(X)
        if kind == "trace":
            A, X, B = t
            return A.T @ B.T, B.T @ A.T
        b, c, X = t
        return X @ (b @ c.T + c @ b.T), 2 * X @ b @ c.T

    where = {"inverse": 0, "det": 0, "logdet": 0, "trace": 1, "quadform": 2}[kind]
    warm = torch.eye(2, dtype=torch.float64, requires_grad=True)  # first-call costs out of the timing
    torch.autograd.gradcheck(lambda x: torch.linalg.det(x @ x), (warm,))
    start = time.perf_counter()
    verdicts = [True, True]
    for values in points(kind, n):
        t = parts(values)
        t[where].requires_grad_(True)
        (grad,) = torch.autograd.grad(f(kind, *t), t[where])
        assert torch.autograd.gradcheck(lambda x: f(kind, *t[:where], x, *t[where + 1:]), (t[where],))
        with torch.no_grad():
            for k, claim in enumerate(claims(kind, *t)):
                verdicts[k] &= bool(torch.allclose(grad, claim, rtol=1e-9, atol=1e-12))
    return {"seconds": time.perf_counter() - start, "verdicts": verdicts, "ok": verdicts == [True, False]}


RUNNERS = {"derivcheck": run_derivcheck, "sympy": run_sympy, "lambdify": run_lambdify, "torch": run_torch}


# --- the table ------------------------------------------------------------------------------
def case(tool: str, kind: str, n: int, cap: float) -> dict:
    command = [sys.executable, os.path.abspath(__file__), "--one", tool, kind, str(n)]
    path = os.pathsep.join(p for p in (REPO, os.environ.get("PYTHONPATH", "")) if p)
    env = dict(os.environ, PYTHONPATH=path, DERIVCHECK_NO_CACHE="1", OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=cap, env=env, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"timeout": True}
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"failed": (done.stderr.strip().splitlines() or ["no output"])[-1][:120]}


def slope(rows: list) -> str:
    """Least-squares slope of log(seconds) against log(n) over the sizes that finished."""
    pairs = [(math.log(n), math.log(r["seconds"])) for n, r in rows if "seconds" in r and r["seconds"] > 0]
    if len(pairs) < 2:
        return "-"
    mx = sum(x for x, _ in pairs) / len(pairs)
    my = sum(y for _, y in pairs) / len(pairs)
    sxx = sum((x - mx) ** 2 for x, _ in pairs)
    return f"{sum((x - mx) * (y - my) for x, y in pairs) / sxx:.2f}" if sxx else "-"


def cell(r: dict) -> str:
    if r.get("timeout"):
        return "timeout"
    if "failed" in r:
        return "failed"
    if "seconds" not in r:
        return "-"
    mark = "" if r.get("ok") else " (!)"
    return f"{r['seconds']:.2f}{mark}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 3, 4, 6, 8, 12, 16])
    parser.add_argument("--cap", type=float, default=60.0, help="seconds a case may take (then: timeout)")
    parser.add_argument("--kinds", nargs="+", choices=sorted(KINDS), default=list(KINDS))
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument("--one", nargs=3, metavar=("TOOL", "KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        tool, kind, n = args.one
        print(json.dumps(RUNNERS[tool](kind, int(n))))
        return 0
    tools = list(args.tools)
    if "torch" in tools:
        try:
            import torch  # noqa: F401
        except ImportError:
            print("torch is not installed: its column is skipped (pip install -e '.[bench]')")
            tools.remove("torch")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average "
          f"{os.getloadavg()[0]:.2f}; cap {args.cap:.0f} s per case; seconds after imports; "
          "(!) = the tool got a verdict wrong\n")
    results = {}
    for kind in args.kinds:
        for tool in tools:
            stopped = False
            for n in args.sizes:
                r = {"skipped": True} if stopped else case(tool, kind, n, args.cap)
                stopped = stopped or "seconds" not in r
                results[kind, tool, n] = r
                if tool == "derivcheck" and "verdicts" in r:
                    r["label"] = "/".join(r["verdicts"])
                print(f"  {kind:8s} {tool:10s} n={n:2d}: {cell(r)} {r.get('label', '')}", flush=True)
    print("\n| identity | tool | " + " | ".join(f"n={n}" for n in args.sizes) + " | slope |")
    print("|---|---|" + "---:|" * (len(args.sizes) + 1))
    for kind in args.kinds:
        for tool in tools:
            rows = [(n, results[kind, tool, n]) for n in args.sizes]
            print(f"| {kind} | {tool} | " + " | ".join(cell(r) for _, r in rows) + f" | {slope(rows)} |")
    print("\nderivcheck's verdicts (right claim / expect: fails claim):")
    for kind in args.kinds:
        print(f"  {kind}: " + ", ".join(f"n={n} {results[kind, 'derivcheck', n].get('label', cell(results[kind, 'derivcheck', n]))}"
                                        for n in args.sizes if "derivcheck" in tools))
    return 0


if __name__ == "__main__":
    sys.exit(main())
