"""`derivcheck check PATH...`: CI mode over a problem set, in worker processes.

Files are discovered recursively (derivcheck.discover decides which YAML holds a
problem), sorted, optionally sharded, and checked by the worker pool; output is
in the sorted order whatever the number of jobs.
"""

from __future__ import annotations

import os
import sys

import click

from derivcheck.commands.options import common, deadline

CHECK_FORMATS = ("text", "json", "junit", "github")


def _shard(ctx, param, value):
    if value is None:
        return None
    text = value.strip()
    parts = text.split("/")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise click.BadParameter(f"{value!r} is not K/N (for example 1/4)", ctx=ctx, param=param)
    k, n = (int(p) for p in parts)
    if n < 1:
        raise click.BadParameter(f"{value!r}: the number of shards N must be at least 1", ctx=ctx, param=param)
    if not 1 <= k <= n:
        raise click.BadParameter(f"{value!r}: the shard K must be between 1 and N={n}", ctx=ctx, param=param)
    return k, n


class _Stop(Exception):
    """Raised from the pool's result callback to stop scheduling (--fail-fast)."""


class _Progress:
    """A rich progress bar on stderr, shown only on a terminal and only once the run has taken
    more than a moment (so quick runs and CI logs stay clean)."""

    DELAY = 0.7

    def __init__(self, total: int, enabled: bool):
        import threading

        self.total, self.done, self.enabled = total, 0, enabled
        self.lock = threading.Lock()
        self.bar = self.task = None
        self.timer = threading.Timer(self.DELAY, self._show) if enabled else None
        if self.timer is not None:
            self.timer.daemon = True
            self.timer.start()

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with self.lock:
            if not self.enabled:
                return
            self.bar = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                console=Console(file=sys.stderr), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("check", total=self.total, completed=self.done)

    def advance(self) -> None:
        with self.lock:
            self.done += 1
            if self.bar is not None:
                self.bar.update(self.task, completed=self.done)

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        with self.lock:
            self.enabled = False
            if self.bar is not None:
                self.bar.stop()
                self.bar = None


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="text", show_default=True,
              help="text; json (one document); junit (JUnit XML); github (workflow annotations).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None, help="Worker processes (default: CPU count).")
@click.option("--shard", type=str, default=None, callback=_shard, metavar="K/N",
              help="Check only shard K of N of the sorted file list (for a CI matrix).")
@click.option("--fail-fast", "-x", is_flag=True, help="Stop scheduling after the first failing problem.")
@click.option("--quiet", "-q", is_flag=True, help="Print only failures and the summary.")
@click.option("--allow-empty", is_flag=True,
              help="Exit 0 instead of 2 when no problem file is found (for pre-commit).")
@common
@click.pass_context
def check(ctx, paths, fmt, jobs, shard, fail_fast, quiet, allow_empty, seed, samples, timeout):
    """CI mode: every problem file under PATHS (recursively), one line per problem and a summary.

    YAML files that hold no problem (a GitHub workflow, .pre-commit-config.yaml, …) are
    skipped with a notice. Exit status: the highest over all problems (0 pass, 1 wrong,
    2 bad input, 3 undecided/inconsistent/internal); no problem file at all is exit 2.
    """
    import time

    from derivcheck.discover import discover
    from derivcheck.discover import shard as take_shard

    started = time.monotonic()
    files, notices = discover(paths)
    if not quiet:
        for notice in notices:
            click.echo(notice, err=True)
    where = f" under {', '.join(paths)}" if paths else " (give the files or folders to check, e.g. problems/)"
    if files and shard is not None:
        total = len(files)
        files = take_shard(files, *shard)
        where = f" in shard {shard[0]}/{shard[1]} of {total} problem files"
    if not files:
        if allow_empty:
            if not quiet:
                click.echo(f"derivcheck: no problem files{where}; nothing to check", err=True)
            ctx.exit(0)
        click.echo(f"error: no problem files found{where}", err=True)
        ctx.exit(2)

    options = dict(seed=seed, samples=samples, timeout=timeout)
    results: dict = {}
    progress = _Progress(len(files), enabled=sys.stderr.isatty() and len(files) > 1)

    def on_result(index, result):
        results[index] = result
        progress.advance()
        if fail_fast and result.exit_code != 0:
            raise _Stop

    from derivcheck.pool import run_all

    workers = min(jobs or os.cpu_count() or 1, len(files))
    if workers > 1:
        _warm()  # forked workers inherit the loaded modules: each one does not import sympy again
    inputs = None
    if "-" in files:  # stdin is read here: a worker process cannot
        inputs = {"-": click.get_binary_stream("stdin").read((1 << 20) + 1)}
    try:
        run_all(files, jobs=workers, deadline=deadline(timeout), options=options, inputs=inputs,
                on_result=on_result)
    except _Stop:
        pass
    finally:
        progress.stop()
    done = [results[i] for i in sorted(results)]
    not_checked = [f for i, f in enumerate(files) if i not in results]
    elapsed = time.monotonic() - started
    ctx.exit(emit(done, fmt, quiet=quiet, not_checked=not_checked, elapsed=elapsed))


def _warm() -> None:
    """Load the checking code (numpy, sympy, mpmath) and warm its caches once in the parent."""
    if os.environ.get("DERIVCHECK_NO_WARM"):
        return
    from derivcheck.runner import check_source

    try:
        check_source(b"inputs: [x]\nnodes: {f: x**2}\nclaims: [{wrt: x, is: 2*x}]\n", "<warm-up>", samples=2)
    except Exception:  # warming is an optimisation only
        pass


def emit(results: list, fmt: str, *, quiet: bool = False, not_checked=(), elapsed: float | None = None) -> int:
    """Print the results in the format; returns the exit code (the highest over all problems)."""
    from derivcheck.report import summary

    code = summary(results)["exit"] if results else 2
    stopped = (f"stopped after the first failure (--fail-fast): {len(not_checked)} problem "
               f"file{'s' * (len(not_checked) != 1)} not checked") if not_checked else ""
    if fmt == "json":
        import json

        from derivcheck.report.json_report import finite, problem_dict

        total = summary(results)
        if not_checked:
            total["not_checked"] = list(not_checked)
        document = {"problems": [problem_dict(r) for r in results], "summary": total}
        click.echo(json.dumps(finite(document), indent=2, allow_nan=False))
    elif fmt == "junit":
        from derivcheck.report.junit import render

        click.echo(render(results, not_checked=not_checked, elapsed=elapsed))
    elif fmt == "github":
        from derivcheck.report.github import render

        click.echo(render(results, quiet=quiet, stopped=stopped))
    else:
        _text(results, quiet=quiet, stopped=stopped)
    return code


def _text(results: list, *, quiet: bool, stopped: str) -> None:
    from derivcheck.report import text

    out = text.console()
    err = text.console(sys.stderr)
    for r in results:
        if quiet and r.exit_code == 0:
            continue
        text.write_status(out, err, r)
    if stopped:
        out.print(stopped)
    out.print(text.summary_line(results))
    if any(r.internal for r in results):
        err.print("derivcheck hit an internal error; please report it with the problem file.")
