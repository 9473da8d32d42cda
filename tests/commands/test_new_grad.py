"""`derivcheck new FILE` (a starter that passes as written) and the `derivcheck grad` one-liner
(issue 6, acceptance 5)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml

from tests.commands.test_check_cli import cli


def env_plain() -> dict:
    env = dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8")
    env.pop("FORCE_COLOR", None)
    return env


# --- new ---------------------------------------------------------------------------------

def test_new_writes_a_starter_that_passes_check_as_written(tmp_path):
    target = tmp_path / "week1" / "backprop.yaml"
    code, out, _ = cli("new", target)
    assert code == 0 and target.exists()
    text = target.read_text(encoding="utf-8")
    assert text.count("\n#") >= 5  # commented
    code, out, err = cli("check", tmp_path, "--format", "json")
    assert code == 0, out + err
    doc = json.loads(out)
    (problem,) = doc["problems"]
    assert problem["id"] == "backprop"
    assert [c["verdict"] for c in problem["claims"]] == ["proved", "proved", "expected-fail"]


def test_new_starter_validates_against_the_schema(tmp_path):
    from jsonschema import Draft202012Validator

    from derivcheck.lang.schema import problem_schema

    target = tmp_path / "s.yml"
    assert cli("new", target)[0] == 0
    doc = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert list(Draft202012Validator(problem_schema()).iter_errors(doc)) == []


def test_new_refuses_to_overwrite(tmp_path):
    target = tmp_path / "mine.yaml"
    target.write_text("inputs: [x]\n")
    code, _, err = cli("new", target)
    assert code == 2 and "exists" in err
    assert target.read_text() == "inputs: [x]\n"


def test_new_wants_a_yaml_name(tmp_path):
    code, _, err = cli("new", tmp_path / "problem.txt")
    assert code == 2 and ".yaml" in err
    assert not (tmp_path / "problem.txt").exists()


# --- grad: through the real entry point ---------------------------------------------------------

@pytest.mark.parametrize("claim, expected", [("2*x*y", 0), ("x*y", 1)])
def test_grad_one_liner_exit_codes(claim, expected):
    proc = subprocess.run(["derivcheck", "grad", "x**2*y", "--wrt", "x", "--claim", claim],
                          capture_output=True, text=True, env=env_plain(), timeout=120)
    assert proc.returncode == expected, proc.stdout + proc.stderr
    assert ("proved" if expected == 0 else "wrong") in proc.stdout
    if expected:
        assert "counterexample" in proc.stdout and "1/2" in proc.stdout  # diagnosis: a factor 1/2


# --- grad: in-process ------------------------------------------------------------------------------

def test_grad_without_a_claim_prints_the_derivative():
    code, out, _ = cli("grad", "x**2*y", "--wrt", "x")
    assert (code, out.strip()) == (0, "∂f/∂x = 2*x*y")
    code, out, _ = cli("grad", "x**2*y", "--wrt", "x,y")
    assert (code, out.strip()) == (0, "∂²f/∂x∂y = 2*x")
    code, out, _ = cli("grad", "sin(t)*f", "--wrt", "t")  # `f` is taken: the function gets another name
    assert code == 0 and out.strip() == "∂F/∂t = f*cos(t)"


def test_grad_with_shaped_inputs_and_domains():
    code, out, _ = cli("grad", "sum(W @ x)", "--wrt", "W", "--input", "W:3x4", "--input", "x:4",
                       "--claim", "ones(3) @ x.T")
    assert code == 0 and "proved" in out
    code, out, _ = cli("grad", "x.T @ A @ x", "--wrt", "x", "--input", "x:3", "--input", "A:3x3:spd",
                       "--claim", "2*A@x")
    assert code == 0, out
    code, out, _ = cli("grad", "x.T @ A @ x", "--wrt", "x", "--input", "x:3", "--input", "A:3x3",
                       "--claim", "2*A@x")
    assert code == 1  # not symmetric: (A + A.T) x
    code, out, _ = cli("grad", "log(t)", "--wrt", "t", "--input", "t:positive", "--claim", "1/t")
    assert code == 0
    code, out, _ = cli("grad", "sqrt(t)", "--wrt", "t", "--input", "t:[1,4]", "--latex", r"\frac{1}{2\sqrt{t}}")
    assert code == 0, out


def test_grad_json_is_one_document():
    code, out, _ = cli("grad", "x**2*y", "--wrt", "x", "--claim", "x*y", "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["summary"]["exit"] == 1
    (claim,) = doc["problems"][0]["claims"]
    assert claim["verdict"] == "wrong" and claim["counterexample"]["point"].keys() == {"x", "y"}
    code, out, _ = cli("grad", "x**2*y", "--wrt", "x", "--format", "json")
    assert json.loads(out)["problems"][0]["derived"] == [{"of": "f", "wrt": "x", "derivative": "2*x*y"}]


def test_grad_names_that_yaml_would_misread_stay_names():
    code, out, err = cli("grad", "on*yes + null*no", "--wrt", "on", "--claim", "yes")
    assert code == 0, out + err
    code, out, _ = cli("grad", "on*yes", "--wrt", "on", "--show-yaml")
    doc = yaml.safe_load(out)
    assert set(doc["inputs"]) == {"on", "yes"} and "claims" not in doc


def test_grad_text_is_never_cut_by_yaml_quoting():
    # '#' would start a YAML comment if the text were pasted unquoted: the claim would read 2*x*y
    code, _, err = cli("grad", "x**2*y", "--wrt", "x", "--claim", "2*x*y #")
    assert code == 2 and "--claim" in err
    code, _, err = cli("grad", "x**2*y", "--wrt", "x", "--claim", "2*x*y\n  wrt: y")
    assert code == 2


@pytest.mark.parametrize("args, where", [
    (["x**2*foo(y)", "--wrt", "x"], "error in EXPR at column 6"),
    (["x**2*y +", "--wrt", "x"], "error in EXPR"),
    (["x**2*y", "--wrt", "x", "--claim", "2*x*z"], "error in --claim at column 5"),
    (["x**2*y", "--wrt", "x", "--input", "x:4:bogus"], "--input"),
    (["x**2*y", "--wrt", "x,y,z"], "--wrt"),
    (["x**2*y", "--wrt", "x", "--claim", "1", "--latex", "1"], "not both"),
])
def test_grad_bad_input_is_exit_2_with_a_pointer(args, where):
    code, out, err = cli("grad", *args)
    assert code == 2
    assert where in err
    assert "Traceback" not in err


def test_grad_error_caret_points_into_the_argument():
    _, _, err = cli("grad", "x**2*foo(y)", "--wrt", "x")
    lines = err.splitlines()
    assert lines[1] == "  x**2*foo(y)"
    assert lines[2].index("^") == lines[1].index("foo")


def test_grad_with_a_declared_function():
    code, out, _ = cli("grad", "g(x**2)", "--wrt", "x", "--function", "g", "--claim", "2*x*g'(x**2)")
    assert code == 0 and "proved" in out
    assert cli("grad", "g(x**2)", "--wrt", "x", "--function", "g", "--claim", "g'(x**2)")[0] == 1
