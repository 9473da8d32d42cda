"""Worked solutions as LaTeX: an `align*` fragment ready to paste into a sheet.

Nothing here imports sympy, numpy or rich. The derivation's expressions arrive as
LaTeX strings computed where the Derivation is built (derivcheck.verdict.steps, with sympy's
`latex()`); claims are rendered from derivcheck's own expression tree (`exprs.parse`,
no eval), so a claim reads as it was written, not as sympy would simplify it.

The fragment needs `amsmath` (for `align*`); nothing else.
"""

from __future__ import annotations

import ast
import re
from fractions import Fraction

from derivcheck.lang.texnames import escape_text, name_latex
from derivcheck.ops import AXIS_FUNCTIONS, LATEX
from derivcheck.safetext import one_line

VERDICT_WORDS = {"proved": "proved", "verified": "verified numerically", "expected-fail": "wrong, as expected",
                 "approximate": "approximation", "wrong": "wrong", "error": "error",
                 "inconsistent": "inconsistent", "undecided": "undecided"}


# --- names -------------------------------------------------------------------
def partial(f: str, v: str) -> str:
    """∂f/∂v as a fraction in LaTeX (names already plain identifiers)."""
    return "\\frac{\\partial " + name_latex(f) + "}{\\partial " + name_latex(v) + "}"


def inline_partial(f: str, v: str) -> str:
    """∂f/∂v with a slash, for running text."""
    return "\\partial " + name_latex(f) + "/\\partial " + name_latex(v)


def derivative_latex(of: str, wrt, inline: bool = False) -> str:
    """The left-hand side of a claim: ∂f/∂v, or ∂²f/∂u∂v for a second derivative."""
    wrt = list(wrt)
    if len(wrt) == 1:
        return inline_partial(of, wrt[0]) if inline else partial(of, wrt[0])
    u, v = wrt
    below = ("\\partial " + name_latex(u) + "^{2}") if u == v else \
        ("\\partial " + name_latex(u) + " \\, \\partial " + name_latex(v))
    return "\\frac{\\partial^{2} " + name_latex(of) + "}{" + below + "}"


def texttt(text: str) -> str:
    return "\\texttt{" + escape_text(text) + "}"


def value_latex(text: str) -> str:
    """A printed number or array (`0.35`, `[1, 2]`, `<3×4>`, `—`) in math mode."""
    text = str(text)
    if text in ("—", "-", ""):
        return "\\text{---}"
    text = text.replace("×", " \\times ").replace("<", "\\langle ").replace(">", " \\rangle")
    text = re.sub(r"\bnan\b", "\\\\mathrm{nan}", text)
    text = re.sub(r"\binf\b", "\\\\infty", text)
    return re.sub(r"(\d)e([+-]?\d+)", r"\1 \\cdot 10^{\2}", text)


# --- expressions of derivcheck's language ------------------------------------------
ATOM, POW, NEG, MUL, HADAMARD, ADD = 6, 5, 4, 3, 2, 1

_NAMED = {**LATEX, "tr": LATEX["trace"], "Max": LATEX["max"], "Min": LATEX["min"]}  # the op table's spellings


def _paren(text: str) -> str:
    return "\\left(" + text + "\\right)"


class _ToLatex:
    def __init__(self, exprs_module, tensors=frozenset()):
        self.e = exprs_module
        self.tensors = tensors  # names known to be vectors or matrices: their elementwise product is \odot

    def tensor(self, node) -> bool:
        """Whether node may be a tensor: it names one (a scalar juxtaposed with a tensor multiplies)."""
        return isinstance(node, self.e.Literal) or any(n.id in self.tensors for n in self.e.names_in(node))

    def wrap(self, node, least: int) -> str:
        text, prec = self.visit(node)
        return _paren(text) if prec < least else text

    def visit(self, node) -> tuple:
        e = self.e
        if isinstance(node, e.Num):
            return self.number(node.value)
        if isinstance(node, e.Name):
            return ("\\pi" if node.id == "pi" else name_latex(node.id)), ATOM
        if isinstance(node, e.Neg):
            return "-" + self.wrap(node.operand, MUL + 1 if not isinstance(node.operand, e.Bin) or node.operand.op in "*/@"
                                   else POW), NEG
        if isinstance(node, e.Transpose):
            return self.power_base(node.operand) + "^{\\top}", POW
        if isinstance(node, e.Bin):
            return self.binary(node)
        if isinstance(node, e.Literal):
            rows = node.rows if node.matrix else [(entry,) for entry in node.rows]
            body = " \\\\ ".join(" & ".join(self.visit(entry)[0] for entry in row) for row in rows)
            return "\\begin{bmatrix}" + body + "\\end{bmatrix}", ATOM
        if isinstance(node, e.Index):
            base = name_latex(node.base)
            base = "{" + base + "}" if "_" in base else base
            return base + "_{" + ",".join(":" if isinstance(i, e.Colon) else self.visit(i)[0]
                                          for i in node.indices) + "}", ATOM
        if isinstance(node, e.Call):
            return self.call(node)
        raise ValueError(type(node).__name__)

    def number(self, value: Fraction) -> tuple:
        sign = "-" if value < 0 else ""
        value = abs(value)
        if value.denominator == 1:
            text = str(value.numerator)
        else:
            den, twos, fives = value.denominator, 0, 0
            while den % 2 == 0:
                den, twos = den // 2, twos + 1
            while den % 5 == 0:
                den, fives = den // 5, fives + 1
            places = max(twos, fives)
            if den == 1 and places <= 12:
                scaled = value * 10**places
                digits = str(scaled.numerator).rjust(places + 1, "0")
                text = (digits[:-places] + "." + digits[-places:]).rstrip("0").rstrip(".")
            else:
                return sign + "\\frac{" + str(value.numerator) + "}{" + str(value.denominator) + "}", (NEG if sign else ATOM)
        return sign + text, (NEG if sign else ATOM)

    def power_base(self, node) -> str:
        e = self.e
        text, prec = self.visit(node)
        simple = isinstance(node, (e.Name, e.Index)) or (isinstance(node, e.Num) and node.value >= 0 and prec == ATOM
                                                           and "frac" not in text)
        return text if simple else _paren(text)

    def binary(self, node) -> tuple:
        e = self.e
        op = node.op
        if op == "+":
            left = self.wrap(node.left, ADD)
            if isinstance(node.right, e.Neg):
                return left + " - " + self.wrap(node.right.operand, MUL), ADD
            if isinstance(node.right, e.Num) and node.right.value < 0:
                return left + " - " + self.number(-node.right.value)[0], ADD
            return left + " + " + self.wrap(node.right, ADD), ADD
        if op == "-":
            return self.wrap(node.left, ADD) + " - " + self.wrap(node.right, MUL), ADD
        if op == "/":
            return "\\frac{" + self.visit(node.left)[0] + "}{" + self.visit(node.right)[0] + "}", ATOM
        if op == "**":
            exponent = self.visit(node.right)[0]
            return self.power_base(node.left) + "^{" + exponent + "}", POW
        if op == "*" and self.tensor(node.left) and self.tensor(node.right):
            # elementwise: \odot, which binds looser than juxtaposition (matrix products) when read back
            return self.wrap(node.left, HADAMARD) + " \\odot " + self.wrap(node.right, MUL), HADAMARD
        left = self.wrap(node.left, MUL)
        right = self.wrap(node.right, MUL + 1 if op == "@" else MUL)
        if isinstance(node.right, e.Neg) or (isinstance(node.right, e.Num) and node.right.value < 0):
            right = _paren(self.visit(node.right)[0])
        glue = " \\cdot " if right[:1].isdigit() or right.startswith("-") or left.endswith(("\\sigma", "\\delta")) \
            else " "
        return left + glue + right, MUL

    def call(self, node) -> tuple:
        fn, args = node.fn, node.args
        text = [self.visit(a)[0] for a in args]
        if fn == "grad" and len(args) == 2:
            return self.partial_of(args[0], "\\partial " + text[1]), ATOM
        if fn == "hess" and len(args) == 3:
            below = ("\\partial " + text[1] + "^{2}") if text[1] == text[2] else \
                ("\\partial " + text[1] + " \\, \\partial " + text[2])
            return self.partial_of(args[0], below, order=2), ATOM
        if fn == "hessdiag" and len(args) == 2:
            return "\\operatorname{diag}" + self.partial_of(args[0], "\\partial " + text[1] + "^{2}", order=2), ATOM
        if node.prime:
            head = _NAMED.get(fn) or name_latex(fn)
            return head + "'" * node.prime + _paren(", ".join(text)), ATOM
        if fn == "sqrt" and len(args) == 1:
            return "\\sqrt{" + text[0] + "}", ATOM
        if fn in ("abs", "Abs") and len(args) == 1:
            return "\\left|" + text[0] + "\\right|", ATOM
        if fn == "norm" and len(args) == 1:
            return "\\left\\|" + text[0] + "\\right\\|", ATOM
        if fn == "inv" and len(args) == 1:
            return self.power_base(args[0]) + "^{-1}", POW
        if fn == "transpose" and len(args) == 1:
            return self.power_base(args[0]) + "^{\\top}", POW
        if fn == "logdet" and len(args) == 1:
            return "\\log\\left|\\det " + self.power_base(args[0]) + "\\right|", ATOM
        if fn == "dot" and len(args) == 2:
            return self.power_base(args[0]) + "^{\\top} " + self.wrap(args[1], MUL + 1), MUL
        if fn == "outer" and len(args) == 2:
            return self.wrap(args[0], MUL + 1) + " " + self.power_base(args[1]) + "^{\\top}", MUL
        if fn == "eye" and len(args) == 1:
            return "I_{" + text[0] + "}", ATOM
        if fn == "ones" and len(args) == 1:
            return "\\mathbf{1}_{" + text[0] + "}", ATOM
        if fn == "delta" and len(args) == 2:
            return "\\delta_{" + text[0] + " " + text[1] + "}", ATOM
        if fn in AXIS_FUNCTIONS and node.axis is not None:
            head = "\\operatorname{" + fn + "}_{\\text{axis}=" + str(node.axis) + "}"
            return head + _paren(", ".join(text)), ATOM
        if fn == "sum":
            return "\\operatorname{sum}" + _paren(", ".join(text)), ATOM
        head = _NAMED.get(fn)
        if head is None:
            head = name_latex(fn) if re.fullmatch(r"[A-Za-z]", fn) else "\\operatorname{" + fn + "}"
        return head + _paren(", ".join(text)), ATOM

    def partial_of(self, f, below: str, order: int = 1) -> str:
        top = "\\partial" if order == 1 else "\\partial^{2}"
        if isinstance(f, self.e.Name):
            return "\\frac{" + top + " " + name_latex(f.id) + "}{" + below + "}"
        return "\\frac{" + top + "}{" + below + "}" + _paren(self.visit(f)[0])


def expr_latex(text: str, tensors=frozenset()) -> str:
    """An expression of derivcheck's language (or sympy's printout of one) as LaTeX.

    Lists (`[[a, b], [c, d]]`, as printed for matrices) become matrices. Anything that
    does not parse is shown verbatim in `\\texttt`, never guessed at.
    """
    text = str(text).strip()
    if not text:
        return "\\text{---}"
    try:
        return _expr(text, tensors)
    except Exception:  # noqa: BLE001 - not in the language: a printed array, else shown verbatim
        pass
    try:
        return _array_latex(text) if text.startswith("[") else texttt(text)
    except Exception:  # noqa: BLE001
        return texttt(text)


def _expr(text: str, tensors=frozenset()) -> str:
    from derivcheck.lang import exprs

    tree = exprs.parse(text, entries=True, claim=True)
    return _ToLatex(exprs, tensors).visit(tree)[0]


def _array_latex(text: str) -> str:
    if len(text) > 20_000:
        raise ValueError("too long")
    tree = ast.parse(text, mode="eval").body
    if not isinstance(tree, ast.List):
        raise ValueError("not a list")

    def leaf(node) -> str:
        return _expr(ast.get_source_segment(text, node))

    if all(isinstance(el, ast.List) for el in tree.elts) and tree.elts:
        if any(isinstance(x, ast.List) for row in tree.elts for x in row.elts):
            raise ValueError("tensor")
        rows = [" & ".join(leaf(x) for x in row.elts) for row in tree.elts]
    else:
        rows = [leaf(x) for x in tree.elts]
    return "\\begin{bmatrix}" + " \\\\ ".join(rows) + "\\end{bmatrix}"


# --- rendering ------------------------------------------------------------------------
def derivation_rows(dv) -> list:
    """(lhs, rhs) rows of the derivation: local partials, path sum, result (LaTeX strings)."""
    rows = []
    for child, parent, named, substituted in dv.partials_latex:
        rows.append((partial(child, parent), named if named == substituted else f"{named} = {substituted}"))
    rows.append(None)  # a gap between the partials and the path sum
    rows.append((partial(dv.of, dv.wrt), dv.path_sum_latex))
    for step in (dv.result_nodes_latex, dv.result_latex):
        if step and step != rows[-1][1]:
            rows.append(("", step))
    return rows


def align_block(rows: list, env: str = "align*") -> str:
    lines = ["\\begin{" + env + "}"]
    body = []
    gap = False
    for row in rows:
        if row is None:
            gap = bool(body)
            continue
        lhs, rhs = row[0], row[1]
        note = row[2] if len(row) > 2 else ""
        line = f"  {lhs} &= {rhs}" + (f" && {note}" if note else "")
        if body:
            body[-1] += " \\\\[4pt]" if gap else " \\\\"
        body.append(line)
        gap = False
    lines.extend(body)
    lines.append("\\end{" + env + "}")
    return "\n".join(lines)


def gather_block(lines: list, env: str = "gather*") -> str:
    return "\\begin{" + env + "}\n  " + " \\\\\n  ".join(lines) + "\n\\end{" + env + "}"


def point_latex(dv) -> str:
    return ", ".join(f"${name_latex(k)} = {value_latex(v)}$" for k, v in dv.point.items())


def steps_latex(dv, *, source: str = "") -> str:
    """One derivation as a LaTeX fragment: an align* block and the backprop table."""
    out = [f"% derivcheck: the chain rule for d{dv.of}/d{dv.wrt}" + (f" ({_comment(source)})" if source else "")
           + "\n" + "Chain rule for $" + inline_partial(dv.of, dv.wrt) + "$: local partial derivatives and path sum "
           "(backprop order):\n" + align_block(derivation_rows(dv))]
    if dv.rules_latex:
        out.append("Adjoint rules:\n" + gather_block([r for _, r in dv.rules_latex]))
    if dv.table:
        out.append(table_latex(dv))
    return "\n\n".join(out) + "\n"


def table_latex(dv) -> str:
    lines = [f"Backprop table at {point_latex(dv)}:", "", "\\begin{tabular}{lrr}",
             "  node & value & $\\partial " + name_latex(dv.of) + " / \\partial\\,\\text{node}$ \\\\",
             "  \\hline"]
    for name, value, adjoint in dv.table:
        lines.append(f"  ${name_latex(name)}$ & ${value_latex(value)}$ & ${value_latex(adjoint)}$ \\\\")
    lines.append("\\end{tabular}")
    return "\n".join(lines)


def _comment(text: str) -> str:
    """One comment line whatever the text holds: no line break, no control character."""
    return one_line(text).replace("%", "\\%")


def claim_rhs(c, tensors=frozenset()) -> str:
    """The claimed value as LaTeX: a latex claim verbatim, an `is` claim converted."""
    if c.reading:  # a latex claim: the author's own LaTeX
        return c.claim_text
    return expr_latex(c.claim_text, tensors)


def _names(text: str) -> set:
    from derivcheck.lang import exprs

    try:
        return {n.id for n in exprs.names_in(exprs.parse(text, entries=True, claim=True))}
    except Exception:  # noqa: BLE001 - unparseable: no names known
        return set()


def truth_rhs(c, tensors=frozenset(), limit: int = 300) -> str:
    """The true value, in node names when the claim itself uses node names, else in the inputs;
    the shorter form when the preferred one is too long to read, and a note when both are."""
    first, second = c.truth_text or c.truth_nodes, c.truth_nodes or c.truth_text
    if c.truth_nodes and c.truth_nodes != c.truth_text:
        nodes_only = _names(c.truth_nodes) - _names(c.truth_text)
        if nodes_only & _names(c.reading or c.claim_text):
            first, second = second, first
    for text in (first, second):
        if len(text) <= limit:
            return expr_latex(text, tensors)
    return "\\text{(too long to print here; see the text report)}"


def verdict_note(c, tensors=frozenset()) -> str:
    word = VERDICT_WORDS.get(c.verdict, c.verdict)
    if c.verdict in ("proved", "verified") and not c.passed:
        word += " (but marked expect: fails)"
    note = "\\text{" + escape_text(word) + "}"
    if c.verdict in ("wrong", "expected-fail") and (c.truth_nodes or c.truth_text):
        note += "\\text{; true: } " + truth_rhs(c, tensors)
    if c.verdict == "approximate" and c.max_rel_error is not None:
        note += "\\text{; relative error " + escape_text(f"{c.max_rel_error:.3g}") + "}"
    return note


def claim_lhs(c, entry_indices=None) -> str:
    """∂f/∂v, or (∂f/∂v)_{i,j,k} for an `entries` claim."""
    lhs = derivative_latex(c.of, c.wrt)
    index = (entry_indices or {}).get(c.index)
    if index:
        lhs = "\\left(" + lhs + "\\right)_{" + ",".join(name_latex(i) for i in index) + "}"
    return lhs


def claims_latex(claims, entry_indices=None, tensors=frozenset()) -> str:
    rows = [(claim_lhs(c, entry_indices), claim_rhs(c, tensors) if c.verdict != "error" else texttt(c.claim_text),
             verdict_note(c, tensors)) for c in claims]
    return align_block(rows) if rows else ""


def first_wrong_sentence(fw: dict, math=lambda s: "$" + s + "$", tensors=frozenset()) -> str:
    claimed = fw["claimed"] if fw.get("read_as") else expr_latex(fw["claimed"], tensors)
    text = ("The error enters at " + math(derivative_latex(fw["of"], [fw["wrt"]], True)) + ": claimed " + math(claimed)
            + ", true " + math(expr_latex(fw["true"], tensors)) + ".")
    if fw["downstream"]:
        later = dict.fromkeys(math(derivative_latex(d["of"], [d["wrt"]], True)) for d in fw["downstream"])
        text += " Wrong only because they build on it: " + ", ".join(later) + "."
    if fw["independent"]:
        other = dict.fromkeys(math(derivative_latex(d["of"], [d["wrt"]], True)) for d in fw["independent"])
        text += " Wrong independently of it: " + ", ".join(other) + "."
    return text


def problem_latex(r) -> str:
    first_wrong, tensors = r.first_wrong, frozenset(r.tensors)
    head = [f"% derivcheck solve {_comment(r.file)} ({_comment(r.id)})"]
    if r.title:
        head.append("% " + _comment(r.title))
    blocks = ["\n".join(head)]
    if r.error is not None:
        e = r.error
        where = f"{r.file}:{e.get('line')}:{e.get('column')}" if e.get("line") else r.file
        blocks.append("\\textbf{error:} " + escape_text(f"{where}: {e['message']}"))
        return "\n\n".join(blocks) + "\n"
    if r.derived:
        blocks.append(align_block([(partial(of, wrt), expr_latex(text, tensors)) for of, wrt, text in r.derived]))
    for dv in r.steps or ():
        blocks.append(steps_latex(dv).rstrip("\n"))
    if r.claims:
        blocks.append("Claims and verdicts:\n" + claims_latex(r.claims, r.entry_indices, tensors))
    if first_wrong:
        blocks.append(first_wrong_sentence(first_wrong, tensors=tensors))
    return "\n\n".join(blocks) + "\n"


def render_results(results) -> str:
    return "\n".join(problem_latex(r) for r in results)
