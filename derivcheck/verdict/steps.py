"""The chain-rule derivation as data (SPEC §4), the way solution 1b writes it.

Local partials on the paths from v to f (in node names and substituted), the path
sum factored in backprop order, the result before and after simplification, the
adjoint rule at each tensor node, and the backprop table at the first sample point.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import sympy as sp

from derivcheck.ops import OPS, fmt_shape
from derivcheck.results import Derivation, d
from derivcheck.safetext import bounded, number_text
from derivcheck.verdict.printing import latex, show

BAR = "\u0304"


def on_paths(sym, f: str, v: str) -> list:
    """User nodes that lie on some path from v to f, in dependency order."""
    below = set(sym.descendants(v)) | {v}
    above = {f}
    for node in reversed(sym.graph.node_names):
        if node in above:
            above.update(sym.parents[node])
    return [n for n in sym.graph.node_names if n in below and n in above]


def derive(checker, f: str, v: str, expand: bool = False, tex: bool = False) -> Derivation:
    """The steps of ∂f/∂v. A tensor problem gets its matrix form; the entry-wise steps are
    built only for scalars or with `expand` (they are what would otherwise be cut), and
    typeset as LaTeX only with `tex` (for the LaTeX and Markdown formats)."""
    from derivcheck.verdict.steps_matrix import adjoints, is_tensor

    sym = checker.sym
    nodes = on_paths(sym, f, v)
    tensor = is_tensor(sym, nodes + [v])
    matrix = adjoints(sym, f, v, nodes) if tensor else ()
    table, point = _table(checker, f, v, nodes)
    if tensor and not expand:
        return Derivation(f, v, (), "", "", "", (), table, point, adjoints=matrix, expanded=False)
    brief = (lambda text: text) if expand else bounded
    members = set(nodes) | {v}
    tex = Tex(sym) if tex else NoTex(sym)
    partials, partials_tex = [], []
    for child in reversed(nodes):
        for parent in sym.parents[child]:
            if parent in members:
                local = sym.local_jacobian(child, parent)
                substituted = sym.substitute(local)
                partials.append((child, parent, brief(show(local)), brief(show(substituted))))
                partials_tex.append((child, parent, tex(local), tex(substituted)))
    truth = sym.derivative(f, v)
    result = sym.substitute(truth)
    simplified = np.vectorize(_simplified, otypes=[object])(result) if result.size <= 64 else result
    rules = _rules(sym, f, nodes, v, tex)
    return Derivation(f, v, tuple(partials), _path_sum(sym, f, v, nodes), brief(show(truth)), brief(show(simplified)),
                      tuple((n, text) for n, text, _ in rules), table, point,
                      partials_latex=tuple(partials_tex),
                      path_sum_latex=_path_sum(sym, f, v, nodes, d=tex.partial, dot=" ", left="\\left(",
                                               right="\\right)"),
                      result_nodes_latex=tex(truth), result_latex=tex(simplified),
                      rules_latex=tuple((n, latex) for n, _, latex in rules), names_latex=dict(tex.names),
                      adjoints=matrix)


SIMPLIFY_OPS = 60
TERM_BUDGET = 400  # a polynomial is written expanded only when it has at most this many terms


def _simplified(e):
    """Expanded polynomials as on a solution sheet, within the term budget; simplify only small
    entries (it can take minutes), and never sign/Abs (simplify turns them into Piecewise)."""
    e = sp.sympify(e)
    if e.is_polynomial():
        return sp.expand(e) if expanded_terms(e) <= TERM_BUDGET else e
    if e.has(sp.Abs, sp.sign) or sp.count_ops(e) > SIMPLIFY_OPS:
        return e
    return sp.simplify(e)


def expanded_terms(e) -> int:
    """An upper bound on the terms of expand(e), from its tree alone ((a + b + c)^n has C(n+2, 2))."""
    from math import comb, prod

    if e.is_Add:
        return sum(expanded_terms(a) for a in e.args)
    if e.is_Mul:
        return prod(expanded_terms(a) for a in e.args)
    if e.is_Pow and e.exp.is_Integer and e.exp > 0:
        k = expanded_terms(e.base)
        return comb(int(e.exp) + k - 1, k - 1)
    return 1


class Tex:
    """sympy values as LaTeX with the problem's names written as on paper (h1 → h_{1}, W[1,2] → W_{1,2})."""

    def __init__(self, sym):
        from derivcheck.lang.texnames import name_latex

        self.name = name_latex
        self.names = {name: name_latex(name) for name in sym.symbols}
        self.symbol_names = {s: name_latex(str(s)) for array in sym.symbols.values() for s in array.flat}

    def expr(self, expr) -> str:
        return latex(sp.sympify(expr), order="grlex", symbol_names=self.symbol_names)

    def __call__(self, array) -> str:
        array = np.asarray(array, dtype=object)
        if array.ndim == 0:
            return self.expr(array[()])
        if array.size > 400 or array.ndim > 2:
            return "\\langle " + " \\times ".join(map(str, array.shape)) + "\\text{ tensor}\\rangle"
        rows = [[e] for e in array] if array.ndim == 1 else array.tolist()
        return latex(sp.Matrix(rows), order="grlex", symbol_names=self.symbol_names, mat_delim="[")

    def partial(self, f: str, v: str) -> str:
        return "\\frac{\\partial " + self.name(f) + "}{\\partial " + self.name(v) + "}"


class NoTex(Tex):
    """Where no LaTeX is printed (text, JSON): sympy's LaTeX of a large result costs more than the rest."""

    def expr(self, expr) -> str:
        return ""

    def __call__(self, array) -> str:
        return ""


def _path_sum(sym, f: str, v: str, nodes: list, *, d=d, dot: str = "·", left: str = "(", right: str = ")") -> str:
    """∂f/∂v as the sum over children of adjoint × local partial, factored in backprop order."""
    members = set(nodes) | {v}
    adjoint = {f: ""}
    for node in reversed(nodes):
        if node not in adjoint:
            continue
        for parent in sym.parents[node]:
            if parent not in members:
                continue
            factor = d(node, parent)
            prefix = adjoint[node]
            term = factor if not prefix else (f"{left}{prefix}{right}{dot}{factor}" if " + " in prefix
                                              else f"{prefix}{dot}{factor}")
            if prefix == "":
                term = d(f, parent) if node == f else factor
            adjoint[parent] = term if parent not in adjoint else f"{adjoint[parent]} + {term}"
    return adjoint.get(v, "0")


def _bar(name: str) -> str:
    return name + BAR


def _rules(sym, f: str, nodes: list, v: str, tex) -> list:
    """The adjoint rule applied at each tensor node, instantiated with the node's names: (node, text, LaTeX)."""
    from derivcheck.lang.texnames import rule_latex

    graph = sym.graph
    if all(graph.shapes[n] == () for n in nodes) and graph.shapes[v] == ():
        return []
    producer = graph.producer()
    names = frozenset(graph.shapes)
    rules = []
    for node in reversed(nodes):
        adj = sym.derivative(f, node) if node != f else None
        if adj is not None:
            text, latex = _recognize(sym, adj, node, tex)
            shape = fmt_shape(adj.shape)
            rules.append((node, f"{_bar(node)} = {d(f, node)} = {text} ({shape})",
                          f"\\bar{{{tex.name(node)}}} = {tex.partial(f, node)} = {latex} \\quad ({rule_latex(shape, names)})"))
        eqn = producer[node]
        if eqn.op in OPS and all(a in graph.inputs or a in graph.node_names for a in eqn.args) and len(eqn.args) <= 2:
            text = _instantiate(OPS[eqn.op].rule, eqn.args, node, graph)
            rules.append((node, text, rule_latex(text, names)))
    return rules


def _recognize(sym, adj: np.ndarray, node: str, tex) -> tuple:
    """A short name for an adjoint: k·node when it is a multiple of the node itself (text, LaTeX)."""
    own = sym.symbols[node]
    if adj.shape == own.shape and adj.size:
        ratios = {sp.simplify(a / s) for a, s in zip(adj.flat, own.flat)}
        if len(ratios) == 1:
            k = ratios.pop()
            if k.is_number:
                if k == 1:
                    return node, tex.name(node)
                return f"{k}{node}", f"{tex.expr(k)} {tex.name(node)}"
    return show(adj), tex(adj)


def _instantiate(rule: str, args: tuple, out: str, graph) -> str:
    """The op's rule with its operands' names: Ā += Ḡ Bᵀ becomes W̄ += ȳ xᵀ (s, the softmax, is the node)."""
    from derivcheck.verdict.steps_matrix import LETTER

    names = {"a": args[0], "b": args[1] if len(args) > 1 else None}

    def name(match):
        letter, bar = match.groups()
        target = out if letter in "gGs" else names.get(letter.lower()) or letter
        return _bar(target) if bar else target

    text = LETTER.sub(name, unicodedata.normalize("NFD", rule))
    if names["b"]:
        text = text.replace("ᵇ", f"^{names['b']}")
    text = unicodedata.normalize("NFC", text)
    shapes = ", ".join(f"{_bar(a)}: {fmt_shape(graph.shapes[a])}" for a in args if a in graph.shapes)
    return f"{text}   ({shapes})"


def _table(checker, f: str, v: str, nodes: list) -> tuple:
    """(name, value, adjoint) for v, the nodes on the paths, and f, at the first valid sample point."""
    for i in range(50):
        point = checker.point(i)
        env = checker.engine_env(point, 0)
        if env is None:
            continue
        engine = checker.engines[0]
        names = [v] + [n for n in nodes if n != v]
        rows = []
        fvalue = env[f]
        adjoints = engine.backward(env, {f: np.ones_like(fvalue)}, stop=None) if np.shape(fvalue) == () else {}
        for name in names:
            adj = adjoints.get(name)
            if name == v and v in checker.graph.node_names and adjoints:
                adj = engine.jacobian(env, f, v)
            rows.append((name, _num(env[name]), _num(adj) if adj is not None else "—"))
        shown = {k: _num(np.asarray(val, dtype=object).astype(float)) for k, val in point.items()}
        return tuple(rows), shown
    return (), {}


def _num(value) -> str:
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return number_text(array)
    if array.size > 12:
        return f"<{fmt_shape(array.shape)}>"
    return "[" + ", ".join(_num(x) for x in array) + "]"


def derivations_for(checker, expand: bool = False, tex: bool = False) -> list:
    """The steps solve prints: those of the derivative the problem is about — the output with
    respect to the first claimed input (else the first claim of the output, else the first claim)."""
    pairs = []
    for claim in checker.model.claims:
        if claim.error is None and len(claim.wrt) == 1 and (claim.of, claim.wrt[0]) not in pairs:
            pairs.append((claim.of, claim.wrt[0]))
    output = checker.model.output
    if not checker.model.claims and output:
        pairs = [(output, name) for name in checker.graph.inputs]
    chosen = ([p for p in pairs if p[0] == output and p[1] in checker.graph.inputs]
              or [p for p in pairs if p[0] == output] or pairs)
    return [derive(checker, *chosen[0], expand=expand, tex=tex)] if chosen else []
