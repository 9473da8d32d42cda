"""runner.run_file, the one path from a source to a ProblemResult, and the inputs that used to
crash it: each ends as a located error, an `undecided` naming its limit, or a quiet exit."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import pytest

from tests.conftest import REPO, plain_env
from derivcheck.runner import run_file

GOOD = b"inputs: [x, y]\nnodes: {f: x**2*y}\nclaims:\n  - {wrt: x, is: 2*x*y}\n"
TWO_STEPS = b"""inputs: [x]
nodes: {h: 2*x, f: h**2}
claims:
  - {of: f, wrt: h, is: 2*h}
  - {of: f, wrt: x, is: 2*h}
"""


def _proc(*args, timeout=120, **kwargs):
    proc = subprocess.run([sys.executable, "-m", "derivcheck", *map(str, args)], capture_output=True, cwd=REPO,
                          env=plain_env(), timeout=timeout, **kwargs)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


# --- what a Request asks for is on the result, as plain data ------------------------------------

def test_the_default_request_is_the_verdicts_only():
    result = run_file("p.yaml", data=TWO_STEPS)
    assert [c.verdict for c in result.claims] == ["proved", "wrong"]
    assert result.steps is None and result.first_wrong is None and result.audits == () and result.hessian is None


def test_a_request_adds_steps_and_the_first_wrong_step_as_plain_data():
    result = run_file("p.yaml", data=TWO_STEPS, steps=True, first_wrong=True)
    assert [(d.of, d.wrt) for d in result.steps] == [("f", "x")]
    assert result.first_wrong["of"] == "f" and result.first_wrong["wrt"] == "x"
    pickled = pickle.dumps(result)
    assert b"sympy" not in pickled and b"numpy" not in pickled  # the parent unpickles it without them


def test_steps_of_an_unknown_name_is_a_user_error():
    result = run_file("p.yaml", data=GOOD, claims=False, steps_of=("f", "z"))
    assert result.exit_code == 2
    assert result.error["message"] == "--wrt 'z' is not an input or node of the problem"


def test_derive_gives_one_derivative_without_checking_claims():
    result = run_file("p.yaml", data=GOOD, claims=False, derive=("f", ("y",)))
    assert result.claims == () and result.derived == (("f", "y", "x**2"),)


def test_require_claims_makes_a_problem_without_claims_an_error():
    data = b"inputs: [x]\nnodes: {f: x**3}\n"
    assert run_file("p.yaml", data=data).derived == (("f", "x", "3*x**2"),)
    result = run_file("p.yaml", data=data, require_claims=True)
    assert result.exit_code == 2 and result.error["message"].startswith("nothing claimed")


# --- inputs that used to crash -------------------------------------------------------------------

@pytest.mark.parametrize("text, where, message", [
    (b"inputs: [x]\nnodes: {f: x**2}\nclaims: [{wrt: x, is: 2*x}]\npoints: [{x: 1e999}]\n", (4, 14),
     "value of 'x': 1e999 is beyond the range of a float (about ±1.8e308)"),
    (b"inputs:\n  x: {value: -1e999}\n  y: {}\nnodes: {f: x*y}\nclaims: [{wrt: y, is: x}]\n", (2, 14),
     "value of 'x': -1e999 is beyond the range of a float (about ±1.8e308)"),
    (b"inputs:\n  x: {domain: [0, 1e999]}\nnodes: {f: x**2}\nclaims: [{wrt: x, is: 2*x}]\n", (2, 19),
     "an interval end: 1e999 is beyond the range of a float (about ±1.8e308)"),
], ids=["points", "value", "interval"])
def test_a_number_beyond_float_range_is_a_located_error(text, where, message):
    result = run_file("big.yaml", data=text)
    assert result.exit_code == 2 and not result.internal
    assert (result.error["line"], result.error["column"]) == where
    assert result.error["message"] == message


def test_a_singular_fixed_matrix_under_inv_is_a_located_error_naming_it():
    text = (b"inputs:\n  A: {shape: [2, 2], value: [[1, 2], [2, 4]]}\n  x: {shape: [2]}\n"
            b"nodes: {f: sum(inv(A) @ x)}\nclaims: [{wrt: x, is: inv(A).T @ ones(2)}]\n")
    result = run_file("sing.yaml", data=text)
    assert result.exit_code == 2
    assert (result.error["line"], result.error["column"]) == (2, 3)
    assert result.error["message"] == ("input 'A' is fixed to a singular matrix, but inv(A) needs an invertible "
                                       "one (its derivative inverts it)")
    invertible = text.replace(b"[2, 4]", b"[3, 4]")
    assert [c.verdict for c in run_file("ok.yaml", data=invertible).claims] == ["proved"]


def test_a_file_name_that_is_not_utf8_is_checked(tmp_path):
    name = os.fsencode(str(tmp_path)) + b"/bad\xff.yaml"
    with open(name, "wb") as handle:
        handle.write(GOOD)
    code, out, err = _proc("check", os.fsdecode(name))
    assert code == 0, (out, err)
    assert "PASS" in out and "bad\\xff.yaml" in out  # the byte that is not UTF-8, escaped as itself
    assert "internal error" not in out + err and "Traceback" not in err


def test_closed_stdout_runs_quietly_and_keeps_the_exit_code(tmp_path):
    good, wrong = tmp_path / "good.yaml", tmp_path / "wrong.yaml"
    good.write_bytes(GOOD)
    wrong.write_bytes(GOOD.replace(b"2*x*y", b"x*y"))
    for path, expected in ((good, 0), (wrong, 1)):
        code, err = _closed_stdout("check", path)
        assert code == expected, err
        assert "Traceback" not in err and "internal error" not in err


def _closed_stdout(*args):
    """Run derivcheck with file descriptor 1 closed, as the shell's `1>&-` does."""
    command = " ".join(f"'{a}'" for a in map(str, args))
    proc = subprocess.run(["bash", "-c", f"{sys.executable} -m derivcheck {command} 1>&-"], capture_output=True,
                          cwd=REPO, env=plain_env(), timeout=120)
    return proc.returncode, proc.stderr.decode("utf-8", "replace")


def test_a_fifo_is_undecided_at_its_limit_not_an_internal_error(tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    code, out, err = _proc("check", "--timeout", "1", fifo)
    assert code == 3
    assert "UNDECIDED fifo" in out.replace(str(tmp_path) + "/", "")
    assert "undecided: time limit of 4 s was hit while loading the problem" in out
    assert "internal error" not in out + err
