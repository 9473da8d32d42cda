"""Every command of docs/tutorial.md prints what the tutorial says it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```console\n\$ (.*)\n((?:.*\n)*?)```")
TIMING = re.compile(r"\b\d+(\.\d+)? ?(s|ms)\b")  # wall-clock times differ from run to run


def _blocks() -> list:
    return BLOCK.findall((ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8"))


def _normal(text: str) -> str:
    return TIMING.sub("<time>", "\n".join(line.rstrip() for line in text.splitlines()))


def test_the_tutorial_has_commands():
    commands = [command for command, _ in _blocks()]
    assert len(commands) >= 7 and all(c.startswith("derivcheck ") for c in commands)


@pytest.mark.parametrize("command, expected", _blocks(), ids=lambda value: value.split("\n")[0][:60])
def test_tutorial_command_output(command, expected):
    argv = [sys.executable, "-m", "derivcheck", *command.split()[1:]]
    env = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(ROOT))
    run = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert _normal(run.stdout) == _normal(expected)
