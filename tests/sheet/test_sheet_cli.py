"""`derivcheck sheet` through the CLI (issue 16): every statement form, the reasons for what is
not checked, exit codes, formats, --strict, --problem and --annotate."""

from __future__ import annotations

import json
import textwrap

import pytest

SCALAR = r"""
# A sheet

Before any block: $\frac{\partial f}{\partial x} = 2x$.

```derivcheck
inputs: [x, y]
nodes: {u: x**2, f: u*y, g: x*y**2}
```

$$\frac{\partial f}{\partial x} = 2xy = \frac{\partial f}{\partial u} \frac{\partial u}{\partial x}, \quad \frac{d u}{d x} = 2x$$

$$u'(x) = 2x, \qquad \frac{\partial^2 f}{\partial x^2} = 2y, \quad \frac{\partial^2 g}{\partial x \partial y} = 2y$$

$$\frac{\partial}{\partial x}\left( x^2 y \right) = 2xy \left( = \frac{\partial f}{\partial x} \right) \quad (4)$$

A slip: $\frac{\partial g}{\partial y} = xy$ and a sum $a + b = c$.
"""


def write(tmp_path, text: str, name: str = "sheet.md"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def equations(out: str) -> list:
    return json.loads(out)["equations"]


@pytest.fixture(scope="module")
def scalar_run(tmp_path_factory):
    from click.testing import CliRunner

    from derivcheck.cli import main_group

    path = write(tmp_path_factory.mktemp("sheet"), SCALAR)
    runner = CliRunner()
    result = runner.invoke(main_group, ["sheet", str(path), "--format", "json"], env={"NO_COLOR": "1"})
    return result.exit_code, result.stdout, path


def test_each_scalar_form_is_checked_where_it_stands(scalar_run):
    code, out, _ = scalar_run
    got = [(e["line"], e["member"], e["verdict"]) for e in equations(out)]
    assert got == [
        (3, r"2x", "unchecked"),
        (10, "2xy", "proved"),
        (10, r"\frac{\partial f}{\partial u} \frac{\partial u}{\partial x}", "proved"),
        (10, "2x", "proved"),
        (12, "2x", "proved"),
        (12, "2y", "proved"),
        (12, "2y", "proved"),
        (14, "2xy", "proved"),
        (14, r"\frac{\partial f}{\partial x}", "proved"),
        (16, "xy", "wrong"),
        (16, "", "unchecked"),
    ]
    assert code == 1


def test_json_entries_carry_the_statement_reason_and_claim_fields(scalar_run):
    _, out, _ = scalar_run
    document = json.loads(out)
    first, wrong, plain = document["equations"][0], document["equations"][-2], document["equations"][-1]
    assert first["reason"] == "no problem block" and first["index"] is None
    assert wrong["of"] == "g" and wrong["wrt"] == "y" and wrong["counterexample"]["point"]
    assert wrong["text"] == r"\frac{\partial g}{\partial y} = xy" and "diagnosis" in wrong
    assert plain["reason"] == "not a derivative statement"
    assert document["summary"] == {"checked": 9, "unchecked": 1, "not_derivative": 1,
                                   "verdicts": {"proved": 8, "wrong": 1}, "exit": 1}


def test_text_output_names_the_line_of_a_wrong_statement(invoke, tmp_path):
    path = write(tmp_path, SCALAR)
    code, out, err = invoke("sheet", path)
    assert code == 1 and err == ""
    wrong = [line for line in out.splitlines() if "✗ wrong" in line]
    assert wrong == ["   16  ✗ wrong         \\frac{\\partial g}{\\partial y} = xy"]
    assert "· not checked   \\frac{\\partial f}{\\partial x} = 2x  — no problem block" in out
    assert out.splitlines()[-1] == "9 checked, 8 proved, 1 wrong, 1 not checked, 1 not a derivative statement — exit 1"


INDEX = r"""
```derivcheck
dims: {m: 2, n: 3}
inputs: {x: {shape: [n]}, W: {shape: [m, n]}}
nodes: {y: W @ x, L: y.T @ y}
indices: {y_i: "y[i]", w_{jk}: "W[j, k]"}
```

$$\frac{\partial L}{\partial w_{jk}} = \sum_i 2 y_i \delta_{ij} x_k = 2 y_j x_k$$

$$\frac{\partial y}{\partial W} = T, \quad T_{i,j,k} = \mathbb{1}_{i=j} x_k, \quad (\frac{\partial L}{\partial W})_{j,k} = \sum_i \frac{\partial L}{\partial y_i} T_{i,j,k}$$

$$\frac{\partial L}{\partial w_{jk}} = y_j x_k$$

$$\frac{\partial L}{\partial w_{jk}} = z_j, \quad \frac{\partial L}{\partial y} \times_{m} \frac{\partial y}{\partial W} = \frac{\partial L}{\partial W}$$
"""


def test_index_notation_holds_for_every_index_value(invoke, tmp_path):
    code, out, err = invoke("sheet", write(tmp_path, INDEX), "--format", "json")
    got = [(e["line"], e["member"], e["verdict"], e["reason"]) for e in equations(out)]
    assert got[:6] == [
        (8, r"\sum_i 2 y_i \delta_{ij} x_k", "proved", ""),
        (8, "2 y_j x_k", "proved", ""),
        (10, "T", "unchecked", "names the derivative ∂y/∂W `T`"),
        (10, r"\mathbb{1}_{i=j} x_k", "proved", ""),
        (10, r"\sum_i \frac{\partial L}{\partial y_i} T_{i,j,k}", "proved", ""),
        (12, "y_j x_k", "wrong", ""),
    ]
    assert got[6][2] == "unchecked" and got[6][3].startswith("cannot read `z_j`")
    assert got[7][2] == "unchecked" and got[7][3].startswith("cannot read `\\times_{m}`: ")
    assert code == 1


def test_unchecked_alone_exits_0_and_1_with_strict(invoke, tmp_path):
    path = write(tmp_path, "```derivcheck\ninputs: [x]\nnodes: {f: x**3}\n```\n\n"
                           "$$\\frac{\\partial f}{\\partial x} = 3x^2 = 3 \\times_{2} x^2$$\n")
    code, out, _ = invoke("sheet", path)
    assert code == 0 and "1 checked, 1 proved, 1 not checked" in out
    code, _, _ = invoke("sheet", path, "--strict")
    assert code == 1


def test_approx_and_fails_lists_in_the_block(invoke, tmp_path):
    path = write(tmp_path, r"""
        ```derivcheck
        inputs: [x]
        nodes: {f: exp(x)}
        approx: [3]
        fails: [11]
        ```
        $$\frac{d f}{d x} = 1 + x \quad (3)$$

        Also exact: $\frac{d f}{d x} = \exp(x)$ and a known slip:

        $$\frac{d f}{d x} = x \exp(x)$$
        """)
    code, out, _ = invoke("sheet", path, "--format", "json")
    got = [(e["line"], e["verdict"]) for e in equations(out)]
    assert got == [(7, "approximate"), (9, "proved"), (11, "expected-fail")]
    assert code == 0


def test_latex_sheet_with_comment_block_and_marker_lines(invoke, tmp_path):
    path = write(tmp_path, r"""
        \documentclass{article}
        \begin{document}
        \begin{comment}derivcheck
        inputs: [x]
        nodes: {f: sin(x)}
        \end{comment}
        \begin{equation}
          \frac{\partial f}{\partial x} = \cos(x) % not \sin
        \end{equation}
        %!derivcheck inputs: {A: {shape: [2, 2]}, B: {shape: [2, 2]}}
        %!derivcheck nodes: {c: trace(B @ A)}
        \begin{align}
          \frac{\partial c}{\partial A} &= B^\top \\
          \frac{\partial}{\partial A}\left(\operatorname{tr}(BA)\right) &= B
        \end{align}
        \end{document}
        """, name="sheet.tex")
    code, out, _ = invoke("sheet", path, "--format", "json")
    got = [(e["line"], e["verdict"]) for e in equations(out)]
    assert got == [(8, "proved"), (13, "proved"), (14, "wrong")]
    assert code == 1


def test_problem_option_gives_the_block(invoke, tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text("inputs: [x]\nnodes: {f: x**2}\n", encoding="utf-8")
    path = write(tmp_path, "$$\\frac{\\partial f}{\\partial x} = 2x$$\n")
    code, out, _ = invoke("sheet", path, "--problem", problem)
    assert code == 0 and "1 checked, 1 proved" in out
    code, out, _ = invoke("sheet", path)
    assert code == 0 and "no problem block" in out


def test_a_bad_block_is_a_located_error(invoke, tmp_path):
    path = write(tmp_path, "text\n\n```derivcheck\ninputs: [x]\nnodez: {f: x}\n```\n$a = b$\n")
    code, out, err = invoke("sheet", path)
    assert code == 2
    assert err.strip() == f"{path}:5:1: error: unknown key 'nodez' in a derivcheck block (did you mean 'nodes'?); " \
                          "allowed: derivcheck, id, title, source, notes, dims, inputs, functions, network, nodes, " \
                          "output, claims, points, check, indices, approx, fails"


def test_bad_input_is_exit_2_never_a_traceback(invoke, tmp_path):
    empty = write(tmp_path, "\n", name="empty.md")
    assert invoke("sheet", empty)[0] == 2
    control = tmp_path / "c.md"
    control.write_bytes(b"$a = b$\n\x1b[31m\n")
    code, _, err = invoke("sheet", control)
    assert code == 2 and err.strip() == f"{control}:2:1: error: control character U+001B in the sheet"
    code, _, err = invoke("sheet", tmp_path / "p.yaml")
    assert code == 2 and "a sheet is a Markdown (.md, .txt) or LaTeX (.tex) file" in err


def test_user_text_is_never_markup(invoke, tmp_path):
    path = write(tmp_path, "$$x[bold]y = [red]z$$\n")
    code, out, _ = invoke("sheet", path)
    assert code == 0 and "x[bold]y = [red]z  — not a derivative statement" in out


def test_annotate_writes_a_mark_after_each_checked_statement(invoke, tmp_path):
    path = write(tmp_path, "```derivcheck\ninputs: [x]\nnodes: {f: x**2}\n```\n"
                           "See $\\frac{df}{dx} = 2x$ and $$\\frac{df}{dx} = x$$ done.\n")
    target = tmp_path / "out.md"
    code, _, _ = invoke("sheet", path, "--annotate", target)
    assert code == 1
    assert target.read_text(encoding="utf-8").splitlines()[-1] == (
        "See $\\frac{df}{dx} = 2x$ <sub>derivcheck: ✓ proved</sub> and "
        "$$\\frac{df}{dx} = x$$ <sub>derivcheck: ✗ wrong</sub> done.")


def test_junit_and_github_point_at_the_sheet_lines(invoke, tmp_path):
    path = write(tmp_path, "```derivcheck\ninputs: [x]\nnodes: {f: x**2}\n```\n\n$$\\frac{df}{dx} = x$$\n")
    code, out, _ = invoke("sheet", path, "--format", "github")
    assert code == 1 and f"::error file={path},line=6,col=1," in out
    code, out, _ = invoke("sheet", write(tmp_path, SCALAR, name="scalar.md"), "--format", "github")
    assert out.splitlines()[0] == (f"::notice file={tmp_path / 'scalar.md'},line=3,"
                                   "title=derivcheck%3A statement not checked::not checked: no problem block")
    code, out, _ = invoke("sheet", path, "--format", "junit")
    assert code == 1 and '<testcase classname="' in out and 'name="line 6: x"' in out and 'line="6"' in out


def test_an_alias_at_the_top_of_the_block(invoke, tmp_path):
    path = write(tmp_path, "```derivcheck\ninputs: [x]\nnodes: {L: x**3}\nL_n: L\n```\n"
                           "$$\\frac{\\partial L_n}{\\partial x} = 3x^2$$\n")
    code, out, _ = invoke("sheet", path)
    assert code == 0 and "1 checked, 1 proved" in out
    typo = write(tmp_path, "```derivcheck\ninputs: [x]\nnodes: {L: x**3}\nnode_s: L\n```\n", name="typo.md")
    code, _, err = invoke("sheet", typo)
    assert code == 2 and err.startswith(f"{typo}:4:1: error: unknown key 'node_s' in a derivcheck block")
