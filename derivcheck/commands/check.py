"""`derivcheck check PATH...`: CI mode over a problem set, in worker processes.

Files are discovered recursively (derivcheck.discover decides which YAML holds a
problem), sorted, optionally sharded, and checked by the worker pool. In text, each
problem's line is printed as soon as it is decided (Ctrl-C still shows what finished);
the machine formats (json, junit, github) keep the sorted order whatever the number of jobs.
"""

from __future__ import annotations

import os
import sys

import click

from derivcheck.commands.options import common, no_cache, reused_notice, stdin_inputs
from derivcheck.runner import deadline

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


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="text", show_default=True,
              help="text; json (one document); junit (JUnit XML); github (workflow annotations).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None, help="Worker processes (default: CPU count).")
@click.option("--shard", type=str, default=None, callback=_shard, metavar="K/N",
              help="Check only shard K of N of the sorted file list (for a CI matrix).")
@click.option("--fail-fast", "-x", is_flag=True, help="Stop scheduling after the first failing problem.")
@click.option("--quiet", "-q", is_flag=True, help="Print only failures and the summary.")
@click.option("--require-claims", is_flag=True, help="A problem file without claims fails (exit 2) instead of a notice.")
@click.option("--allow-empty", is_flag=True,
              help="Exit 0 instead of 2 when no problem file is found (for pre-commit).")
@click.option("--sheets", "with_sheets", is_flag=True,
              help="Also check solution sheets (.md/.txt/.tex with derivcheck blocks), as `derivcheck sheet` does.")
@no_cache
@common
@click.pass_context
def check(ctx, paths, fmt, jobs, shard, fail_fast, quiet, require_claims, allow_empty, with_sheets, no_cache, seed,
          samples, timeout):
    """CI mode: every problem file under PATHS (recursively), one line per problem and a summary.

    YAML files that hold no problem (a GitHub workflow, .pre-commit-config.yaml, …) are
    skipped with a notice. Exit status: the highest over all problems (0 pass, 1 wrong,
    2 bad input, 3 undecided/inconsistent/internal); no problem file at all is exit 2.
    """
    import time

    from derivcheck.discover import discover
    from derivcheck.discover import shard as take_shard

    started = time.monotonic()
    sheets: list = []
    if with_sheets:
        from derivcheck.sheet.run import find_sheets, is_sheet

        sheets = find_sheets(paths)
        files, notices = discover(paths, taken=set(sheets).__contains__)
        files = sorted([f for f in files if not is_sheet(f)] + sheets)
    else:
        files, notices = discover(paths)
    if not quiet:
        from derivcheck.safetext import escape

        for notice in notices:
            click.echo(escape(notice), err=True)
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

    from derivcheck.report import emit, summary

    # text, junit and github print the true derivative only for a claim that does not pass; JSON has it for every claim
    options = dict(seed=seed, samples=samples, timeout=timeout, require_claims=require_claims,
                   truth_texts="all" if fmt == "json" else "failing")
    results: dict = {}
    stream = fmt == "text"  # one line per problem as it is decided; the machine formats at the end
    from derivcheck.report.progress import ProgressBar

    progress = ProgressBar(len(files), enabled=not stream and sys.stderr.isatty() and len(files) > 1)

    def on_result(index, result):
        results[index] = result
        progress.advance()
        if stream and not (quiet and result.exit_code == 0):
            emit.status(result)
        if fail_fast and result.exit_code != 0:
            raise _Stop

    from derivcheck.cache import ResultCache

    checked_sheets = [f for f in files if f in sheets]
    files = [f for f in files if f not in sheets]
    cache = ResultCache.open(options, no_cache=no_cache)
    sheet_cache = ResultCache.open({**options, "sheet": True}, no_cache=no_cache)
    interrupted = 0
    try:
        if files:
            cache.run(files, jobs=jobs or os.cpu_count() or 1, deadline=deadline(timeout), inputs=stdin_inputs(files),
                      on_result=on_result)
        for k, path in enumerate(checked_sheets, len(files)):
            on_result(k, sheet_cache.sheet(path, seed=seed, samples=samples, timeout=timeout,
                                           jobs=jobs or os.cpu_count() or 1, deadline=deadline(timeout)))
    except _Stop:
        pass
    except KeyboardInterrupt:  # show what finished, then exit 130 as for any Ctrl-C
        interrupted = len(files)
    finally:
        progress.stop()
    if not quiet and fmt in ("text", "github"):
        reused_notice(cache, len(files) + len(checked_sheets), sheet_cache.hits)
    files += checked_sheets
    done = [results[i] for i in sorted(results)]
    if checked_sheets:
        done.sort(key=lambda r: r.file)
    not_checked = [f for i, f in enumerate(files) if i not in results]
    emit.check_end(done, fmt, quiet=quiet, not_checked=not_checked, elapsed=time.monotonic() - started,
                   streamed=stream, interrupted=interrupted, cached=cache.hits + sheet_cache.hits)
    ctx.exit(130 if interrupted else summary(done)["exit"] if done else 2)
