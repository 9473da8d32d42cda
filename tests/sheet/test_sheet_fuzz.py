"""Whatever LaTeX a sheet holds, reading it gives a claim or a reason, never an exception
(issue 16: no statement produces a traceback or an internal error)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivcheck.sheet.run import lower_sheet

BLOCK = ("```derivcheck\ndims: {n: 2}\ninputs: {x: {shape: [n]}, W: {shape: [n, n]}, s: {}}\nfunctions: [h]\n"
         "nodes: {y: W @ x, L: y.T @ y, f: h(s)**2}\nindices: {a_j: \"y[j]\", w_{kj}: \"W[k, j]\", L_n: L}\n```\n\n")
TOKENS = [r"\frac{\partial L}{\partial W}", r"\frac{\partial f}{\partial s}", r"\frac{\partial^2 L}{\partial a_j^2}",
          r"\frac{\partial}{\partial s}", r"\frac{d", r"}{d", "}", "{", r"\left(", r"\right)", "(", ")", "=", "+", "-",
          r"\sum_k", r"\sum_{j}", r"\delta_{jk}", r"\mathbb{1}_{j=k}", "w_{kj}", "a_j", "x_k", "W_{jk}", "T", "T_{j,k}",
          "h'(s)", "f'(s)", "f''(s)", "2", "x^\\top", "y", "s", r"\cdot", r"\times_{n}", ",", r"\quad", r"\\", "&",
          r"\text{(5)}", "(7)", "_", "^", "^2", "'", r"\approx", r"\in", r"\mathbb{R}", "L_n", "|", "$"]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14))
def test_any_statement_reads_to_a_claim_or_a_reason(tokens):
    text = BLOCK + "$$" + " ".join(tokens) + "$$\n"
    scopes, found = lower_sheet("fuzz.md", text)
    assert not any(f.internal for f in found), [f.reason for f in found if f.internal]
    for f in found:
        assert f.claim >= 0 or f.reason, text


@pytest.mark.parametrize("text", [
    r"$$\frac{\partial L}{\partial W} = \frac{\partial L}{\partial W} = 2 y x^\top$$",
    r"$$\frac{\partial y}{\partial W} = T, \quad T_{j,k} = 1$$",
    "$$" + "(" * 200 + "x" + ")" * 200 + r" = \frac{\partial L}{\partial s}$$",
])
def test_odd_statements(text):
    scopes, found = lower_sheet("odd.md", BLOCK + text + "\n")
    assert not any(f.internal for f in found), [f.reason for f in found]
