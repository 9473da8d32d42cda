"""The command line as a user meets it (SPEC §3): exit codes, the two streams, the
`FILE:LINE:COL: error:` messages for bad input, JSON shape, stdin, broken pipes and
a `--help` that does not load the heavy libraries.

Subprocess runs (`run_cli`) cost about two seconds each, so they are kept to what
needs a real process (the entry point's exit mapping, stdin, pipes, imports, the
canary); the rest goes through click's CliRunner in-process (`invoke`).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO, SEED_1B, plain_env

GOOD = """
inputs: [x, y]
nodes: {f: x**2*y}
claims:
  - {wrt: x, is: 2*x*y}
"""
WRONG = """
inputs: [x, y]
nodes: {f: x**2*y}
claims:
  - {wrt: x, is: 2*x*y}
  - {wrt: y, is: 2*x}
"""
UNDECIDED = """
inputs: [x]
nodes: {f: log(-x**2 - 1)}
claims:
  - {wrt: x, is: 2*x/(x**2 + 1)}
"""
EXPECTED_FAIL = """
inputs: [x, y]
nodes: {f: x**2*y}
claims:
  - {wrt: y, is: 2*x, expect: fails}
"""
EXPECT_FAILS_BUT_HOLDS = """
inputs: [x, y]
nodes: {f: x**2*y}
claims:
  - {wrt: y, is: x**2, expect: fails}
"""
CLAIM_ERROR = """
inputs: [x, y]
nodes: {f: x**2*y}
claims:
  - {wrt: x, is: 2*x*nosuch}
"""


def no_traceback(*streams):
    for s in streams:
        assert "Traceback" not in s, s


# --- solve on the seed ----------------------------------------------------------------------------


def test_solve_seed_text(run_cli):
    code, out, err = run_cli("solve", SEED_1B)
    assert code == 0, err
    assert "48*x**2 + 16*x*y" in out
    assert out.count("proved") == 11
    for partial in ("∂l/∂h2 = h3", "∂l/∂h3 = h2", "∂h2/∂h1 = 4*h1", "∂h3/∂h1 = 1", "∂h1/∂x = 2"):
        assert partial in out, partial
    assert "backprop table" in out
    assert "\x1b[" not in out  # NO_COLOR: plain text
    no_traceback(out, err)


def test_solve_seed_json_shape(invoke):
    code, out, err = invoke("solve", "--format", "json", SEED_1B)
    assert code == 0
    doc = json.loads(out)
    assert set(doc) >= {"problems", "summary"}
    (problem,) = doc["problems"]
    assert {"file", "id", "status", "exit", "claims"} <= set(problem)
    assert problem["id"] == "seed-1b" and problem["exit"] == 0 and problem["status"] == "pass"
    assert [c["index"] for c in problem["claims"]] == list(range(11))
    for c in problem["claims"]:
        assert {"index", "name", "of", "wrt", "verdict", "max_rel_error"} <= set(c)
        assert c["verdict"] == "proved"
        assert "counterexample" not in c
    last = problem["claims"][-1]
    assert (last["name"], last["of"], last["wrt"]) == ("dl/dx = 48x^2 + 16xy", "l", "x")
    assert doc["summary"]["exit"] == 0


def test_json_wrong_claim_has_counterexample_and_diagnosis(invoke, write_problem):
    path = write_problem("""
        inputs: {x: {}, y: {}}
        nodes: {h1: 2*x, h2: 2*h1**2, h3: h1 + y, l: h2 * h3}
        claims:
          - {name: right, wrt: x, is: 48*x**2 + 16*x*y}
          - {name: forgot a path, wrt: x, is: h3*4*h1*2}
          - {name: second, wrt: [x, y], is: 16*x}
    """)
    code, out, err = invoke("solve", "--format", "json", path)
    assert code == 1
    doc = json.loads(out)
    right, wrong, second = doc["problems"][0]["claims"]
    assert right["verdict"] == "proved"
    assert wrong["index"] == 1 and wrong["name"] == "forgot a path" and wrong["verdict"] == "wrong"
    assert wrong["of"] == "l" and wrong["wrt"] == "x"
    ce = wrong["counterexample"]
    assert set(ce) >= {"point", "claimed", "true"}
    assert set(ce["point"]) == {"x", "y"}
    assert ce["claimed"] != ce["true"]
    x, y = ce["point"]["x"], ce["point"]["y"]
    assert ce["true"] == pytest.approx(48 * x**2 + 16 * x * y, rel=1e-8)
    assert "x → h1 → h3 → l" in wrong["diagnosis"]
    assert isinstance(wrong["max_rel_error"], float) and wrong["max_rel_error"] > 0
    assert second["wrt"] == ["x", "y"] and second["verdict"] == "proved"
    assert doc["problems"][0]["exit"] == 1 and doc["summary"]["exit"] == 1


def test_json_file_error_has_position(invoke, write_problem):
    path = write_problem("inputs: [x]\nnodes:\n  f: x +\n")
    code, out, err = invoke("solve", "--format", "json", path)
    assert code == 2
    problem = json.loads(out)["problems"][0]
    assert problem["exit"] == 2 and problem["claims"] == []
    assert problem["error"]["line"] == 3 and problem["error"]["column"] >= 6
    assert problem["error"]["message"]


def test_solve_without_claims_derives_every_input(invoke, write_problem):
    path = write_problem("inputs: [x, y]\nnodes: {h: x*y, f: sin(h) + y}\n")
    code, out, err = invoke("solve", "--format", "json", path)
    assert code == 0
    derived = {(d["of"], d["wrt"]): d["derivative"] for d in json.loads(out)["problems"][0]["derived"]}
    assert derived == {("f", "x"): "y*cos(x*y)", ("f", "y"): "x*cos(x*y) + 1"}
    code, out, err = invoke("solve", path)
    assert code == 0 and "∂f/∂x = y*cos(x*y)" in out


def test_solve_without_claims_and_two_outputs_is_exit_2(invoke, write_problem):
    path = write_problem("inputs: [x, y]\nnodes: {f: x*y, g: x + y}\n")
    code, out, err = invoke("solve", path)
    assert code == 2
    assert "output" in err


# --- exit codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [(GOOD, 0), (WRONG, 1), (CLAIM_ERROR, 2), (UNDECIDED, 3),
                                            (EXPECTED_FAIL, 0), (EXPECT_FAILS_BUT_HOLDS, 1)],
                         ids=["pass", "wrong", "claim-error", "undecided", "expected-fail", "expect-fails-holds"])
def test_exit_codes(invoke, write_problem, text, expected):
    code, out, err = invoke("solve", write_problem(text))
    assert code == expected, out + err
    no_traceback(out, err)


def test_exit_code_3_from_the_real_process(run_cli, write_problem):
    code, out, err = run_cli("solve", write_problem(UNDECIDED))
    assert code == 3
    assert "undecided" in out and "domain" in out
    no_traceback(out, err)


def test_usage_errors_are_exit_2(invoke):
    assert invoke("solve", "--bogus", SEED_1B)[0] == 2
    assert invoke("solve")[0] == 2
    assert invoke("nosuchcommand")[0] == 2
    assert invoke("solve", "--format", "xml", SEED_1B)[0] == 2


def test_missing_file_is_exit_2(invoke, tmp_path):
    code, out, err = invoke("solve", tmp_path / "nosuch.yaml")
    assert code == 2
    assert "nosuch.yaml" in err
    no_traceback(out, err)


# --- malformed files ------------------------------------------------------------------------------

MALFORMED = {
    # name: (bytes, line of the error, words the message must contain)
    "unknown-top-key": (b"inputs: [x]\nnodez: {f: x}\n", 2, ["nodez", "did you mean", "nodes"]),
    "duplicate-key": (b"inputs: [x]\nnodes:\n  f: x\n  f: 2*x\n", 4, ["f"]),
    "cycle": (b"inputs: [x]\nnodes:\n  a: b + x\n  b: c\n  c: a\n", (3, 4, 5), ["cycle", "a", "b", "c"]),
    "unknown-name": (b"inputs: [x]\nnodes:\n  f: x\n  g: f + zz\n", 4, ["zz"]),
    "missing-inputs": (b"nodes:\n  f: 2\n", 1, ["inputs"]),
    "bad-domain": (b"inputs:\n  x: {domain: postive}\nnodes:\n  f: x\n", 2, ["postive", "positive"]),
    "tab-indent": (b"inputs: [x]\nnodes:\n\tf: x\n", 3, []),
    "empty": (b"", 1, ["empty"]),
    "top-level-list": (b"- inputs: [x]\n", 1, ["list"]),
    "invalid-utf8": (b"inputs: [x]\nnodes:\n  f: \"x \xff\"\n", 3, ["UTF-8"]),
    "alias": (b"inputs: &a [x]\nnodes:\n  f: x\nclaims: *a\n", (1, 4), ["alias"]),
    "python-tag": (b"inputs: [x]\nnodes:\n  f: !!python/object/apply:os.system [\"touch CANARY\"]\n", 3, ["tag"]),
    "import": (b"inputs: [x]\nnodes:\n  f: __import__('os').system('touch CANARY')\n", 3, []),
    "dunder": (b"inputs: [x]\nnodes:\n  f: x.__class__\n", 3, ["__class__"]),
    "lambda": (b"inputs: [x]\nnodes:\n  f: \"lambda: 1\"\n", 3, ["lambda"]),
    "string": (b"inputs: [x]\nnodes:\n  f: \"'a'*10\"\n", 3, ["string"]),
    "shape-mismatch": (b"inputs: {x: {shape: [3]}, y: {shape: [2]}}\nnodes:\n  f: x + y\n", 3, ["vector[3]", "vector[2]"]),
    "bad-claim-key": (b"inputs: [x]\nnodes: {f: x}\nclaims:\n  - {wrt: x, iss: 1}\n", 4, ["iss", "is"]),
}
ERROR_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): error: (?P<message>.+)$", re.MULTILINE)


def assert_located(err: str, path, line, words):
    match = ERROR_LINE.search(err)
    assert match, err
    assert match["file"] == str(path)
    lines = line if isinstance(line, tuple) else (line,)
    assert int(match["line"]) in lines, err
    assert int(match["col"]) >= 1
    for word in words:
        assert word in match["message"], (word, err)


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_file(invoke, write_problem, tmp_path, monkeypatch, name):
    data, line, words = MALFORMED[name]
    monkeypatch.chdir(tmp_path)
    path = write_problem(data, f"{name}.yaml")
    code, out, err = invoke("solve", path)
    assert code == 2, out + err
    assert_located(err, path, line, words)
    no_traceback(out, err)
    assert not (tmp_path / "CANARY").exists()


def test_malformed_files_in_the_real_process(run_cli, write_problem, tmp_path):
    """`check` over every malformed file at once: one located error line each, exit 2, no traceback,
    and nothing in the files is ever executed."""
    # (a top-level list is skipped by `check` as "not a problem file"; `solve` reports it, above)
    paths = {name: write_problem(data, f"{name}.yaml") for name, (data, _, _) in MALFORMED.items()
             if name != "top-level-list"}
    code, out, err = run_cli("check", "--format", "text", *paths.values(), cwd=tmp_path)
    assert code == 2
    no_traceback(out, err)
    found = {m["file"]: m for m in ERROR_LINE.finditer(err)}
    for name, path in paths.items():
        _, line, words = MALFORMED[name]
        assert str(path) in found, (name, err)
        assert_located(found[str(path)].group(0), path, line, words)
    assert not (tmp_path / "CANARY").exists()
    assert not (REPO / "CANARY").exists()


def test_json_for_malformed_files(invoke, write_problem):
    paths = [write_problem(data, f"{name}.yaml") for name, (data, _, _) in MALFORMED.items()
             if name != "top-level-list"]
    code, out, err = invoke("check", "--format", "json", *paths)
    assert code == 2
    doc = json.loads(out)
    assert len(doc["problems"]) == len(paths)
    for problem in doc["problems"]:
        assert problem["exit"] == 2, problem
        assert {"line", "column", "message"} <= set(problem["error"])
        assert problem["error"]["line"] >= 1


# --- check: directories -------------------------------------------------------------------------


def test_check_empty_directory_is_exit_2(run_cli, tmp_path):
    code, out, err = run_cli("check", tmp_path)
    assert code == 2
    assert "no problem files" in err
    no_traceback(out, err)


def test_check_no_paths_is_exit_2(invoke):
    assert invoke("check")[0] == 2


def test_check_directory_with_good_and_bad_file(invoke, write_problem, tmp_path):
    good = write_problem(GOOD, "set/good.yaml")
    bad = write_problem(MALFORMED["cycle"][0], "set/sub/bad.yaml")
    code, out, err = invoke("check", tmp_path / "set")
    assert code == 2
    assert str(good) in out and str(bad) in out + err
    assert re.search(rf"^{re.escape(str(bad))}:\d+:\d+: error: .*cycle", err, re.MULTILINE), err
    assert re.search(r"^PASS\s+.*good\.yaml", out, re.MULTILINE), out
    no_traceback(out, err)


@pytest.mark.parametrize("files, expected", [
    ((GOOD, WRONG), 1), ((GOOD, UNDECIDED), 3), ((WRONG, UNDECIDED), 3), ((GOOD, EXPECTED_FAIL), 0),
    ((WRONG, CLAIM_ERROR), 2), ((UNDECIDED, CLAIM_ERROR), 3),
], ids=["0+1", "0+3", "1+3", "0+0", "1+2", "3+2"])
def test_check_highest_exit_code_wins(invoke, write_problem, files, expected):
    for i, text in enumerate(files):
        write_problem(text, f"set/p{i}.yaml")
    path = write_problem(files[0], "set/p0.yaml").parent
    code, out, err = invoke("check", path)
    assert code == expected, out + err
    assert out.count("set/p") >= 2
    no_traceback(out, err)


# --- stdin, pipes, start-up -------------------------------------------------------------------------


def test_solve_reads_stdin(run_cli):
    code, out, err = run_cli("solve", "-", input=WRONG)
    assert code == 1, err
    assert "proved" in out and "wrong" in out
    assert "counterexample" in out
    no_traceback(out, err)


def test_solve_reads_the_seed_from_stdin(invoke):
    code, out, err = invoke("solve", "-", input=SEED_1B.read_bytes())
    assert code == 0, err
    assert "48*x**2 + 16*x*y" in out and out.count("proved") == 11


def test_solve_stdin_error_is_located(invoke):
    code, out, err = invoke("solve", "-", input=b"inputs: [x]\nnodes:\n  f: x +\n")
    assert code == 2
    assert re.match(r"^(-|<stdin>|stdin):3:\d+: error: ", err), err


def test_help_does_not_import_sympy_or_numpy():
    code = ("import sys; from derivcheck.cli import main_group; from click.testing import CliRunner; "
            "r = CliRunner().invoke(main_group, ['--help']); assert r.exit_code == 0, r.output; "
            "print('sympy' in sys.modules, 'numpy' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=plain_env(), cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "False"]


def test_help_lists_the_commands(invoke):
    code, out, err = invoke("--help")
    assert code == 0
    for command in ("solve", "check", "steps", "schema"):
        assert command in out


def test_broken_pipe_prints_no_traceback():
    proc = subprocess.run(["bash", "-c", f"{sys.executable} -m derivcheck solve '{SEED_1B}' | head -1"],
                          capture_output=True, text=True, env=plain_env(), cwd=REPO)
    assert proc.stdout.count("\n") == 1
    assert "ex1b-dag-backprop.yaml" in proc.stdout
    no_traceback(proc.stdout, proc.stderr)
    assert "BrokenPipe" not in proc.stderr and "Exception ignored" not in proc.stderr


def test_schema_is_json(invoke):
    code, out, err = invoke("schema")
    assert code == 0
    schema = json.loads(out)
    assert "properties" in schema or "$defs" in schema


# --- solve on several files, hessian's sample point ------------------------------------------------

def test_solve_takes_several_files_in_the_order_given(invoke, write_problem):
    good, wrong = write_problem(GOOD, "good.yaml"), write_problem(WRONG, "wrong.yaml")
    code, out, err = invoke("solve", wrong, good)
    assert code == 1
    assert out.index(str(wrong)) < out.index(str(good))
    assert out.rstrip().splitlines()[-1] == "2 problems, 3 claims, 2 proved, 1 wrong — exit 1"
    code, out, err = invoke("solve", "--format", "json", good, wrong)
    assert [p["file"] for p in json.loads(out)["problems"]] == [str(good), str(wrong)]


def test_solve_shows_a_load_error_on_stdout_too(invoke, write_problem):
    path = write_problem("inputs: [x]\nnodes: {f: x**2}\nclaim: []\n")
    code, out, err = invoke("solve", path)
    assert code == 2
    assert f"{path}:3:1: error: unknown key 'claim'" in out
    assert f"{path}:3:1: error: unknown key 'claim'" in err


def test_hessian_says_at_which_sample_point(invoke, write_problem):
    path = write_problem("inputs: [x, y]\nnodes: {f: x**3*y}\n")
    code, out, err = invoke("hessian", path, "--of", "f", "--wrt", "x", "--seed", "3")
    assert code == 0, err
    head, diagonal = out.splitlines()[:2]
    point = dict(part.split(" = ") for part in head.split(": at ", 1)[1].split(", "))
    assert set(point) == {"x", "y"}
    x, y = float(point["x"]), float(point["y"])
    assert diagonal.startswith("  diag ∂²f/∂x² = ")
    shown = float(diagonal.split(" = ")[1])
    assert shown == pytest.approx(6 * x * y, rel=1e-5)  # ∂²(x³y)/∂x² at the point shown
