"""`derivcheck hessian FILE`: Hessian diagonals, exact and approximate."""

from __future__ import annotations

import click

from derivcheck.commands.options import FORMATS, common, run_one


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--of", "of", default=None, help="Scalar node (default: the network's loss L).")
@click.option("--wrt", default=None, help="Input or node whose Hessian diagonal to compute (without a network).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@common
@click.pass_context
def hessian(ctx, file, of, wrt, fmt, seed, samples, timeout):
    """Hessian diagonals: exact, Becker–LeCun and Gauss–Newton, with errors and timings."""
    from derivcheck.report import emit

    result = run_one(ctx, file, seed=seed, samples=samples, timeout=timeout, claims=False, hessian=(of, wrt))
    if fmt == "json":
        import json

        emit.document(json.dumps(result.hessian, indent=2))
    else:
        from derivcheck.report.hessian_text import render_text

        emit.document(render_text(result.hessian))
    ctx.exit(0)
