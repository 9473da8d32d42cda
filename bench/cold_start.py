"""Where users wait: cold start of the command line, and `check` over a problem set.

    python bench/cold_start.py               # both parts, about 3-4 minutes here
    python bench/cold_start.py --part start  # cold start only
    python bench/cold_start.py --part check  # check scaling only (200 generated files)
    python bench/cold_start.py --runs 20     # runs per command (default 10)

Part 1 times, each in a fresh process, `python -c pass`, `python -c "import click"`,
`derivcheck --help`, `python -c "import sympy, numpy"` and `derivcheck solve` on the
seed's exercise 1b, with hyperfine when it is installed (apt-get install hyperfine),
else with repeated subprocess runs, and reports the targets: `--help` within 1.3× of
importing click; `solve` within `import sympy, numpy` + 0.3 s. When solve misses, it is
profiled: where its imports go (python -X importtime, across the worker fork) and where
its checking goes (cProfile of the same work in one process).

Part 2 generates 200 problem files (four kinds of small scalar and vector problems
with random coefficients, each with true claims and one `expect: fails` claim) and
times `derivcheck check DIR --jobs 1` and `--jobs 2`: files per second and the speedup
(targets: ≥ 1.6× and ≥ 10 files/s on two cores). When it misses, the per-file work is
timed in one process, which bounds what any number of workers can reach.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SEED_1B = os.path.join(REPO, "problems", "seed", "ex1b-dag-backprop.yaml")
PY = sys.executable
ENV = dict(os.environ, NO_COLOR="1", DERIVCHECK_NO_CACHE="1")  # timings of real work, not of the result cache


def derivcheck_cmd() -> list:
    """The console script pip installed next to this interpreter (not a pyenv/asdf shim, which
    adds a shell and tens of ms of its own), else `python -m derivcheck`."""
    exe = os.path.join(os.path.dirname(PY), "derivcheck")
    if os.access(exe, os.X_OK):
        return [exe]
    exe = shutil.which("derivcheck")
    return [exe] if exe else [PY, "-m", "derivcheck"]


def commands() -> dict:
    dc = derivcheck_cmd()
    return {
        "python -c pass": [PY, "-c", "pass"],
        "python -c 'import click'": [PY, "-c", "import click"],
        "derivcheck --help": dc + ["--help"],
        "python -m derivcheck --help": [PY, "-m", "derivcheck", "--help"],
        "derivcheck --version": dc + ["--version"],
        "derivcheck schema": dc + ["schema"],
        "python -c 'import sympy, numpy'": [PY, "-c", "import sympy, numpy"],
        "derivcheck solve ex1b": dc + ["solve", SEED_1B],
    }


# --- timing ---------------------------------------------------------------------------
def hyperfine(cmds: dict, runs: int) -> dict | None:
    exe = shutil.which("hyperfine")
    if exe is None:
        return None
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        args = [exe, "--warmup", "2", "--runs", str(runs), "--export-json", out.name, "--style", "none", "-N",
                "--ignore-failure"]
        for label, cmd in cmds.items():
            args += ["-n", label, subprocess.list2cmdline(cmd)]
        subprocess.run(args, check=True, env=ENV, stdout=subprocess.DEVNULL)
        data = json.load(open(out.name))
    return {r["command"]: {"mean": r["mean"], "min": r["min"], "median": r["median"], "stddev": r["stddev"] or 0.0}
            for r in data["results"]}


def repeated(cmds: dict, runs: int) -> dict:
    """Interleaved runs of every command (a load change hits all alike): min, median, mean."""
    times = {label: [] for label in cmds}
    for label, cmd in cmds.items():  # warm-up
        subprocess.run(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(runs):
        for label, cmd in cmds.items():
            start = time.perf_counter()
            subprocess.run(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[label].append(time.perf_counter() - start)
    return {label: {"mean": statistics.fmean(t), "min": min(t), "median": statistics.median(t),
                    "stddev": statistics.pstdev(t)} for label, t in times.items()}


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.0f} ms"


# --- part 1 ---------------------------------------------------------------------------
def part1(runs: int) -> None:
    cmds = commands()
    result = hyperfine(cmds, runs)
    tool = "hyperfine (-N, 2 warm-up runs)"
    if result is None:
        print("notice: hyperfine is not installed (apt-get install hyperfine); timing with repeated subprocess runs")
        result, tool = repeated(cmds, runs), "interleaved subprocess runs"
    print(f"## Cold start ({runs} runs each, {tool})\n")
    print("| command | median | min | mean ± sd |\n|---|---:|---:|---:|")
    for label, r in result.items():
        print(f"| `{label}` | {ms(r['median'])} | {ms(r['min'])} | {ms(r['mean'])} ± {ms(r['stddev'])} |")
    click, helpt = result["python -c 'import click'"], result["derivcheck --help"]
    heavy, solve = result["python -c 'import sympy, numpy'"], result["derivcheck solve ex1b"]
    ratio = helpt["median"] / click["median"]
    extra = solve["median"] - heavy["median"]
    print(f"\n--help / import click = {ratio:.2f} (medians; min/min {helpt['min'] / click['min']:.2f}); "
          f"target ≤ 1.3: {'met' if ratio <= 1.3 else 'missed'}")
    print(f"solve ex1b − import sympy, numpy = {extra:.3f} s (medians; min−min {solve['min'] - heavy['min']:.3f} s); "
          f"target ≤ 0.3 s: {'met' if extra <= 0.3 else 'missed'}")
    if extra > 0.3:
        profile_solve()


def profile_solve() -> None:
    print("\n### Where `derivcheck solve ex1b` spends its time\n")
    done = subprocess.run([PY, "-X", "importtime", "-m", "derivcheck", "solve", SEED_1B], env=ENV,
                          capture_output=True, text=True)
    packages: dict = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:"):].split("|"))
        if name.isidentifier() or "." not in name.strip():
            top = name.strip()
            if top and cumulative.isdigit():
                packages[top] = packages.get(top, 0) + int(cumulative)
    top = sorted(packages.items(), key=lambda kv: -kv[1])[:10]
    print("imports (python -X importtime, parent and worker, top-level packages, cumulative):\n")
    print("| package | ms |\n|---|---:|")
    for name, micro in top:
        print(f"| {name} | {micro / 1000:.0f} |")
    code = ("import cProfile, pstats, io, time\n"
            "from derivcheck.runner import run_file\n"
            "from derivcheck.report import emit\n"
            "p = cProfile.Profile(); t = time.perf_counter(); p.enable()\n"
            f"r = run_file({SEED_1B!r}, steps=True, closed_forms=True, first_wrong=True)\n"
            "import contextlib, os\n"
            "with open(os.devnull, 'w') as null, contextlib.redirect_stdout(null): emit.results([r], 'text')\n"
            "p.disable(); s = io.StringIO()\n"
            "pstats.Stats(p, stream=s).sort_stats('cumulative').print_stats(r'derivcheck/', 18)\n"
            "print('checking and printing, after imports: %.3f s' % (time.perf_counter() - t)); print(s.getvalue())\n")
    # imports first, so the profile shows the checking itself
    done = subprocess.run([PY, "-c", "import sympy, numpy, mpmath, rich; import derivcheck.verdict.verify\n" + code],
                          env=ENV, capture_output=True, text=True)
    lines = [l for l in done.stdout.splitlines() if l.strip()]
    print("\ncProfile of the checking itself (imports done beforehand):\n")
    print("```\n" + "\n".join(lines[:40]) + "\n```")


# --- part 2 ---------------------------------------------------------------------------
TEMPLATES = [
    # scalar chain rule with two paths
    lambda r, i: f"""id: gen-{i}
inputs: {{x: {{}}, y: {{}}}}
nodes:
  h1: {r[0]}*x + y
  h2: h1**2 * y
  l: sin(h2) + {r[1]}*h1
claims:
  - {{of: l, wrt: h1, is: "cos(h2)*2*h1*y + {r[1]}"}}
  - {{of: l, wrt: x, is: "(cos(h2)*2*h1*y + {r[1]})*{r[0]}"}}
  - {{of: l, wrt: x, is: "cos(h2)*2*h1*y*{r[0]}", expect: fails}}
""",
    # vector quadratic form
    lambda r, i: f"""id: gen-{i}
dims: {{n: 3}}
inputs: {{x: {{shape: [n]}}, A: {{shape: [n, n]}}}}
nodes:
  f: {r[0]} * x.T @ A @ x
claims:
  - {{of: f, wrt: x, is: "{r[0]} * (A + A.T) @ x"}}
  - {{of: f, wrt: x, is: "{2 * r[0]} * A @ x", expect: fails}}
""",
    # a small tanh layer with sse loss
    lambda r, i: f"""id: gen-{i}
dims: {{n: 2}}
inputs: {{x: {{shape: [n]}}, W: {{shape: [n, n]}}, t: {{shape: [n]}}}}
nodes:
  z: tanh(W @ x)
  L: sum((z - t)**2) / {r[0]}
claims:
  - {{of: L, wrt: z, is: "2*(z - t)/{r[0]}"}}
  - {{of: L, wrt: W, is: "(2*(z - t)/{r[0]} * (1 - z**2)) @ x.T"}}
  - {{of: L, wrt: W, is: "(2*(z - t)/{r[0]}) @ x.T", expect: fails}}
""",
    # exp/log with a positive domain
    lambda r, i: f"""id: gen-{i}
inputs: {{x: {{domain: positive}}, y: {{}}}}
nodes:
  u: log(x) * y + {r[0]}
  v: exp(u) / x
claims:
  - {{of: v, wrt: u, is: "exp(u)/x"}}
  - {{of: v, wrt: x, is: "exp(u)*y/x**2 - exp(u)/x**2"}}
  - {{of: v, wrt: y, is: "exp(u)*log(x)", expect: fails}}
""",
]


def generate(folder: str, count: int = 200) -> list:
    rng = random.Random(200)
    paths = []
    for i in range(count):
        coefficients = [rng.randint(2, 9), rng.randint(2, 9)]
        path = os.path.join(folder, f"gen-{i:03d}.yaml")
        with open(path, "w") as handle:
            handle.write(TEMPLATES[i % len(TEMPLATES)](coefficients, i))
        paths.append(path)
    return paths


def part2(runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        paths = generate(folder)
        dc = derivcheck_cmd()
        results = {}
        for jobs in (1, 2):
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                done = subprocess.run(dc + ["check", folder, "--jobs", str(jobs)], env=ENV, capture_output=True,
                                      text=True)
                times.append(time.perf_counter() - start)
            results[jobs] = (min(times), statistics.median(times), done.returncode, done.stdout.strip().splitlines()[-1])
        print(f"\n## `derivcheck check` on {len(paths)} generated problem files ({runs} runs each)\n")
        print("| --jobs | best | median | files/s (best) | exit | summary |\n|---:|---:|---:|---:|---:|---|")
        for jobs, (best, median, code, summary) in results.items():
            print(f"| {jobs} | {best:.2f} s | {median:.2f} s | {len(paths) / best:.1f} | {code} | {summary} |")
        speedup = results[1][0] / results[2][0]
        rate = len(paths) / results[2][0]
        print(f"\nspeedup --jobs 2 / --jobs 1 = {speedup:.2f} (target ≥ 1.6: {'met' if speedup >= 1.6 else 'missed'}); "
              f"--jobs 2 rate {rate:.1f} files/s (target ≥ 10: {'met' if rate >= 10 else 'missed'})")
        if speedup < 1.6 or rate < 10:
            per_file(paths)


def per_file(paths: list) -> None:
    """The work per file in one warm process: what the workers cannot avoid."""
    code = ("import sys, time, json\nimport derivcheck.verdict.verify, derivcheck.runner\n"
            "from derivcheck.runner import run_file\n"
            "paths = json.loads(sys.argv[1]); times = []\n"
            "for p in paths:\n    t = time.perf_counter(); run_file(p); times.append(time.perf_counter() - t)\n"
            "print(json.dumps(times))\n")
    sample = paths[:40]
    done = subprocess.run([PY, "-c", code, json.dumps(sample)], env=ENV, capture_output=True, text=True)
    times = json.loads(done.stdout.strip().splitlines()[-1])
    by_kind = {}
    for i, t in enumerate(times):
        by_kind.setdefault(i % len(TEMPLATES), []).append(t)
    mean = statistics.fmean(times)
    print(f"\nper-file work in one warm process (first {len(sample)} files): mean {mean * 1e3:.0f} ms, "
          f"so at most {1 / mean:.1f} files/s per core, {2 / mean:.1f} on two")
    for kind, ts in sorted(by_kind.items()):
        print(f"  template {kind}: mean {statistics.fmean(ts) * 1e3:.0f} ms")
    code = ("import cProfile, pstats, io, sys, json\nimport derivcheck.verdict.verify\nfrom derivcheck.runner import run_file\n"
            "paths = json.loads(sys.argv[1]); p = cProfile.Profile(); p.enable()\n"
            "for path in paths: run_file(path)\n"
            "p.disable(); s = io.StringIO(); pstats.Stats(p, stream=s).sort_stats('cumulative')"
            ".print_stats(r'derivcheck/', 16); print(s.getvalue())\n")
    done = subprocess.run([PY, "-c", code, json.dumps(paths[:8])], env=ENV, capture_output=True, text=True)
    lines = [l for l in done.stdout.splitlines() if l.strip()]
    print("\ncProfile of run_file over 8 files (2 of each kind):\n```\n" + "\n".join(lines[:34]) + "\n```")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("start", "check", "all"), default="all")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, load average {load:.2f} at the start\n")
    if args.part in ("start", "all"):
        part1(args.runs)
    if args.part in ("check", "all"):
        part2(max(1, args.runs // 5))
    return 0


if __name__ == "__main__":
    sys.exit(main())
