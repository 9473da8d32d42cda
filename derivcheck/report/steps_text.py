"""The chain-rule steps as text (terminal), JSON, LaTeX or Markdown."""

from __future__ import annotations

import dataclasses
import json


POINT_WIDTH = 160


def lines(derivation) -> list:
    dv = derivation
    out = [f"Chain rule for ∂{dv.of}/∂{dv.wrt}" + (":" if dv.expanded or not dv.adjoints
                                                   else ", in matrix form (--expand for the entries):")]
    if dv.adjoints:
        if dv.expanded:
            out.append("  in matrix form:")
        out.extend(f"  {'  ' * dv.expanded}{adjoint_line(adjoint, dv.of)}" for adjoint in dv.adjoints)
        final = dv.adjoints[-1]
        if final.short and not dv.expanded:
            out.append(f"  result: ∂{dv.of}/∂{dv.wrt} = {final.short}")
    if dv.expanded:
        out.extend(_entrywise(dv))
    if dv.table:
        point = ", ".join(f"{k} = {v}" for k, v in dv.point.items())
        if len(point) <= POINT_WIDTH:
            out.append(f"  backprop table at {point}:")
        else:  # one input a line, so no line grows with the number of inputs
            out.append("  backprop table at")
            out.extend(f"    {k} = {v}" for k, v in dv.point.items())
        width = max(len(r[0]) for r in dv.table)
        out.append(f"    {'node':<{width}}  {'value':>16}  adjoint ∂{dv.of}/∂node")
        for name, value, adjoint in dv.table:
            out.append(f"    {name:<{width}}  {value:>16}  {adjoint}")
    return out


def adjoint_line(adjoint, of: str) -> str:
    """∂L/∂W = ∂L/∂y xᵀ = 2 y xᵀ   (3×4); an adjoint with no short form says where its entries are."""
    from derivcheck.results import LOCAL
    from derivcheck.safetext import bounded

    whole = f"∂{of}/∂{adjoint.node}"
    if adjoint.terms == LOCAL and not adjoint.short:
        return f"{whole}: {adjoint.shape}, entry by entry with --expand"
    text = f"{whole} = {adjoint.terms.replace(LOCAL, whole)}"
    if adjoint.short and adjoint.short != adjoint.terms:
        text += f" = {adjoint.short}"
    return f"{bounded(text)}   ({adjoint.shape})"


def _entrywise(dv) -> list:
    """Local partials, the path sum and the result, as solution 1b writes them."""
    out = []
    if dv.partials:
        out.append("  local partial derivatives:")
        for child, parent, named, substituted in dv.partials:
            same = named == substituted
            out.append(f"    ∂{child}/∂{parent} = {named}" + ("" if same else f" = {substituted}"))
    whole = f"∂{dv.of}/∂{dv.wrt}"
    if dv.path_sum != whole:  # a single edge: "∂f/∂A = ∂f/∂A" says nothing
        out.append(f"  path sum (backprop order): {whole} = {dv.path_sum}")
        out.append(f"    = {dv.result_nodes}")
        out.append(f"    = {dv.result}")
    else:
        out.append(f"  {whole} = {dv.result_nodes}" + ("" if dv.result == dv.result_nodes else f" = {dv.result}"))
    if dv.rules:
        out.append("  adjoint rules:")
        out.extend(f"    {text}" for _, text in dv.rules)
    return out


def write_steps(console, derivation) -> None:
    from rich.text import Text

    for line in lines(derivation):
        console.print(Text(line))


def render_steps(derivation, fmt: str, source: str = "") -> int:
    if fmt == "json":
        print(json.dumps(dataclasses.asdict(derivation), indent=2))
        return 0
    if fmt == "latex":
        from derivcheck.report.latex_out import steps_latex

        print(steps_latex(derivation, source=source), end="")
        return 0
    if fmt == "markdown":
        from derivcheck.report.markdown import steps_markdown

        print(steps_markdown(derivation), end="")
        return 0
    from derivcheck.report import console

    write_steps(console(), derivation)
    return 0
