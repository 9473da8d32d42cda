"""`derivcheck solve` on the seed's 1b against `import sympy, numpy`, and derivcheck per claim against
a plain sympy script doing what a user would do by hand (issue 15).

    python bench/solve_speed.py             # 15 interleaved runs of each (about 1-2 minutes)
    python bench/solve_speed.py --runs 5

Part 1, each in a fresh process, interleaved round by round so that a busy moment of the machine
hits every contender alike: `python -c "import sympy, numpy"`, `python -m derivcheck solve 1b`
with the result cache off, and the same with the cache warm (what an unchanged re-run costs).
Target: solve ≤ import sympy, numpy + 0.3 s (medians, and minima).

Part 2, per claim on 1b (11 claims), each in a fresh process after the imports (so sympy's caches
start cold for everyone): derivcheck's `check` work (runner.run_file with check's options: both
witnesses, certified comparison at ≥ 8 points, the proof cascade), its `solve` work (with the steps,
closed forms and first wrong step), and the peers: for each claim, the derivative by `sympy.diff`
on the DAG written out by hand, then `simplify(diff − claim) == 0`; or `lambdify(diff − claim)` at
8 random points. Target: derivcheck's check no slower than the simplify peer per claim.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SEED_1B = os.path.join(REPO, "problems", "seed", "ex1b-dag-backprop.yaml")
CLAIMS = 11

PEER = r'''
import random, time
import sympy as sp
import numpy as np
x, y, v = sp.symbols("x y v", real=True)
DEFS = [("h1", lambda s: 2*s["x"]), ("h2", lambda s: 2*s["h1"]**2), ("h3", lambda s: s["h1"] + s["y"]),
        ("l", lambda s: s["h2"]*s["h3"])]
def values(cut=None):
    s = {"x": x, "y": y}
    for name, rule in DEFS:
        s[name] = v if name == cut else rule(s)
    return s
FULL = values()
def grad(f, wrt):  # the backprop meaning: f as a function of wrt (its own definition cut), then d/dwrt
    d = sp.diff(values(wrt)[f], v) if wrt not in ("x", "y") else sp.diff(FULL[f], {"x": x, "y": y}[wrt])
    return d.subs(v, FULL[wrt]) if wrt not in ("x", "y") else d
n = FULL
CLAIMS = [("l", "h2", n["h3"]), ("l", "h2", 2*x + y), ("l", "h3", n["h2"]), ("l", "h3", 8*x**2),
          ("h2", "h1", 4*n["h1"]), ("h2", "h1", 8*x), ("h3", "h1", sp.Integer(1)), ("h1", "x", sp.Integer(2)),
          ("l", "x", (grad("l", "h2")*grad("h2", "h1") + grad("l", "h3")*grad("h3", "h1"))*grad("h1", "x")),
          ("l", "x", (n["h3"]*4*n["h1"] + n["h2"]*1)*2), ("l", "x", 48*x**2 + 16*x*y)]
start = time.perf_counter()
if MODE == "simplify":
    held = [sp.simplify(grad(f, w) - c) == 0 for f, w, c in CLAIMS]
else:
    rng = random.Random(0)
    held = []
    for f, w, c in CLAIMS:
        fn = sp.lambdify((x, y), grad(f, w) - c, "numpy")
        held.append(all(abs(fn(rng.uniform(0.1, 10), rng.uniform(0.1, 10))) < 1e-9 for _ in range(8)))
print(time.perf_counter() - start, sum(held))
'''

DERIVCHECK = r'''
import time, warnings
warnings.simplefilter("ignore")
from derivcheck.pool import warm
warm()
from derivcheck.runner import run_file
options = dict(truth_texts="failing") if MODE == "check" else dict(closed_forms=True, steps=True, first_wrong=True)
start = time.perf_counter()
result = run_file(PATH, **options)
print(time.perf_counter() - start, sum(c.passed for c in result.claims))
'''


def env() -> dict:
    return dict(os.environ, NO_COLOR="1", PYTHONPATH=REPO, PYTHONIOENCODING="utf-8")


def wall(command: list, extra: dict | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env={**env(), **(extra or {})}, cwd=REPO)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr.decode()[-2000:]}")
    return seconds


def inner(script: str, mode: str) -> tuple:
    """(seconds of work after the imports, claims that held) from a fresh process."""
    code = f"MODE = {mode!r}\nPATH = {SEED_1B!r}\n" + script
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env(), cwd=REPO)
    if done.returncode != 0:
        sys.exit(f"{mode} failed:\n{done.stderr[-2000:]}")
    seconds, held = done.stdout.split()
    return float(seconds), int(held)


def row(name: str, times: list) -> str:
    return f"| {name} | {statistics.median(times) * 1000:.0f} ms | {min(times) * 1000:.0f} ms |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average "
          f"{os.getloadavg()[0]:.2f} at the start, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    cache = os.path.join(REPO, ".bench-solve-cache")
    solve = [sys.executable, "-m", "derivcheck", "solve", SEED_1B]
    contenders = {
        "`python -c 'import sympy, numpy'`": ([sys.executable, "-c", "import sympy, numpy"], None),
        "`derivcheck solve` 1b, cache off": (solve, {"DERIVCHECK_NO_CACHE": "1"}),
        "`derivcheck solve` 1b, cache warm": (solve, {"DERIVCHECK_NO_CACHE": "0", "DERIVCHECK_CACHE_DIR": cache}),
    }
    wall(solve, contenders["`derivcheck solve` 1b, cache warm"][1])  # fills the cache
    times: dict = {name: [] for name in contenders}
    for _ in range(args.runs):
        for name, (command, extra) in contenders.items():
            times[name].append(wall(command, extra))
    print(f"\nPart 1: {args.runs} interleaved runs each (load average {os.getloadavg()[0]:.2f} at the end)\n")
    print("| command | median | min |\n|---|---:|---:|")
    for name, values in times.items():
        print(row(name, values))
    base, off = times["`python -c 'import sympy, numpy'`"], times["`derivcheck solve` 1b, cache off"]
    over = statistics.median(off) - statistics.median(base), min(off) - min(base)
    verdict = "met" if max(over) <= 0.3 else "met on minima" if over[1] <= 0.3 else "missed"
    print(f"\nsolve − import sympy, numpy: {over[0]:+.3f} s (medians), {over[1]:+.3f} s (minima): "
          f"target ≤ +0.3 s {verdict}")

    work = {"derivcheck check (run_file, check's options)": (DERIVCHECK, "check"),
            "derivcheck solve (steps, closed forms, first wrong step)": (DERIVCHECK, "solve"),
            "sympy: diff, then simplify(diff − claim) == 0": (PEER, "simplify"),
            "sympy: diff, then lambdify(diff − claim) at 8 points": (PEER, "lambdify")}
    per: dict = {name: [] for name in work}
    held: dict = {}
    for _ in range(max(3, args.runs // 3)):
        for name, (script, mode) in work.items():
            seconds, held[name] = inner(script, mode)
            per[name].append(seconds)
    print(f"\nPart 2: per claim on 1b ({CLAIMS} claims, all true), after the imports, each in a fresh "
          f"process, {len(per[name])} interleaved runs\n")
    print("| work | per claim (median) | per claim (min) | claims held |\n|---|---:|---:|---:|")
    for name, values in per.items():
        print(f"| {name} | {statistics.median(values) / CLAIMS * 1000:.1f} ms | "
              f"{min(values) / CLAIMS * 1000:.1f} ms | {held[name]}/{CLAIMS} |")
    check = statistics.median(per["derivcheck check (run_file, check's options)"])
    peer = statistics.median(per["sympy: diff, then simplify(diff − claim) == 0"])
    lamb = statistics.median(per["sympy: diff, then lambdify(diff − claim) at 8 points"])
    print(f"\nderivcheck check / simplify peer per claim: {check / peer:.2f}x (target ≤ 1: "
          f"{'met' if check <= peer else 'missed'}); / lambdify peer: {check / lamb:.2f}x")
    import shutil

    shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
