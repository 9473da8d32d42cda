"""`derivcheck solve FILE`: every claim of one file, with the chain-rule steps."""

from __future__ import annotations

import click

from derivcheck.commands.options import FORMATS, common, deadline
from derivcheck.commands.render import render


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@common
@click.pass_context
def solve(ctx, file, fmt, seed, samples, timeout):
    """Check every claim of FILE (- reads stdin), with the chain-rule steps."""
    from derivcheck.pool import run_all

    data = None
    if file == "-":
        data = click.get_binary_stream("stdin").read(1 << 20 | 1)
    options = dict(seed=seed, samples=samples, timeout=timeout, with_steps=fmt == "text")
    result = run_all([file], jobs=1, deadline=deadline(timeout), options=options, inputs={file: data})[0]
    code = render([result], fmt, verbose=True)
    ctx.exit(code)
