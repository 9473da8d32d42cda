"""The pre-commit hook (.pre-commit-hooks.yaml): run its entry the way pre-commit does — the
entry's words, the hook's args, then the staged file names that match `files` — without
needing pre-commit itself."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ECO = ROOT / "tests" / "fixtures" / "ecosystem"


@pytest.fixture(scope="module")
def hook() -> dict:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    (found,) = [h for h in hooks if h["id"] == "derivcheck"]
    return found


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A problem-set repository: problems, a workflow, its own pre-commit config, a README."""
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(ECO, root / "problems")
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text("name: ci\non: [push]\njobs: {check: {runs-on: ubuntu-latest}}\n")
    (root / ".pre-commit-config.yaml").write_text("repos:\n  - repo: local\n    hooks: []\n")
    (root / "README.md").write_text("# problems\n")
    return root


def run_hook(hook: dict, repo: Path, staged: list) -> tuple[int, str]:
    """pre-commit's way: only files matching `files` (and not `exclude`), passed after the entry
    and args, all in one call (require_serial)."""
    files = [f for f in staged if re.search(hook.get("files", ""), f)
             and not (hook.get("exclude") and re.search(hook["exclude"], f))]
    if not files:
        return 0, "(hook not run: no matching file)"
    command = shlex.split(hook["entry"]) + list(hook.get("args", [])) + files
    if shutil.which(command[0]) is None:  # not installed on PATH: the same program, via python -m
        command = [sys.executable, "-m", "derivcheck"] + command[1:]
    env = dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8")
    proc = subprocess.run(command, cwd=repo, capture_output=True, text=True, env=env, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def test_the_hook_is_declared_for_yaml_files(hook):
    assert hook["entry"].split()[:2] == ["derivcheck", "check"]
    assert hook["language"] == "python"
    assert hook.get("pass_filenames", True) is True
    assert hook.get("require_serial") is True  # one call; derivcheck parallelises itself
    for name in ("problems/a.yaml", "b.yml", ".pre-commit-config.yaml"):
        assert re.search(hook["files"], name)
    for name in ("README.md", "a.yaml.bak", "setup.py"):
        assert not re.search(hook["files"], name)


def test_staged_passing_problems_and_other_yaml_pass(hook, repo):
    staged = ["problems/pass/chain.yaml", "problems/pass/quadform.yaml", "problems/pass/mkdocs.yml",
              ".pre-commit-config.yaml", ".github/workflows/ci.yml", "README.md"]
    code, out = run_hook(hook, repo, staged)
    assert code == 0, out
    assert "Traceback" not in out


def test_a_staged_wrong_claim_stops_the_commit_with_its_report(hook, repo):
    code, out = run_hook(hook, repo, ["problems/fail/ok.yaml", "problems/fail/wrong.yaml", ".pre-commit-config.yaml"])
    assert code == 1, out
    assert "problems/fail/wrong.yaml" in out and "df/dy is wrong" in out and "counterexample" in out
    assert "PASS " not in out  # the hook is quiet: failures and the summary


def test_a_staged_broken_problem_stops_the_commit_with_its_position(hook, repo):
    code, out = run_hook(hook, repo, ["problems/broken/typo.yaml"])
    assert code == 2, out
    assert "problems/broken/typo.yaml:5:1: error: unknown key 'claim'" in out


def test_a_commit_that_stages_no_problem_file_passes(hook, repo):
    code, out = run_hook(hook, repo, [".pre-commit-config.yaml", ".github/workflows/ci.yml"])
    assert code == 0, out
