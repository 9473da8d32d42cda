"""`derivcheck graph`: the computational DAG with its gradient flow (the seed's Figure 1).

`build_graph` computes plain data from a Checker (forward values and adjoints from
derivcheck's own engine at the first sample point, local partials from the sympy
side); `to_dot` and `text_lines` render that data without importing anything heavy.
Forward edges are black and solid; the backprop (adjoint) flow runs the other way,
green and dashed, each edge labelled with the local partial it multiplies by.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from derivcheck.results import d

FORWARD_COLOR = "black"
GRADIENT_COLOR = "#2e8b57"  # green, as the chain rule in the seed's Figure 1
MAX_LABEL = 48
LABEL = 28  # a node label's line: the picture of a 3-layer network stays readable at 1600 px
PICTURE_INCHES = 16  # graphviz scales a wider picture down to this (at DPI: 1536 px)
DPI = 96


@dataclass(frozen=True)
class GraphNode:
    name: str
    kind: str  # input | node
    expression: str  # the node's expression as written; "" for an input
    shape: str  # "scalar", "vector[3]", "3×4"
    value: str  # at the sample point
    adjoint: str  # ∂output/∂node at the sample point ("" when not on a path to the output)
    parents: tuple


@dataclass(frozen=True)
class GraphEdge:
    parent: str
    child: str
    partial: str  # the local partial ∂child/∂parent in node names ("" for tensors or when long)
    gradient: bool  # the adjoint flows back along this edge (child lies on a path to the output)


@dataclass(frozen=True)
class GraphData:
    id: str
    title: str
    output: str
    nodes: tuple
    edges: tuple
    point: dict  # input name → printed value


def _shape(shape: tuple) -> str:
    if shape == ():
        return "scalar"
    if len(shape) == 1:
        return f"vector[{shape[0]}]"
    return "×".join(map(str, shape))


def build_graph(checker, output: str | None = None) -> GraphData:
    """Values and adjoints at the first valid sample point (the point `derivcheck steps` uses)."""
    import numpy as np

    from derivcheck.verdict.printing import show
    from derivcheck.verdict.steps import _num

    model, graph, sym = checker.model, checker.graph, checker.sym
    output = output or model.output
    names = list(graph.inputs) + list(graph.node_names)
    upstream = set()  # names from which the output can be reached (the output included)
    if output:
        upstream = {output}
        for node in reversed(graph.node_names):
            if node in upstream:
                upstream.update(graph.node_parents[node])
    env, point = None, {}
    for i in range(50):
        candidate = checker.point(i)
        env = checker.engine_env(candidate, 0)
        if env is not None:
            point = {k: _num(np.asarray(v, dtype=object).astype(float)) for k, v in candidate.items()}
            break
    adjoints: dict = {}
    if env is not None and output:
        engine = checker.engines[0]
        if np.shape(env[output]) == ():
            adjoints = engine.backward(env, {output: np.ones_like(env[output])}, stop=None)
            adjoints.setdefault(output, np.ones(()))
        else:
            adjoints = {n: engine.jacobian(env, output, n) for n in names if n in upstream}
    nodes = []
    for name in names:
        adjoint = ""
        if name in upstream:
            adjoint = _num(adjoints[name]) if name in adjoints else _num(np.zeros(np.shape(env[name]))) if env else ""
        nodes.append(GraphNode(name, "input" if name in graph.inputs else "node", graph.node_text.get(name, ""),
                               _shape(graph.shapes[name]), _num(env[name]) if env is not None else "",
                               adjoint, tuple(graph.node_parents.get(name, ()))))
    edges = []
    for node in graph.node_names:
        for parent in graph.node_parents[node]:
            text = ""
            if graph.shapes[node] == () and graph.shapes[parent] == ():
                text = show(sym.local_jacobian(node, parent))
                text = "" if len(text) > MAX_LABEL else text
            edges.append(GraphEdge(parent, node, text, node in upstream))
    return GraphData(model.problem.id, model.problem.title or "", output or "", tuple(nodes), tuple(edges), point)


# --- rendering (no numpy, sympy or rich) -------------------------------------------
def _quote(text: str) -> str:
    """A DOT double-quoted string; lines are joined with DOT's centred line break."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _short(text: str, limit: int = MAX_LABEL) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def node_label(data: GraphData, n: GraphNode) -> str:
    """Short lines: the node (its expression, its shape), its value, its adjoint."""
    head = n.name if n.kind == "input" else f"{n.name} = {_short(n.expression, LABEL)}"
    if n.shape != "scalar":
        head += f" ({n.shape})"
    lines = [head]
    if n.value:
        lines.append(f"value {_short(n.value, LABEL)}")
    if n.adjoint and data.output:
        lines.append(f"{d(data.output, n.name)} = {_short(n.adjoint, LABEL)}")
    return "\n".join(lines)


def edge_label(e: GraphEdge) -> str:
    return f"{d(e.child, e.parent)} = {e.partial}" if e.partial else d(e.child, e.parent)


def to_dot(data: GraphData) -> str:
    """Graphviz DOT: forward edges black and solid, the backprop flow green and dashed."""
    title = data.title or data.id
    legend = "forward: black, solid; backprop (adjoint) flow: green, dashed"
    if data.point:  # one input a line, so the legend is no wider than a node
        legend += "".join(f"\n{k} = {_short(v, LABEL)}" for k, v in data.point.items())
    out = [f"digraph {_quote(data.id or 'derivcheck')} {{",
           f"  graph [rankdir=TB, size=\"{PICTURE_INCHES},100\", dpi={DPI}, nodesep=0.25, ranksep=0.45, "
           f"fontname=\"Helvetica\", labelloc=t, label={_quote(_short(title, 80) + chr(10) + legend)}];",
           "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f5f5f5\", fontname=\"Helvetica\", fontsize=11];",
           "  edge [fontname=\"Helvetica\", fontsize=10];"]
    for n in data.nodes:
        attrs = [f"label={_quote(node_label(data, n))}"]
        if n.kind == "input":
            attrs.append("shape=ellipse")
        if n.name == data.output:
            attrs.append("penwidth=2")
        out.append(f"  {_quote(n.name)} [{', '.join(attrs)}];")
    out.append("  // forward edges")
    for e in data.edges:
        out.append(f"  {_quote(e.parent)} -> {_quote(e.child)} [color={FORWARD_COLOR}, style=solid, penwidth=1.2];")
    if data.output:
        out.append(f"  // backprop (adjoint) flow from {data.output}: each parent's adjoint collects child adjoint × local partial")
        for e in backprop_order(data):
            if e.gradient:
                out.append(f"  {_quote(e.child)} -> {_quote(e.parent)} [color={_quote(GRADIENT_COLOR)}, "
                           f"fontcolor={_quote(GRADIENT_COLOR)}, style=dashed, constraint=false, "
                           f"label={_quote(edge_label(e))}];")
    out.append("}")
    return "\n".join(out) + "\n"


def adjoint_formula(data: GraphData, name: str) -> str:
    """∂out/∂name = Σ over the children of name on paths to out of ∂out/∂child·∂child/∂name."""
    out = data.output
    terms = [f"{d(out, e.child)}·{d(e.child, e.parent)}" if e.child != out else d(out, e.parent)
             for e in data.edges if e.parent == name and e.gradient]
    return f"{d(out, name)} = " + " + ".join(terms) if terms else ""


def backprop_order(data: GraphData) -> list:
    """The gradient edges in the order backprop uses them: from the output towards the inputs."""
    rank = {n.name: i for i, n in enumerate(data.nodes)}
    edges = [e for e in data.edges if e.gradient]
    return sorted(edges, key=lambda e: (-rank[e.child], data.nodes[rank[e.child]].parents.index(e.parent)
                                        if e.parent in data.nodes[rank[e.child]].parents else 0))


def text_lines(data: GraphData) -> list:
    """(text, style) lines for the terminal: the node table, forward edges, backprop flow."""
    lines = [(f"computational graph of {data.id}" + (f" (output {data.output})" if data.output else ""), "bold")]
    if data.title:
        lines.append((f"  {data.title}", "dim"))
    if data.point:
        lines.append(("  at " + ", ".join(f"{k} = {v}" for k, v in data.point.items()), ""))
    name_w = max([len(n.name) for n in data.nodes] + [4])
    expr_w = min(max([len(n.expression) for n in data.nodes] + [10]), 40)
    value_w = min(max([len(n.value) for n in data.nodes] + [5]), 40)
    header = f"    {'node':<{name_w}}  {'expression':<{expr_w}}  {'value':>{value_w}}"
    if data.output:
        header += f"  adjoint ∂{data.output}/∂node"
    lines.append(("", ""))
    lines.append((header, "dim"))
    for n in data.nodes:
        expr = "(input)" if n.kind == "input" else _short(n.expression, 40)
        row = f"    {n.name:<{name_w}}  {expr:<{expr_w}}  {_short(n.value, 40):>{value_w}}"
        if data.output:
            row += f"  {_short(n.adjoint, 60) if n.adjoint else '—'}"
        lines.append((row, ""))
    lines.append(("", ""))
    lines.append(("  forward edges:", "bold"))
    for e in data.edges:
        lines.append((f"    {e.parent} → {e.child}", ""))
    if data.output:
        lines.append(("", ""))
        lines.append((f"  backprop (adjoint) flow from {data.output}:", "bold green"))
        for e in backprop_order(data):
            lines.append((f"    {e.child} ⇢ {e.parent}   {edge_label(e)}", "green"))
        formulas = [adjoint_formula(data, n.name) for n in reversed(data.nodes) if n.name != data.output]
        formulas = [f for f in formulas if f and f.count("∂") > 4]
        if formulas:
            lines.append(("  adjoints (sum over the children):", "bold green"))
            lines.extend((f"    {f}", "green") for f in formulas)
    return lines


def to_json(data: GraphData) -> dict:
    return asdict(data)
