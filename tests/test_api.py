"""The Python API (derivcheck/api.py) and its documented example in docs/ci.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from derivcheck import api

ROOT = Path(__file__).resolve().parent.parent
ECO = ROOT / "tests" / "fixtures" / "ecosystem"
DOC = ROOT / "docs" / "ci.md"

TEXT = """\
inputs: [x, y]
nodes:
  f: x**2 * y
claims:
  - {name: df/dx, wrt: x, is: 2*x*y}
  - {name: df/dy, wrt: y, is: 2*x*y}
  - {wrt: y, is: x**2}
"""


def test_the_documented_example_runs(monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert blocks, "docs/ci.md has no python example"
    monkeypatch.chdir(ROOT)
    exec(compile(blocks[0], str(DOC), "exec"), {"__name__": "__docs__"})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "0"
    assert out[1] == "{'claim 1': 'proved', 'the same claim in LaTeX': 'proved'}"
    assert out[2].startswith("df/dy wrong {'x': ")


def test_load_from_a_path_a_pathlib_path_and_text():
    for source in (str(ECO / "pass" / "chain.yaml"), ECO / "pass" / "chain.yaml"):
        problem = api.load(source)
        assert isinstance(problem, api.Problem)
        assert problem.id == "eco-chain" and len(problem.claims) == 3
    problem = api.load(TEXT)
    assert [n for n, _ in problem.nodes] == ["f"] and problem.path == "<text>"
    assert api.load(TEXT.encode("utf-8")).claims[0].name == "df/dx"


def test_load_raises_a_located_error_on_bad_input():
    with pytest.raises(api.ProblemError) as info:
        api.load(ECO / "broken" / "typo.yaml")
    assert (info.value.line, info.value.col) == (5, 1)
    assert "unknown key 'claim'" in info.value.message
    with pytest.raises(FileNotFoundError):
        api.load("no/such/file.yaml")


def test_check_a_problem_a_path_or_text_gives_the_cli_verdicts():
    expected = {"dl/dx": "proved", "dl/dh2 (latex)": "proved", "forgets the path through h3": "expected-fail"}
    path = ECO / "pass" / "chain.yaml"
    for source in (api.load(path), path, str(path), path.read_text()):
        result = api.check(source)
        assert isinstance(result, api.ProblemResult)
        assert api.verdicts(result) == expected
        assert result.exit_code == 0 and api.failures(result) == []


def test_verdicts_names_unnamed_claims_and_failures_carry_the_report():
    result = api.check(TEXT, seed=7, samples=4)
    assert api.verdicts(result) == {"df/dx": "proved", "df/dy": "wrong", "claim 3": "proved"}
    assert result.exit_code == 1
    (wrong,) = api.failures(result)
    assert isinstance(wrong, api.ClaimResult)
    assert wrong.name == "df/dy" and wrong.truth_text == "x**2"
    assert set(wrong.counterexample.point) == {"x", "y"}


def test_duplicate_names_stay_apart():
    text = "inputs: [x]\nnodes: {f: x**2}\nclaims:\n  - {name: g, wrt: x, is: 2*x}\n  - {name: g, wrt: x, is: x}\n"
    assert api.verdicts(api.check(text)) == {"g": "proved", "g #2": "wrong"}


def test_check_never_raises_for_a_bad_problem():
    result = api.check(ECO / "broken" / "typo.yaml")
    assert result.exit_code == 2 and result.error["line"] == 5
    result = api.check("inputs: [x]\nnodes: {f: x + }\n")
    assert result.exit_code == 2 and "syntax" in result.error["message"]
    problem = api.load("inputs: [x]\nnodes: {f: y}\n")  # loads, but does not build
    result = api.check(problem)
    assert result.exit_code == 2 and "unknown name 'y'" in result.error["message"]


def test_seed_is_deterministic():
    a = api.check(TEXT, seed=3)
    b = api.check(TEXT, seed=3)
    assert a.claims[1].counterexample == b.claims[1].counterexample


def _check_in_a_daemon(text: str) -> str:
    from derivcheck import api

    return api.check(text).claims[0].verdict


def test_check_works_inside_a_multiprocessing_pool():
    """A grader's Pool worker is a daemon, which cannot start derivcheck's workers: it checks in-process."""
    import multiprocessing

    text = "inputs: [x]\nnodes: {f: x**3}\nclaims: [{wrt: x, is: 3*x**2}]\n"
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_check_in_a_daemon, (text,)) == "proved"
