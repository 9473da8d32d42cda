"""`derivcheck audit PATH...`: would this problem catch the usual mistakes?

For every claim that passes (`proved` or `verified`), plausible wrong answers are made
from it (derivcheck.verdict.mutate: factor 2, sign, transposes, swapped products, X⁻¹ for X⁻ᵀ,
2A for A + Aᵀ, a dropped path term) and each is checked exactly as the problem is
written: same inputs, domains, points, seed and settings. A mutant that is not found
`wrong` *slips through*: the problem cannot tell that mistake from the right answer,
for example a transpose when every matrix is square and symmetric.

Mutants that do not compile (a shape mismatch inside the expression) are skipped as
`invalid`; mutants equal to the claim for every value of the inputs (a transposed
scalar, the sign of 0) are skipped as `equivalent`, since they are not mistakes.

A mutant equal to the claim on the declared domain (S → Sᵀ for a symmetric S) is no
mistake there: it is reported "equivalent on the domain" and does not fail the audit, so
`audit` can gate CI; `--strict` counts it as slipping through.

Exit status: 0 no mutant slips through, 1 some mutant slips through, 2 bad input,
3 a limit was hit or an internal error; the highest over all files wins.
"""

from __future__ import annotations

import os

import click

from derivcheck.commands.options import common, stdin_inputs
from derivcheck.runner import deadline


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None, help="Worker processes (default: CPU count).")
@click.option("--strict", is_flag=True,
              help="A mutant equal to the claim on the declared domain (S → Sᵀ for a symmetric S) fails too.")
@common
@click.pass_context
def audit(ctx, paths, fmt, jobs, strict, seed, samples, timeout):
    """Mutation audit: does each passing claim's problem catch plausible wrong answers?

    Every mutant of a passing claim (factor 2, sign, transposes, swapped products, X⁻¹
    for X⁻ᵀ, 2A for A + Aᵀ, a dropped term) is checked as the problem is written; the
    ones not found wrong are listed. Exit 1 when some mutant slips through; one equal to the
    claim on the declared domain is reported as such and fails only with --strict.
    """
    from derivcheck.discover import discover
    from derivcheck.pool import run_all

    files, notices = discover(paths)
    from derivcheck.safetext import escape

    for notice in notices:
        click.echo(escape(notice), err=True)
    if not files:
        click.echo("error: no problem files found" + (f" under {', '.join(paths)}" if paths else ""), err=True)
        ctx.exit(2)
    from derivcheck.report import emit
    from derivcheck.report.audit_text import render_json, render_text

    options = dict(seed=seed, samples=samples, timeout=timeout, claims=False, audit=True)
    results = run_all(files, jobs=min(jobs or os.cpu_count() or 1, len(files)), deadline=deadline(timeout),
                      options=options, inputs=stdin_inputs(files))
    emit.document(render_json(results, strict) if fmt == "json" else render_text(results, strict))
    ctx.exit(max((r.audit_exit(strict) for r in results), default=2))
