"""`derivcheck grad EXPR --wrt V [--claim C]`: a one-liner for shell scripts.

The expression becomes an in-memory problem (YAML emitted with yaml.safe_dump, so no
quoting or escaping is improvised): every name of EXPR is a real scalar input unless
`--input` declares it (`W:3x4` a matrix, `x:3` a vector, `A:3x3:spd` a domain, `t:positive`,
`t:[0,1]`). The problem is checked by the same worker pool, verdicts and exit codes as
`derivcheck solve`; without a claim the true derivative is printed.
"""

from __future__ import annotations

import re

import click

from derivcheck.commands.options import FORMATS, common
from derivcheck.runner import deadline

PATH = "<command line>"
DOMAIN_WORDS = ("real", "positive", "negative", "nonzero", "symmetric", "spd", "invertible")
_SHAPE = re.compile(r"^\s*(\d+)\s*(?:[x×,]\s*(\d+)\s*)?$")
_INTERVAL = re.compile(r"^\s*[\[(]\s*([^,\])]+?)\s*,\s*([^,\])]+?)\s*[\])]\s*$")


def parse_input(spec: str) -> tuple[str, dict]:
    """`NAME[:SHAPE][:DOMAIN]` → (name, input spec of SPEC §1.1). SHAPE is `n` or `mxn`."""
    name, _, rest = spec.partition(":")
    name = name.strip()
    if not name:
        raise click.BadParameter(f"{spec!r}: expected NAME[:SHAPE][:DOMAIN], e.g. W:3x4, x:3, A:3x3:spd")
    out: dict = {}
    parts = [p for p in rest.split(":")] if rest else []
    if len(parts) > 2:
        raise click.BadParameter(f"{spec!r}: expected NAME[:SHAPE][:DOMAIN], e.g. W:3x4, x:3, A:3x3:spd")
    for i, part in enumerate(parts):
        part = part.strip()
        if not part:
            continue
        shape = _SHAPE.match(part)
        interval = _INTERVAL.match(part)
        if shape and i == 0:
            out["shape"] = [int(g) for g in shape.groups() if g is not None]
        elif interval:
            out["domain"] = [interval.group(1), interval.group(2)]
        elif part in DOMAIN_WORDS:
            out["domain"] = part
        else:
            raise click.BadParameter(
                f"{spec!r}: {part!r} is neither a shape (3, 3x4) nor a domain "
                f"({', '.join(DOMAIN_WORDS)}, [lo,hi])")
    return name, out


def _output_name(used: set) -> str:
    for candidate in ("f", "F", "out", "value", "result"):
        if candidate not in used:
            return candidate
    k = 1
    while f"f{k}" in used:
        k += 1
    return f"f{k}"


def build_yaml(expr: str, wrt: tuple, *, claim: str | None = None, latex: str | None = None,
               inputs: dict | None = None, functions=(), seed=None, samples=None) -> tuple[str, str]:
    """(YAML text of the problem, output node name). Raises ExprError for an unreadable EXPR."""
    import yaml

    from derivcheck.lang import exprs

    declared = dict(inputs or {})
    parsed = exprs.parse(expr)
    names = []
    for n in exprs.names_in(parsed):
        if n.id != "pi" and n.id not in names and n.id not in functions:
            names.append(n.id)
    for v in wrt:
        if v not in names:
            names.append(v)
    for name in declared:
        if name not in names:
            names.append(name)
    out = _output_name(set(names) | set(functions))
    doc: dict = {"derivcheck": 1, "id": "grad", "inputs": {n: declared.get(n, {}) for n in names}}
    if functions:
        doc["functions"] = list(functions)
    doc["nodes"] = {out: expr}
    doc["output"] = out
    wrt_value = wrt[0] if len(wrt) == 1 else list(wrt)
    if claim is not None:
        doc["claims"] = [{"name": "claim", "of": out, "wrt": wrt_value, "is": claim}]
    elif latex is not None:
        doc["claims"] = [{"name": "claim", "of": out, "wrt": wrt_value, "latex": latex}]
    check = {k: v for k, v in (("seed", seed), ("samples", samples)) if v is not None}
    if check:
        doc["check"] = check
    text = yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1 << 20)
    return text, out


def _locate(text: str, line: int, col: int, args: dict) -> tuple[str, str, int] | None:
    """Which argument an error in the generated YAML points at: (label, argument, column)."""
    if not line:
        return None
    lines = text.split("\n")
    if line > len(lines):
        return None
    row = lines[line - 1]
    key, _, value = row.strip().lstrip("- ").partition(": ")
    label = {"is": "--claim", "latex": "--latex"}.get(key)
    if label is None and row.startswith("  ") and not row.startswith("   ") and row.endswith(value) and key in args.get("_nodes", ()):
        label = "EXPR"
    if label is None:
        return None
    argument = args[label]
    start = row.index(value) + 1 if value else col
    quoted = value[:1] in ("'", '"')
    column = col - start + (0 if quoted else 1)
    if not 1 <= column <= len(argument) + 1:
        column = 0
    return label, argument, column


@click.command()
@click.argument("expr")
@click.option("--wrt", required=True, metavar="V[,U]",
              help="The input to differentiate with respect to; two names (x,y) for a second derivative.")
@click.option("--claim", default=None, help="The claimed derivative, as an expression.")
@click.option("--latex", "latex", default=None, help="The claimed derivative, in LaTeX.")
@click.option("--input", "input_specs", multiple=True, metavar="NAME:SHAPE[:DOMAIN]",
              help="Declare an input: W:3x4 (matrix), x:3 (vector), A:3x3:spd, t:positive, t:[0,1]. "
                   "Undeclared names are real scalars.")
@click.option("--function", "functions", multiple=True, metavar="NAME",
              help="Declare an unspecified smooth function of one variable (SPEC §1.4).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--show-yaml", is_flag=True, help="Print the generated problem file and exit.")
@common
@click.pass_context
def grad(ctx, expr, wrt, claim, latex, input_specs, functions, fmt, show_yaml, seed, samples, timeout):
    """Differentiate EXPR (one-liner): check --claim, or print the derivative.

    \b
      derivcheck grad 'x**2*y' --wrt x --claim '2*x*y'          # exit 0
      derivcheck grad 'x**2*y' --wrt x --claim 'x*y'            # exit 1
      derivcheck grad 'sum(W @ x)' --wrt W --input W:3x4 --input x:4
      derivcheck grad 'x**2*y' --wrt x                          # prints 2*x*y
    """
    import json

    from derivcheck.lang.errors import ExprError

    if claim is not None and latex is not None:
        raise click.UsageError("give --claim or --latex, not both")
    wrt_names = tuple(w.strip() for w in wrt.split(",") if w.strip())
    if not 1 <= len(wrt_names) <= 2:
        raise click.BadParameter(f"{wrt!r}: one name, or two names separated by a comma", param_hint="--wrt")
    inputs = {}
    for spec in input_specs:
        try:
            name, fields = parse_input(spec)
        except click.BadParameter as exc:
            exc.param_hint = "--input"
            raise
        inputs[name] = fields
    try:
        text, out = build_yaml(expr, wrt_names, claim=claim, latex=latex, inputs=inputs, functions=functions,
                               seed=seed, samples=samples)
    except ExprError as exc:
        _show_error(("EXPR", expr, exc.offset + 1), exc.message)
        ctx.exit(2)
    if show_yaml:
        click.echo(text, nl=False)
        ctx.exit(0)

    args = {"EXPR": expr, "--claim": claim or "", "--latex": latex or "", "_nodes": (out,)}
    from derivcheck.pool import run_all
    from derivcheck.report import emit

    options = dict(seed=seed, samples=samples, timeout=timeout)
    if claim is None and latex is None:  # without a claim: the true derivative (sympy, through the DAG)
        options.update(claims=False, derive=(out, wrt_names))
    result = run_all([PATH], jobs=1, deadline=deadline(timeout), options=options,
                     inputs={PATH: text.encode("utf-8")})[0]
    if result.error is not None:
        e = result.error
        if result.internal or result.limit:
            click.echo(f"derivcheck grad: {e['message']}", err=True)
        else:
            _show_error(_locate(text, e.get("line", 0), e.get("column", 0), args), e["message"])
    if fmt == "json":
        from derivcheck.report.json_report import render

        emit.document(render([result]))
    elif result.error is None:
        for c in result.claims:
            if c.verdict == "error":
                _show_error(_locate(text, c.line, c.col, args), c.message)
        from derivcheck.report.text import write_grad

        write_grad(result)
    ctx.exit(result.exit_code)


def _show_error(where, message: str) -> None:
    if where is None:
        click.echo(f"derivcheck grad: error: {message}", err=True)
        return
    label, argument, column = where
    at = f" at column {column}" if column else ""
    click.echo(f"derivcheck grad: error in {label}{at}: {message}", err=True)
    click.echo(f"  {argument}", err=True)
    if column:
        click.echo("  " + " " * (column - 1) + "^", err=True)
