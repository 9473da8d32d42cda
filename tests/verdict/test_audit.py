"""`derivcheck audit` (mutants of passing claims that slip through) and the soundness bench's fast part."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def cli(*args, cwd=None, timeout=240):
    env = dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "derivcheck", *map(str, args)], capture_output=True, cwd=cwd or REPO,
                          env=env, timeout=timeout)
    out, err = proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in out + err
    return proc.returncode, out, err


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


SYMMETRIC = """
    id: quadform-symmetric
    inputs:
      S: {shape: [3, 3], domain: symmetric}
      x: {shape: [3]}
    nodes:
      f: x.T @ S @ x
    claims:
      - {name: gradient, wrt: x, is: 2*S@x}
"""

GENERAL = """
    id: quadform-general
    inputs:
      A: {shape: [3, 3]}
      x: {shape: [3]}
    nodes:
      f: x.T @ A @ x
    claims:
      - {name: gradient, wrt: x, is: (A + A.T)@x}
      - {name: hessian, wrt: [x, x], is: A + A.T}
"""


def mutant_rows(doc):
    return [(c["name"], m) for p in doc["problems"] for c in p.get("claims", []) for m in c["mutants"]]


def test_symmetric_matrices_hide_the_transpose_mistake(tmp_path):
    """With --strict, a mutant equal to the claim on the declared domain slips through (exit 1)."""
    path = write(tmp_path, "sym.yaml", SYMMETRIC)
    code, out, err = cli("audit", "--strict", "--format", "json", path)
    assert code == 1, err
    doc = json.loads(out)
    slipped = [m for _, m in mutant_rows(doc) if m["outcome"] == "slipped"]
    assert any(m["kind"] == "add-transpose" and m["text"] == "2*S.T@x" for m in slipped)
    assert all(m["on_domain"] for m in slipped)  # right wherever S is symmetric: the file cannot tell
    found = {m["kind"] for _, m in mutant_rows(doc) if m["outcome"] == "found-wrong"}
    assert {"factor-2", "sign"} <= found
    assert doc["summary"]["slipped"] == len(slipped) and doc["summary"]["exit"] == 1
    code, out, err = cli("audit", "--strict", path)
    assert code == 1 and "slips through" in out and "2*S.T@x" in out and "declared domain" in out


def test_general_matrices_catch_every_mutant(tmp_path):
    path = write(tmp_path, "gen.yaml", GENERAL)
    code, out, err = cli("audit", "--format", "json", path)
    assert code == 0, out + err
    rows = mutant_rows(json.loads(out))
    outcomes = {m["outcome"] for _, m in rows}
    assert outcomes <= {"found-wrong", "invalid", "equivalent"}
    by_kind = {(n, m["kind"]) for n, m in rows if m["outcome"] == "found-wrong"}
    assert ("gradient", "symmetric-part") in by_kind  # 2*A@x for (A + A.T)@x is caught when A is general
    assert ("gradient", "add-transpose") in by_kind
    # the Hessian A + A.T is symmetric: transposing the whole claim changes nothing and is skipped
    assert any(n == "hessian" and m["outcome"] == "equivalent" for n, m in rows)


def test_shipped_seed_problems_let_no_mutant_through():
    # the whole of problems/seed is audited by hand (docs/hardening.md); here two files of it:
    # the DAG with its path sums, and the matrix chain rule with its transposes
    files = ["problems/seed/ex1b-dag-backprop.yaml", "problems/seed/ex3-2-matrix-chain-rule.yaml"]
    code, out, err = cli("audit", "--format", "json", *files, timeout=400)
    assert code == 0, out[-3000:] + err
    doc = json.loads(out)
    assert doc["summary"]["slipped"] == 0
    assert doc["summary"]["mutants"] >= 40 and doc["summary"]["found_wrong"] == doc["summary"]["mutants"]
    kinds = {m["kind"] for _, m in mutant_rows(doc) if m["outcome"] == "found-wrong"}
    assert {"factor-2", "sign", "drop-term", "add-transpose"} <= kinds


def test_claims_that_are_not_audited(tmp_path):
    path = write(tmp_path, "m.yaml", """
        inputs: [x]
        nodes: {f: x**3}
        claims:
          - {wrt: x, is: 3*x, expect: fails}
          - {wrt: x, is: 2*x}
    """)
    code, out, err = cli("audit", "--format", "json", path)
    assert code == 0
    claims = json.loads(out)["problems"][0]["claims"]
    assert [c["audited"] for c in claims] == [False, False]
    assert "expect: fails" in claims[0]["reason"] and "wrong" in claims[1]["reason"]
    assert claims[0]["passed"] is True and claims[1]["passed"] is False


def test_bad_input_and_empty_run(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("inputs: [x]\nnodes: {f: 'x +* 2'}\n")
    code, out, err = cli("audit", bad)
    assert code == 2 and f"{bad}:2:" in out and "error:" in out
    code, out, err = cli("audit", tmp_path / "nothing-here")
    assert code == 2
    (tmp_path / "empty").mkdir()
    code, out, err = cli("audit", tmp_path / "empty")
    assert code == 2 and "no problem files" in err


def test_audit_in_process_matches_the_claims(tmp_path):
    from derivcheck.runner import run_file

    result = run_file("gen.yaml", data=textwrap.dedent(GENERAL).encode(), seed=3, claims=False, audit=True)
    assert [c.verdict for c in result.audits] == ["proved", "proved"]
    assert all(c.audited and not c.slipped for c in result.audits)


# --- bench/soundness.py, fast part -----------------------------------------------------------


def _bench():
    spec = importlib.util.spec_from_file_location("soundness_bench", REPO / "bench" / "soundness.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_soundness_fast_subset():
    bench = _bench()
    files = [REPO / "problems" / "matrix-cookbook" / name for name in
             ("eq061-inverse-bilinear.yaml", "eq071-bilinear-transposed.yaml", "eq081-quadform-symmetric.yaml",
              "mistake-logdet-no-transpose.yaml")]
    figures = bench.run(files, [0], jobs=2, out=None)
    assert figures["files"] == 4
    assert figures["mutants_tried"] >= 15
    assert figures["accepted"] == 0, figures["accepted_cases"]
    assert figures["correct_rejected"] == 0, figures["rejected_cases"]
    assert figures["file_errors"] == 0
    assert figures["equal_on_domain"] >= 1  # S.T for the symmetric S of eq. 81 is not counted as accepted


def test_soundness_report_fails_on_an_accepted_mutant(capsys):
    bench = _bench()
    figures = {"files": 1, "seeds": 1, "claim_checks": 1, "correct_rejected": 0, "mutants_tried": 1, "found_wrong": 0,
               "accepted": 1, "not_decided": 0, "equivalent": 0, "invalid": 0, "equal_on_domain": 0, "file_errors": 0,
               "domain_cases": [], "accepted_cases": [("f.yaml", 0, "c", "sign", "-x", "proved")],
               "rejected_cases": [], "error_cases": [], "seconds": 1.0}
    assert bench.report(figures) == 1
    assert "ACCEPTED" in capsys.readouterr().out


SYMMETRIC = """
inputs: {S: {shape: [2, 2], domain: symmetric}, x: {shape: [2]}}
nodes: {f: x.T @ S @ x}
claims:
  - {wrt: x, is: 2 * S @ x}
"""


def test_a_mutant_equal_on_the_domain_is_reported_and_does_not_fail(invoke, write_problem):
    path = write_problem(SYMMETRIC)
    code, out, _ = invoke("audit", str(path))
    assert code == 0, out
    assert "    equivalent on the domain: claim 1: add-transpose (S → S.T): 2*S.T@x\n" in out
    assert "0 slipped through, 1 equivalent on the domain" in out


def test_strict_fails_on_a_mutant_equal_on_the_domain(invoke, write_problem):
    path = write_problem(SYMMETRIC)
    code, out, _ = invoke("audit", "--strict", str(path))
    assert code == 1
    assert "    slips through: claim 1: add-transpose (S → S.T): 2*S.T@x  → proved" in out
    code, out, _ = invoke("audit", "--strict", "--format", "json", str(path))
    mutants = json.loads(out)["problems"][0]["claims"][0]["mutants"]
    assert [m["outcome"] for m in mutants if m["text"] == "2*S.T@x"] == ["slipped"]
