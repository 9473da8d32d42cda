"""Shared fixtures: problem files on disk, the CLI as a subprocess and in-process.

Hypothesis runs derandomized (the same examples on every run, no example
database) and without deadlines, so the suite is reproducible and does not
flake on a slow machine; each test still chooses its own `max_examples`.
Set HYPOTHESIS_PROFILE=explore to search with fresh random examples instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("derivcheck", derandomize=True, deadline=None, database=None, print_blob=True)
settings.register_profile("explore", deadline=None, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "derivcheck"))

# The result cache would let one test's run answer another's (and print its notice on stderr);
# tests/test_cache.py turns it back on where it is the subject.
os.environ["DERIVCHECK_NO_CACHE"] = "1"

REPO = Path(__file__).resolve().parent.parent
SEED_1B = REPO / "problems" / "seed" / "ex1b-dag-backprop.yaml"


def plain_env(**extra) -> dict:
    """The environment of a user's shell with colour turned off."""
    env = dict(os.environ)
    env.pop("FORCE_COLOR", None)
    env.update(NO_COLOR="1", PYTHONIOENCODING="utf-8", COLUMNS="200")
    env.update(extra)
    return env


@pytest.fixture
def write_problem(tmp_path):
    """write_problem(yaml_text, name="p.yaml") -> Path: the text, dedented, written to a file.

    Bytes are written as they are (for invalid UTF-8 and other raw-byte cases).
    """

    def write(text, name: str = "p.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


def _run(args, input=None, cwd=None, timeout=120):
    if isinstance(input, str):
        input = input.encode("utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "derivcheck", *map(str, args)],
        input=input,
        capture_output=True,
        cwd=cwd or REPO,
        env=plain_env(),
        timeout=timeout,
    )
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


@pytest.fixture
def run_cli():
    """run_cli(*args, input=None, cwd=None) -> (exit code, stdout, stderr) of `python -m derivcheck ...`."""

    def run(*args, input=None, cwd=None):
        return _run(args, input=input, cwd=cwd)

    return run


@pytest.fixture
def invoke():
    """invoke(*args, input=None) -> (exit code, stdout, stderr) through click's CliRunner, in-process.

    For tests that need no process isolation; much faster than `run_cli`.
    """
    from click.testing import CliRunner

    import derivcheck.verdict.verify  # noqa: F401  (loads sympy once: the forked workers start warm)
    from derivcheck.cli import main_group

    def run(*args, input=None):
        old = os.environ.get("NO_COLOR")
        os.environ["NO_COLOR"] = "1"
        try:
            result = CliRunner().invoke(main_group, [str(a) for a in args], input=input, catch_exceptions=True)
        finally:
            if old is None:
                os.environ.pop("NO_COLOR", None)
            else:
                os.environ["NO_COLOR"] = old
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout, result.stderr

    return run
