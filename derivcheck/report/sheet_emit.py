"""What `derivcheck sheet` prints, in every format (text, json, junit, github)."""

from __future__ import annotations

import sys

from derivcheck.report import emit


def sheet(result, fmt: str, strict: bool) -> None:
    """The sheet's report on stdout; a block that is not a problem as `FILE:LINE:COL: error:` on stderr."""
    if result.error is not None:
        e = result.error
        emit.located_error(e["file"], e["line"], e["column"], e["message"])
    if fmt == "json":
        from derivcheck.report.sheet_json import render

        emit.document(render(result, strict))
    elif fmt == "junit":
        from derivcheck.report.junit import render

        emit.document(render([result.as_problem()]))
    elif fmt == "github":
        from derivcheck.report.github import command, render

        notices = [command("notice", f"not checked: {e.reason}", file=result.file, line=e.line,
                           title="derivcheck: statement not checked") for e in result.entries if e.counts]
        emit.document("\n".join(notices + [render([result.as_problem()])]))
    elif result.error is None:
        from derivcheck.report import text
        from derivcheck.report.sheet_text import summary_line, write_sheet

        out = text.console()
        write_sheet(out, result)
        out.print(summary_line(result, strict))
    if result.internal or any(e.internal for e in result.entries):
        emit.located_error(result.file, 0, 0, "derivcheck hit an internal error; please report it with the sheet")


def usage(message: str) -> None:
    """A usage error (not a sheet, cannot read, cannot write) on stderr, file names escaped."""
    from derivcheck.safetext import escape

    print(escape(message), file=sys.stderr)
