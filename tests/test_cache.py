"""The result cache of `derivcheck check` and `solve`: reused only when nothing a verdict depends on changed.

Whether a run was served from the cache is observable in the JSON summary (`cached`) and in
a notice on stderr, never by timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO, plain_env

RIGHT = """\
inputs: [x, y]
nodes: {f: x**2*y}
claims:
  - {wrt: x, is: 2*x*y}
"""
WRONG = """\
inputs: [x]
nodes: {f: x**3}
claims:
  - {wrt: x, is: 3*x}
"""
UNDECIDED = """\
inputs:
  x: {domain: positive}
nodes: {f: log(-x)}
claims:
  - {wrt: x, is: 1/x}
"""


@pytest.fixture
def cached(tmp_path, monkeypatch, invoke):
    """cached(*args) -> (exit code, JSON document, stderr of a text run) of `check` with the cache on."""
    monkeypatch.delenv("DERIVCHECK_NO_CACHE", raising=False)
    monkeypatch.setenv("DERIVCHECK_CACHE_DIR", str(tmp_path / "cache"))

    def run(*args):
        code, out, _ = invoke("check", "--jobs", "1", "--format", "json", *args)
        return code, json.loads(out)

    return run


def files(tmp_path, **texts) -> list:
    folder = tmp_path / "problems"
    folder.mkdir(exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return [str(folder / f"{name}.yaml") for name in texts]


def without_cached(document: dict) -> dict:
    return {**document, "summary": {k: v for k, v in document["summary"].items() if k != "cached"}}


def test_a_second_run_is_served_from_the_cache_with_the_same_results(tmp_path, cached):
    paths = files(tmp_path, right=RIGHT, wrong=WRONG)
    first_code, first = cached(*paths)
    second_code, second = cached(*paths)
    assert (first["summary"]["cached"], second["summary"]["cached"]) == (0, 2)
    assert first_code == second_code == 1
    assert without_cached(first) == without_cached(second)
    wrong = second["problems"][1]["claims"][0]
    assert wrong["verdict"] == "wrong" and wrong["counterexample"]["claimed"] is not None


def test_a_changed_byte_misses(tmp_path, cached):
    (path,) = files(tmp_path, right=RIGHT)
    cached(path)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(" ")
    assert cached(path)[1]["summary"]["cached"] == 0
    assert cached(path)[1]["summary"]["cached"] == 1


@pytest.mark.parametrize("option", [("--seed", "7"), ("--samples", "9"), ("--timeout", "30")])
def test_a_changed_option_misses_and_the_same_option_hits(tmp_path, cached, option):
    (path,) = files(tmp_path, right=RIGHT)
    cached(path)
    assert cached(path, *option)[1]["summary"]["cached"] == 0
    assert cached(path, *option)[1]["summary"]["cached"] == 1


SHEET = "```derivcheck\ninputs: [x]\nnodes: {f: x**3}\n```\n\n$$\\frac{df}{dx} = 3x^2$$\n\n$$\\frac{df}{dx} = 3x$$\n"


def test_a_sheet_is_cached_too_and_a_changed_sheet_misses(tmp_path, cached):
    sheet = tmp_path / "notes.md"
    sheet.write_text(SHEET, encoding="utf-8")
    first_code, first = cached("--sheets", sheet)
    second_code, second = cached("--sheets", sheet)
    assert (first["summary"]["cached"], second["summary"]["cached"]) == (0, 1)
    assert first_code == second_code == 1
    assert without_cached(first) == without_cached(second)
    assert [c["verdict"] for c in second["problems"][0]["claims"]] == ["proved", "wrong"]
    sheet.write_text(SHEET.replace("3x$$", "3x^2$$"), encoding="utf-8")
    code, third = cached("--sheets", sheet)
    assert code == 0 and third["summary"]["cached"] == 0


def test_the_same_bytes_under_another_name_miss(tmp_path, cached):
    """The id, and so the seed, comes from the file name."""
    first, second = files(tmp_path, one=RIGHT, two=RIGHT)
    cached(first)
    assert cached(second)[1]["summary"]["cached"] == 0


def test_no_cache_neither_reads_nor_writes(tmp_path, cached):
    (path,) = files(tmp_path, right=RIGHT)
    cached(path, "--no-cache")
    assert not (tmp_path / "cache").exists()
    cached(path)
    assert cached(path, "--no-cache")[1]["summary"]["cached"] == 0


def test_a_code_change_misses(tmp_path, cached, monkeypatch):
    import derivcheck.cache

    (path,) = files(tmp_path, right=RIGHT)
    cached(path)
    monkeypatch.setattr(derivcheck.cache, "_environment", "another derivcheck")
    assert cached(path)[1]["summary"]["cached"] == 0


def test_a_corrupt_or_foreign_entry_is_ignored(tmp_path, cached):
    (path,) = files(tmp_path, wrong=WRONG)
    cached(path)
    (entry,) = (tmp_path / "cache" / "v1").glob("*.json")
    key = json.loads(entry.read_text())["key"]
    for text in ("{not json", "[]", json.dumps({"key": "0" * 64, "result": {}}),
                 json.dumps({**json.loads(entry.read_text()), "key": "forged"}),
                 json.dumps({"key": key, "result": {"$": "Popen", "fields": {"args": ["true"]}}}),
                 json.dumps({"key": key, "result": {"$": "tuple", "items": []}})):
        entry.write_text(text)
        code, document = cached(path)
        assert (code, document["summary"]["cached"]) == (1, 0)
        assert document["problems"][0]["claims"][0]["verdict"] == "wrong"


def test_undecided_results_are_not_cached(tmp_path, cached):
    (path,) = files(tmp_path, undecided=UNDECIDED)
    assert cached(path)[0] == 3
    code, document = cached(path)
    assert (code, document["summary"]["cached"]) == (3, 0)


def test_ci_runs_use_the_cache_too(tmp_path, cached, monkeypatch):
    """Decided: CI=true changes nothing, so a CI job that keeps .derivcheck_cache/ re-runs fast."""
    monkeypatch.setenv("CI", "true")
    (path,) = files(tmp_path, right=RIGHT)
    cached(path)
    assert cached(path)[1]["summary"]["cached"] == 1


def test_text_output_is_unchanged_and_a_notice_goes_to_stderr(tmp_path, monkeypatch, invoke):
    monkeypatch.delenv("DERIVCHECK_NO_CACHE", raising=False)
    monkeypatch.setenv("DERIVCHECK_CACHE_DIR", str(tmp_path / "cache"))
    paths = files(tmp_path, right=RIGHT, wrong=WRONG)
    _, first, first_err = invoke("check", "--jobs", "1", *paths)
    _, second, second_err = invoke("check", "--jobs", "1", *paths)
    assert first == second
    assert "reused" not in first_err
    assert second_err.splitlines()[-1] == (f"derivcheck: 2 of 2 results reused from {tmp_path / 'cache'}/ "
                                           "(--no-cache checks every file again)")


def test_default_folder_ignores_itself_in_git(tmp_path, monkeypatch, invoke):
    monkeypatch.delenv("DERIVCHECK_NO_CACHE", raising=False)
    monkeypatch.delenv("DERIVCHECK_CACHE_DIR", raising=False)
    (path,) = files(tmp_path, right=RIGHT)
    monkeypatch.chdir(tmp_path)
    invoke("check", "--jobs", "1", path)
    folder = tmp_path / ".derivcheck_cache"
    assert (folder / ".gitignore").read_text() == "*\n"
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_parallel_writers_leave_whole_entries(tmp_path):
    paths = files(tmp_path, right=RIGHT, wrong=WRONG)
    env = plain_env(DERIVCHECK_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("DERIVCHECK_NO_CACHE")
    command = [sys.executable, "-m", "derivcheck", "check", "--jobs", "2", "--format", "json", *paths]
    runs = [subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE) for _ in range(3)]
    outputs = [json.loads(run.communicate(timeout=300)[0]) for run in runs]
    final = json.loads(subprocess.run(command, cwd=REPO, env=env, capture_output=True, timeout=300).stdout)
    assert final["summary"]["cached"] == 2
    assert all(without_cached(out) == without_cached(final) for out in outputs)
    assert sorted(p.suffix for p in (tmp_path / "cache" / "v1").iterdir()) == [".json", ".json"]


def test_solve_reuses_its_result_with_the_same_output(tmp_path, monkeypatch, invoke):
    """Steps, closed forms and the first wrong step come back from the cache exactly as computed."""
    monkeypatch.delenv("DERIVCHECK_NO_CACHE", raising=False)
    monkeypatch.setenv("DERIVCHECK_CACHE_DIR", str(tmp_path / "cache"))
    path = str(REPO / "problems" / "seed" / "ex1b-dag-backprop.yaml")
    first = invoke("solve", path)
    second = invoke("solve", path)
    assert first[0] == second[0] == 0 and first[1] == second[1] and "∂" in second[1]
    assert "reused" not in first[2]
    assert second[2].splitlines()[-1] == (f"derivcheck: 1 of 1 results reused from {tmp_path / 'cache'}/ "
                                          "(--no-cache checks every file again)")
    assert invoke("solve", path, "--no-cache")[1:] == (first[1], "")
    for count, fmt in enumerate(("json", "latex"), 2):  # another format shows other things: its own entry
        out = invoke("solve", path, "--format", fmt)[1]
        assert len(list((tmp_path / "cache" / "v1").glob("*.json"))) == count
        assert out == invoke("solve", path, "--format", fmt)[1] == invoke("solve", path, "--format", fmt, "--no-cache")[1]


def test_solve_and_check_never_answer_each_other(tmp_path, cached, invoke):
    paths = files(tmp_path, right=RIGHT, wrong=WRONG)
    invoke("solve", *paths)
    code, document = cached(*paths)
    assert (code, document["summary"]["cached"]) == (1, 0)
    invoke("solve", *paths, "--format", "json")
    assert len(list((tmp_path / "cache" / "v1").glob("*.json"))) == 6  # 2 files × solve, check, solve --format json


def test_a_result_whose_steps_were_cut_off_is_not_kept():
    """When the steps hit their deadline the worker is replaced and the claims come back without them;
    on a faster machine the steps would be there, so such a result is not reproducible."""
    from derivcheck.cache import reproducible
    from derivcheck.results import ClaimResult, ProblemResult

    claim = ClaimResult(index=0, name="c", of="f", wrt=["x"], verdict="proved", passed=True)
    cut = ProblemResult(file="a.yaml", id="a", claims=(claim,))
    assert not reproducible(cut, {"steps": True})
    assert reproducible(cut, {"steps": False})
    assert reproducible(ProblemResult(file="a.yaml", id="a", claims=(claim,), steps=[]), {"steps": True})
