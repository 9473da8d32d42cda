"""The terminal report of a sheet: one line per claim found (or per statement without one).

`  41  ✗ wrong         \\frac{\\partial l}{\\partial x} = 48x^2 + 8xy`, then the counterexample and
diagnosis; `· not checked` lines say why. User text goes through rich `Text`, never markup.
"""

from __future__ import annotations

from rich.text import Text

from derivcheck.report import mark as claim_mark
from derivcheck.report.text import STYLE, _value
from derivcheck.safetext import escape

WIDTH = 72


def shorten(text: str, width: int = WIDTH) -> str:
    text = escape(" ".join(text.split()))
    return text if len(text) <= width else text[:width - 1] + "…"


def mark(e) -> str:
    """The claim's verdict mark (report.mark), or · for a statement not checked."""
    if e.claim is None:
        return "·"
    return "✗" if e.verdict == "approximate" and not e.claim.passed else claim_mark(e.claim)


def label(e) -> str:
    if e.claim is None:
        return "not checked"
    if e.verdict in ("proved", "verified") and not e.claim.passed:
        return f"{e.verdict} (expect: fails)"
    return e.verdict


def statement(e, several: bool) -> str:
    if several and e.member:
        return f"{shorten(e.text, 48)}  [= {shorten(e.member, 28)}]"
    return shorten(e.text)


def write_sheet(out, result, *, quiet: bool = False) -> None:
    out.print(Text(escape(result.file), style="bold"))
    if result.error is not None:
        e = result.error
        out.print(Text(escape(f"{e['file']}:{e['line']}:{e['column']}: error: {e['message']}")))
        return
    per_line: dict = {}
    for e in result.entries:
        per_line[(e.line, e.text)] = per_line.get((e.line, e.text), 0) + 1
    for e in result.entries:
        if quiet and (e.claim is None or e.claim.passed):
            continue
        good = e.claim is None or e.claim.passed
        line = Text(f"{e.line:>5}  ")
        line.append(f"{mark(e)} {label(e):<13} ", style=STYLE[good] if e.claim is not None else "dim")
        line.append(statement(e, per_line[(e.line, e.text)] > 1))
        if e.claim is None:
            line.append(f"  — {escape(e.reason)}", style="dim")
        elif e.verdict == "approximate" and e.claim.message:
            line.append(f"  ({e.claim.message})", style="dim")
        out.print(line)
        if e.claim is not None and not e.claim.passed:
            for extra in details(e.claim):
                out.print(Text("         " + escape(extra)))


def details(c) -> list:
    out = []
    if c.reading:
        out.append(f"read as: {c.reading}")
    if c.message and c.verdict != "approximate":
        out.append(c.message)
    if c.truth_text and c.verdict not in ("error",):
        out.append(f"true derivative: {c.truth_text}")
    ce = c.counterexample
    if ce is not None:
        out.append("counterexample: " + ", ".join(f"{k} = {_value(v)}" for k, v in ce.point.items()))
        out.append(f"  claimed: {_value(ce.claimed)}")
        out.append(f"  true:    {_value(ce.true)}")
    if c.diagnosis:
        out.append(f"diagnosis: {c.diagnosis}")
    return out


def summary_line(result, strict: bool = False) -> Text:
    s = result.summary(strict)
    parts = [f"{s['checked']} checked"]
    parts += [f"{n} {v}" for v, n in sorted(s["verdicts"].items())]
    parts.append(f"{s['unchecked']} not checked")
    n = s["not_derivative"]
    parts.append(f"{n} not a derivative statement" if n == 1 else f"{n} not derivative statements")
    return Text(", ".join(parts) + f" — exit {s['exit']}", style=STYLE[s["exit"] == 0])
