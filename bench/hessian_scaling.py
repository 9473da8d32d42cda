"""How the cost of Hessian diagonals grows with the number of weights W.

    python bench/hessian_scaling.py           # full run, W from ~1e2 to ~1e6 (a few minutes)
    python bench/hessian_scaling.py --quick   # ~20 s, fewer sizes and repeats

Networks: square 3-layer tanh MLPs, sizes [n, n, n, n] (W = 3 n^2), identity output,
sse loss, no bias, batch 1 (derivcheck.witness.mlp.random_network).  Each method is timed as the
best of several repeats (time.perf_counter), each repeat long enough to be measurable:

  gradient      derivcheck.witness.mlp.gradient                     O(W)
  becker-lecun  derivcheck.witness.mlp.diag_becker_lecun (eq 10)    O(W)
  recursion     derivcheck.witness.mlp.diag_exact_recursion (8-9)   O(W n) = O(W^1.5) here
  gauss-newton  derivcheck.witness.mlp.diag_gauss_newton            O(W d_L) = O(W^1.5) here
  bruteforce    derivcheck.witness.mlp.diag_bruteforce              O(W^2), only while W <= 1.1e4
                (3.2e3 with --quick)
  backpack      BackPACK's DiagHessian extension (exact), float64, when torch and
                backpack-for-pytorch import; forward + backward with the extension

Prints a table, the log-log slope of each method against W (least squares over all sizes,
over W >= 1e4, where fixed per-call overheads no longer dominate, and over the three largest
sizes at which the method was timed), and the ratio
Becker-LeCun / gradient at the largest W.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings


def _parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="about 20 s: fewer sizes and repeats")
    ap.add_argument("--no-backpack", action="store_true", help="skip BackPACK even if installed")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS/OpenMP threads for numpy and torch (default 1: stable figures on a shared "
        "machine; set before numpy is imported)",
    )
    return ap.parse_args(argv)


ARGS = _parse() if __name__ == "__main__" else None
if ARGS is not None:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from derivcheck.witness import mlp  # noqa: E402

FULL_N = [6, 10, 18, 32, 58, 100, 183, 320, 577]
QUICK_N = [6, 18, 58, 183, 577]
BRUTE_MAX_W = 11000  # full run: brute force up to n = 58 (W ~ 1e4, ~0.5 s a call)
BRUTE_MAX_W_QUICK = 3200


def best_time(fn, min_repeat_time: float, repeats: int, budget: float) -> float:
    """Best per-call time over ``repeats`` repeats of ``number`` calls each."""
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    number = max(1, int(min_repeat_time / max(first, 1e-9)))
    best = first
    spent = first
    for _ in range(repeats):
        if spent > budget:
            break
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        dt = time.perf_counter() - t0
        spent += dt
        best = min(best, dt / number)
    return best


def backpack_setup(threads):
    try:
        import torch
        from backpack import backpack, extend
        from backpack.extensions import DiagHessian
    except Exception as exc:  # ImportError, or a broken install
        return None, f"{type(exc).__name__}: {exc}"
    torch.set_num_threads(threads)
    # BackPACK's hooks make torch warn that no input requires a gradient: harmless here
    warnings.filterwarnings("ignore", message="Full backward hook is firing")

    def make(net, x, t):
        torch.set_default_dtype(torch.float64)
        layers = []
        for l, w in enumerate(net.weights):
            lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=False)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(w))
            layers.append(lin)
            if l < len(net.weights) - 1:
                layers.append(torch.nn.Tanh())
        model = extend(torch.nn.Sequential(*layers))
        lossfn = extend(torch.nn.MSELoss(reduction="sum"))  # = 2 * sse
        X = torch.from_numpy(x)[None, :]
        T = torch.from_numpy(t)[None, :]

        def run():
            model.zero_grad()
            loss = lossfn(model(X), T)
            with backpack(DiagHessian()):
                loss.backward()
            return [p.diag_h for p in model.parameters()]

        return run

    return make, f"torch {torch.__version__}, backpack-for-pytorch {_version('backpack-for-pytorch')}"


def _version(dist):
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:
        return "?"


def slope(ws, ts):
    pts = [(np.log(w), np.log(t)) for w, t in zip(ws, ts) if t is not None]
    if len(pts) < 2:
        return None
    x, y = np.array(pts).T
    return float(np.polyfit(x, y, 1)[0])


def fmt_t(t):
    if t is None:
        return "-"
    if t < 1e-3:
        return f"{t * 1e6:.1f} us"
    if t < 1:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


def main(args):

    ns = QUICK_N if args.quick else FULL_N
    min_rep, repeats, budget = (0.02, 5, 1.5) if args.quick else (0.1, 10, 10.0)

    print(f"# derivcheck Hessian-diagonal scaling ({'quick' if args.quick else 'full'})")
    print(
        f"# Python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}, {args.threads} BLAS thread(s)"
    )
    make_bp = None
    if not args.no_backpack:
        make_bp, info = backpack_setup(args.threads)
        if make_bp is None:
            print(f"# BackPACK skipped ({info}). To include it:")
            print("#   pip install torch==2.13.0")
            print("#   pip install --no-deps backpack-for-pytorch einops unfoldNd")
        else:
            print(f"# BackPACK: {info} (float64, MSELoss(reduction='sum') = 2 * sse)")

    methods = ["gradient", "becker-lecun", "recursion", "gauss-newton", "bruteforce"]
    if make_bp is not None:
        methods.append("backpack")
    rows = []
    for n in ns:
        net, x, t = mlp.random_network([n] * 4, "tanh", "identity", "sse", seed=n)
        W = mlp.num_weights(net)
        fns = {
            "gradient": lambda: mlp.gradient(net, x, t),
            "becker-lecun": lambda: mlp.diag_becker_lecun(net, x, t),
            "recursion": lambda: mlp.diag_exact_recursion(net, x, t),
            "gauss-newton": lambda: mlp.diag_gauss_newton(net, x, t),
        }
        if W <= (BRUTE_MAX_W_QUICK if args.quick else BRUTE_MAX_W):
            fns["bruteforce"] = lambda: mlp.diag_bruteforce(net, x, t)
        checks = []
        exact = mlp.diag_exact_recursion(net, x, t)
        if "bruteforce" in fns:
            checks.append(f"rec-vs-brute {mlp.relative_error(exact, mlp.diag_bruteforce(net, x, t)):.0e}")
        checks.append(f"BL rel.err {mlp.relative_error(mlp.diag_becker_lecun(net, x, t), exact):.2f}")
        if make_bp is not None:
            run = make_bp(net, x, t)
            fns["backpack"] = run
            bp = [0.5 * d.detach().numpy() for d in run()]
            checks.append(f"rec-vs-backpack {mlp.relative_error(exact, bp):.0e}")
        times = {}
        for m in methods:
            times[m] = best_time(fns[m], min_rep, repeats, budget) if m in fns else None
        rows.append((n, W, times, ", ".join(checks)))
        line = " ".join(f"{m}={fmt_t(times[m])}" for m in methods)
        print(f"#   n={n} W={W}: {line}  [{checks[-1] if checks else ''}]", flush=True)

    print()
    head = ["n", "W"] + methods + ["BL/grad"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---:" for _ in head) + "|")
    for n, W, times, _ in rows:
        cells = [str(n), f"{W:.2e}"] + [fmt_t(times[m]) for m in methods]
        cells.append(f"{times['becker-lecun'] / times['gradient']:.2f}")
        print("| " + " | ".join(cells) + " |")
    print()
    print("checks (relative errors):")
    for n, W, _, checks in rows:
        print(f"  W={W:.2e}: {checks}")
    print()
    Ws = [r[1] for r in rows]
    print("log-log slope of time against W   (all sizes | W >= 1e4 | 3 largest timed)")
    for m in methods:
        ts = [r[2][m] for r in rows]
        big = [(w, t) for w, t in zip(Ws, ts) if w >= 1e4 and t is not None]
        top = [(w, t) for w, t in zip(Ws, ts) if t is not None][-3:]
        s_all = slope(Ws, ts)
        s_big = slope([w for w, _ in big], [t for _, t in big])
        s_top = slope([w for w, _ in top], [t for _, t in top])
        f = lambda s: "-" if s is None else f"{s:.2f}"
        print(f"  {m:13s} {f(s_all):>6s} | {f(s_big):>6s} | {f(s_top):>6s}")
    n, W, times, _ = rows[-1]
    print()
    print(f"Becker-LeCun / gradient at W = {W:.2e}: {times['becker-lecun'] / times['gradient']:.2f}")
    if "backpack" in times and times["backpack"] is not None:
        print(f"recursion / BackPACK DiagHessian at W = {W:.2e}: {times['recursion'] / times['backpack']:.2f}")


if __name__ == "__main__":
    main(ARGS)
