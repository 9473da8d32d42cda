"""A validated Problem → a Model: the Graph of its nodes and the compiled claims.

Node expressions are parsed, sorted by dependency (iteratively: a 5,000-node
chain must work), and lowered. Errors in nodes stop the file; errors in a claim
only make that claim an `error`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from derivcheck.lang import exprs
from derivcheck.lang.errors import ExprError, LocatedError, suggest
from derivcheck.lang.ir import Graph, ShapeMismatch, lower_into
from derivcheck.lang.problem import ClaimSpec, Problem, Text

MAX_NODES = 20_000
MAX_ENTRIES = 1_000_000


@dataclass
class CompiledClaim:
    spec: ClaimSpec
    of: str = ""
    wrt: tuple = ()
    eqns: list = field(default_factory=list)
    target: str = ""
    shape: tuple = ()  # the claim's own shape, as written
    expected: tuple = ()  # the derivative's shape, of-first
    reading: str = ""  # what a latex claim was read as
    error: LocatedError | None = None
    misfit: LocatedError | None = None  # the claim reads, but its shapes do not fit: it is wrong


@dataclass
class Model:
    problem: Problem
    graph: Graph
    output: str | None
    claims: list
    domains: dict
    points: list = field(default_factory=list)


def parse_at(text: Text, **kwargs):
    try:
        return exprs.parse(text.text, **kwargs)
    except ExprError as exc:
        raise LocatedError(exc.message, *text.locate(exc.offset)) from None


def build(problem: Problem) -> Model:
    from derivcheck.lang.network import expand

    problem = expand(problem)
    size = sum(math.prod(spec.shape) for spec in problem.inputs)
    if size > MAX_ENTRIES:
        raise LocatedError(f"the inputs have {size} entries in all; the limit is {MAX_ENTRIES}", 1, 1)
    if len(problem.nodes) > MAX_NODES:
        raise LocatedError(f"more than {MAX_NODES} nodes", 1, 1)
    graph = Graph(inputs={s.name: s.shape for s in problem.inputs}, functions=frozenset(problem.functions),
                  dims=dict(problem.dims))
    parsed = {name: (text, parse_at(text)) for name, text in problem.nodes}
    known = set(graph.inputs) | set(parsed)
    for name, (text, expr) in parsed.items():
        for ref in exprs.names_in(expr):
            if ref.id not in known and ref.id != "pi" and ref.id not in graph.dims:
                hint = suggest(ref.id, known)
                raise LocatedError(f"node {name!r} uses the unknown name {ref.id!r}{hint}", *text.locate(ref.pos))
        graph.node_parents[name] = list(dict.fromkeys(r.id for r in exprs.names_in(expr) if r.id in known))
    for name in _dependency_order(parsed, graph.node_parents):
        text, expr = parsed[name]
        try:
            lower_into(graph, name, expr, known=graph.shapes)
        except ExprError as exc:
            raise LocatedError(f"node {name!r}: {exc.message}", *text.locate(exc.offset)) from None
        graph.node_names.append(name)
        graph.node_text[name] = text.text
    graph.freeze()
    output = _output(problem, graph)
    claims = [compile_claim(spec, graph, output, problem) for spec in problem.claims]
    domains = {s.name: s.domain for s in problem.inputs}
    return Model(problem, graph, output, claims, domains, read_points(problem))


def read_points(problem: Problem) -> list:
    """`points:` → input name → object array of Fractions; every input must be given (or fixed)."""
    specs = {s.name: s for s in problem.inputs}
    out = []
    for n, entries in enumerate(problem.points):
        point = {}
        for name, (written, line, col) in entries.items():
            if name not in specs:
                raise LocatedError(f"point {n + 1}: {name!r} is not an input{suggest(name, specs)}", line, col)
            if specs[name].value is not None:
                raise LocatedError(f"point {n + 1} sets {name!r}, which has a fixed `value`; leave it out of "
                                   "`points` (fixed inputs are never sampled)", line, col)
            point[name] = np.array(written.shaped(specs[name].shape, name), dtype=object)
            outside = _outside(point[name], specs[name].domain)
            if outside:
                raise LocatedError(f"point {n + 1}: {name} = {outside} is outside its domain "
                                   f"{_domain_text(specs[name].domain)}", line, col)
        for name, spec in specs.items():
            if name not in point:
                if spec.value is None:
                    raise LocatedError(f"point {n + 1} gives no value for input {name!r}", *_first_position(entries))
                point[name] = np.array(spec.value, dtype=object)
        out.append(point)
    return out


def _outside(value: np.ndarray, domain) -> str:
    """The first entry of a point's value outside the input's domain, as text ('' when inside)."""
    if isinstance(domain, tuple):
        inside = lambda v: domain[0] < v < domain[1]  # noqa: E731
    else:
        inside = {"positive": lambda v: v > 0, "negative": lambda v: v < 0,
                  "nonzero": lambda v: v != 0}.get(domain)
    if inside is not None:
        bad = next((v for v in value.flat if not inside(v)), None)
        if bad is not None:
            return str(bad)
    if domain in ("symmetric", "spd") and not np.array_equal(value, value.T):
        return "a matrix that is not symmetric"
    if domain == "spd" and np.linalg.eigvalsh(value.astype(float)).min() <= 0:
        return "a matrix that is not positive definite"
    return ""


def _domain_text(domain) -> str:
    return f"({domain[0]}, {domain[1]})" if isinstance(domain, tuple) else str(domain)


def _first_position(entries: dict) -> tuple:
    return next(((line, col) for _, line, col in entries.values()), (1, 1))


def _dependency_order(parsed: dict, parents: dict) -> list:
    """Nodes so that each comes after the nodes it uses; a cycle is an error naming it."""
    order, state = [], {}
    for start in parsed:
        if state.get(start) == "done":
            continue
        stack = [(start, iter(parents[start]))]
        state[start] = "open"
        while stack:
            node, children = stack[-1]
            child = next((c for c in children if c in parsed and state.get(c) != "done"), None)
            if child is None:
                stack.pop()
                state[node] = "done"
                order.append(node)
            elif state.get(child) == "open":
                path = [n for n, _ in stack]
                cycle = path[path.index(child):] + [child]
                text = parsed[node][0]
                raise LocatedError(f"the nodes form a cycle: {' → '.join(cycle)}", text.line, text.col)
            else:
                state[child] = "open"
                stack.append((child, iter(parents[child])))
    return order


def _output(problem: Problem, graph: Graph) -> str | None:
    if problem.output is not None:
        name = problem.output.text
        if name not in graph.shapes or name not in graph.node_names and name not in graph.inputs:
            raise LocatedError(f"output {name!r} is not a node{suggest(name, graph.node_names)}", problem.output.line, problem.output.col)
        return name
    used = {p for parents in graph.node_parents.values() for p in parents}
    sinks = [n for n in graph.node_names if n not in used]
    return sinks[0] if len(sinks) == 1 else None


def compile_claim(spec: ClaimSpec, graph: Graph, output: str | None, problem: Problem) -> CompiledClaim:
    claim = CompiledClaim(spec)
    try:
        _compile(claim, graph, output, problem)
    except LocatedError as exc:
        claim.error = exc
    return claim


def _name(text: Text, graph: Graph, what: str) -> str:
    if text.text not in graph.shapes or "#" in text.text:
        known = [*graph.inputs, *graph.node_names]
        raise LocatedError(f"{what} {text.text!r} is not an input or node{suggest(text.text, known)}", text.line, text.col)
    return text.text


def _compile(claim: CompiledClaim, graph: Graph, output: str | None, problem: Problem) -> None:
    spec = claim.spec
    if spec.of is None:
        if output is None:
            sinks = [n for n in graph.node_names if n not in {p for ps in graph.node_parents.values() for p in ps}]
            raise LocatedError(
                f"claim {spec.index + 1} has no `of` and the problem has no single output "
                f"(candidates: {', '.join(sinks) or 'none'}); add `of:` or `output:`", spec.line, spec.col)
        claim.of = output
    else:
        claim.of = _name(spec.of, graph, "of")
    claim.wrt = tuple(_name(w, graph, "wrt") for w in spec.wrt)
    fshape = graph.shapes[claim.of]
    shapes = [graph.shapes[w] for w in claim.wrt]
    if spec.diagonal:
        if fshape != () or shapes[0] != shapes[1] or claim.wrt[0] != claim.wrt[1]:
            raise LocatedError("diagonal: true needs a scalar `of` and wrt: [v, v]", spec.line, spec.col)
        claim.expected = shapes[0]
    else:
        claim.expected = fshape + sum(shapes, ())
    claim.target = f"claim{spec.index}"
    known = dict(graph.shapes)
    known = {k: v for k, v in known.items() if "#" not in k}
    if spec.kind == "entries":
        from derivcheck.lang.entries import lower_entries

        claim.eqns = lower_entries(claim, graph, known, parse_at)
    else:
        body = spec.body
        if spec.kind == "latex":
            body = _translate_latex(spec.body, graph, problem, claim)
        expr = parse_at(body, claim=True)
        for ref in exprs.names_in(expr):  # unknown names are errors even after a shape misfit
            if ref.id not in known and ref.id not in graph.dims and ref.id != "pi":
                raise LocatedError(f"unknown name {ref.id!r}{suggest(ref.id, known)}", *body.locate(ref.pos))
        try:
            claim.eqns = lower_into(graph.scratch(), claim.target, expr, known=known)
        except ShapeMismatch as exc:
            claim.misfit, claim.shape = LocatedError(exc.message, *body.locate(exc.offset)), None
            return
        except ExprError as exc:
            raise LocatedError(exc.message, *body.locate(exc.offset)) from None
    claim.shape = claim.eqns[-1].shape


def _translate_latex(body: Text, graph: Graph, problem: Problem, claim: CompiledClaim) -> Text:
    from derivcheck.lang.latex import LatexError, to_expression

    shapes = {n: s for n, s in graph.shapes.items() if "#" not in n}
    shapes.update({d: () for d in graph.dims if d not in shapes})  # dim names are integer constants
    try:
        text = to_expression(body.text, names=frozenset(shapes), functions=frozenset(problem.functions), shapes=shapes)
    except LatexError as exc:
        raise LocatedError(f"LaTeX: {exc.message}", *body.locate(max(exc.col - 1, 0))) from None
    claim.reading = text
    return Text(text, body.line, body.col, True)
