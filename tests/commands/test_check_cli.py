"""`derivcheck check` at scale (issue 6): discovery, parallel and deterministic output, shards,
--fail-fast, --quiet, --allow-empty, JSON, exit codes (SPEC §3).

Most runs are in-process (click's CliRunner, workers forked warm); a few go through the real
`derivcheck` entry point in a subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ECO = ROOT / "tests" / "fixtures" / "ecosystem"
PASS, FAIL, BROKEN = ECO / "pass", ECO / "fail", ECO / "broken"


@pytest.fixture(scope="module", autouse=True)
def warm():
    """Check the fixtures once in this process, so that the forked workers start with sympy's
    caches warm (each run then takes a fraction of a second)."""
    from derivcheck.runner import run_file

    for path in sorted(ECO.rglob("*.yaml")):
        run_file(str(path))


def cli(*args, cwd: Path | None = None, input: str | None = None):
    """(exit code, stdout, stderr) of `derivcheck ARGS`, in-process."""
    from click.testing import CliRunner

    import derivcheck.verdict.verify  # noqa: F401  (sympy loaded once: forked workers start warm)
    from derivcheck.cli import main_group

    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:  # click >= 8.2 keeps stderr apart already
        runner = CliRunner()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = runner.invoke(main_group, [str(a) for a in args], env={"NO_COLOR": "1"}, input=input)
    finally:
        os.chdir(old)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def status_lines(out: str) -> list:
    return [line for line in out.splitlines() if line.split(" ", 1)[0] in ("PASS", "FAIL", "ERROR", "UNDECIDED", "INTERNAL")]


def env_plain() -> dict:
    env = dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8")
    env.pop("FORCE_COLOR", None)
    return env


# --- which files are problems ------------------------------------------------------------

@pytest.mark.parametrize("name, text, is_problem", [
    ("p.yaml", "inputs: [x]\nnodes: {f: x}\n", True),
    ("net.yaml", "network: {sizes: [2, 1]}\n", True),
    ("v.yml", "derivcheck: 1\n", True),
    ("empty.yaml", "", True),                                   # an empty file is an error, never skipped
    ("comments.yaml", "# nothing yet\n", True),
    ("typo.yaml", "input: [x]\nnode: {f: x}\nclaim: []\n", True),  # misspelt keys: reported, not skipped
    ("broken.yaml", "inputs: [x\nnodes: {f: x}\n", True),       # unreadable, but clearly a problem
    ("list.yaml", "- id: hook\n  entry: true\n", False),        # .pre-commit-hooks.yaml style
    ("workflow.yml", "name: ci\non: [push]\njobs: {a: {runs-on: x}}\n", False),
    ("compose.yml", "services: {db: {image: x}}\nnetworks: {n: {}}\n", False),
    ("config.yaml", "repos:\n  - repo: local\n", False),
    ("notes.yaml", "notes: just notes\ntitle: hello\n", False),
    ("helm.yaml", "a: {{ .Values.x }\n", False),                # unreadable, no problem keys
    ("scalar.yaml", "hello\n", False),
])
def test_problem_file_rule(tmp_path, name, text, is_problem):
    from derivcheck.discover import classify

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert (classify(str(path)) is None) == is_problem


def test_discovery_is_recursive_sorted_and_skips_hidden_folders(tmp_path):
    from derivcheck.discover import discover

    for rel in ("b/z.yaml", "a/y.yml", "a/x.yaml", ".hidden/h.yaml", "node_modules/n.yaml", "c/readme.md"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("inputs: [x]\nnodes: {f: x}\n")
    files, notices = discover([str(tmp_path), str(tmp_path / "a" / "x.yaml")])
    assert [Path(f).relative_to(tmp_path).as_posix() for f in files] == ["a/x.yaml", "a/y.yml", "b/z.yaml"]
    assert notices == []


def test_non_problem_yaml_is_skipped_with_a_notice_not_an_error():
    code, out, err = cli("check", PASS)
    assert code == 0
    assert "skipped" in err and "mkdocs.yml" in err and ".pre-commit-hooks.yaml" in err
    assert "mkdocs" not in out
    assert len(status_lines(out)) == 2


# --- exit codes ---------------------------------------------------------------------------

def test_exit_codes_pass_wrong_broken_and_highest_wins():
    assert cli("check", PASS)[0] == 0
    code, out, _ = cli("check", FAIL)
    assert code == 1
    assert "FAIL" in out and "df/dy is wrong" in out and "counterexample" in out
    code, out, err = cli("check", BROKEN)
    assert code == 2
    assert "typo.yaml:5:1: error: unknown key 'claim'" in err
    assert cli("check", PASS, FAIL, BROKEN)[0] == 2


def test_empty_run_is_exit_2_unless_allow_empty(tmp_path):
    (tmp_path / "workflow.yml").write_text("on: [push]\njobs: {}\n")
    code, _, err = cli("check", tmp_path)
    assert code == 2 and "no problem files" in err
    assert cli("check")[0] == 2
    code, _, err = cli("check", tmp_path, "--allow-empty")
    assert code == 0 and "nothing to check" in err
    (tmp_path / "empty.yaml").write_text("")
    code, _, err = cli("check", tmp_path, "--allow-empty")  # an empty problem file is still an error
    assert code == 2 and "empty.yaml" in err


def test_stdin_is_read_once_in_the_parent():
    code, out, _ = cli("check", "-", PASS, input=(FAIL / "wrong.yaml").read_text())
    assert code == 1
    assert ["FAIL", "-"] in [line.split()[:2] for line in status_lines(out)]


def test_missing_path_is_exit_2():
    code, out, err = cli("check", ECO / "no-such-folder")
    assert code == 2
    assert "no-such-folder" in out + err


# --- parallel, deterministic, shards ----------------------------------------------------------

def test_jobs_give_the_same_output_in_the_same_sorted_order():
    """Text streams each problem's line as it is decided (in any order with several jobs, sorted
    with one); the JSON document is the same, in sorted order, whatever the number of jobs."""
    _, one, _ = cli("check", ECO, "--jobs", "1")
    _, two, _ = cli("check", ECO, "--jobs", "2")
    assert sorted(one.splitlines()) == sorted(two.splitlines())
    assert one.splitlines()[-1] == two.splitlines()[-1]  # the summary comes last
    files = [line.split()[1] for line in status_lines(one)]
    assert files == sorted(files) and len(files) == 5
    _, one, _ = cli("check", ECO, "--jobs", "1", "--format", "json")
    _, two, _ = cli("check", ECO, "--jobs", "2", "--format", "json")
    assert one == two
    files = [p["file"] for p in json.loads(one)["problems"]]
    assert files == sorted(files) and len(files) == 5


def test_shards_cover_every_file_exactly_once():
    _, whole, _ = cli("check", ECO)
    all_files = [line.split()[1] for line in status_lines(whole)]
    seen = []
    for k in (1, 2, 3):
        _, out, _ = cli("check", ECO, "--shard", f"{k}/3")
        seen += [line.split()[1] for line in status_lines(out)]
    assert sorted(seen) == sorted(all_files) and len(seen) == len(set(seen))


@pytest.mark.parametrize("bad", ["0/2", "3/2", "1/0", "x", "1/2/3", "-1/2", "1/"])
def test_bad_shard_exits_2_with_a_message(bad):
    code, out, err = cli("check", ECO, "--shard", bad)
    assert code == 2
    assert "--shard" in err and "Traceback" not in err


def test_a_shard_without_files_is_an_empty_run():
    code, _, err = cli("check", PASS, "--shard", "3/3")
    assert code == 2 and "shard 3/3" in err
    assert cli("check", PASS, "--shard", "3/3", "--allow-empty")[0] == 0


# --- --fail-fast, --quiet, json ----------------------------------------------------------------

def test_fail_fast_stops_after_the_first_failing_problem_and_reports_what_ran():
    code, out, _ = cli("check", ECO, "--fail-fast", "--jobs", "1")
    assert code == 2
    assert [line.split()[1] for line in status_lines(out)] == [str(BROKEN / "typo.yaml")]
    assert "4 problem files not checked" in out
    code, out, _ = cli("check", ECO, "--fail-fast", "--jobs", "1", "--format", "json")
    doc = json.loads(out)
    assert len(doc["problems"]) == 1 and len(doc["summary"]["not_checked"]) == 4
    assert cli("check", PASS, "--fail-fast")[0] == 0


def test_quiet_prints_only_failures_and_the_summary():
    code, out, err = cli("check", PASS, FAIL, "--quiet")
    assert code == 1
    assert [line.split()[0] for line in status_lines(out)] == ["FAIL"]
    assert "df/dy is wrong" in out
    assert out.strip().splitlines()[-1].startswith("4 problems")
    assert "skipped" not in err


def test_json_is_one_document_with_spec_keys():
    code, out, _ = cli("check", ECO, "--format", "json")
    doc = json.loads(out)
    assert code == 2 and doc["summary"]["exit"] == 2
    by_file = {Path(p["file"]).name: p for p in doc["problems"]}
    assert set(by_file) == {"typo.yaml", "ok.yaml", "wrong.yaml", "chain.yaml", "quadform.yaml"}
    assert by_file["typo.yaml"]["error"]["line"] == 5
    wrong = [c for c in by_file["wrong.yaml"]["claims"] if c["verdict"] == "wrong"]
    assert [c["name"] for c in wrong] == ["df/dy is wrong"]
    assert {"index", "name", "of", "wrt", "verdict", "max_rel_error", "counterexample"} <= set(wrong[0])


def test_true_derivative_text_where_each_format_shows_it():
    """Text prints the true derivative under a claim that does not pass (and only there, so check
    does not build it for the others); JSON carries it for every claim."""
    code, out, _ = cli("check", FAIL / "wrong.yaml")
    assert code == 1
    assert out.count("true derivative:") == 1 and "true derivative: x**2" in out
    _, out, _ = cli("check", FAIL / "wrong.yaml", "--format", "json")
    claims = json.loads(out)["problems"][0]["claims"]
    assert [c["true"] for c in claims] == ["2*x*y", "x**2", "2*y"]


def test_no_progress_bar_when_stderr_is_not_a_terminal():
    _, _, err = cli("check", PASS)
    assert "checking" not in err and "━" not in err


# --- through the real entry point --------------------------------------------------------------

def test_entry_point_exit_code_and_no_traceback(tmp_path):
    shutil.copy(FAIL / "wrong.yaml", tmp_path / "wrong.yaml")
    (tmp_path / "bad.yaml").write_text("inputs: [x]\nnodes: {f: x +}\n")
    proc = subprocess.run(["derivcheck", "check", str(tmp_path), "--jobs", "2"], capture_output=True,
                          text=True, env=env_plain(), timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "bad.yaml:2:" in proc.stderr
    assert "FAIL" in proc.stdout and "df/dy is wrong" in proc.stdout


def test_help_lists_the_new_commands_without_importing_numpy_or_sympy():
    code = ("import sys\nfrom derivcheck.cli import main_group\n"
            "try:\n    main_group.main(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('numpy', 'sympy') if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().splitlines()[-1] == "[]"
    for command in ("check", "new", "grad", "schema"):
        assert f"  {command}" in proc.stdout


# --- streaming, notices, --require-claims ---------------------------------------------------------

def test_a_load_error_reason_is_on_stdout_under_its_line():
    code, out, err = cli("check", BROKEN)
    assert code == 2
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("ERROR"))
    assert "unknown key 'claim'" in lines[at + 1]
    assert "typo.yaml:5:1: error: unknown key 'claim'" in err  # located, for editors


def test_a_file_without_claims_is_a_visible_notice_and_require_claims_fails_it(tmp_path):
    (tmp_path / "bare.yaml").write_text("inputs: [x, y]\nnodes: {f: x**2*y}\n")
    code, out, _ = cli("check", tmp_path)
    assert code == 0
    assert "nothing claimed: derived ∂f/∂x, ∂f/∂y" in status_lines(out)[0]
    code, out, err = cli("check", "--require-claims", tmp_path)
    assert code == 2
    assert status_lines(out)[0].startswith("ERROR")
    assert "nothing claimed: the problem has no claims (--require-claims)" in out


def test_ctrl_c_shows_the_problems_that_finished(tmp_path):
    """A line per problem is printed as it is decided; Ctrl-C ends the run (exit 130) with what finished."""
    import signal
    import time

    (tmp_path / "a-quick.yaml").write_text("inputs: [x]\nnodes: {f: x**2}\nclaims: [{wrt: x, is: 2*x}]\n")
    (tmp_path / "b-slow.yaml").write_text("inputs:\n  X: {shape: [6, 6], domain: invertible}\ncheck: {samples: 1000}\n"
                                          "nodes: {f: logdet(X)}\nclaims: [{wrt: X, is: inv(X).T}]\n")
    proc = subprocess.Popen([sys.executable, "-m", "derivcheck", "check", "--jobs", "1", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env_plain(), cwd=ROOT)
    first = proc.stdout.readline().decode()
    assert first.startswith("PASS") and "a-quick.yaml" in first  # printed before the slow file is done
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    out = out.decode()
    assert "interrupted (Ctrl-C): 1 of 2 problem files checked" in out
    assert out.rstrip().endswith("1 problem, 1 claims, 1 proved — exit 0")
    assert b"Traceback" not in err
