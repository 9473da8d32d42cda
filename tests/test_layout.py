"""The package's shape (ARCHITECTURE.md): only report/ prints, no import circles, the core
never imports the edges, and `solve` renders its results without sympy in the parent."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "derivcheck"
EDGES = ("derivcheck.cli", "derivcheck.commands", "derivcheck.report")
ENTRIES = ("derivcheck.__main__", "derivcheck.api", "derivcheck.pytest_plugin")  # above the core, below nothing
PRINTING = re.compile(r"(?<![\w.])print\(|console\.print\(|sys\.stdout\b")


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict:
    return {_module(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, modules: dict) -> set:
    """derivcheck modules imported anywhere in the file (module level or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found.update(n for n in names if n in modules)
    return found


def _graph() -> dict:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def _circles(graph: dict) -> list:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(frozenset(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_only_report_prints():
    """print, console.print and sys.stdout appear only in report/ (and cli.py's last-resort handler)."""
    offenders = []
    for name, path in _modules().items():
        if name.startswith("derivcheck.report") or name == "derivcheck.cli":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if PRINTING.search(line.split("#", 1)[0]):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert offenders == []


def test_only_commands_exit():
    """sys.exit / ctx.exit only in commands/ and cli.py; a worker process ends itself only in pool.py."""
    exits = re.compile(r"\bsys\.exit\(|\bctx\.exit\(|\bSystemExit\b|\bos\._exit\(")
    offenders = []
    for name, path in _modules().items():
        if name.startswith("derivcheck.commands") or name == "derivcheck.cli":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#", 1)[0]
            if exits.search(code) and not (name == "derivcheck.pool" and "os._exit(" in code):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert offenders == []


def test_no_import_circles():
    assert [sorted(c) for c in _circles(_graph())] == []


def test_the_core_never_imports_the_edges():
    """Nothing below the commands imports commands/, cli or report/ (the core returns data; edges print)."""
    upward = [(name, target) for name, targets in _graph().items()
              if not name.startswith(EDGES + ENTRIES) for target in targets if target.startswith(EDGES)]
    assert upward == []


STAGES = ("derivcheck.ops", "derivcheck.lang", "derivcheck.witness", "derivcheck.verdict")
SHARED = ("derivcheck.results", "derivcheck.safetext")  # plain data and text, used by every stage


def _stage(name: str) -> int | None:
    return next((i for i, stage in enumerate(STAGES) if name == stage or name.startswith(stage + ".")), None)


def _downward_violations(graph: dict) -> list:
    """Imports from a stage into a later stage, or into the doors above the stages (pool, runner, ...)."""
    out = []
    for name, targets in graph.items():
        level = _stage(name)
        if level is None:
            continue
        for target in sorted(targets):
            there = _stage(target)
            if (there is None and target not in SHARED) or (there is not None and there > level):
                out.append((name, target))
    return out


def test_the_stages_import_only_downward():
    """ops → lang → witness → verdict: each folder uses the ones before it, never the ones after."""
    assert _downward_violations(_graph()) == []


def test_the_language_never_imports_sympy():
    """Reading a file into a Model needs no computer algebra: lang/ and ops/ leave sympy to the witnesses."""
    offenders = []
    for name, path in _modules().items():
        if _stage(name) in (0, 1):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                offenders += [f"{name}: {n}" for n in names if n.split(".")[0] in ("sympy", "mpmath")]
    assert offenders == []


def test_the_walker_sees_a_circle_and_an_upward_import():
    """The two checks above can fail: a made-up graph with both defects is caught."""
    graph = {"derivcheck.a": {"derivcheck.b"}, "derivcheck.b": {"derivcheck.a", "derivcheck.report.text"},
             "derivcheck.report.text": set()}
    assert _circles(graph) == [frozenset({"derivcheck.a", "derivcheck.b"})]
    assert _downward_violations({"derivcheck.lang.build": {"derivcheck.verdict.verify", "derivcheck.pool"}}) == [
        ("derivcheck.lang.build", "derivcheck.pool"), ("derivcheck.lang.build", "derivcheck.verdict.verify")]
    assert PRINTING.search("    print(x)") and PRINTING.search("sys.stdout.write(x)")
    assert not PRINTING.search("self._print(arg)")


def test_solve_renders_without_sympy_in_the_parent():
    """Results are plain data: the parent unpickles and renders them without importing sympy."""
    seed = PACKAGE.parent / "problems" / "seed" / "ex3-2-matrix-chain-rule.yaml"
    code = ("import atexit, os, sys\n"
            "parent = os.getpid()\n"
            "atexit.register(lambda: os.getpid() == parent and sys.stderr.write(f'SYMPY={\"sympy\" in sys.modules}'))\n"
            f"sys.argv = ['derivcheck', 'solve', {str(seed)!r}]\n"
            "from derivcheck.cli import main\n"
            "main()\n")
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "∂L/∂W" in proc.stdout
    assert proc.stderr.endswith("SYMPY=False"), proc.stderr
