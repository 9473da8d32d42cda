"""Tensor steps in matrix form, as a solution sheet writes them: ∂L/∂W = ∂L/∂y xᵀ = 2 y xᵀ.

Each adjoint on the paths from v to f is the sum of its children's contributions: the
child's op rule instantiated with the problem's own names. A child's adjoint is substituted
into its contributions only when it has a short form (2y, y − t), so entry-wise expansions
are never built: a sheet reads `2 y xᵀ`, not twelve sums of products.
"""

from __future__ import annotations

import re
import unicodedata
import numpy as np
import sympy as sp

from derivcheck.ops import OPS, fmt_shape
from derivcheck.results import LOCAL, Adjoint
from derivcheck.verdict.printing import show_expr

SHORT = 80  # a substituted form longer than this is kept as its ∂-name
RECOGNIZE_ENTRIES = 64  # recognising a short form looks at every entry: only small tensors
BAR = "\u0304"
HOLE = "\0"  # where the child's adjoint goes in an instantiated rule
_PART = re.compile(r"^([aAbB])\u0304\s*([+−])=\s*(.+)$")
LETTER = re.compile(r"(?<![A-Za-z])([aAbBgGs])(\u0304?)(?![A-Za-z])")


def is_tensor(sym, names) -> bool:
    return any(sym.graph.shapes[n] != () for n in names)


def adjoints(sym, f: str, v: str, nodes: list) -> tuple:
    """The adjoint of every name on the paths from v to f (f excluded), in backprop order."""
    producer = sym.graph.producer()
    members = set(nodes) | {v}
    order = [n for n in reversed(nodes) if n != f] + ([v] if v not in nodes else [])
    short: dict = {}  # name → (standalone text, text inside a product)
    out = []
    for u in order:
        named, substituted = [], []
        for child in (c for c in nodes if u in sym.parents[c] and c in members):
            for sign, template in _contributions(sym, producer, f, child, u):
                named.append((sign, template.replace(HOLE, f"∂{f}/∂{child}")))
                inner = short.get(child)
                if substituted is None:
                    continue  # one term has no short form: the sum has none
                if child == f:
                    substituted.append((sign, template))
                elif inner is not None and LOCAL not in template:
                    substituted.append((sign, _simplify_text(template.replace(HOLE, _wrap(inner[1], template)))))
                else:
                    substituted = None
        recognized = _recognize(sym, sym.derivative(f, u), u)
        if recognized is not None:
            short[u] = recognized
        elif substituted and len(_join(substituted)) <= SHORT and LOCAL not in _join(substituted):
            text = _join(substituted)
            short[u] = (text, text)
        terms = _join(named) or "0"
        out.append(Adjoint(u, terms, short[u][0] if u in short else "", fmt_shape(sym.graph.shapes[u])))
    return tuple(out)


def _join(terms: list) -> str:
    text = ""
    for sign, term in terms:
        if not text:
            text = ("−" if sign == "−" else "") + term
        else:
            text += f" {'−' if sign == '−' else '+'} {term}"
    return text


def _wrap(text: str, template: str) -> str:
    compound = any(op in text for op in (" + ", " − ", " - ")) or (text[:1] in "−-" and not template.startswith(HOLE))
    return f"({text})" if compound and template.strip() != HOLE else text


def _simplify_text(text: str) -> str:
    return text.replace("·1 ", " ").replace(" 1 ", " ")


def _contributions(sym, producer, f: str, child: str, u: str) -> list:
    """(sign, template) for each way u feeds child; HOLE stands for ∂f/∂child."""
    graph = sym.graph
    eqn = producer.get(child)
    if child == f:
        local = _recognize(sym, sym.local_jacobian(child, u), u) if graph.shapes[f] == () else None
        return [("+", local[0] if local else LOCAL)]
    if (graph.shapes[f] == () and eqn is not None and eqn.op in OPS and 1 <= len(eqn.args) <= 2
            and all(a in graph.shapes for a in eqn.args)):
        parts = _rule_parts(OPS[eqn.op].rule, eqn.args, child, u)
        if parts and graph.shapes[child] != () and graph.shapes[child] == graph.shapes[u]:
            parts = [(sign, text.replace("·", " ⊙ ")) for sign, text in parts]  # entry by entry
        if parts:
            return parts
    return [("+", f"{HOLE}·∂{child}/∂{u}")]


def _rule_parts(rule: str, args: tuple, out: str, u: str) -> list | None:
    """The parts `ā += …` of an op rule that give u's adjoint, with the problem's names."""
    names = {"a": args[0], "b": args[1] if len(args) > 1 else None}
    found = []
    for part in unicodedata.normalize("NFD", rule).split(";"):
        match = _PART.match(part.strip())
        if match is None or "=" in match.group(3):
            return None
        letter, sign, rhs = match.groups()
        if names.get(letter.lower()) != u:
            continue

        def name(m):
            ch, bar = m.group(1), m.group(2)
            if ch in "gG":
                return HOLE if bar else out
            if ch == "s":
                return out
            target = names.get(ch.lower())
            if target is None or bar:
                raise LookupError(ch)
            return target

        try:
            text = LETTER.sub(name, rhs).replace("ᵇ", f"^{names['b']}" if names["b"] else "ᵇ")
        except LookupError:
            return None
        found.append((sign, unicodedata.normalize("NFC", text)))
    return found or None


def _recognize(sym, array, own: str) -> tuple | None:
    """A short form of a tensor as a numeric combination of the problem's names of its shape
    (2y, y − t), or of a small scalar; None when there is none. (standalone, inside a product)."""
    array = np.asarray(array, dtype=object)
    if array.size == 0 or array.size > RECOGNIZE_ENTRIES:
        return None
    if array.ndim == 0:
        expr = sp.sympify(array[()])
        text = show_expr(expr)
        return (text, text) if len(text) <= SHORT else None
    candidates = [(own, sym.symbols[own])] + [(n, s) for n, s in sym.symbols.items() if n != own and s.shape == array.shape]
    candidates += [(n + "ᵀ", s.T) for n, s in sym.symbols.items() if s.ndim == 2 and s.shape[::-1] == array.shape]
    first = sp.expand(sp.sympify(array.flat[0]))
    combination, total = [], np.zeros(array.shape, dtype=object)
    for name, symbols in candidates:
        if symbols.shape != array.shape:
            continue
        k = sp.diff(first, symbols.flat[0])
        if k != 0:
            if not k.is_number:
                return None
            combination.append((k, name))
            total = total + symbols * k
    if not combination or any(sp.expand(a - b) != 0 for a, b in zip(array.flat, total.flat)):
        return None
    combination.sort(key=lambda term: bool(term[0].is_negative))  # y − t, as written, not −t + y
    return _combination_text(combination, ""), _combination_text(combination, " ")


def _combination_text(combination: list, gap: str) -> str:
    text = ""
    for k, name in combination:
        negative = k < 0
        k = -k if negative else k
        term = name if k == 1 else f"{show_expr(k)}{gap if len(name.rstrip('ᵀ')) == 1 else ' '}{name}"
        if not text:
            text = ("−" if negative else "") + term
        else:
            text += f" {'−' if negative else '+'} {term}"
    return text
