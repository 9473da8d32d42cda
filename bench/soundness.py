"""Soundness under mutation: over the shipped problem set, at many seeds.

    python bench/soundness.py                 # problems/**, 20 seeds (issue 5, acceptance 4)
    python bench/soundness.py --quick         # 2 seeds
    python bench/soundness.py --seeds 5 --jobs 2 problems/seed

For every problem file and every seed (0, 1, …, N-1, overriding the file's own seed):

  * every original claim must pass (`proved`/`verified`, `expected-fail` for `expect: fails`):
    a failing one is a *correct claim rejected*; an `approx: true` claim whose error exceeds its
    `max_rel_error` at some seed is counted apart (the bound, not a derivative, is at fault);
  * for every claim that passes as `proved` or `verified`, every mutant of derivcheck.verdict.mutate
    (factor 2, sign, transposes, swapped products, X⁻¹ for X⁻ᵀ, 2A/A for A + Aᵀ, a dropped path
    term) is checked as the file is written: a mutant found `proved` or `verified` is *accepted*
    — a wrong answer that passed. Mutants that do not compile (shape mismatch), that equal the
    claim for all inputs, or that equal it wherever the declared domains hold (Sᵀ for a
    `symmetric` S: right on that domain, SPEC §1.1) are not wrong answers: they are counted
    separately. "Equal on the domain" is shown by a symbolic proof (with the domains' symmetry
    substituted), or, when that runs out of time, by agreement to 10⁻⁴⁰ at fresh random points of
    the domains at 60 digits (identity testing, far beyond the verifier's 10⁻¹⁵). A mutant left `undecided` or `inconsistent` is counted as not decided.

The work runs through `derivcheck audit`'s worker pool (deadlines, limits). Prints the
number of mutants tried, accepted (must be 0), correct claims rejected (must be 0), the
other counts and the time; exits 1 when a mutant was accepted or a correct claim rejected.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PASSING = ("proved", "verified")


def run(paths: list, seeds: list, *, jobs: int, timeout: float | None = None, samples: int | None = None,
        out=sys.stdout, verbose: bool = False) -> dict:
    """The figures of a soundness run (and the offending cases, under "accepted_cases" and "rejected_cases")."""
    from derivcheck.runner import deadline
    from derivcheck.discover import discover
    from derivcheck.pool import run_all

    files, notices = discover([str(p) for p in paths])
    for notice in notices:
        print(notice, file=sys.stderr)
    figures = {"files": len(files), "seeds": len(seeds), "claim_checks": 0, "correct_rejected": 0,
               "mutants_tried": 0, "found_wrong": 0, "accepted": 0, "not_decided": 0, "equivalent": 0,
               "invalid": 0, "equal_on_domain": 0, "file_errors": 0, "approx_exceeded": 0, "approx_cases": [], "domain_cases": [], "accepted_cases": [], "rejected_cases": [], "error_cases": []}
    started = time.monotonic()
    reported = 0
    for seed in seeds:
        options = dict(seed=seed, samples=samples, timeout=timeout, claims=False, audit=True)
        results = run_all(files, jobs=max(1, min(jobs, len(files))), deadline=deadline(timeout), options=options)
        for r in results:
            if r.error is not None:
                figures["file_errors"] += 1
                figures["error_cases"].append((r.file, seed, r.error["message"]))
                continue
            for c in r.audits:
                figures["claim_checks"] += 1
                if not c.passed and c.verdict == "approximate":  # an error bound, not a derivative, failed
                    figures["approx_exceeded"] += 1
                    figures["approx_cases"].append((r.file, seed, c.name, c.claim))
                elif not c.passed:
                    figures["correct_rejected"] += 1
                    figures["rejected_cases"].append((r.file, seed, c.name, c.claim, c.verdict))
                for m in c.mutants:
                    if m.outcome in ("equivalent", "invalid"):
                        figures[m.outcome] += 1
                        continue
                    if m.on_domain:  # right wherever the declared domains hold (S.T for a symmetric S)
                        figures["equal_on_domain"] += 1
                        figures["domain_cases"].append((r.file, seed, c.name, m.kind, m.text, m.verdict))
                        continue
                    figures["mutants_tried"] += 1
                    if m.outcome == "found-wrong":
                        figures["found_wrong"] += 1
                    elif m.verdict in PASSING:
                        figures["accepted"] += 1
                        figures["accepted_cases"].append((r.file, seed, c.name, m.kind, m.text, m.verdict))
                    else:
                        figures["not_decided"] += 1
                        figures["accepted_cases" if verbose else "error_cases"].append(
                            (r.file, seed, c.name, m.kind, m.text, m.verdict))
        if out is not None:
            for case in figures["accepted_cases"][reported:]:
                print(f"  ACCEPTED {case}", file=out, flush=True)
            reported = len(figures["accepted_cases"])
            print(f"  seed {seed}: {figures['mutants_tried']} mutants so far, {figures['accepted']} accepted, "
                  f"{figures['correct_rejected']} correct claims rejected ({time.monotonic() - started:.0f} s)",
                  file=out, flush=True)
    figures["seconds"] = time.monotonic() - started
    return figures


def report(figures: dict, out=sys.stdout) -> int:
    f = {"claim_checks": 0, "correct_rejected": 0, "mutants_tried": 0, "found_wrong": 0, "accepted": 0,
         "not_decided": 0, "equivalent": 0, "invalid": 0, "equal_on_domain": 0, "approx_exceeded": 0,
         "file_errors": 0, "seconds": 0.0, **figures}
    print(f"files: {f.get('files', 0)}, seeds: {f.get('seeds', 0)}, claim checks: {f['claim_checks']}", file=out)
    print(f"mutants tried: {f['mutants_tried']}", file=out)
    print(f"  found wrong: {f['found_wrong']}", file=out)
    print(f"  accepted (must be 0): {f['accepted']}", file=out)
    print(f"  not decided (undecided/inconsistent): {f['not_decided']}", file=out)
    print(f"  skipped: {f['equivalent']} equivalent to the claim, {f['equal_on_domain']} equal to it on the declared "
          f"domain (not mistakes there), {f['invalid']} invalid (shape mismatch)", file=out)
    print(f"correct claims rejected (must be 0): {f['correct_rejected']}", file=out)
    print(f"approximation bounds exceeded (approx: true with max_rel_error): {f['approx_exceeded']}", file=out)
    print(f"file errors: {f['file_errors']}", file=out)
    print(f"time: {f['seconds']:.1f} s", file=out)
    for case in f.get("accepted_cases", []):
        print(f"ACCEPTED  {case}", file=out)
    for case in f.get("rejected_cases", []):
        print(f"REJECTED  {case}", file=out)
    for case in sorted(set((c[0], c[2], c[3], c[4]) for c in f.get("domain_cases", []))):
        print(f"ON-DOMAIN {case}", file=out)
    for case in f.get("approx_cases", []):
        print(f"APPROX    {case}", file=out)
    for case in f.get("error_cases", []):
        print(f"NOTE      {case}", file=out)
    ok = f["accepted"] == 0 and f["correct_rejected"] == 0 and f["file_errors"] == 0
    print("OK" if ok else "FAILED", file=out)
    return 0 if ok else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", default=[str(REPO / "problems")])
    parser.add_argument("--seeds", type=int, default=20, help="seeds 0..N-1 (default 20)")
    parser.add_argument("--quick", action="store_true", help="2 seeds")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=None, help="seconds per claim (as derivcheck --timeout)")
    args = parser.parse_args(argv)
    seeds = list(range(2 if args.quick else args.seeds))
    print(f"soundness: {', '.join(args.paths)} at {len(seeds)} seed{'s' * (len(seeds) != 1)}, {args.jobs} jobs", flush=True)
    return report(run(args.paths, seeds, jobs=args.jobs, timeout=args.timeout))


if __name__ == "__main__":
    sys.exit(main())
