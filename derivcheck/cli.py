"""The command line (SPEC §3). Imports only click at start-up: sympy, numpy and
rich are imported by the commands that need them, so `--help` stays instant.

Exit codes: 0 every claim passes, 1 a claim is wrong, 2 bad input or usage,
3 inconsistent/undecided/internal error, 130 on Ctrl-C.
"""

from __future__ import annotations

import os
import sys

import click

from derivcheck import __version__

FORMATS = ("text", "json")


def _common(fn):
    fn = click.option("--timeout", type=click.FloatRange(min=0.1, max=3600), default=None,
                      help="Seconds per claim (default: the file's check.timeout, else 20).")(fn)
    fn = click.option("--samples", type=click.IntRange(1, 1000), default=None, help="Valid sample points per claim.")(fn)
    fn = click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=None, help="Seed for the sample points.")(fn)
    return fn


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="derivcheck")
def main_group():
    """Check claimed derivatives against sympy and an independent backprop engine."""


@main_group.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@_common
@click.pass_context
def solve(ctx, file, fmt, seed, samples, timeout):
    """Check every claim of FILE (- reads stdin), with the chain-rule steps."""
    from derivcheck.runner import run_file

    result = run_file(file, seed=seed, samples=samples, timeout=timeout, with_steps=fmt == "text")
    code = _render([result], fmt, verbose=True)
    ctx.exit(code)


@main_group.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@_common
@click.pass_context
def check(ctx, paths, fmt, seed, samples, timeout):
    """CI mode: every problem file under PATHS, one line per problem and a summary."""
    from derivcheck.discover import discover
    from derivcheck.runner import run_file

    files, notices = discover(paths)
    for notice in notices:
        click.echo(notice, err=True)
    if not files:
        click.echo("error: no problem files found" + (f" under {', '.join(paths)}" if paths else ""), err=True)
        ctx.exit(2)
    results = [run_file(f, seed=seed, samples=samples, timeout=timeout) for f in files]
    ctx.exit(_render(results, fmt, verbose=False, per_problem_line=True))


@main_group.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--of", "of", required=True, help="The node to differentiate.")
@click.option("--wrt", required=True, help="The input or node to differentiate with respect to.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@_common
@click.pass_context
def steps(ctx, file, of, wrt, fmt, seed, samples, timeout):
    """The chain-rule derivation of ∂OF/∂WRT alone."""
    from derivcheck.steps import run_steps

    ctx.exit(run_steps(file, of, wrt, fmt, seed=seed))


@main_group.command()
def schema():
    """Print the JSON Schema of the problem format (for editors)."""
    import json

    from derivcheck.schema import problem_schema

    click.echo(json.dumps(problem_schema(), indent=2))


def _render(results, fmt: str, *, verbose: bool, per_problem_line: bool = False) -> int:
    from derivcheck.report import summary

    if fmt == "json":
        from derivcheck.report.json_report import render

        click.echo(render(results))
        return summary(results)["exit"]
    from derivcheck.report import text

    out = text.console()
    err = text.console(sys.stderr)
    for r in results:
        if per_problem_line:
            out.print(text.status_line(r))
            if r.error is not None:
                text.write_error(err, r)
            elif r.exit_code:
                for c in r.claims:
                    if not c.passed:
                        text.write_claim(out, c)
        else:
            if r.error is not None:
                text.write_error(err, r)
            else:
                text.write_problem(out, r, verbose)
    if per_problem_line or len(results) > 1:
        out.print(text.summary_line(results))
    if any(r.internal for r in results):
        err.print("derivcheck hit an internal error; please report it with the problem file.")
    return summary(results)["exit"]


def main() -> None:
    """Entry point: maps Ctrl-C, broken pipes and surprises to documented exit codes."""
    try:
        code = main_group.main(standalone_mode=False)
        _flush_exit(code if isinstance(code, int) else 0)
    except click.exceptions.Exit as exc:
        _flush_exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        _flush_exit(2)
    except click.exceptions.Abort:
        _flush_exit(130)
    except KeyboardInterrupt:
        _flush_exit(130)
    except BrokenPipeError:
        _quiet_exit(0)
    except Exception as exc:  # never a traceback: an internal error is exit 3 with a hint
        click.echo(f"derivcheck: internal error: {type(exc).__name__}: {exc}\nplease report it with the command and file", err=True)
        _flush_exit(3)


def _flush_exit(code: int) -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_exit(code)
    sys.exit(code)


def _quiet_exit(code: int) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(code)


@main_group.command()
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
