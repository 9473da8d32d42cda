"""`derivcheck graph`: DOT that Graphviz accepts, gradient edges distinct from forward edges,
values and adjoints at the first sample point, a text rendering, and a helpful exit 2
when an image is asked for and Graphviz is missing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import SEED_1B

FORWARD = [("x", "h1"), ("h1", "h2"), ("h1", "h3"), ("y", "h3"), ("h2", "l"), ("h3", "l")]
EDGE = re.compile(r'^\s*"([^"]+)"\s*->\s*"([^"]+)"\s*\[(.*)\];\s*$')
NODE = re.compile(r'^\s*"([^"]+)"\s*\[(.*)\];\s*$')


def parse_dot(text: str):
    """Structural check of the DOT we write; returns (declared nodes, [(a, b, attrs)])."""
    assert text.startswith("digraph ")
    outside = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)  # braces inside labels do not count
    assert outside.count("{") == outside.count("}") == 1
    assert outside.rstrip().endswith("}")
    nodes, edges = {}, []
    for line in text.splitlines():
        if (m := EDGE.match(line)) is not None:
            edges.append((m.group(1), m.group(2), m.group(3)))
        elif (m := NODE.match(line)) is not None:
            nodes[m.group(1)] = m.group(2)
    for a, b, _ in edges:
        assert a in nodes and b in nodes, f"edge {a} -> {b} uses an undeclared node"
    return nodes, edges


@pytest.fixture(scope="module")
def seed_dot(tmp_path_factory):
    from click.testing import CliRunner

    from derivcheck.cli import main_group

    out = tmp_path_factory.mktemp("graph") / "g.dot"
    result = CliRunner().invoke(main_group, ["graph", str(SEED_1B), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_dot_structure_forward_and_gradient_edges(seed_dot):
    nodes, edges = parse_dot(seed_dot)
    assert set(nodes) == {"x", "y", "h1", "h2", "h3", "l"}
    forward = [(a, b) for a, b, attrs in edges if "style=solid" in attrs]
    gradient = [(a, b, attrs) for a, b, attrs in edges if "style=dashed" in attrs]
    assert sorted(forward) == sorted(FORWARD)
    assert all("color=black" in attrs for a, b, attrs in edges if (a, b) in forward)
    # the adjoint flows back along every forward edge, in another colour and style
    assert sorted((b, a) for a, b, _ in gradient) == sorted(FORWARD)
    for _, _, attrs in gradient:
        assert 'color="#2e8b57"' in attrs and "color=black" not in attrs and "constraint=false" in attrs
    labels = {(a, b): re.search(r'label="([^"]*)"', attrs).group(1) for a, b, attrs in gradient}
    assert labels[("h2", "h1")] == "∂h2/∂h1 = 4*h1"
    assert labels[("l", "h2")] == "∂l/∂h2 = h3"
    assert labels[("h1", "x")] == "∂h1/∂x = 2"


def test_dot_labels_show_expression_value_and_adjoint(seed_dot):
    nodes, _ = parse_dot(seed_dot)
    label = re.search(r'label="([^"]*)"', nodes["h1"]).group(1).split("\\n")
    assert label[0] == "h1 = 2*x"
    assert label[1].startswith("value ")
    assert label[2].startswith("∂l/∂h1 = ")
    x, y = (float(v) for v in re.search(r'\\nx = ([^\\"]+)\\ny = ([^\\"]+)"', seed_dot).groups())
    h1 = 2 * x
    assert float(label[1].split()[1]) == pytest.approx(h1)
    # ∂l/∂h1 = h3·4h1 + h2 (both paths), from the engine
    assert float(label[2].split("= ")[1]) == pytest.approx((h1 + y) * 4 * h1 + 2 * h1**2)
    xlabel = re.search(r'label="([^"]*)"', nodes["x"]).group(1)
    assert f"∂l/∂x = " in xlabel and "shape=ellipse" in nodes["x"]
    assert float(xlabel.split("∂l/∂x = ")[1]) == pytest.approx(48 * x**2 + 16 * x * y)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed (apt-get install graphviz)")
def test_graphviz_accepts_the_dot(seed_dot, tmp_path):
    src = tmp_path / "g.dot"
    src.write_text(seed_dot, encoding="utf-8")
    proc = subprocess.run(["dot", "-Tsvg", str(src)], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"<svg" in proc.stdout and b"stroke-dasharray" in proc.stdout


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed (apt-get install graphviz)")
def test_svg_output(invoke, tmp_path):
    out = tmp_path / "g.svg"
    code, _, _ = invoke("graph", SEED_1B, "-o", out)
    assert code == 0
    svg = out.read_text(encoding="utf-8")
    assert "<svg" in svg and "#2e8b57" in svg and "stroke-dasharray" in svg  # gradient edges: green, dashed
    assert "h2 = 2*h1**2" in svg


def test_image_without_graphviz_says_how_to_install(invoke, tmp_path, monkeypatch):
    import shutil as shutil_module

    monkeypatch.setitem(sys.modules, "graphviz", None)  # `import graphviz` fails
    monkeypatch.setattr(shutil_module, "which", lambda name, *a, **k: None)
    out = tmp_path / "g.svg"
    code, _, err = invoke("graph", SEED_1B, "-o", out)
    assert code == 2
    assert "needs Graphviz's `dot` program" in err
    assert "apt-get install graphviz" in err and "-o graph.dot" in err
    assert not out.exists()
    code, _, _ = invoke("graph", SEED_1B, "-o", tmp_path / "g.dot")  # DOT needs nothing
    assert code == 0 and (tmp_path / "g.dot").exists()


def test_text_rendering(invoke):
    code, out, _ = invoke("graph", SEED_1B)
    assert code == 0
    assert "computational graph of seed-1b (output l)" in out
    assert re.search(r"^    h1\s+2\*x\s+\S+\s+\S+$", out, re.M)
    assert "  forward edges:\n    x → h1\n" in out
    assert "  backprop (adjoint) flow from l:\n    l ⇢ h2   ∂l/∂h2 = h3\n" in out
    assert "    h2 ⇢ h1   ∂h2/∂h1 = 4*h1" in out
    assert "∂l/∂h1 = ∂l/∂h2·∂h2/∂h1 + ∂l/∂h3·∂h3/∂h1" in out


def test_json_and_dot_on_stdout(invoke):
    code, out, _ = invoke("graph", SEED_1B, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["output"] == "l"
    assert [n["name"] for n in data["nodes"]] == ["x", "y", "h1", "h2", "h3", "l"]
    assert {(e["parent"], e["child"]) for e in data["edges"]} == set(FORWARD)
    code, out, _ = invoke("graph", SEED_1B, "-o", "-")
    assert code == 0 and out.startswith("digraph ")


def test_usage_errors_are_exit_2(invoke, tmp_path):
    code, _, err = invoke("graph", SEED_1B, "-o", tmp_path / "g.jpeg")
    assert code == 2 and ".dot, .gv, .svg, .png or .pdf" in err
    code, _, err = invoke("graph", SEED_1B, "--of", "nope")
    assert code == 2 and "--of 'nope' is not an input or node" in err
    code, _, err = invoke("graph", tmp_path / "missing.yaml")
    assert code == 2 and "cannot read" in err


def test_adjoints_of_another_node(invoke):
    code, out, _ = invoke("graph", SEED_1B, "--of", "h3", "--format", "json")
    assert code == 0
    data = json.loads(out)
    adjoint = {n["name"]: n["adjoint"] for n in data["nodes"]}
    assert adjoint["h3"] == "1" and adjoint["h1"] == "1" and adjoint["y"] == "1"
    assert adjoint["h2"] == "" and adjoint["l"] == ""  # not on a path to h3
    assert all(e["gradient"] == (e["child"] in ("h3", "h1")) for e in data["edges"])


def test_help_imports_nothing_heavy():
    code = ("import sys; from derivcheck.cli import main_group; "
            "heavy = [m for m in ('sympy', 'numpy', 'rich') if m in sys.modules]; print(heavy)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]"


def test_a_network_picture_is_laid_out_for_reading(tmp_path):
    """Layers top to bottom, short labels, and at most 1600 px wide (graphviz scales to `size` at `dpi`)."""
    from pathlib import Path

    from click.testing import CliRunner

    from derivcheck.cli import main_group

    seed = Path(SEED_1B).parent / "ex2-becker-lecun-3layer.yaml"
    out = tmp_path / "net.dot"
    result = CliRunner().invoke(main_group, ["graph", str(seed), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    graph = re.search(r"graph \[([^\n]*)\];", text).group(1)
    assert "rankdir=TB" in graph
    width, dpi = float(re.search(r'size="([0-9.]+),', graph).group(1)), float(re.search(r"dpi=([0-9.]+)", graph).group(1))
    assert width * dpi <= 1600
    node_labels = [m.group(1) for m in re.finditer(r'^  "[^"]+" \[label="([^"]*)"', text, re.M)]
    assert len(node_labels) >= 10
    assert max(len(line) for label in node_labels for line in label.split("\\n")) <= 40
    if shutil.which("dot"):
        png = subprocess.run(["dot", "-Tpng", str(out)], capture_output=True, timeout=60).stdout
        assert int.from_bytes(png[16:20], "big") <= 1600  # the PNG header's width
