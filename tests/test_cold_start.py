"""Cold start (issue 8): the commands that do no maths import neither sympy nor numpy.

Each command runs in a fresh interpreter, as a user's shell would run it; an exit hook
reports which heavy modules got imported. bench/cold_start.py times the same commands.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("sympy", "numpy", "mpmath", "flint")

PROBE = """
import atexit, json, sys
atexit.register(lambda: sys.stderr.write("\\nMODULES " + json.dumps(sorted(
    m for m in {heavy!r} if m in sys.modules)) + "\\n"))
{pre}
sys.argv = ["derivcheck", *{args!r}]
from derivcheck.cli import main
main()
"""


def imported(args: list, pre: str = "") -> tuple:
    """(exit code, stdout, the heavy modules the command imported) in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY, args=args, pre=pre)],
                          capture_output=True, text=True, timeout=60)
    line = next(l for l in done.stderr.splitlines() if l.startswith("MODULES "))
    return done.returncode, done.stdout, json.loads(line[len("MODULES "):])


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--version"], ["schema"], ["solve", "--help"],
                                  ["check", "--help"], ["steps", "--help"]])
def test_commands_without_maths_import_no_sympy_or_numpy(args):
    code, out, modules = imported(args)
    assert code == 0
    assert out.strip()
    assert modules == [], f"`derivcheck {' '.join(args)}` imported {modules}"


def test_schema_is_still_the_schema():
    code, out, modules = imported(["schema"])
    schema = json.loads(out)
    assert code == 0 and modules == []
    assert "properties" in schema and "claims" in schema["properties"]


def test_version_prints_the_version():
    from derivcheck import __version__

    code, out, _ = imported(["--version"])
    assert code == 0 and __version__ in out


def test_the_probe_sees_an_import():
    """The probe itself works: a module imported before the command is reported."""
    code, _, modules = imported(["--help"], pre="import numpy")
    assert code == 0 and modules == ["numpy"]


@pytest.mark.parametrize("fmt", ["text", "json", "latex"])
def test_solve_checks_in_its_worker_and_renders_without_sympy(fmt):
    """The parent of `solve` only renders plain-data results: sympy, numpy and mpmath load in the worker."""
    path = str(Path(__file__).resolve().parents[1] / "problems" / "seed" / "ex1b-dag-backprop.yaml")
    code, out, modules = imported(["solve", path, "--format", fmt, "--no-cache"])
    assert code == 0 and "dl/dx" in out
    assert modules == [], f"`derivcheck solve --format {fmt}` imported {modules} in the parent"


def test_check_served_from_the_cache_imports_no_maths(tmp_path):
    """An unchanged problem set re-checked from the cache starts no worker and loads no maths."""
    seed = str(Path(__file__).resolve().parents[1] / "problems" / "seed")
    pre = (f"import os\nos.environ.pop('DERIVCHECK_NO_CACHE', None)\n"
           f"os.environ['DERIVCHECK_CACHE_DIR'] = {str(tmp_path / 'cache')!r}")
    first = imported(["check", seed, "--jobs", "2"], pre=pre)
    second = imported(["check", seed, "--jobs", "2"], pre=pre)
    assert first[0] == second[0] == 0
    assert sorted(first[1].splitlines()) == sorted(second[1].splitlines())  # two workers stream in any order
    assert first[2] != [] and second[2] == []
