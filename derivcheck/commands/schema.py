"""`derivcheck schema`: the JSON Schema of the problem format."""

from __future__ import annotations

import click


@click.command()
def schema():
    """Print the JSON Schema of the problem format (for editors)."""
    import json

    from derivcheck.lang.schema import problem_schema

    click.echo(json.dumps(problem_schema(), indent=2))
