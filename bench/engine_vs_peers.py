"""derivcheck's engine against the tools a user would otherwise pick, in one run.

    python bench/engine_vs_peers.py              # the full run (about 3-6 minutes here)
    python bench/engine_vs_peers.py --quick      # small sizes only, under a minute
    python bench/engine_vs_peers.py --jit-cap 60 # seconds JAX may spend compiling the scalar DAG

Part 1, the gradient of a 1000-op scalar DAG (h_{k+1} = tanh(h_k)·cos(h_{k-1}) + h_k/2,
k = 1…200, h0 = x, h1 = y; five ops per node): derivcheck's engine, a plain Python
reverse loop over the same op list, torch autograd, JAX grad without jit, and JAX
jit(grad) (compiled in a child process with a time cap).

Part 2, the gradient of the loss of square 3-layer tanh MLPs [n, n, n, n] (W = 3n²
weights, identity output, sse loss, no bias) with respect to every weight, batch 1
and 64: the engine (on the graph derivcheck's own parser builds), hand-written
numpy backprop, torch autograd and JAX jit(grad), all float64 on one thread.

Every entry is one forward and one backward pass (what a training step or a
derivcheck sample point costs), the best of 7 repeats of back-to-back calls
(each repeat ≥ 0.05 s). Peers that are not installed are skipped with a notice.
Every peer's gradient is checked against the engine's (relative error ≤ 1e-9).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from fractions import Fraction

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
               "NUMEXPR_NUM_THREADS")
for _var in THREAD_VARS:
    os.environ[_var] = "1"
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from derivcheck.lang.build import build  # noqa: E402
from derivcheck.lang.ir import Eqn  # noqa: E402
from derivcheck.lang.problem import load_text  # noqa: E402
from derivcheck.witness.engine import Engine  # noqa: E402

NODES = 200  # 5 ops each: 1000 ops
X0, Y0 = 0.3, 0.7


# --- timing -------------------------------------------------------------------
def _batch(fn, min_time: float) -> int:
    """How many back-to-back calls take at least min_time."""
    fn()
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return number
        number *= 2 if elapsed > min_time / 8 else 8


def race(fns: dict, min_time: float = 0.05, repeats: int = 7) -> dict:
    """Seconds per call of each function: the best of `repeats` rounds; in each round every
    function runs one batch of back-to-back calls (≥ min_time), so that a load change on a
    shared machine hits all of them alike and their ratios stay put."""
    batches = {name: _batch(fn, min_time) for name, fn in fns.items()}
    best = {name: math.inf for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(batches[name]):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / batches[name])
    return best


def best_time(fn, min_time: float = 0.05, repeats: int = 7) -> float:
    return race({"fn": fn}, min_time, repeats)["fn"]


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def rel_error(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def optional(name: str):
    try:
        if name == "torch":
            import torch

            torch.set_num_threads(1)
            return torch
        if name == "jax":
            import jax

            jax.config.update("jax_enable_x64", True)
            return jax
    except ImportError:
        print(f"notice: {name} is not installed; its column is skipped "
              f"(pip install -e '.[bench]', see bench/README.md)")
    return None


# --- part 1: the scalar DAG --------------------------------------------------------
def scalar_dag_text(nodes: int = NODES) -> str:
    lines = [f"  h{k + 1}: tanh(h{k})*cos(h{k - 1}) + h{k}/2" for k in range(1, nodes + 1)]
    return "inputs: {x: {}, y: {}}\nnodes:\n  h0: x\n  h1: y\n" + "\n".join(lines) + "\n"


def scalar_dag_eqns(nodes: int = NODES) -> list:
    """The equations derivcheck's parser makes of scalar_dag_text, written out (the IR's
    static size gate rejects the text today; see bench/README.md)."""
    eqns = [Eqn("h0", "copy", ("x",), {}, ()), Eqn("h1", "copy", ("y",), {}, ())]
    for k in range(1, nodes + 1):
        h, t = f"h{k + 1}", lambda i: f"h{k + 1}#{i}"  # noqa: B023
        eqns += [Eqn(t(1), "tanh", (f"h{k}",), {}, ()), Eqn(t(2), "cos", (f"h{k - 1}",), {}, ()),
                 Eqn(t(3), "mul", (t(1), t(2)), {}, ()), Eqn(t(4), "const", (), {"kind": "num", "value": Fraction(2)}, ()),
                 Eqn(t(5), "div", (f"h{k}", t(4)), {}, ()), Eqn(h, "add", (t(3), t(5)), {}, ())]
    return eqns


def graph_of(text: str):
    return build(load_text(text.encode(), "bench.yaml")).graph


def python_loop(eqns):
    """A plain Python reverse loop over the same op list: a tape of floats, one if-chain per op."""
    consts = {e.out: float(e.params["value"]) for e in eqns if e.op == "const"}
    ops = [(e.out, e.op, e.args) for e in eqns if e.op != "const"]

    def grad(x, y, f):
        val = {"x": x, "y": y, **consts}
        for out, op, args in ops:
            a = val[args[0]]
            if op == "tanh":
                val[out] = math.tanh(a)
            elif op == "cos":
                val[out] = math.cos(a)
            elif op == "mul":
                val[out] = a * val[args[1]]
            elif op == "div":
                val[out] = a / val[args[1]]
            elif op == "add":
                val[out] = a + val[args[1]]
            else:  # copy
                val[out] = a
        adj = {f: 1.0}
        for out, op, args in reversed(ops):
            g = adj.get(out)
            if g is None:
                continue
            a = args[0]
            if op == "tanh":
                contrib = ((a, g * (1 - val[out] ** 2)),)
            elif op == "cos":
                contrib = ((a, -g * math.sin(val[a])),)
            elif op == "mul":
                contrib = ((a, g * val[args[1]]), (args[1], g * val[a]))
            elif op == "div":
                contrib = ((a, g / val[args[1]]),)
            elif op == "add":
                contrib = ((a, g), (args[1], g))
            else:
                contrib = ((a, g),)
            for name, c in contrib:
                adj[name] = adj.get(name, 0.0) + c
        return val[f], adj.get("x", 0.0), adj.get("y", 0.0)

    return grad


def dag_fn(lib, nodes: int = NODES):
    """The same DAG written with a library's functions (torch or jax.numpy)."""

    def f(x, y):
        prev, cur = x, y
        for _ in range(nodes):
            prev, cur = cur, lib.tanh(cur) * lib.cos(prev) + cur / 2
        return cur

    return f


def part1(args) -> tuple:
    eqns = scalar_dag_eqns()
    ops = sum(e.op not in ("const", "copy") for e in eqns)
    f = f"h{NODES + 1}"
    engine = Engine(eqns)
    env = {"x": np.asarray(X0), "y": np.asarray(Y0)}
    _, grads = engine.gradient(env, f, ["x", "y"])
    reference = np.array([grads["x"], grads["y"]])

    def full_pass():
        adjoints = engine.backward(engine.forward(env), {f: np.ones(())})
        return adjoints["x"], adjoints["y"]

    loop = python_loop(eqns)
    contenders = {  # label -> (function, its gradient)
        "derivcheck engine (Engine.gradient)": (lambda: engine.gradient(env, f, ["x", "y"]), reference),
        "derivcheck engine (forward + backward, every adjoint)": (full_pass, full_pass()),
        "plain Python reverse loop": (lambda: loop(X0, Y0, f), loop(X0, Y0, f)[1:]),
    }
    torch = optional("torch")
    if torch is not None:
        tf = dag_fn(torch)

        def torch_grad():
            x = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
            y = torch.tensor(Y0, dtype=torch.float64, requires_grad=True)
            tf(x, y).backward()
            return float(x.grad), float(y.grad)

        contenders[f"torch {torch.__version__} autograd"] = (torch_grad, torch_grad())
    times = race({label: fn for label, (fn, _) in contenders.items()})
    rows = [(label, times[label], rel_error(got, reference)) for label, (_, got) in contenders.items()]
    jax = optional("jax")
    if jax is not None:
        import jax.numpy as jnp

        jgrad = jax.grad(dag_fn(jnp), argnums=(0, 1))
        x, y = jnp.float64(X0), jnp.float64(Y0)
        got = [float(g) for g in jgrad(x, y)]
        seconds = best_time(lambda: jax.block_until_ready(jgrad(x, y)), min_time=0.01, repeats=3)
        rows.append((f"JAX {jax.__version__} grad (no jit)", seconds, rel_error(got, reference)))
        rows.append(jit_in_child(args.jit_cap, reference))
    return ops, rows


def jit_in_child(cap: float, reference) -> tuple:
    """JAX jit(grad) of the scalar DAG, compiled in a child process that is killed after `cap` seconds."""
    try:
        done = subprocess.run([sys.executable, __file__, "--jit-child"], capture_output=True, text=True, timeout=cap)
        result = json.loads(done.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        return (f"JAX jit(grad): did not compile within {cap:g} s", None, None)
    except (ValueError, IndexError):
        return ("JAX jit(grad): the child failed: " + done.stderr.strip().splitlines()[-1][:80], None, None)
    label = f"JAX jit(grad), after {result['compile']:.1f} s of tracing and compiling"
    return (label, result["time"], rel_error(result["grad"], reference))


def jit_child() -> None:
    jax = optional("jax")
    import jax.numpy as jnp

    start = time.perf_counter()
    fn = jax.jit(jax.grad(dag_fn(jnp), argnums=(0, 1)))
    x, y = jnp.float64(X0), jnp.float64(Y0)
    gx, gy = jax.block_until_ready(fn(x, y))
    compile_time = time.perf_counter() - start
    seconds = best_time(lambda: jax.block_until_ready(fn(x, y)))
    print(json.dumps({"compile": compile_time, "time": seconds, "grad": [float(gx), float(gy)]}))


# --- part 2: MLPs ----------------------------------------------------------------
def mlp_text(n: int, batch: int) -> str:
    if batch == 1:
        return f"network: {{sizes: [{n}, {n}, {n}, {n}], activation: tanh}}\n"
    inputs = ", ".join([f"x: {{shape: [{n}, {batch}]}}", f"t: {{shape: [{n}, {batch}]}}"]
                       + [f"W{l}: {{shape: [{n}, {n}]}}" for l in (1, 2, 3)])
    return (f"inputs: {{{inputs}}}\nnodes:\n  a1: W1 @ x\n  z1: tanh(a1)\n  a2: W2 @ z1\n  z2: tanh(a2)\n"
            f"  y: W3 @ z2\n  L: sum((y - t)**2)/2\n")


def mlp_eqns(n: int, batch: int) -> list:
    """The equations derivcheck's parser makes of mlp_text (written out: its input-size gate
    stops at 10^6 entries). `same_as_parser` checks that they are the same."""
    shape = (n,) if batch == 1 else (n, batch)
    two = {"kind": "num", "value": Fraction(2)}
    eqns = [Eqn("z0", "copy", ("x",), {}, shape)] if batch == 1 else []
    z = "z0" if batch == 1 else "x"
    for l in (1, 2, 3):
        eqns.append(Eqn(f"a{l}", "matmul", (f"W{l}", z), {}, shape))
        if l < 3:
            eqns.append(Eqn(f"z{l}", "tanh", (f"a{l}",), {}, shape))
            z = f"z{l}"
    if batch == 1:
        eqns += [Eqn("z3", "copy", ("a3",), {}, shape), Eqn("y", "copy", ("z3",), {}, shape)]
    else:
        eqns[-1].out = "y"
    return eqns + [Eqn("L#1", "sub", ("y", "t"), {}, shape), Eqn("L#2", "const", (), two, ()),
                   Eqn("L#3", "pow", ("L#1", "L#2"), {}, shape), Eqn("L#4", "sum", ("L#3",), {}, ()),
                   Eqn("L#5", "const", (), two, ()), Eqn("L", "div", ("L#4", "L#5"), {}, ())]


def same_as_parser() -> None:
    for batch in (1, 64):
        parsed = [(e.out, e.op, e.args, e.params, e.shape) for e in graph_of(mlp_text(4, batch)).eqns]
        written = [(e.out, e.op, e.args, e.params, e.shape) for e in mlp_eqns(4, batch)]
        assert parsed == written, (parsed, written)
    parsed = [(e.out, e.op, e.args, e.params) for e in graph_of(scalar_dag_text(3)).eqns]
    assert parsed == [(e.out, e.op, e.args, e.params) for e in scalar_dag_eqns(3)], parsed


def hand_numpy(W1, W2, W3, x, t):
    """Backprop as one writes it by hand (the sheet's solution 2 notation)."""
    a1 = W1 @ x
    z1 = np.tanh(a1)
    a2 = W2 @ z1
    z2 = np.tanh(a2)
    y = W3 @ z2
    e = y - t
    loss = 0.5 * np.vdot(e, e)
    outer = np.outer if x.ndim == 1 else (lambda d, z: d @ z.T)
    g3 = outer(e, z2)
    d2 = (W3.T @ e) * (1 - z2 * z2)
    g2 = outer(d2, z1)
    d1 = (W2.T @ d2) * (1 - z1 * z1)
    g1 = outer(d1, x)
    return loss, g1, g2, g3


def part2(args) -> list:
    torch, jax = optional("torch"), optional("jax")
    sizes = [18, 58] if args.quick else [18, 58, 183, 577, 1155]
    rows = []
    for batch in (1, 64):
        for n in sizes:
            rng = np.random.default_rng(n)
            xshape = (n,) if batch == 1 else (n, batch)
            env = {"x": rng.standard_normal(xshape), "t": rng.standard_normal(xshape)}
            for l in (1, 2, 3):
                env[f"W{l}"] = rng.standard_normal((n, n)) / math.sqrt(n)
            engine = Engine(mlp_eqns(n, batch))
            wrt = ["W1", "W2", "W3"]
            loss, grads = engine.gradient(env, "L", wrt)
            reference = np.concatenate([grads[w].ravel() for w in wrt])
            row = {"n": n, "W": 3 * n * n, "batch": batch, "check": {}}
            ws = (env["W1"], env["W2"], env["W3"], env["x"], env["t"])
            contenders = {"engine": lambda: engine.gradient(env, "L", wrt), "numpy": lambda: hand_numpy(*ws)}
            hand = hand_numpy(*ws)
            row["check"]["numpy"] = rel_error(np.concatenate([g.ravel() for g in hand[1:]]), reference)
            if torch is not None:
                tw = [torch.tensor(w, requires_grad=True) for w in ws[:3]]
                tx, tt = torch.tensor(ws[3]), torch.tensor(ws[4])

                def torch_grad():
                    for w in tw:
                        w.grad = None
                    z1 = torch.tanh(tw[0] @ tx)
                    z2 = torch.tanh(tw[1] @ z1)
                    loss = ((tw[2] @ z2 - tt) ** 2).sum() / 2
                    loss.backward()
                    return [w.grad for w in tw]

                row["check"]["torch"] = rel_error(np.concatenate([g.numpy().ravel() for g in torch_grad()]), reference)
                contenders["torch"] = torch_grad
            if jax is not None:
                import jax.numpy as jnp

                def jloss(W1, W2, W3, x, t):
                    y = W3 @ jnp.tanh(W2 @ jnp.tanh(W1 @ x))
                    return jnp.sum((y - t) ** 2) / 2

                jgrad = jax.jit(jax.grad(jloss, argnums=(0, 1, 2)))
                jws = [jnp.asarray(w) for w in ws]
                got = jax.block_until_ready(jgrad(*jws))
                row["check"]["jax"] = rel_error(np.concatenate([np.asarray(g).ravel() for g in got]), reference)
                contenders["jax"] = lambda: jax.block_until_ready(jgrad(*jws))
            row.update(race(contenders))
            rows.append(row)
            print(f"  MLP n={n} batch={batch}: engine {fmt(row['engine'])}, numpy {fmt(row['numpy'])}, "
                  f"torch {fmt(row.get('torch'))}, jax {fmt(row.get('jax'))}", flush=True)
    return rows


# --- report -------------------------------------------------------------------------
def machine() -> str:
    import numpy

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, numpy {numpy.__version__}, "
            f"1 BLAS/OpenMP thread, load average {load:.2f} at the start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small MLPs only")
    parser.add_argument("--jit-cap", type=float, default=60.0, help="seconds JAX may spend compiling the scalar DAG")
    parser.add_argument("--jit-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.jit_child:
        jit_child()
        return 0
    print("machine:", machine(), flush=True)
    same_as_parser()
    started = time.perf_counter()
    ops, rows = part1(args)
    print(f"\n## Gradient of a {ops}-op scalar DAG\n")
    print("| implementation | time | per op | vs engine | max rel. error vs engine |")
    print("|---|---:|---:|---:|---:|")
    engine_time = rows[0][1]
    for label, seconds, err in rows:
        ratio = f"{seconds / engine_time:.2f}" if seconds else "-"
        per_op = fmt(seconds / ops) if seconds else "-"
        print(f"| {label} | {fmt(seconds)} | {per_op} | {ratio} | {'-' if err is None else f'{err:.1e}'} |")
    torch_row = next((r for r in rows if r[0].startswith("torch")), None)
    if torch_row:
        ratio = engine_time / torch_row[1]
        print(f"\nengine / torch autograd = {ratio:.2f} (target ≤ 0.5: {'met' if ratio <= 0.5 else 'missed'})")
    print("\n## Gradient of an MLP [n, n, n, n] (W = 3n²), float64, one thread\n", flush=True)
    mlp = part2(args)
    print("\n| batch | n | W | engine | numpy by hand | torch | JAX jit | engine/numpy | engine/torch | engine/JAX |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in mlp:
        ratio = lambda k: f"{r['engine'] / r[k]:.2f}" if k in r else "-"  # noqa: E731
        print(f"| {r['batch']} | {r['n']} | {r['W']:.2e} | {fmt(r['engine'])} | {fmt(r['numpy'])} | {fmt(r.get('torch'))} "
              f"| {fmt(r.get('jax'))} | {ratio('numpy')} | {ratio('torch')} | {ratio('jax')} |")
    worst = max(max(r["check"].values()) for r in mlp)
    met = [r for r in mlp if r["engine"] <= 1.2 * r["numpy"]]
    missed = ", ".join(f"n={r['n']} batch={r['batch']}" for r in mlp if r not in met) or "none"
    print(f"\nMLP target engine ≤ 1.2 × numpy by hand: met at {len(met)} of {len(mlp)} sizes (missed at: {missed})")
    print(f"every peer's gradient agrees with the engine's: max relative error {worst:.1e}")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
