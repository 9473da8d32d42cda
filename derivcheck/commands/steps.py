"""`derivcheck steps FILE --of F --wrt V`: the chain-rule derivation alone."""

from __future__ import annotations

import click

from derivcheck.commands.options import FORMATS, common, run_one


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--of", "of", required=True, help="The node to differentiate.")
@click.option("--wrt", required=True, help="The input or node to differentiate with respect to.")
@click.option("--format", "fmt", type=click.Choice(FORMATS + ("latex", "markdown")), default="text", show_default=True,
              help="latex: an align* fragment to paste into a sheet; markdown: the same with $$ blocks.")
@click.option("--expand", is_flag=True, help="Write tensor steps entry by entry as well, and never shorten them.")
@common
@click.pass_context
def steps(ctx, file, of, wrt, fmt, expand, seed, samples, timeout):
    """The chain-rule derivation of ∂OF/∂WRT alone."""
    result = run_one(ctx, file, seed=seed, samples=samples, timeout=timeout, claims=False, steps_of=(of, wrt),
                     expand=expand or fmt in ("latex", "markdown"), steps_latex=fmt in ("latex", "markdown"))
    from derivcheck.report.steps_text import render_steps

    render_steps(result.steps[0], fmt, source=file)
    ctx.exit(0)
