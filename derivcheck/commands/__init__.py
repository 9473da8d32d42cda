"""One module per subcommand, imported only when that command runs (so `--help` stays instant).

COMMANDS maps a command's name to its module and its one-line help for the command list.
"""

from __future__ import annotations

import importlib

COMMANDS = {
    "solve": "Check every claim of FILE (- reads stdin), with the chain-rule steps.",
    "check": "CI mode: every problem file under PATHS, one line per problem and a summary.",
    "steps": "The chain-rule derivation of ∂OF/∂WRT alone.",
    "graph": "The DAG of FILE with forward edges and the backprop (adjoint) flow.",
    "hessian": "Hessian diagonals: exact, Becker–LeCun and Gauss–Newton, with errors and timings.",
    "audit": "Mutation audit: which plausible wrong answers would the problem not catch?",
    "grad": "Differentiate EXPR (one-liner): check --claim, or print the derivative.",
    "new": "Write a commented starter problem to FILE that passes `derivcheck check`.",
    "sheet": "Check every derivative statement of a Markdown or LaTeX solution sheet, where it stands.",
    "schema": "Print the JSON Schema of the problem format (for editors).",
}


def load(name: str):
    """The click command `name`, importing its module now."""
    return getattr(importlib.import_module(f"derivcheck.commands.{name}"), name)
