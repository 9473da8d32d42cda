"""Sheets in CI (issue 16): `derivcheck check --sheets` and `pytest --derivcheck` pick up solution
sheets that hold derivcheck blocks, with the same verdicts as `derivcheck sheet`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SHEET = "```derivcheck\ninputs: [x]\nnodes: {f: x**2}\n```\n\n$$\\frac{df}{dx} = 2x$$\n\n$$\\frac{df}{dx} = x$$\n"


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "p.yaml").write_text("inputs: [x]\nnodes: {f: x**3}\nclaims: [{wrt: x, is: 3*x**2}]\n")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "sheet.md").write_text(SHEET, encoding="utf-8")
    (tmp_path / "README.md").write_text("# Not a sheet\n\n$\\frac{df}{dx} = x$\n", encoding="utf-8")
    return tmp_path


def test_check_includes_sheets_only_with_the_flag(invoke, project):
    code, out, _ = invoke("check", project)
    assert code == 0 and "sheet.md" not in out
    code, out, _ = invoke("check", "--sheets", project)
    assert code == 1
    lines = out.splitlines()
    (fail,) = [k for k, line in enumerate(lines) if line.startswith("FAIL     ")]
    assert lines[fail].endswith("notes/sheet.md  (1 proved, 1 wrong)")
    assert lines[fail + 1].startswith("  ✗ wrong ")
    assert "README" not in out
    assert lines[-1] == "2 problems, 3 claims, 2 proved, 1 wrong — exit 1"


def test_check_json_points_at_the_sheet_lines(invoke, project):
    import json

    code, out, _ = invoke("check", "--sheets", "--format", "json", project / "notes" / "sheet.md")
    (problem,) = json.loads(out)["problems"]
    assert [(c["line"], c["verdict"]) for c in problem["claims"]] == [(6, "proved"), (8, "wrong")]


def test_pytest_collects_one_item_per_claim_of_a_sheet(project):
    env = dict(os.environ, NO_COLOR="1", PY_COLORS="0")
    env.pop("PYTEST_ADDOPTS", None)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", "--derivcheck", "notes"],
                          cwd=project, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 1
    assert "notes/sheet.md::line 6: 2x PASSED" in proc.stdout
    assert "notes/sheet.md::line 8: x FAILED" in proc.stdout
    assert "notes/sheet.md:8:1: derivcheck: wrong" in proc.stdout


def test_the_teams_sheets_pass(invoke):
    """The classic mistakes are each found wrong (fails:), the LaTeX sheet of solution 2 holds."""
    sheets = Path(__file__).resolve().parents[2] / "problems" / "sheets"
    code, out, _ = invoke("check", "--sheets", sheets / "classic-mistakes.md", sheets / "solution2-hessian.tex")
    assert code == 0
    assert out.splitlines()[-1] == "2 problems, 25 claims, 1 approximate, 10 expected-fail, 14 proved — exit 0"


def test_a_gradient_written_as_a_pmatrix_is_checked_where_it_stands(invoke, tmp_path):
    sheet = ("```derivcheck\ninputs:\n  x: {shape: [2]}\nnodes: {f: 'x[1]**2 * x[2] + x[2]'}\n```\n\n"
             "$$\\frac{\\partial f}{\\partial x} = \\begin{pmatrix} 2 x_1 x_2 \\\\ x_1^2 + 1 \\end{pmatrix}$$\n\n"
             "$$\\frac{\\partial f}{\\partial x} = \\begin{pmatrix} 2 x_1 x_2 \\\\ x_1^2 \\end{pmatrix}$$\n")
    (tmp_path / "grad.md").write_text(sheet, encoding="utf-8")
    code, out, _ = invoke("sheet", tmp_path / "grad.md")
    assert code == 1
    assert "    7  ✓ proved" in out and "    9  ✗ wrong" in out


def test_a_sheet_named_on_the_command_line_is_checked_not_skipped(invoke):
    sheet = Path(__file__).resolve().parents[2] / "problems" / "sheets" / "solution2-hessian.tex"
    code, out, err = invoke("check", "--sheets", sheet)
    assert code == 0 and "solution2-hessian.tex  (" in out
    assert "skipped" not in err
