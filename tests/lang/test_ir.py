"""The IR prints one equation per line (like a jaxpr), and `solve --verbose` shows it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from derivcheck.lang.build import build
from derivcheck.lang.problem import load_text

ROOT = Path(__file__).resolve().parents[2]


def _ir(text: str) -> str:
    return str(build(load_text(text.encode(), "ir.yaml")).graph)


def test_the_ir_prints_one_equation_per_line_with_shapes():
    assert _ir("inputs: {W: {shape: [3, 4]}, x: {shape: [4]}}\nnodes: {y: W @ x, L: y.T @ y}\n") == (
        "{ lambda W:3×4 x:vector[4] ;\n"
        "  y:vector[3] = matmul W x\n"
        "  L#1:1×3 = transpose y\n"
        "  L:scalar = matmul L#1 y\n"
        "  in (y, L) }")


def test_constants_print_as_numbers_and_parameters_in_brackets():
    text = _ir("inputs: {X: {shape: [2, 3]}}\nnodes:\n  s: 'sum(X, axis=0)'\n  f: 3/2 * sum(s)\n")
    assert "  s:vector[3] = sum[axis=0] X\n" in text
    assert "  f#1:scalar = 3\n" in text


def test_solve_verbose_shows_the_ir_before_the_claims():
    proc = subprocess.run([sys.executable, "-m", "derivcheck", "solve", "-v",
                           str(ROOT / "problems/seed/ex1b-dag-backprop.yaml")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[1].strip() == "{ lambda x:scalar y:scalar ;"
    assert "  l:scalar = mul h2 h3" in proc.stdout
    assert proc.stdout.index("in (h1, h2, h3, l) }") < proc.stdout.index("proved")


def test_the_built_ir_is_read_only():
    """Claims lower into scratch views; a write into the model's IR fails instead of leaking across claims."""
    graph = build(load_text(b"inputs: [x]\nnodes: {f: x**2}\n", "ro.yaml")).graph
    with pytest.raises(AttributeError):
        graph.eqns = ()
    with pytest.raises(TypeError):
        graph.shapes["g"] = ()
    with pytest.raises(AttributeError):
        graph.node_names.append("g")
    assert graph.scratch().shapes["f"] == ()


@pytest.mark.parametrize("value, message, col", [
    ("[[1, 2], 3]", "value of 'x' must be a single value, not a list", 10),
    ("{a: 1}", "value of 'x' must be a number or a list of numbers, not a mapping", 9),
    ("[1]", "value of 'x' has 1 entries, its shape needs 2", 9),
    ("[1e999, 1]", "1e999 is beyond the range of a float", 10),
])
def test_points_are_read_in_the_problem_and_shaped_in_build_with_positions(value, message, col):
    from derivcheck.lang.errors import LocatedError

    text = f"inputs:\n  x: {{shape: [2]}}\nnodes: {{f: sum(x)}}\npoints:\n  - {{x: {value}}}\n"
    with pytest.raises(LocatedError) as info:
        build(load_text(text.encode(), "p.yaml"))
    assert message in info.value.message and (info.value.line, info.value.col) == (5, col)
