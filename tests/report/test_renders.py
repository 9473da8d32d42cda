"""The full text report, exactly: every seed file's `solve` output (fixed width, no colour) is kept
in tests/golden/; the verdict marks; matrix-form steps; bounded lines; no sympy names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from derivcheck.results import ClaimResult

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
# The 3-layer file's "verified" rests on a proof attempt that ends at a wall-clock safety net, so on a
# loaded machine its report may say more or less about the attempt: not an exact render.
SEED = sorted(p for p in (ROOT / "problems" / "seed").glob("*.yaml") if p.stem != "ex2-becker-lecun-3layer")
SHIPPED = sorted((ROOT / "problems").rglob("*.yaml"))


def _solve(invoke, path: Path, *args) -> str:
    code, out, _ = invoke("solve", str(path.relative_to(ROOT)), *args)
    return out


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.mark.parametrize("path", SEED, ids=lambda p: p.stem)
def test_seed_report_is_exactly_the_golden_one(invoke, path):
    """After an intended change: DERIVCHECK_WRITE_GOLDEN=1 pytest tests/report/test_renders.py, then review the diff."""
    out = _solve(invoke, path)
    golden = GOLDEN / f"{path.stem}.txt"
    if os.environ.get("DERIVCHECK_WRITE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("verdict, passed, mark", [
    ("proved", True, "✓"), ("verified", True, "✓"), ("expected-fail", True, "✓"), ("approximate", True, "≈"),
    ("approximate", False, "≈"), ("wrong", False, "✗"), ("proved", False, "✗"), ("error", False, "!"),
    ("inconsistent", False, "?"), ("undecided", False, "?"),
])
def test_verdict_marks_are_the_same_in_every_renderer(verdict, passed, mark):
    import io

    from derivcheck.report import text
    from derivcheck.report.markdown import claim_item

    c = ClaimResult(index=0, name="n", of="f", wrt=["x"], verdict=verdict, passed=passed, claim_text="2*x")
    buffer = io.StringIO()
    text.write_claim(text.console(buffer, force_plain=True), c, verbose=False)
    assert buffer.getvalue().startswith(f"  {mark} {verdict:<14}∂f/∂x = 2*x")
    assert claim_item(c).startswith(f"- {mark} **")


def test_matrix_steps_as_a_sheet_writes_them(invoke):
    out = _solve(invoke, ROOT / "problems" / "seed" / "ex3-2-matrix-chain-rule.yaml")
    assert ("Chain rule for ∂L/∂W, in matrix form (--expand for the entries):\n"
            "  ∂L/∂y = 2y   (vector[3])\n"
            "  ∂L/∂W = ∂L/∂y xᵀ = 2 y xᵀ   (3×4)\n"
            "  result: ∂L/∂W = 2 y xᵀ\n") in out
    assert "truncated" not in out and "W[1,1]" not in out.split("backprop table")[0]


def test_expand_adds_the_entries(invoke):
    out = _solve(invoke, ROOT / "problems" / "seed" / "ex3-2-matrix-chain-rule.yaml", "--expand")
    assert "  in matrix form:\n    ∂L/∂y = 2y   (vector[3])\n" in out
    assert "  local partial derivatives:\n    ∂L/∂y = [2*y[1], 2*y[2], 2*y[3]]" in out


def test_adjoint_rules_use_the_problems_names(invoke, write_problem):
    path = write_problem("""
        inputs: {z: {shape: [3]}, t: {shape: [3]}}
        nodes: {p: softmax(z), L: -sum(t * log(p))}
        claims:
          - {wrt: z, is: p * sum(t) - t}
    """)
    code, out, _ = invoke("solve", str(path), "--expand")
    assert "p̄" in out and "z̄ += p ⊙ (p̄ − pᵀp̄)" in out and "s ⊙" not in out


def test_a_one_node_problem_has_no_vacuous_path_sum(invoke, write_problem):
    path = write_problem("""
        inputs: {A: {}, B: {}}
        nodes: {f: A**2 * B}
        claims:
          - {wrt: A, is: 2*A*B}
    """)
    out = invoke("solve", str(path))[1]
    assert "path sum" not in out and "  ∂f/∂A = 2*A*B\n" in out


def test_no_sympy_names_in_the_text(invoke, write_problem):
    path = write_problem("""
        inputs: {x: {}, y: {}}
        nodes: {a: "relu(x*y) + abs(x - y)", f: a**2}
        claims:
          - {wrt: x, is: 3*x}
    """)
    out = invoke("solve", str(path))[1]
    assert "relu'(x*y)" in out and "abs'(x - y)" in out and "abs(x - y)" in out and "max(0, x*y)" in out
    for internal in ("Max(", "Heaviside", "Abs(", "sign("):
        assert internal not in out


def test_no_solve_line_is_longer_than_400_characters(invoke):
    """One solve over the whole shipped set (a process per file would spend most of the time starting)."""
    code, out, _ = invoke("solve", *(str(path.relative_to(ROOT)) for path in SHIPPED))
    assert code in (0, 1) and out.count("\n") > len(SHIPPED)
    lines = sorted(out.splitlines(), key=len, reverse=True)
    assert len(lines[0]) <= 400, [line[:120] for line in lines[:3]]


def test_no_negative_zero_in_a_counterexample():
    import io

    from derivcheck.report import text
    from derivcheck.results import Counterexample

    c = ClaimResult(index=0, name="n", of="f", wrt=["x"], verdict="wrong", passed=False, claim_text="0*x",
                    counterexample=Counterexample({"x": -0.0, "y": [-0.0, 1.5]}, -0.0, [-0.0, 2.0]))
    buffer = io.StringIO()
    text.write_claim(text.console(buffer, force_plain=True), c)
    out = buffer.getvalue()
    assert "      counterexample: x = 0, y = [0, 1.5]\n        claimed: 0\n        true:    [0, 2]\n" in out
    assert "-0" not in out


def test_a_counterexample_with_declared_functions_names_the_instance(invoke, write_problem):
    path = write_problem("""
        functions: [f, g]
        inputs: [x]
        nodes: {h: g(x), l: f(h)}
        claims:
          - {wrt: x, is: "f'(h) * g(x)"}
    """)
    code, out, _ = invoke("solve", str(path))
    assert code == 1
    lines = [line.strip() for line in out.splitlines() if line.strip().startswith("with ")]
    assert [line[:12] for line in lines] == ["with f(t) = ", "with g(t) = "]
    assert all("·sin(" in line and "·exp(" in line and "·t²" in line for line in lines)
