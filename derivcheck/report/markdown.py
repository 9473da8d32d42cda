"""Worked solutions as Markdown with `$$` display math (GitHub, Jupyter, KaTeX/MathJax).

The same derivation as the terminal and the LaTeX fragment; the math is the LaTeX of
derivcheck.report.latex_out inside `aligned`. Imports neither sympy nor rich.
"""

from __future__ import annotations

import re

from derivcheck.report.latex_out import (VERDICT_WORDS, align_block, claim_lhs, claim_rhs, derivation_rows,
                                         expr_latex, first_wrong_sentence, inline_partial, name_latex, partial,
                                         truth_rhs,
                                         value_latex)
from derivcheck.report import mark
from derivcheck.safetext import one_line

_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|$~])")


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _text(text) -> str:
    """The file author's words (a title, a name, a message) as literal text: no markup, HTML or math."""
    plain = one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKUP.sub(r"\\\1", plain)


def _code(text) -> str:
    """A code span that no backtick inside can close (CommonMark: a longer fence)."""
    plain = one_line(text)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", plain)), default=0) + 1)
    return f"{fence} {plain} {fence}"


def _display(block: str) -> str:
    return "$$\n" + block + "\n$$"


def steps_markdown(dv, heading: str = "###") -> str:
    out = [f"{heading} Chain rule for ${inline_partial(dv.of, dv.wrt)}$", "",
           "Local partial derivatives and the path sum (backprop order):", "",
           _display(align_block(derivation_rows(dv), "aligned")), ""]
    if dv.rules_latex:
        out += ["Adjoint rules:", ""]
        out += [_display(r) for _, r in dv.rules_latex]
        out.append("")
    if dv.table:
        point = ", ".join(f"${name_latex(k)} = {value_latex(v)}$" for k, v in dv.point.items())
        out += [f"Backprop table at {point}:", "",
                f"| node | value | adjoint $\\partial {name_latex(dv.of)}/\\partial\\,\\text{{node}}$ |",
                "|---|---:|---:|"]
        for name, value, adjoint in dv.table:
            out.append(f"| ${name_latex(name)}$ | {_cell(value)} | {_cell(adjoint)} |")
        out.append("")
    return "\n".join(out)


def claim_item(c, entry_indices=None, tensors=frozenset()) -> str:
    word = VERDICT_WORDS.get(c.verdict, c.verdict)
    sign = mark(c)
    if c.verdict in ("proved", "verified") and not c.passed:
        word += " (but marked `expect: fails`)"
    rhs = claim_rhs(c, tensors) if c.verdict != "error" else None
    line = f"- {sign} **{word}**: " + (f"${claim_lhs(c, entry_indices)} = {rhs}$" if rhs is not None
                                      else _code(c.claim_text))
    if c.name and not c.name.startswith("claim "):
        line += f" ({_text(c.name)})"
    if c.verdict in ("wrong", "expected-fail") and (c.truth_nodes or c.truth_text):
        line += f"; true: ${truth_rhs(c, tensors)}$"
    if c.verdict == "approximate" and c.max_rel_error is not None:
        line += f"; relative error {c.max_rel_error:.3g}"
    if c.verdict == "error" and c.message:
        line += f" — {_text(c.message)}"
    return line


def problem_markdown(r) -> str:
    first_wrong, tensors = r.first_wrong, frozenset(r.tensors)
    out = [f"## {_text(r.title or r.id)}", "", _code(r.file), ""]
    if r.error is not None:
        e = r.error
        where = f"{r.file}:{e.get('line')}:{e.get('column')}" if e.get("line") else r.file
        out += ["**error:** " + _code(f"{where}: {e['message']}"), ""]
        return "\n".join(out)
    for of, wrt, text in r.derived:
        out += [_display(f"{partial(of, wrt)} = {expr_latex(text, tensors)}"), ""]
    for dv in r.steps or ():
        out.append(steps_markdown(dv))
    if r.claims:
        out += ["### Claims", ""]
        out += [claim_item(c, r.entry_indices, tensors) for c in r.claims]
        out.append("")
    if first_wrong:
        out += ["**First wrong step.** " + first_wrong_sentence(first_wrong, tensors=tensors), ""]
    return "\n".join(out)


def render_results(results) -> str:
    return "\n".join(problem_markdown(r) for r in results)
