"""The command line (SPEC §3). Imports only click at start-up: sympy, numpy and
rich are imported by the commands that need them, so `--help` stays instant.

Exit codes: 0 every claim passes, 1 a claim is wrong, 2 bad input or usage,
3 inconsistent/undecided/internal error, 130 on Ctrl-C, 143 on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import sys

import click

from derivcheck import __version__
from derivcheck.commands import COMMANDS, load


class LazyGroup(click.Group):
    """Lists the commands from a table and imports a command's module only when it runs."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        return load(name) if name in COMMANDS else None

    def format_commands(self, ctx, formatter):
        with formatter.section("Commands"):
            formatter.write_dl(list(COMMANDS.items()))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="derivcheck")
def main_group():
    """Check claimed derivatives against sympy and an independent backprop engine."""


class Terminated(BaseException):
    """SIGTERM arrived: unwind (killing worker processes in `finally` blocks) and exit 143."""


def _on_sigterm(signum, frame):
    raise Terminated()


_PLAIN = {"∂": "d", "✓": "ok", "✗": "x", "≈": "~", "→": "->", "←": "<-", "×": "x", "·": "*", "—": "-", "–": "-",
          "ᵀ": "^T", "⁻¹": "^-1", "²": "^2", "³": "^3", "Σ": "sum", "σ": "sigma", "⊙": "*", "−": "-", "…": "...",
          "‖": "||", "≤": "<=", "≥": ">=", "≠": "!=", "√": "sqrt", "̄": "_bar", "’": "'", "“": '"', "”": '"'}


def _plain_errors(exc: UnicodeEncodeError):
    """Codec error handler: a readable ASCII stand-in for what the terminal cannot show."""
    text = exc.object[exc.start:exc.end]
    return "".join(_PLAIN.get(ch, "?") for ch in text), exc.end


def _harden_environment() -> None:
    """Before anything imports sympy: no code from the environment, output that cannot crash on encoding."""
    # sympy evaluates SYMPY_DEBUG (and validates a few other variables) at import: a hostile or broken
    # value must neither run nor crash a worker. derivcheck needs none of them.
    for key in [k for k in os.environ if k.startswith("SYMPY_")]:
        del os.environ[key]
    _reopen_closed_streams()
    import codecs

    codecs.register_error("derivcheck-plain", _plain_errors)
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "ascii").lower().replace("_", "-")
        # an ASCII-only locale (LANG=C, PYTHONIOENCODING=ascii): plain stand-ins, never a crash; in UTF-8,
        # the surrogates of a file name that is not UTF-8 are written as escapes (\udcff)
        errors = "backslashreplace" if encoding in ("utf-8", "utf8") else "derivcheck-plain"
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors=errors)
            except (ValueError, OSError):
                pass


def _reopen_closed_streams() -> None:
    """A standard stream closed by the caller (`derivcheck check … 1>&-`) becomes /dev/null: the run and its
    exit code stand, nothing is printed, and no file or pipe opened later takes the closed descriptor."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        if getattr(sys, name) is not None:
            continue
        try:
            os.fstat(fd)
        except OSError:
            devnull = os.open(os.devnull, os.O_RDWR)
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
        setattr(sys, name, open(fd, mode, encoding="utf-8", closefd=False))


def main() -> None:
    """Entry point: maps Ctrl-C, SIGTERM, broken pipes and surprises to documented exit codes."""
    _harden_environment()
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):  # not the main thread
        pass
    stdout = _identity(1)
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
    except Terminated:
        _quiet_exit(143)
    except BrokenPipeError:
        _quiet_exit(BROKEN_PIPE)
    except SystemExit as exc:
        # rich answers a closed pipe by pointing stdout at /dev/null and exiting 1, which would read as
        # "a claim is wrong": report the closed pipe instead, like our own handler
        if _identity(1) != stdout and _identity(1) == _devnull_identity():
            _quiet_exit(BROKEN_PIPE)
        raise
    except Exception as exc:  # never a traceback: an internal error is exit 3 with a hint
        click.echo(f"derivcheck: internal error: {type(exc).__name__}: {exc}\nplease report it with the command and file", err=True)
        _flush_exit(3)


BROKEN_PIPE = 141  # 128 + SIGPIPE, as the shell reports a writer whose reader went away (`| head -1`)


def _identity(fd: int):
    try:
        st = os.fstat(fd)
        return st.st_dev, st.st_ino
    except OSError:
        return None


def _devnull_identity():
    try:
        st = os.stat(os.devnull)
        return st.st_dev, st.st_ino
    except OSError:
        return None


def _flush_exit(code: int) -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_exit(BROKEN_PIPE)
    sys.exit(code)


def _quiet_exit(code: int) -> None:
    """Exit without flushing into a closed pipe (which would print 'Exception ignored ... BrokenPipeError')."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(code)
