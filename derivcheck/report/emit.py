"""What the commands print, in every format: the one place their output is written.

Commands pass result objects and options; the exit code comes from the results
(`report.summary`), never from what was printed.
"""

from __future__ import annotations

import sys

from derivcheck.report import console


def located_error(path: str, line: int, column: int, message: str) -> None:
    """`FILE:LINE:COL: error: message` on stderr (the location only when known)."""
    from derivcheck.safetext import escape

    where = f"{escape(path)}:{line}:{column}" if line else escape(path)
    print(f"{where}: error: {escape(message)}", file=sys.stderr)


def problem_error(r) -> None:
    """A problem that could not be loaded or hit a limit (steps, graph, hessian): its located error on
    stderr, and the internal-error hint when it is one."""
    e = r.error
    located_error(r.file, e.get("line", 0), e.get("column", 0), e["message"])
    _internal_hint(console(sys.stderr), [r])


def document(text: str, *, newline: bool = True) -> None:
    """A rendered document (JSON, XML, LaTeX, DOT, …) on stdout."""
    print(text, end="\n" if newline else "")


RENDERERS = {"json": "derivcheck.report.json_report", "latex": "derivcheck.report.latex_out",
             "markdown": "derivcheck.report.markdown"}


def prepare(fmt: str) -> None:
    """Import what `results(..., fmt)` renders with, ahead of time: solve does it while its worker
    imports the checking code, so these imports cost no time of their own."""
    import importlib

    from derivcheck.report import text  # noqa: F401  (rich with it)

    importlib.import_module(RENDERERS.get(fmt, "derivcheck.report.text"))


def results(results: list, fmt: str) -> None:
    """`solve`: every problem in full (text), or one document (json, latex, markdown)."""
    from derivcheck.report import text

    if fmt == "json":
        from derivcheck.report.json_report import render

        document(render(results))
        return
    if fmt in ("latex", "markdown"):
        if fmt == "latex":
            from derivcheck.report.latex_out import render_results
        else:
            from derivcheck.report.markdown import render_results
        document(render_results(results), newline=False)
        err = console(sys.stderr)
        for r in results:
            if r.error is not None:
                text.write_error(err, r)
        return
    out, err = console(), console(sys.stderr)
    for r in results:
        text.write_problem(out, r, True)  # a load error's reason on stdout too, under the file's name
        if r.error is not None:
            text.write_error(err, r)
    if len(results) > 1:
        out.print(text.summary_line(results))
    _internal_hint(err, results)


def status(r) -> None:
    """`check`'s line for one problem, printed as soon as it is decided (text format)."""
    from derivcheck.report import text

    text.write_status(console(), console(sys.stderr), r)


def check_end(results: list, fmt: str, *, quiet: bool = False, not_checked=(), elapsed: float | None = None,
              streamed: bool = False, interrupted: int = 0, cached: int = 0) -> None:
    """`check`'s output once the run ends: the summary (text, after the streamed lines) or one document."""
    from derivcheck.report import text

    stopped = (f"stopped after the first failure (--fail-fast): {len(not_checked)} problem "
               f"file{'s' * (len(not_checked) != 1)} not checked") if not_checked and not interrupted else ""
    if fmt == "json":
        from derivcheck.report.json_report import render

        document(render(results, not_checked, cached=cached))  # cached: results reused (derivcheck.cache)
    elif fmt == "junit":
        from derivcheck.report.junit import render

        document(render(results, not_checked=not_checked, elapsed=elapsed))
    elif fmt == "github":
        from derivcheck.report.github import render

        document(render(results, quiet=quiet, stopped=stopped))
    else:
        out = console()
        if not streamed:
            for r in results:
                if not (quiet and r.exit_code == 0):
                    status(r)
        if stopped:
            out.print(stopped)
        if interrupted:
            out.print(f"interrupted (Ctrl-C): {len(results)} of {interrupted} problem files checked")
        out.print(text.summary_line(results))
    _internal_hint(console(sys.stderr), results)


def _internal_hint(err, results) -> None:
    if any(r.internal for r in results):
        err.print("derivcheck hit an internal error; please report it with the problem file.")
