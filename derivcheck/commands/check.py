"""`derivcheck check PATH...`: CI mode over a problem set, in worker processes."""

from __future__ import annotations

import os

import click

from derivcheck.commands.options import FORMATS, common, deadline
from derivcheck.commands.render import render


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None, help="Worker processes (default: CPU count).")
@common
@click.pass_context
def check(ctx, paths, fmt, jobs, seed, samples, timeout):
    """CI mode: every problem file under PATHS, one line per problem and a summary."""
    from derivcheck.discover import discover
    from derivcheck.pool import run_all

    files, notices = discover(paths)
    for notice in notices:
        click.echo(notice, err=True)
    if not files:
        click.echo("error: no problem files found" + (f" under {', '.join(paths)}" if paths else ""), err=True)
        ctx.exit(2)
    options = dict(seed=seed, samples=samples, timeout=timeout)
    results = run_all(files, jobs=jobs or os.cpu_count() or 1, deadline=deadline(timeout), options=options)
    ctx.exit(render(results, fmt, verbose=False, per_problem_line=True))
