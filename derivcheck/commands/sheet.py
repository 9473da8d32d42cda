"""`derivcheck sheet FILE`: every derivative statement of a Markdown or LaTeX solution sheet, where it stands."""

from __future__ import annotations

import os

import click

from derivcheck.commands.options import common
from derivcheck.runner import deadline

SHEET_FORMATS = ("text", "json", "junit", "github")


def _read(path: str) -> bytes:
    if path == "-":
        return click.get_binary_stream("stdin").read((1 << 20) + 1)
    with open(path, "rb") as handle:
        return handle.read((1 << 20) + 1)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(SHEET_FORMATS), default="text", show_default=True,
              help="text; json (one document: equations and summary); junit; github (annotations on the sheet's lines).")
@click.option("--strict", is_flag=True, help="Exit 1 when a derivative statement could not be checked.")
@click.option("--annotate", "annotate_to", type=click.Path(dir_okay=False, allow_dash=False), default=None,
              metavar="OUT", help="Write the sheet to OUT with a mark after each checked statement.")
@click.option("--problem", type=click.Path(dir_okay=False), default=None, metavar="P.YAML",
              help="A problem file that is the block for a sheet without ```derivcheck blocks.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None, help="Worker processes (default: CPU count).")
@common
@click.pass_context
def sheet(ctx, file, fmt, strict, annotate_to, problem, jobs, seed, samples, timeout):
    """Check every derivative statement of a Markdown (.md, .txt) or LaTeX (.tex) solution sheet.

    Problems come from ```derivcheck blocks (LaTeX: a `derivcheck` comment block or %!derivcheck
    lines); each applies to the statements after it. One line per claim found; statements that
    are not checked are listed with the reason. Exit status as for `check` (statements not
    checked alone: 0; with --strict: 1).
    """
    from derivcheck.report import sheet_emit
    from derivcheck.sheet.run import check_sheet, decode, is_sheet

    if file != "-" and not is_sheet(file):
        sheet_emit.usage(f"{file}: error: a sheet is a Markdown (.md, .txt) or LaTeX (.tex) file")
        ctx.exit(2)
    try:
        data = _read(file)
        extra = (problem, _read(problem)) if problem else None
    except OSError as exc:
        sheet_emit.usage(f"{exc.filename or file}: error: cannot read: {exc.strerror or exc}")
        ctx.exit(2)
    result = check_sheet(file, data, problem=extra, seed=seed, samples=samples, timeout=timeout,
                         jobs=jobs or os.cpu_count() or 1, deadline=deadline(timeout))
    code = result.exit_code(strict)
    sheet_emit.sheet(result, fmt, strict)
    if annotate_to and result.error is None:
        from derivcheck.report.sheet_annotate import annotate

        try:
            with open(annotate_to, "w", encoding="utf-8") as handle:
                handle.write(annotate(decode(data), result, file.lower().endswith(".tex")))
        except OSError as exc:
            sheet_emit.usage(f"{annotate_to}: error: cannot write: {exc.strerror or exc}")
            code = max(code, 2)
    ctx.exit(code)
