"""`derivcheck steps` (SPEC §4): the chain-rule derivation of the seed's solution 1b —
every local partial, the path sum in backprop order, the result before and after
simplification, and the backprop table at the first sample point."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import SEED_1B

PARTIALS = {
    ("l", "h2"): ("h3", "2*x + y"),
    ("l", "h3"): ("h2", "8*x**2"),
    ("h2", "h1"): ("4*h1", "8*x"),
    ("h3", "h1"): ("1", "1"),
    ("h1", "x"): ("2", "2"),
}


@pytest.fixture(scope="module")
def seed_steps():
    from click.testing import CliRunner

    from derivcheck.cli import main_group

    result = CliRunner().invoke(main_group, ["steps", str(SEED_1B), "--of", "l", "--wrt", "x"], env={"NO_COLOR": "1"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_exit_0_and_nothing_on_stderr(seed_steps):
    code, out, err = seed_steps
    assert code == 0
    assert err == ""
    assert "Traceback" not in out


def test_five_local_partials_in_node_names_and_substituted(seed_steps):
    _, out, _ = seed_steps
    for (f, v), (named, substituted) in PARTIALS.items():
        line = next((ln.strip() for ln in out.splitlines() if ln.strip().startswith(f"∂{f}/∂{v} = ")), None)
        assert line is not None, (f, v, out)
        assert line.startswith(f"∂{f}/∂{v} = {named}"), line
        assert line.endswith(substituted), line
    assert len([ln for ln in out.splitlines() if re.match(r"\s+∂\w+/∂\w+ = ", ln)]) == 5


def test_path_sum_has_both_paths_in_backprop_order(seed_steps):
    _, out, _ = seed_steps
    line = next(ln for ln in out.splitlines() if "path sum" in ln)
    assert "∂l/∂h2·∂h2/∂h1" in line and "∂l/∂h3·∂h3/∂h1" in line
    assert line.rstrip().endswith("·∂h1/∂x"), line  # the shared factor last, as solution 1b factors it


def test_result_before_and_after_simplification(seed_steps):
    _, out, _ = seed_steps
    assert re.search(r"^\s+= 48\*x\*\*2 \+ 16\*x\*y\s*$", out, re.MULTILINE), out
    names = re.findall(r"^\s+= (.*\bh\d.*)$", out, re.MULTILINE)
    assert names, "the result in node names is shown before substitution"


def test_backprop_table_values_and_adjoints(seed_steps):
    _, out, _ = seed_steps
    head = re.search(r"backprop table at x = (\S+), y = (\S+):", out)
    assert head, out
    x, y = float(head[1]), float(head[2])
    rows = {m[1]: (float(m[2]), float(m[3])) for m in
            re.finditer(r"^\s+(x|h1|h2|h3|l)\s+(\S+)\s+(\S+)\s*$", out, re.MULTILINE)}
    assert set(rows) == {"x", "h1", "h2", "h3", "l"}
    h1, h2, h3 = 2 * x, 8 * x**2, 2 * x + y
    expected_values = {"x": x, "h1": h1, "h2": h2, "h3": h3, "l": h2 * h3}
    expected_adjoints = {"x": 48 * x**2 + 16 * x * y, "h1": 4 * h1 * h3 + h2, "h2": h3, "h3": h2, "l": 1.0}
    for name, (value, adjoint) in rows.items():
        assert value == pytest.approx(expected_values[name], rel=1e-6), name
        assert adjoint == pytest.approx(expected_adjoints[name], rel=1e-6), name


def test_steps_for_an_intermediate_node(invoke):
    code, out, err = invoke("steps", SEED_1B, "--of", "l", "--wrt", "h1")
    assert code == 0
    assert "∂l/∂h1" in out
    assert "∂h1/∂x" not in out  # only partials on paths from h1 to l
    assert re.search(r"=\s+(8\*h1\*h3 \+ h2|h2 \+ 8\*h1\*h3)", out) or "24*x**2 + 8*x*y" in out, out


def test_steps_json(invoke):
    code, out, err = invoke("steps", SEED_1B, "--of", "l", "--wrt", "x", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["of"] == "l" and doc["wrt"] == "x"
    assert doc["result"] == "48*x**2 + 16*x*y"
    assert len(doc["partials"]) == 5


@pytest.mark.parametrize("args, word", [(["--of", "nosuch", "--wrt", "x"], "nosuch"),
                                        (["--of", "l", "--wrt", "nosuch"], "nosuch"),
                                        (["--of", "l"], "--wrt")])
def test_unknown_names_exit_2_with_a_message(invoke, args, word):
    code, out, err = invoke("steps", SEED_1B, *args)
    assert code == 2
    assert word in err
    assert "Traceback" not in out + err


def test_unknown_name_message_format(invoke):
    code, out, err = invoke("steps", SEED_1B, "--of", "nosuch", "--wrt", "x")
    assert code == 2
    assert re.match(rf"^{re.escape(str(SEED_1B))}(:\d+:\d+)?: error: .*nosuch", err), err
    assert "Traceback" not in out + err


def test_steps_on_a_bad_file_is_located(invoke, write_problem):
    path = write_problem("inputs: [x]\nnodes:\n  f: x +\n")
    code, out, err = invoke("steps", path, "--of", "f", "--wrt", "x")
    assert code == 2
    assert re.match(rf"^{re.escape(str(path))}:3:\d+: error: ", err), err


def test_a_polynomial_beyond_the_term_budget_stays_factored(invoke, write_problem):
    """(x + y + 1)^400 would expand to 80,200 terms: the steps keep the factored form."""
    path = write_problem("inputs: [x, y]\nnodes: {f: (x + y + 1)**400}\n")
    code, out, err = invoke("steps", path, "--of", "f", "--wrt", "x", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["result"] == "400*(x + y + 1)**399"


def test_a_small_polynomial_is_still_written_expanded(invoke, write_problem):
    path = write_problem("inputs: [x, y]\nnodes: {f: (x + y + 1)**3}\n")
    code, out, err = invoke("steps", path, "--of", "f", "--wrt", "x", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["result"] == "3*x**2 + 6*x*y + 3*y**2 + 6*x + 6*y + 3"


def test_latex_steps_carry_the_typeset_result(invoke):
    code, out, err = invoke("steps", SEED_1B, "--of", "l", "--wrt", "x", "--format", "latex")
    assert code == 0, err
    assert "48 x^{2} + 16 x y" in out


def test_expanded_terms_bounds_the_expansion():
    import sympy as sp

    from derivcheck.verdict.steps import expanded_terms

    x, y, z = sp.symbols("x y z")
    for e in [(x + y + 1) ** 5, (x + y) * (x - y) ** 3 + z, (x + 2 * y + z) ** 4 * (x + 1)]:
        assert len(sp.Add.make_args(sp.expand(e))) <= expanded_terms(e)
    assert expanded_terms((x + y + 1) ** 400) == 80_601


def test_matrix_steps_where_one_term_has_no_short_form(invoke):
    """Layer norm: an adjoint whose terms mix a short form and one without (it crashed steps)."""
    from tests.conftest import REPO

    code, out, err = invoke("solve", REPO / "problems" / "normalization" / "layer-norm.yaml")
    assert code == 0, out + err
    assert "Chain rule for ∂u/∂a, in matrix form" in out and "internal error" not in out
