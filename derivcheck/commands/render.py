"""Render results in the chosen format and compute the exit code."""

from __future__ import annotations

import sys

import click

JSON_KEYS = ("first_wrong_step",)  # annotations that are part of a problem's JSON (SPEC §3 allows added keys)


def render(results, fmt: str, *, verbose: bool, per_problem_line: bool = False, annotations=None) -> int:
    """`annotations`: per result, None or a dict of extra report sections (`first_wrong_step`)."""
    from derivcheck.report import summary

    notes = list(annotations) if annotations is not None else [None] * len(results)
    if fmt == "json":
        if not any(k in JSON_KEYS for note in notes for k in (note or {})):
            from derivcheck.report.json_report import render

            click.echo(render(results))
            return summary(results)["exit"]
        import json

        from derivcheck.report.json_report import problem_dict

        problems = [{**problem_dict(r), **{k: v for k, v in (note or {}).items() if k in JSON_KEYS}}
                    for r, note in zip(results, notes)]
        click.echo(json.dumps({"problems": problems, "summary": summary(results)}, indent=2))
        return summary(results)["exit"]
    if fmt in ("latex", "markdown"):
        if fmt == "latex":
            from derivcheck.report.latex_out import render_results
        else:
            from derivcheck.report.markdown import render_results
        click.echo(render_results(results, notes), nl=False)
        for r in results:
            if r.error is not None:
                from derivcheck.report import text

                text.write_error(text.console(sys.stderr), r)
        return summary(results)["exit"]
    from derivcheck.report import text

    out = text.console()
    err = text.console(sys.stderr)
    for r, note in zip(results, notes):
        if per_problem_line:
            text.write_status(out, err, r)
        else:
            if r.error is not None:
                text.write_error(err, r)
            else:
                text.write_problem(out, r, verbose, first_wrong=(note or {}).get("first_wrong_step"))
    if per_problem_line or len(results) > 1:
        out.print(text.summary_line(results))
    if any(r.internal for r in results):
        err.print("derivcheck hit an internal error; please report it with the problem file.")
    return summary(results)["exit"]
