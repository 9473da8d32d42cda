"""Diagnoses of wrong tensor claims (issue 3): each names the slip a person actually made."""

from __future__ import annotations

import pytest

from derivcheck.runner import run_file

HEAD = """
dims: {n: 2, m: 3}
inputs:
  A: {shape: [n, n]}
  B: {shape: [n, n]}
  X: {shape: [n, n], domain: invertible}
  a: {shape: [n]}
  b: {shape: [n]}
  x: {shape: [n]}
  W: {shape: [m, n]}
nodes:
  trace_axb: tr(A @ X @ B)
  bilinear_inverse: a.T @ inv(X) @ b
  log_det: logdet(X)
  quad: x.T @ A @ x
  y: W @ x
  bilinear: a.T @ X @ b
"""


def diagnosis(of: str, wrt: str, claim: str) -> str:
    text = HEAD + f'claims:\n  - {{of: {of}, wrt: {wrt}, is: "{claim}"}}\n'
    result = run_file("t.yaml", data=text.encode())
    assert result.error is None, result.error
    c = result.claims[0]
    assert c.verdict == "wrong", (c.verdict, c.message)
    return c.diagnosis


@pytest.mark.parametrize("of, wrt, claim, words", [
    ("trace_axb", "X", "B.T @ A.T", "product in the wrong order"),
    ("bilinear_inverse", "X", "-(inv(X) @ a @ b.T @ inv(X))", "inverse without its transpose"),
    ("log_det", "X", "inv(X)", "transposed"),
    ("quad", "x", "2*A @ x", "missing symmetrisation"),
    ("quad", "x", "-(A + A.T) @ x", "opposite sign"),
    ("quad", "x", "(A + A.T) @ x / 2", "constant factor: the claim is 1/2"),
    ("bilinear", "X", "b @ a.T", "transposed"),
    ("y", "x", "W.T", "other index order"),
    ("bilinear", "X", "a @ b.T + 1e-30*ones(2) @ ones(2).T", "tiny extra term"),
])
def test_tensor_diagnoses(of, wrt, claim, words):
    assert words in diagnosis(of, wrt, claim)


def test_wrong_shape_names_both_shapes():
    text = diagnosis("y", "x", "W.T @ W")
    assert "wrong shape" in text and "2×2" in text and "3×2" in text


def test_differing_entries_are_listed():
    text = HEAD + 'claims:\n  - {of: bilinear, wrt: X, is: "a @ b.T + 0*X + eye(2)"}\n'
    c = run_file("t.yaml", data=text.encode()).claims[0]
    assert c.verdict == "wrong"
    assert any(line.startswith("entry [") for line in c.details)


SQUARE = """
inputs: {W: {shape: [3, 3]}, x: {shape: [3]}}
nodes: {y: W @ x, L: y.T @ y}
claims:
"""


@pytest.mark.parametrize("claim", ['{wrt: x, is: "2 * W @ y"}', '{wrt: x, latex: "2 W y"}', '{wrt: x, latex: "2 W W x"}'])
def test_w_for_its_transpose_on_a_square_w_is_a_missing_transpose_not_a_symmetrisation(claim):
    result = run_file("t.yaml", data=(SQUARE + f"  - {claim}\n").encode())
    c = result.claims[0]
    assert c.verdict == "wrong"
    assert c.diagnosis.startswith("a missing transpose: the claim holds as 2*W.T@"), c.diagnosis
