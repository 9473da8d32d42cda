"""`check --format junit` and `--format github` (issue 6, acceptance 1): what a CI system reads."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.commands.test_check_cli import BROKEN, ECO, FAIL, PASS, ROOT, cli, warm  # noqa: F401  (warm: module fixture)


def claim_position(path: Path, name: str) -> tuple[int, int]:
    """(line, column) of the claim named `name`: where its mapping starts, after `- `."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("- name: ") and line.split("- name: ", 1)[1].strip() == name:
            return number, line.index("name:") + 1
    raise AssertionError(f"no claim {name!r} in {path}")


def junit(*args) -> tuple[int, ET.Element]:
    code, out, _ = cli("check", *args, "--format", "junit")
    return code, ET.fromstring(out)


# --- JUnit ---------------------------------------------------------------------------------

def test_junit_is_valid_xml_with_a_suite_per_file_and_a_case_per_claim():
    code, root = junit(ECO)
    assert code == 2
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [Path(s.get("name")).name for s in suites] == ["typo.yaml", "ok.yaml", "wrong.yaml", "chain.yaml",
                                                          "quadform.yaml"]
    chain = suites[3]
    assert [c.get("name") for c in chain.findall("testcase")] == [
        "dl/dx", "dl/dh2 (latex)", "forgets the path through h3"]
    assert [c.get("name") for c in suites[2].findall("testcase")] == ["df/dx", "df/dy is wrong", "claim 3"]
    # counts add up, at every level
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.get("errors")) == sum(1 for c in cases if c.find("error") is not None)
    for key in ("tests", "failures", "errors"):
        assert int(root.get(key)) == sum(int(s.get(key)) for s in suites)


def test_junit_has_one_failure_per_wrong_claim_with_the_report():
    _, root = junit(ECO)
    failures = [(case, case.find("failure")) for case in root.iter("testcase") if case.find("failure") is not None]
    assert len(failures) == 1  # the one deliberately wrong claim; expect: fails claims pass
    case, failure = failures[0]
    assert case.get("name") == "df/dy is wrong"
    assert int(case.get("line")) == claim_position(FAIL / "wrong.yaml", "df/dy is wrong")[0]
    assert failure.get("type") == "wrong"
    assert failure.get("message").startswith("wrong: ∂f/∂y = 2*x")
    body = failure.text
    assert "wrong" in body and "counterexample: x = " in body and "true derivative: x**2" in body
    assert "claimed:" in body and "true:" in body


def test_junit_file_that_fails_to_load_is_one_error_case_with_its_position():
    _, root = junit(BROKEN)
    (suite,) = root.findall("testsuite")
    (case,) = suite.findall("testcase")
    assert case.get("name") == "load"
    error = case.find("error")
    assert error is not None and case.find("failure") is None
    assert error.get("message").startswith(f"{BROKEN / 'typo.yaml'}:5:1: error: unknown key 'claim'")


def test_junit_error_verdicts_are_errors_and_expected_fail_passes(tmp_path):
    path = tmp_path / "mixed.yaml"
    path.write_text("inputs: [x]\nnodes: {f: x**2}\nclaims:\n"
                    "  - {name: typo, wrt: x, is: 2*z}\n"
                    "  - {name: mistake, wrt: x, is: x, expect: fails}\n"
                    "  - {name: holds but marked, wrt: x, is: 2*x, expect: fails}\n")
    code, root = junit(path)
    assert code == 2
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["typo"].find("error").get("type") == "error"
    assert "unknown name" in cases["typo"].find("error").text
    assert cases["mistake"].find("failure") is None and cases["mistake"].find("error") is None
    assert cases["holds but marked"].find("failure") is not None


def test_junit_fail_fast_lists_the_problems_not_checked_as_skipped():
    _, out, _ = cli("check", ECO, "--format", "junit", "--fail-fast", "--jobs", "1")
    root = ET.fromstring(out)
    skipped = [c for c in root.iter("testcase") if c.find("skipped") is not None]
    assert len(skipped) == 4 and int(root.get("skipped")) == 4


def test_junit_of_shipped_problems_parses():
    files = sorted(str(p) for p in (ROOT / "problems" / "matrix-cookbook").glob("mistake-*.yaml"))
    code, root = junit(*files)
    assert code == 0
    assert len(root.findall("testsuite")) == len(files)
    assert int(root.get("failures")) == 0 and int(root.get("tests")) >= 2 * len(files)


# --- GitHub ---------------------------------------------------------------------------------

def annotations(out: str) -> list:
    return [line for line in out.splitlines() if line.startswith("::")]


def parse_command(line: str) -> tuple[str, dict, str]:
    head, message = line[2:].split("::", 1)
    kind, _, props = head.partition(" ")
    return kind, dict(p.split("=", 1) for p in props.split(",")) if props else {}, message


def test_github_error_points_at_the_failing_claims_line(tmp_path):
    code, out, _ = cli("check", "tests/fixtures/ecosystem/fail", "--format", "github", cwd=ROOT)
    assert code == 1
    (line,) = annotations(out)
    kind, props, message = parse_command(line)
    assert kind == "error"
    assert props["file"] == "tests/fixtures/ecosystem/fail/wrong.yaml"
    assert (int(props["line"]), int(props["col"])) == claim_position(FAIL / "wrong.yaml", "df/dy is wrong")
    assert "wrong" in props["title"] and "df/dy is wrong" in props["title"]
    assert "\n" not in message and "%0A" in message
    text = message.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
    assert "counterexample: x = " in text and "true derivative: x**2" in text


def test_github_absolute_paths_become_workspace_relative():
    _, out, _ = cli("check", FAIL, "--format", "github", cwd=ROOT)
    (line,) = annotations(out)
    assert parse_command(line)[1]["file"] == "tests/fixtures/ecosystem/fail/wrong.yaml"


def test_github_file_error_points_at_its_position():
    code, out, _ = cli("check", "tests/fixtures/ecosystem/broken", "--format", "github", cwd=ROOT)
    assert code == 2
    (line,) = annotations(out)
    kind, props, message = parse_command(line)
    assert kind == "error"
    assert props["file"] == "tests/fixtures/ecosystem/broken/typo.yaml"
    assert (props["line"], props["col"]) == ("5", "1")
    assert message.startswith("unknown key 'claim'")


def test_github_passing_claims_make_no_annotation_and_quiet_hides_passes():
    code, out, _ = cli("check", PASS, "--format", "github")
    assert code == 0 and annotations(out) == []
    assert "PASS" in out
    _, out, _ = cli("check", PASS, FAIL, "--format", "github", "--quiet")
    assert "PASS" not in out and len(annotations(out)) == 1


@pytest.mark.parametrize("raw, data, prop", [
    ("a%b", "a%25b", "a%25b"),
    ("line1\nline2\r", "line1%0Aline2%0D", "line1%0Aline2%0D"),
    ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
])
def test_github_escaping(raw, data, prop):
    from derivcheck.report.github import escape_data, escape_property

    assert escape_data(raw) == data
    assert escape_property(raw) == prop


def test_github_command_for_a_path_with_a_comma():
    from derivcheck.report.github import command

    line = command("error", "bad", file="a,b:c.yaml", line=3, col=2, title="t")
    assert line == "::error file=a%2Cb%3Ac.yaml,line=3,col=2,title=t::bad"
