"""`derivcheck solve FILE`: every claim of one file, with the chain-rule steps."""

from __future__ import annotations

import click

from derivcheck.commands.options import FORMATS, common, deadline
from derivcheck.commands.render import render


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(FORMATS + ("latex", "markdown")), default="text", show_default=True,
              help="latex: an align* fragment to paste into a sheet; markdown: the same with $$ blocks.")
@common
@click.pass_context
def solve(ctx, file, fmt, seed, samples, timeout):
    """Check every claim of FILE (- reads stdin), with the chain-rule steps."""
    from derivcheck.pool import run_all

    data = None
    if file == "-":
        data = click.get_binary_stream("stdin").read(1 << 20 | 1)
    options = dict(seed=seed, samples=samples, timeout=timeout, with_steps=fmt in ("text", "latex", "markdown"))
    result = run_all([file], jobs=1, deadline=deadline(timeout), options=options, inputs={file: data})[0]
    from derivcheck.firstwrong import for_result, rebuild_model

    note = {}
    model = rebuild_model(file, data) if result.error is None else None
    first_wrong = for_result(file, data, result, model)
    if first_wrong:
        note["first_wrong_step"] = first_wrong
    if model is not None and fmt in ("latex", "markdown"):
        # entries claims state (∂f/∂v)_{i,j,k}: the index names come from the problem
        note["entry_indices"] = {c.spec.index: [t.text for t in c.spec.entry_index]
                                 for c in model.claims if c.spec.kind == "entries"}
    code = render([result], fmt, verbose=True, annotations=[note])
    ctx.exit(code)
