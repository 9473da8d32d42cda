"""A problem file cannot forge derivcheck's output: control characters in titles, names and file
names are printed escaped, GitHub workflow commands cannot be injected, and JSON stays UTF-8."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = """\
inputs: [x]
nodes: {f: x**2}
claims:
  - {wrt: x, is: 2*x, name: %s}
  - {wrt: x, is: 3*x, name: wrong}
"""


def run(*args, cwd) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "derivcheck", *args], cwd=cwd, capture_output=True, env=env)


def test_a_title_with_escape_sequences_is_printed_escaped(tmp_path):
    (tmp_path / "p.yaml").write_text('title: "\\e[H\\e[J\\e[32mPASS all\\e[0m"\n' + PROBLEM % "ok", encoding="utf-8")
    out = run("solve", "p.yaml", cwd=tmp_path).stdout.decode()
    assert "\x1b" not in out
    assert "p.yaml  \\x1b[H\\x1b[J\\x1b[32mPASS all\\x1b[0m\n" in out


def test_a_claim_name_with_a_newline_and_escapes_is_printed_escaped(tmp_path):
    (tmp_path / "p.yaml").write_text(PROBLEM % '"x\\n\\e[2KPASS forged"', encoding="utf-8")
    run_ = run("solve", "p.yaml", cwd=tmp_path)
    out = run_.stdout.decode()
    assert "\x1b" not in out and not any(line.startswith("PASS") for line in out.splitlines())
    assert "  ✓ proved        ∂f/∂x = 2*x  (x\\n\\x1b[2KPASS forged)\n" in out


def _forged_name(tmp_path) -> str:
    name = "p\nPASS     forged.yaml\n::add-mask::secret\n::stop-commands::token\n.yaml"
    (tmp_path / name).write_text(PROBLEM % "ok", encoding="utf-8")
    return name


def test_a_newline_in_a_file_name_cannot_start_a_line_in_text(tmp_path):
    _forged_name(tmp_path)
    out = run("check", ".", cwd=tmp_path).stdout.decode()
    lines = out.splitlines()
    assert lines[0] == "FAIL     ./p\\nPASS     forged.yaml\\n::add-mask::secret\\n::stop-commands::token\\n.yaml  (1 proved, 1 wrong)"
    assert not any(line.startswith(("PASS", "::")) for line in lines)


def test_a_newline_in_a_file_name_cannot_inject_a_workflow_command(tmp_path):
    _forged_name(tmp_path)
    result = run("check", "--format", "github", ".", cwd=tmp_path)
    lines = (result.stdout + result.stderr).decode().splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert commands and all(line.startswith("::error file=") for line in commands)
    assert not any("::add-mask::" in line.split("::", 2)[1] or line.startswith("::stop-commands") for line in commands)
    assert "file=p%0APASS     forged.yaml%0A%3A%3Aadd-mask%3A%3Asecret%0A%3A%3Astop-commands%3A%3Atoken%0A.yaml" in commands[0]


def test_a_file_name_that_is_not_utf8_gives_valid_utf8_json(tmp_path):
    name = b"bad\xff\xfe.yaml"
    (tmp_path / os.fsdecode(name)).write_text(PROBLEM % "ok", encoding="utf-8")
    raw = run("check", "--format", "json", ".", cwd=tmp_path).stdout
    document = json.loads(raw.decode("utf-8", errors="strict"))
    [problem] = document["problems"]
    assert problem["file"] == "./bad\\xff\\xfe.yaml"
    assert problem["file"].encode("utf-8")  # no lone surrogate: encodes without an error


def test_markdown_shows_the_authors_text_literally(tmp_path):
    """No HTML, links, math or code-span breakouts from a title, a claim's name, its text or the file name."""
    (tmp_path / "p`q.yaml").write_text(
        'title: "T <script>x</script> [l](javascript:y) $\\\\input{a}$"\n'
        'inputs: [x]\nnodes: {f: x**2}\n'
        'claims:\n  - {wrt: x, is: "2*x ` <b>", name: "n <i>x</i>"}\n', encoding="utf-8")
    out = run("solve", "--format", "markdown", "p`q.yaml", cwd=tmp_path).stdout.decode()
    assert "## T &lt;script&gt;x&lt;/script&gt; \\[l\\]\\(javascript:y\\) \\$\\\\input\\{a\\}\\$\n" in out
    assert "\n`` p`q.yaml ``\n" in out
    assert "`` 2*x ` <b> `` (n &lt;i&gt;x&lt;/i&gt;)" in out
    assert "<script>" not in out and "<i>" not in out


def test_latex_comments_hold_the_title_on_one_line(tmp_path):
    (tmp_path / "p.yaml").write_text('title: "T\\n\\\\input{/etc/passwd} \\e[2K"\n' + PROBLEM % "ok", encoding="utf-8")
    out = run("solve", "--format", "latex", "p.yaml", cwd=tmp_path).stdout.decode()
    assert "% T \\input{/etc/passwd} \\x1b[2K\n" in out
    assert all(not line.startswith("\\input") for line in out.splitlines())
