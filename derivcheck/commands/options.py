"""Options and helpers shared by the commands (imports only click)."""

from __future__ import annotations

import click

FORMATS = ("text", "json")


def _finite(ctx, param, value):
    """FloatRange lets NaN through (it compares false with both bounds)."""
    if value is not None and value != value:
        raise click.BadParameter("must be a number of seconds, not NaN")
    return value


def common(fn):
    fn = click.option("--timeout", type=click.FloatRange(min=0.1, max=3600), default=None, callback=_finite,
                      help="Seconds per claim (default: the file's check.timeout, else 20).")(fn)
    fn = click.option("--samples", type=click.IntRange(8, 1000), default=None, help="Valid sample points per claim (at least 8).")(fn)
    fn = click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=None, help="Seed for the sample points.")(fn)
    return fn


def no_cache(fn):
    return click.option("--no-cache", is_flag=True,
                        help="Check every file again instead of reusing results from .derivcheck_cache/.")(fn)


def reused_notice(cache, total: int, more_hits: int = 0) -> None:
    """On stderr, when results came from the cache (`more_hits`: from a second one in the same folder,
    the sheets'): how many, from where, and how to check again."""
    hits = cache.hits + more_hits
    if hits:
        click.echo(f"derivcheck: {hits} of {total} results reused from {cache.root}/ "
                   "(--no-cache checks every file again)", err=True)


def stdin_inputs(paths) -> dict | None:
    """`-` among the paths: stdin read here, once (a worker process cannot read it)."""
    if "-" not in paths:
        return None
    return {"-": click.get_binary_stream("stdin").read((1 << 20) + 1)}


def run_one(ctx, file: str, **options):
    """One file through the core path (runner.run_file in a worker, under the deadline), for the
    commands that show one thing about it (steps, graph, hessian). A load error or a hit limit is
    printed, located, and ends the command with its exit code."""
    from derivcheck.pool import run_all
    from derivcheck.report import emit
    from derivcheck.runner import deadline

    result = run_all([file], jobs=1, deadline=deadline(options.get("timeout")), options=options,
                     inputs=stdin_inputs([file]))[0]
    if result.error is not None:
        emit.problem_error(result)
        ctx.exit(result.exit_code)
    return result
