"""`derivcheck graph FILE`: the computational graph with its gradient flow (SPEC §3)."""

from __future__ import annotations

import click

from derivcheck.commands.options import FORMATS, common, run_one

IMAGE_FORMATS = ("svg", "png", "pdf")
DOT_SUFFIXES = ("dot", "gv")

INSTALL_HINT = (
    "writing {what} needs Graphviz's `dot` program, which is not installed. Install Graphviz "
    "(Debian/Ubuntu: `sudo apt-get install graphviz`; macOS: `brew install graphviz`; conda: "
    "`conda install -c conda-forge graphviz`; Windows: https://graphviz.org/download/), and optionally "
    "`pip install graphviz`; or write DOT with `-o graph.dot` and render it with `dot -Tsvg graph.dot -o graph.svg`."
)


class GraphvizMissing(Exception):
    pass


def render_image(dot_text: str, fmt: str, which=None) -> bytes:
    """DOT → svg/png/pdf bytes through the `graphviz` package if installed, else the `dot` binary."""
    import shutil
    import subprocess

    try:
        import graphviz
    except ImportError:
        graphviz = None
    if graphviz is not None:
        try:
            return graphviz.Source(dot_text).pipe(format=fmt)
        except graphviz.ExecutableNotFound:
            raise GraphvizMissing() from None
    dot = (which or shutil.which)("dot")
    if dot is None:
        raise GraphvizMissing()
    done = subprocess.run([dot, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode("utf-8", "replace").strip() or f"dot exited with {done.returncode}")
    return done.stdout


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", "out", default=None, metavar="PATH",
              help="Write the picture: .dot/.gv (always works), .svg/.png/.pdf (needs Graphviz); - for DOT on stdout.")
@click.option("--of", "of", default=None, help="The node whose adjoints are shown (default: the problem's output).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Without -o: the terminal rendering (text) or the graph data (json).")
@common
@click.pass_context
def graph(ctx, file, out, of, fmt, seed, samples, timeout):
    """The DAG of FILE with forward edges and the backprop (adjoint) flow.

    Each node shows its expression and, at the first sample point, its value and its
    adjoint ∂output/∂node, computed by derivcheck's own backprop engine.
    """
    from derivcheck.report import emit

    suffix = out.rsplit(".", 1)[-1].lower() if out and out != "-" and "." in out else ""
    if out and out != "-" and suffix not in DOT_SUFFIXES + IMAGE_FORMATS:
        click.echo(f"derivcheck graph: error: cannot tell the format of {out!r}: use a name ending in "
                   f".dot, .gv, .svg, .png or .pdf (or - for DOT on stdout)", err=True)
        ctx.exit(2)
    result = run_one(ctx, file, seed=seed, samples=samples, timeout=timeout, claims=False, graph=(of,))
    from derivcheck.verdict.flow import to_dot

    data = result.graph
    if out is None:
        from derivcheck.report.graph_text import write_graph

        write_graph(data, fmt)
        ctx.exit(0)
    dot_text = to_dot(data)
    if out == "-":
        emit.document(dot_text, newline=False)
        ctx.exit(0)
    if suffix in DOT_SUFFIXES:
        payload = dot_text.encode("utf-8")
    else:
        try:
            payload = render_image(dot_text, suffix)
        except GraphvizMissing:
            click.echo("derivcheck graph: error: " + INSTALL_HINT.format(what=out), err=True)
            ctx.exit(2)
        except Exception as exc:  # noqa: BLE001 - Graphviz failed: say so, exit 3 (not the user's input)
            click.echo(f"derivcheck graph: error: Graphviz could not render {out}: {exc}", err=True)
            ctx.exit(3)
    try:
        with open(out, "wb") as handle:
            handle.write(payload)
    except OSError as exc:
        click.echo(f"derivcheck graph: error: cannot write {out}: {exc.strerror or exc}", err=True)
        ctx.exit(2)
    click.echo(f"wrote {out}", err=True)
    ctx.exit(0)
