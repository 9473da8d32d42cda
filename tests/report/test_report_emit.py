"""What the commands print (report/emit.py and the renderers it calls), as exact strings:
a changed mark, label or summary shows here."""

from __future__ import annotations

import pytest

from derivcheck.report import emit
from derivcheck.report.audit_text import render_text as audit_text
from derivcheck.report.hessian_text import render_text as hessian_text
from derivcheck.results import ClaimAudit, ClaimResult, MutantResult, ProblemResult


@pytest.fixture(autouse=True)
def plain(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")


def claim(verdict: str, passed: bool, **extra) -> ClaimResult:
    return ClaimResult(index=0, name="claim 1", of="f", wrt=["x"], verdict=verdict, passed=passed,
                       claim_text="2*x", **extra)


PASSING = ProblemResult(file="a.yaml", id="a", claims=(claim("proved", True),))
WRONG = ProblemResult(file="b.yaml", id="b", claims=(claim("wrong", False, truth_text="3*x", diagnosis="off by 3/2"),))
BROKEN = ProblemResult(file="c.yaml", id="c", error={"line": 3, "column": 1, "message": "unknown key 'claim'"})
BARE = ProblemResult(file="d.yaml", id="d", derived=(("f", "x", "3*x**2"),))
SLOW = ProblemResult(file="e.yaml", id="e", limit=True,
                     error={"line": 0, "column": 0, "message": "undecided: time limit of 4 s was hit while loading the problem"})


def test_check_text_streams_lines_then_the_summary(capsys):
    for r in (PASSING, WRONG, BROKEN, BARE, SLOW):
        emit.status(r)
    emit.check_end([PASSING, WRONG, BROKEN, BARE, SLOW], "text", streamed=True)
    out, err = capsys.readouterr()
    assert out == (
        "PASS     a.yaml  (1 proved)\n"
        "FAIL     b.yaml  (1 wrong)\n"
        "  ✗ wrong         ∂f/∂x = 2*x\n"
        "      true derivative: 3*x\n"
        "      diagnosis: off by 3/2\n"
        "ERROR    c.yaml\n"
        "  unknown key 'claim'\n"
        "PASS     d.yaml  nothing claimed: derived ∂f/∂x (--require-claims makes this fail)\n"
        "UNDECIDED e.yaml\n"
        "  undecided: time limit of 4 s was hit while loading the problem\n"
        "5 problems, 2 claims, 1 proved, 1 wrong, 2 file errors — exit 3\n")
    assert err == ("c.yaml:3:1: error: unknown key 'claim'\n"
                   "e.yaml: error: undecided: time limit of 4 s was hit while loading the problem\n")


def test_an_internal_error_adds_the_report_hint_once(capsys):
    internal = ProblemResult(file="f.yaml", id="f", internal=True,
                             error={"line": 0, "column": 0, "message": "internal error: KeyError: 'x'"})
    emit.check_end([internal, internal], "text", interrupted=3)
    out, err = capsys.readouterr()
    assert out.splitlines()[-2:] == ["interrupted (Ctrl-C): 2 of 3 problem files checked",
                                     "2 problems, 0 claims, 2 file errors — exit 3"]
    assert err.count("derivcheck hit an internal error; please report it with the problem file.") == 1


def test_hessian_text_names_its_point():
    report = {"file": "h.yaml", "point": {"x": "0.5", "y": "-2"}, "of": "f", "wrt": "x", "diagonal": 1.5,
              "engine_vs_sympy_relative_error": 1e-16}
    assert hessian_text(report) == ("h.yaml: at x = 0.5, y = -2\n"
                                    "  diag ∂²f/∂x² = 1.5\n"
                                    "  engine vs sympy: relative error 1e-16")


def test_audit_text_lists_what_slips_through():
    slips = MutantResult("transpose", "Wᵀ for W", "W", "slipped", "verified")
    caught = MutantResult("factor", "2× the claim", "2*W.T", "found-wrong", "wrong")
    audit = ClaimAudit(0, "dL/dW", "W.T", "proved", True, True, mutants=(slips, caught))
    r = ProblemResult(file="g.yaml", id="g", audits=(audit,))
    assert r.audit_exit_code == 1
    assert audit_text([r]) == (
        "SLIPS g.yaml  (1 claim audited, 2 mutants, 1 found wrong)\n"
        "    slips through: dL/dW: transpose (Wᵀ for W): W  → verified\n"
        "1 file, 1 claims audited, 2 mutants tried, 1 found wrong, 1 slipped through, 0 equivalent on the domain "
        "(0 equivalent and 0 invalid skipped) — exit 1")
