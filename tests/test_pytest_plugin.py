"""The pytest plugin (issue 6, acceptance 2): `pytest --derivcheck DIR` collects problem files,
one item per claim named after it; without the flag no problem file is collected.

Each case runs pytest in a subprocess on a copy of the fixture set, as a user would.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ECO = ROOT / "tests" / "fixtures" / "ecosystem"


def run_pytest(cwd: Path, *args, verbose: bool = True) -> tuple[int, str]:
    env = dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8", PY_COLORS="0")
    env.pop("PYTEST_ADDOPTS", None)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rN",
                           *(["-v"] if verbose else []), *args],
                          cwd=cwd, capture_output=True, text=True, env=env, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def outcomes(output: str) -> dict:
    """nodeid → PASSED/FAILED, from pytest -v lines."""
    found = {}
    for line in output.splitlines():
        m = re.match(r"^(\S.*?) (PASSED|FAILED|ERROR|SKIPPED)\b", line)
        if m and "::" in m.group(1):
            found[m.group(1)] = m.group(2)
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A project with its own Python test, problem files (passing, one wrong claim, one broken)
    and YAML that is not a problem."""
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(ECO, root / "problems")
    (root / "tests").mkdir()
    (root / "tests" / "test_own.py").write_text("def test_own():\n    assert True\n")
    (root / "pytest.ini").write_text("[pytest]\n")
    return root


def test_the_plugin_is_registered_through_the_pytest11_entry_point():
    from importlib.metadata import entry_points

    found = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert found.get("derivcheck") == "derivcheck.pytest_plugin"


def test_importing_the_plugin_imports_nothing_heavy():
    code = ("import sys, derivcheck.pytest_plugin\n"
            "print(sorted(m for m in ('numpy', 'sympy', 'mpmath', 'derivcheck.verdict.verify', 'derivcheck.lang.build', 'rich')"
            " if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stderr


def test_without_the_flag_no_problem_file_is_collected(project):
    code, out = run_pytest(project, "--collect-only", "-q", ".", verbose=False)
    assert code == 0, out
    assert "tests/test_own.py::test_own" in out
    assert ".yaml" not in out and "1 test collected" in out


def test_with_the_flag_one_item_per_claim_named_after_it(project):
    code, out = run_pytest(project, "--derivcheck", "problems", "tests")
    assert code == 1, out  # the wrong claim and the broken file fail
    assert outcomes(out) == {
        "problems/broken/typo.yaml::load": "FAILED",
        "problems/fail/ok.yaml::claim 1": "PASSED",
        "problems/fail/wrong.yaml::df/dx": "PASSED",
        "problems/fail/wrong.yaml::df/dy is wrong": "FAILED",
        "problems/fail/wrong.yaml::claim 3": "PASSED",
        "problems/pass/chain.yaml::dl/dx": "PASSED",
        "problems/pass/chain.yaml::dl/dh2 (latex)": "PASSED",
        "problems/pass/chain.yaml::forgets the path through h3": "PASSED",
        "problems/pass/quadform.yaml::gradient of a quadratic form": "PASSED",
        "tests/test_own.py::test_own": "PASSED",
    }
    # the failure shows the claim's report: where, verdict, counterexample
    failure = out.split("_ wrong.yaml::df/dy is wrong ", 1)[1]
    assert "problems/fail/wrong.yaml:10:5: derivcheck: wrong" in failure
    assert "∂f/∂y = 2*x" in failure and "counterexample: x = " in failure and "true derivative: x**2" in failure
    # a file that fails to load: one failing item with the located error
    load = out.split("_ typo.yaml::load ", 1)[1]
    assert "problems/broken/typo.yaml:5:1: error: unknown key 'claim'" in load
    assert "Traceback" not in out


def test_a_passing_problem_set_passes_and_the_ini_setting_turns_collection_on(project):
    ini = project / "ini"
    ini.mkdir()
    shutil.copytree(project / "problems" / "pass", ini / "problems")
    (ini / "pytest.ini").write_text("[pytest]\nderivcheck = true\n")
    code, out = run_pytest(ini, ".")
    assert code == 0, out
    assert "4 passed" in out
    assert "problems/pass/chain.yaml::dl/dx PASSED" in out or "problems/chain.yaml::dl/dx PASSED" in out


def test_results_are_reused_from_the_cache_with_the_same_outcomes(project, tmp_path, monkeypatch):
    monkeypatch.delenv("DERIVCHECK_NO_CACHE", raising=False)
    monkeypatch.setenv("DERIVCHECK_CACHE_DIR", str(tmp_path / "cache"))
    first = run_pytest(project, "--derivcheck", "problems")
    entries = sorted((tmp_path / "cache" / "v1").glob("*.json"))
    assert len(entries) == 5  # every problem file's result (the broken one's located error too)
    stamps = [entry.stat().st_mtime_ns for entry in entries]
    second = run_pytest(project, "--derivcheck", "problems")
    assert outcomes(second[1]) == outcomes(first[1]) and second[0] == first[0] == 1
    assert [entry.stat().st_mtime_ns for entry in sorted((tmp_path / "cache" / "v1").glob("*.json"))] == stamps
