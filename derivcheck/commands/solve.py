"""`derivcheck solve FILE...`: every claim of each file, with the chain-rule steps."""

from __future__ import annotations

import click

from derivcheck.commands.options import FORMATS, common, no_cache, reused_notice, stdin_inputs
from derivcheck.runner import deadline


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(FORMATS + ("latex", "markdown")), default="text", show_default=True,
              help="latex: an align* fragment to paste into a sheet; markdown: the same with $$ blocks.")
@click.option("--require-claims", is_flag=True, help="A file without claims is an error (exit 2), not a derivation.")
@click.option("--expand", is_flag=True, help="Write tensor steps entry by entry as well, and never shorten them.")
@click.option("--verbose", "-v", is_flag=True, help="Show the IR first: the file's equations, one per line.")
@no_cache
@common
@click.pass_context
def solve(ctx, files, fmt, require_claims, expand, verbose, no_cache, seed, samples, timeout):
    """Check every claim of each FILE (- reads stdin), with the chain-rule steps."""
    from derivcheck.cache import ResultCache
    from derivcheck.report import emit, summary

    shown = fmt in ("text", "latex", "markdown")  # JSON shows no steps or closed forms: not computed
    options = dict(seed=seed, samples=samples, timeout=timeout, closed_forms=shown, steps=shown, first_wrong=True,
                   expand=expand or fmt in ("latex", "markdown"), steps_latex=fmt in ("latex", "markdown"),
                   require_claims=require_claims, ir=verbose and fmt == "text")
    cache = ResultCache.open(options, no_cache=no_cache)
    results = cache.run(list(files), jobs=1, deadline=deadline(timeout), inputs=stdin_inputs(files),
                        on_start=lambda: emit.prepare(fmt))
    emit.results(results, fmt)
    if fmt == "text":
        reused_notice(cache, len(results))
    ctx.exit(summary(results)["exit"])
