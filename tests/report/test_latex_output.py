"""Worked solutions out: `--format latex` / `--format markdown` for `steps` and `solve`.

The LaTeX is checked structurally everywhere (balanced braces, matching \\begin/\\end)
and compiled with pdflatex where it is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from derivcheck.lang.texnames import name_latex, rule_latex
from derivcheck.report.latex_out import expr_latex

from tests.conftest import REPO, SEED_1B

FIRST_WRONG = REPO / "problems" / "seed" / "ex1b-first-wrong-step.yaml"
MATRIX = REPO / "problems" / "seed" / "ex3-2-matrix-chain-rule.yaml"

# The seed's solution 1b, as the fragment must state it.
SEED_PARTIALS = [
    r"\frac{\partial l}{\partial h_{2}} &= h_{3} = 2 x + y",
    r"\frac{\partial l}{\partial h_{3}} &= h_{2} = 8 x^{2}",
    r"\frac{\partial h_{2}}{\partial h_{1}} &= 4 h_{1} = 8 x",
    r"\frac{\partial h_{3}}{\partial h_{1}} &= 1",
    r"\frac{\partial h_{1}}{\partial x} &= 2",
    r"&= 48 x^{2} + 16 x y",
]


def check_structure(tex: str) -> None:
    """Balanced braces (escaped ones aside) and properly nested \\begin/\\end pairs."""
    body = re.sub(r"(?<!\\)%.*", "", tex).replace("\\\\", "  ")
    depth = 0
    for ch in re.sub(r"\\[{}]", "", body):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0, "a } closes nothing"
    assert depth == 0, "unbalanced braces"
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{([^}]*)\}", body):
        if kind == "begin":
            stack.append(env)
        else:
            assert stack and stack.pop() == env, f"\\end{{{env}}} does not match"
    assert not stack, f"unclosed environments: {stack}"


def compile_fragment(tmp_path, fragment: str) -> None:
    """Wrap the fragment in a minimal document and compile it (where pdflatex exists)."""
    check_structure(fragment)
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base)")
    doc = tmp_path / "doc.tex"
    doc.write_text("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n" + fragment
                   + "\n\\end{document}\n", encoding="utf-8")
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", doc.name],
                          cwd=tmp_path, capture_output=True, timeout=120)
    log = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode == 0, log[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 0


@pytest.fixture(scope="module")
def seed_latex():
    from click.testing import CliRunner

    from derivcheck.cli import main_group

    result = CliRunner().invoke(main_group, ["steps", str(SEED_1B), "--of", "l", "--wrt", "x", "--format", "latex"])
    return result.exit_code, result.stdout


def test_steps_latex_states_the_seed_partials(seed_latex):
    code, out = seed_latex
    assert code == 0
    for line in SEED_PARTIALS:
        assert line in out, line
    assert "\\begin{align*}" in out and "\\end{align*}" in out
    # the path sum, factored in backprop order, as solution 1b writes it
    assert (r"\frac{\partial l}{\partial x} &= \left(\frac{\partial l}{\partial h_{3}} \frac{\partial h_{3}}"
            r"{\partial h_{1}} + \frac{\partial l}{\partial h_{2}} \frac{\partial h_{2}}{\partial h_{1}}\right) "
            r"\frac{\partial h_{1}}{\partial x}") in out
    assert "&= 8 h_{1} h_{3} + 2 h_{2}" in out
    assert "\\begin{tabular}{lrr}" in out  # the backprop table
    check_structure(out)


def test_steps_latex_compiles(seed_latex, tmp_path):
    compile_fragment(tmp_path, seed_latex[1])


def test_steps_markdown_has_the_same_derivation(invoke):
    code, out, _ = invoke("steps", SEED_1B, "--of", "l", "--wrt", "x", "--format", "markdown")
    assert code == 0
    assert out.count("$$\n") % 2 == 0 and "\\begin{aligned}" in out
    for line in SEED_PARTIALS:
        assert line in out, line
    assert "| node | value |" in out and "| $h_{1}$ |" in out
    check_structure(out)


def test_solve_latex_has_verdicts_and_first_wrong_step(invoke, tmp_path):
    code, out, _ = invoke("solve", FIRST_WRONG, "--format", "latex")
    assert code == 0
    assert r"\frac{\partial l}{\partial h_{2}} &= 2x + y && \text{proved}" in out  # a latex claim, verbatim
    assert r"\frac{\partial h_{2}}{\partial h_{1}} &= 2h_1 && \text{wrong, as expected}\text{; true: } 4 h_{1}" in out
    assert (r"The error enters at $\partial h_{2}/\partial h_{1}$: claimed $2h_1$, true $4 h_{1}$. "
            r"Wrong only because they build on it: $\partial l/\partial h_{1}$, $\partial l/\partial x$.") in out
    compile_fragment(tmp_path, out)


def test_solve_markdown_lists_verdicts(invoke):
    code, out, _ = invoke("solve", SEED_1B, "--format", "markdown")
    assert code == 0
    assert "- ✓ **proved**: $\\frac{\\partial l}{\\partial x} = 48 x^{2} + 16 x y$" in out
    assert "### Chain rule for $\\partial l/\\partial x$" in out
    check_structure(out)


def test_solve_latex_of_a_matrix_problem_compiles(invoke, tmp_path):
    code, out, _ = invoke("solve", MATRIX, "--format", "latex")
    assert code == 0
    assert "\\bar{W} \\mathrel{+}= \\bar{y} x^{\\top}" in out  # the adjoint rule W̄ += ȳ xᵀ
    assert "\\begin{bmatrix}" in out or "\\left[\\begin{matrix}" in out
    compile_fragment(tmp_path, out)


def test_solve_latex_bad_file_is_exit_2(invoke, write_problem):
    path = write_problem("inputs: [x]\nnodes: {f: x**2}\nclaims: [{wrt: x, is: 2*x +}]\n")
    code, out, err = invoke("solve", path, "--format", "latex")
    assert code == 2
    assert "error" in (out + err)


@pytest.mark.parametrize("text, latex", [
    ("48*x**2 + 16*x*y", "48 x^{2} + 16 x y"),
    ("(B + B.T) @ x", r"\left(B + B^{\top}\right) x"),
    ("2*y @ x.T", r"2 y x^{\top}"),
    ("grad(l, h2)*grad(h2, h1)", r"\frac{\partial l}{\partial h_{2}} \frac{\partial h_{2}}{\partial h_{1}}"),
    ("hess(L, a1, a1)", r"\frac{\partial^{2} L}{\partial a_{1}^{2}}"),
    ("-x**2 + 3", "-x^{2} + 3"),
    ("x - (y + 1)", r"x - \left(y + 1\right)"),
    ("2*3*x", r"2 \cdot 3 x"),
    ("x/3 + 0.5*y", r"\frac{x}{3} + 0.5 y"),
    ("sigmoid(z)*(1 - sigmoid(z))", r"\sigma\left(z\right) \left(1 - \sigma\left(z\right)\right)"),
    ("inv(A).T", r"\left(A^{-1}\right)^{\top}"),
    ("trace(B @ A) + logdet(X)", r"\operatorname{tr}\left(B A\right) + \log\left|\det X\right|"),
    ("f'(h1)", r"f'\left(h_{1}\right)"),
    ("delta(i, j) * x[k]", r"\delta_{i j} x_{k}"),
    ("[[a, b], [c, 2*d]]", r"\begin{bmatrix}a & b \\ c & 2 d\end{bmatrix}"),
    ("[x1, x2]", r"\begin{bmatrix}x_{1} \\ x_{2}\end{bmatrix}"),
    ("Subs(Derivative(f(_t), _t), _t, h1)", r"\texttt{Subs(Derivative(f(\_t), \_t), \_t, h1)}"),
])
def test_expression_to_latex(text, latex):
    assert expr_latex(text) == latex
    check_structure(latex)


@pytest.mark.parametrize("name, latex", [
    ("x", "x"), ("h1", "h_{1}"), ("W12", "W_{12}"), ("L_n", "L_{n}"), ("w_kj", "w_{kj}"),
    ("alpha", r"\alpha"), ("loss", r"\mathit{loss}"), ("W[1,2]", "W_{1,2}"), ("z1[2]", "{z_{1}}_{2}"),
    ("inv(X)[1,2]", r"\left(X^{-1}\right)_{1,2}"), ("det(W1)", r"\det W_{1}"), ("inv(f#2)[3,1]", r"\left(\mathit{f\#2}^{-1}\right)_{3,1}"),
])
def test_names_as_on_paper(name, latex):
    assert name_latex(name) == latex


def test_adjoint_rules_in_latex():
    out = rule_latex("W̄ += ȳ xᵀ; x̄ += Wᵀ ȳ   (W̄: 3×4, x̄: vector[4])", frozenset({"W", "x", "y"}))
    assert out.startswith(r"\bar{W} \mathrel{+}= \bar{y} x^{\top},\quad \bar{x} \mathrel{+}= W^{\top} \bar{y}\quad")
    assert r"3 \times 4" in out and r"\text{vector }" in out
    assert rule_latex("X̄ += f̄ X⁻ᵀ", frozenset({"X", "f"})) == r"\bar{X} \mathrel{+}= \bar{f} X^{-\top}"
    assert all(ord(ch) < 128 for ch in out)


def test_solve_latex_of_tensor_claims_reads_back_as_the_same_claims(invoke, write_problem):
    """x*y of two vectors prints as x \\odot y (juxtaposition would read back as a product of shapes
    that do not fit): every claim derivcheck prints as LaTeX is proved again when given back."""
    import re

    problem = ("inputs:\n  x: {shape: [3]}\n  y: {shape: [3]}\n  W: {shape: [2, 3]}\n"
               "nodes: {f: sum(x * y * x) + sum(W @ (x * y))}\n"
               "claims:\n  - {of: f, wrt: y, is: x * x + x * (W.T @ ones(2))}\n")
    code, out, _ = invoke("solve", "--format", "latex", write_problem(problem))
    assert code == 0
    claimed = re.search(r"&= (.*) && \\text\{proved\}", out).group(1)
    assert "x \\odot x" in claimed
    again = problem.replace("is: x * x + x * (W.T @ ones(2))", "latex: '" + claimed.replace("'", "''") + "'")
    code, out, _ = invoke("solve", write_problem(again))
    assert code == 0 and "proved" in out, out
