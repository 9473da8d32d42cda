"""`check --format github`: GitHub Actions workflow commands.

Each failing claim becomes `::error file=F,line=L,col=C,title=T::message` pointing at the
claim in the problem file (the line of its `wrt:`/`of:`/… mapping), with the terminal's
report (verdict, counterexample, diagnosis) as the message; a file that cannot be
loaded becomes an `::error` at the position of the problem. Passing claims produce no
annotation (GitHub shows only a few per step); the plain status line of every problem
and the summary are printed as well (`--quiet`: failures and the summary only).
"""

from __future__ import annotations

import os


def escape_data(text: str) -> str:
    """GitHub's escaping of a workflow command's message (and of every line printed around them)."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workspace_path(path: str) -> str:
    """The path as GitHub matches it: relative to the working directory, forward slashes."""
    if path == "-":
        return path
    if os.path.isabs(path):
        rel = os.path.relpath(path)
        path = rel if not rel.startswith("..") else path
    return os.path.normpath(path).replace("\\", "/")


def command(kind: str, message: str, *, file: str | None = None, line: int = 0, col: int = 0,
            title: str | None = None) -> str:
    props = []
    if file:
        props.append(f"file={escape_property(workspace_path(file))}")
    if line:
        props.append(f"line={line}")
        if col:
            props.append(f"col={col}")
    if title:
        props.append(f"title={escape_property(title)}")
    return f"::{kind} {','.join(props)}::{escape_data(message)}" if props else f"::{kind}::{escape_data(message)}"


def annotations(r) -> list:
    """The workflow commands for one problem's failures."""
    from derivcheck.report.junit import claim_report

    if r.error is not None:
        e = r.error
        return [command("error", e["message"], file=r.file, line=e.get("line") or 0, col=e.get("column") or 0,
                        title="derivcheck: " + ("internal error" if r.internal else "cannot load the problem"))]
    out = []
    for c in r.claims:
        if c.passed:
            continue
        verdict = c.verdict if c.verdict not in ("proved", "verified") else f"{c.verdict} but expect: fails"
        out.append(command("error", claim_report(c), file=r.file, line=c.line, col=c.col,
                           title=f"derivcheck: {verdict}: {c.name}"))
    return out


def render(results, *, quiet: bool = False, stopped: str = "") -> str:
    """Every line escaped by GitHub's rules: a status line is data, never a workflow command
    (a file name cannot start `::stop-commands::` on a line of its own)."""
    from derivcheck.report import text

    lines = []
    for r in results:
        if quiet and r.exit_code == 0:
            continue
        lines.append(escape_data(text.status_line(r).plain))
        lines.extend(annotations(r))
    if stopped:
        lines.append(escape_data(stopped))
    lines.append(escape_data(text.summary_line(results).plain))
    return "\n".join(lines)
