"""`derivcheck new FILE`: write a commented starter problem that passes as written."""

from __future__ import annotations

import os

import click

STARTER = """\
# A derivcheck problem (format 1; the reference is docs/format.md, editor support: docs/ci.md).
# Check it with:   derivcheck solve {file}      (steps and verdicts)
#              or: derivcheck check {folder}    (CI mode, every problem under the folder)
# For completion and validation in an editor (VS Code YAML, …), save the schema once with
#   derivcheck schema > derivcheck.lang.schema.json
# and put this line at the top of the file, with the path to that file:
#   # yaml-language-server: $schema=derivcheck.lang.schema.json
derivcheck: 1
id: {id}
title: Backprop on a small DAG
source: your exercise sheet

# Inputs: a list of names (real scalars), or a map with shape / domain / value, e.g.
#   W: {{shape: [3, 4]}}    x: {{shape: [4]}}    A: {{shape: [3, 3], domain: spd}}
inputs:
  x: {{}}
  y: {{domain: positive}}

# Nodes: the computational graph, name: expression (Python syntax; ** or ^ for powers,
# @ for the matrix product, .T to transpose; exp log sqrt sin cos tanh sigmoid relu sum trace …).
nodes:
  h1: 2*x
  h2: 2*h1**2
  h3: h1 + y
  l: h2*h3

# Claims: the derivatives you state, as `is:` (an expression over inputs and nodes),
# `latex:` (as written on a solution sheet) or `entries:` (an index formula).
claims:
  - name: dl/dx through both paths
    of: l
    wrt: x
    is: 48*x**2 + 16*x*y
  - name: dl/dh2 in node names
    wrt: h2
    latex: h_3
  - name: a typical mistake (forgets the path through h3)
    wrt: x
    is: 16*x*h3
    expect: fails   # a deliberate mistake: passes when derivcheck finds it wrong

# Optional: how claims are checked (samples, seed, rtol, atol, timeout in seconds per claim).
check:
  samples: 8
"""


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_context
def new(ctx, file):
    """Write a commented starter problem to FILE (.yaml/.yml) that passes `derivcheck check`.

    Refuses to overwrite an existing file (exit 2).
    """
    if not file.endswith((".yaml", ".yml")):
        click.echo(f"{file}: error: a problem file name ends in .yaml or .yml", err=True)
        ctx.exit(2)
    stem = os.path.basename(file).rsplit(".", 1)[0]
    ident = stem if stem and all(c.isalnum() or c in "-_." for c in stem) and stem.isascii() else "starter"
    folder = os.path.dirname(file) or "."
    text = STARTER.format(file=file, folder=folder if folder.endswith("/") else folder + "/", id=ident)
    try:
        if os.path.dirname(file):
            os.makedirs(os.path.dirname(file), exist_ok=True)
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        click.echo(f"{file}: error: the file exists; derivcheck new never overwrites (pick another name)", err=True)
        ctx.exit(2)
    except OSError as exc:
        click.echo(f"{file}: error: cannot create: {exc.strerror or exc}", err=True)
        ctx.exit(2)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    click.echo(f"wrote {file}; check it with: derivcheck solve {file}")
