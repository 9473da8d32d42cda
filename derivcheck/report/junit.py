"""`check --format junit`: JUnit XML for CI test reporters (GitHub, GitLab, Jenkins).

testsuites > one testsuite per problem file > one testcase per claim (named after
the claim: its `name`, else `claim N`). A failing claim is a <failure> (wrong, an
approximation above its bound, an `expect: fails` claim that holds) or an <error>
(error, inconsistent, undecided), its body the same report text as the terminal's:
verdict, counterexample, diagnosis. A file that cannot be loaded is one testcase
`load` with an <error> whose message is `FILE:LINE:COL: error: …`.
"""

from __future__ import annotations

import io
import re
import textwrap
import xml.etree.ElementTree as ET

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
ERROR_VERDICTS = ("error", "inconsistent", "undecided")


def clean(text) -> str:
    """Text safe in XML 1.0 (characters XML forbids are dropped)."""
    return _ILLEGAL.sub("", str(text))


def claim_report(c) -> str:
    """The terminal's report of one claim, as plain text: title, verdict, details."""
    from derivcheck.report import text

    buffer = io.StringIO()
    text.write_claim(text.console(buffer, force_plain=True), c, verbose=True)
    return textwrap.dedent(buffer.getvalue()).strip("\n")


def where(r) -> str:
    """`FILE:LINE:COL` of a problem's load error (just FILE when the position is unknown)."""
    e = r.error or {}
    return f"{r.file}:{e['line']}:{e['column']}" if e.get("line") else r.file


def error_text(r) -> str:
    return f"{where(r)}: error: {r.error['message']}"


def _classname(r) -> str:
    path = r.file.replace("\\", "/")
    return path.rsplit(".", 1)[0] if path.endswith((".yaml", ".yml")) else path


def _claim_title(c) -> str:
    from derivcheck.report.text import claim_title

    return claim_title(c)


def _suite(r) -> ET.Element:
    suite = ET.Element("testsuite", name=clean(r.file), file=clean(r.file))
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}

    def case(name: str, line: int = 0) -> ET.Element:
        counts["tests"] += 1
        attrs = {"classname": clean(_classname(r)), "name": clean(name), "file": clean(r.file)}
        if line:
            attrs["line"] = str(line)
        return ET.SubElement(suite, "testcase", attrs)

    if r.error is not None:
        tc = case("load", r.error.get("line") or 0)
        kind = "internal-error" if r.internal else "error"
        ET.SubElement(tc, "error", message=clean(error_text(r)), type=kind).text = clean(error_text(r))
        counts["errors"] += 1
    for c in r.claims:
        tc = case(c.name, c.line)
        report = claim_report(c)
        if c.passed:
            ET.SubElement(tc, "system-out").text = clean(report)
            continue
        kind = "error" if c.verdict in ERROR_VERDICTS else "failure"
        counts["errors" if kind == "error" else "failures"] += 1
        message = f"{c.verdict}: {_claim_title(c)}"
        if c.verdict in ("proved", "verified"):
            message = f"{c.verdict}, but marked `expect: fails`: {_claim_title(c)}"
        ET.SubElement(tc, kind, message=clean(message), type=c.verdict).text = clean(report)
    for of, wrt, expression in r.derived:
        tc = case(f"∂{of}/∂{wrt}")
        ET.SubElement(tc, "system-out").text = clean(f"∂{of}/∂{wrt} = {expression}")
    for key, value in counts.items():
        suite.set(key, str(value))
    return suite


def _skipped_suite(path: str) -> ET.Element:
    suite = ET.Element("testsuite", name=clean(path), file=clean(path), tests="1", failures="0", errors="0",
                       skipped="1")
    tc = ET.SubElement(suite, "testcase", classname=clean(path.rsplit(".", 1)[0]), name="not checked",
                       file=clean(path))
    ET.SubElement(tc, "skipped", message="not checked: --fail-fast stopped after the first failure")
    return suite


def render(results, *, not_checked=(), elapsed: float | None = None) -> str:
    root = ET.Element("testsuites", name="derivcheck")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in [_suite(r) for r in results] + [_skipped_suite(p) for p in not_checked]:
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key))
    for key, value in totals.items():
        root.set(key, str(value))
    if elapsed is not None:
        root.set("time", f"{elapsed:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
