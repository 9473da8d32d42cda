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

from derivcheck.commands import COMMANDS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="derivcheck")
def main_group():
    """Check claimed derivatives against sympy and an independent backprop engine."""


for _command in COMMANDS:
    main_group.add_command(_command)


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
