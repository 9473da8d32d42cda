"""`derivcheck hessian FILE`: Hessian diagonals, exact and approximate."""

from __future__ import annotations

import click

from derivcheck.commands.options import FORMATS


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--of", "of", default=None, help="Scalar node (default: the network's loss L).")
@click.option("--wrt", default=None, help="Input or node whose Hessian diagonal to compute (without a network).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=None)
@click.pass_context
def hessian(ctx, file, of, wrt, fmt, seed):
    """Hessian diagonals: exact, Becker–LeCun and Gauss–Newton, with errors and timings."""
    import json

    from derivcheck import hessian_report
    from derivcheck.errors import LocatedError
    from derivcheck.runner import load_model, show_error

    try:
        checker = load_model(file, seed=seed)
        if checker.model.problem.network is not None and wrt is None:
            report = hessian_report.network_report(checker)
            text = hessian_report.render_text
        else:
            if wrt is None or (of or checker.model.output) is None:
                raise LocatedError("without a network, give --of and --wrt")
            of = of or checker.model.output
            for name in (of, wrt):
                if name not in checker.graph.shapes or "#" in name:
                    raise LocatedError(f"{name!r} is not an input or node of the problem")
            if checker.graph.shapes[of] != ():
                raise LocatedError(f"--of {of!r} must be a scalar")
            report = hessian_report.general_report(checker, of, wrt)
            text = lambda r: f"{r['file']}: diag ∂²{r['of']}/∂{r['wrt']}² = {r['diagonal']}\n  engine vs sympy: relative error {r['engine_vs_sympy_relative_error']:.3g}"  # noqa: E731
    except LocatedError as exc:
        ctx.exit(show_error(file, exc))
    click.echo(json.dumps(report, indent=2) if fmt == "json" else text(report))
    ctx.exit(0)
