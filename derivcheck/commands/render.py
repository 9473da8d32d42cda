"""Render results in the chosen format and compute the exit code."""

from __future__ import annotations

import sys

import click

def render(results, fmt: str, *, verbose: bool, per_problem_line: bool = False) -> int:
    from derivcheck.report import summary

    if fmt == "json":
        from derivcheck.report.json_report import render

        click.echo(render(results))
        return summary(results)["exit"]
    from derivcheck.report import text

    out = text.console()
    err = text.console(sys.stderr)
    for r in results:
        if per_problem_line:
            out.print(text.status_line(r))
            if r.error is not None:
                text.write_error(err, r)
            elif r.exit_code:
                for c in r.claims:
                    if not c.passed:
                        text.write_claim(out, c)
        else:
            if r.error is not None:
                text.write_error(err, r)
            else:
                text.write_problem(out, r, verbose)
    if per_problem_line or len(results) > 1:
        out.print(text.summary_line(results))
    if any(r.internal for r in results):
        err.print("derivcheck hit an internal error; please report it with the problem file.")
    return summary(results)["exit"]
