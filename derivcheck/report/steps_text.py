"""The chain-rule steps as text (terminal), JSON, LaTeX or Markdown."""

from __future__ import annotations

import dataclasses
import json


def lines(derivation) -> list:
    dv = derivation
    out = [f"Chain rule for ∂{dv.of}/∂{dv.wrt}:"]
    if dv.partials:
        out.append("  local partial derivatives:")
        for child, parent, named, substituted in dv.partials:
            same = named == substituted
            out.append(f"    ∂{child}/∂{parent} = {named}" + ("" if same else f" = {substituted}"))
    out.append(f"  path sum (backprop order): ∂{dv.of}/∂{dv.wrt} = {dv.path_sum}")
    out.append(f"    = {dv.result_nodes}")
    out.append(f"    = {dv.result}")
    if dv.rules:
        out.append("  adjoint rules:")
        out.extend(f"    {text}" for _, text in dv.rules)
    if dv.table:
        point = ", ".join(f"{k} = {v}" for k, v in dv.point.items())
        out.append(f"  backprop table at {point}:")
        width = max(len(r[0]) for r in dv.table)
        out.append(f"    {'node':<{width}}  {'value':>16}  adjoint ∂{dv.of}/∂node")
        for name, value, adjoint in dv.table:
            out.append(f"    {name:<{width}}  {value:>16}  {adjoint}")
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
