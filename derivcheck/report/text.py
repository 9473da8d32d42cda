"""The terminal report (rich): one block per problem, a line per claim, details on failure.

User text is passed as `Text` objects so that `[i]` in a formula is never read
as markup; soft wrapping keeps one line per line in CI logs.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from derivcheck.report import console, mark, summary  # noqa: F401 - console: the one every renderer uses
from derivcheck.safetext import bounded, escape, number_text

STYLE = {True: "green", False: "red"}
POINT_WIDTH = 160  # a longer counterexample point is written one input a line
VALUE_WIDTH = 300


def claim_title(c) -> str:
    wrt = c.wrt[0] if len(c.wrt) == 1 else ", ".join(c.wrt)
    denominator = f"∂{wrt}" if len(c.wrt) == 1 else "∂" + "∂".join(c.wrt)
    order = "" if len(c.wrt) == 1 else "²"
    return f"∂{order}{c.of}/{denominator} = {escape(c.claim_text)}"


def write_claim(out: Console, c, verbose: bool = True, file: str = "") -> None:
    line = Text("  ")
    line.append(f"{mark(c)} {c.verdict:<14}", style=STYLE[c.passed])
    line.append(claim_title(c))
    if c.name and not c.name.startswith("claim "):
        line.append(f"  ({escape(c.name)})", style="dim")
    out.print(line)
    if not verbose and c.passed:
        return
    extra = []
    if c.reading:
        extra.append(f"read as: {escape(c.reading)}")
    if c.verdict == "error" and c.line and file:
        extra.append(f"{escape(file)}:{c.line}:{c.col}: error: {escape(c.message)}")
    elif c.verdict == "error" and c.line:
        extra.append(f"at line {c.line}, column {c.col}: {escape(c.message)}")
    elif c.message and (not c.passed or c.verdict in ("verified", "approximate")):
        extra.append(escape(c.message))
    if c.truth_text and not c.passed and c.verdict not in ("error",):
        extra.append(f"true derivative: {c.truth_text}")
    ce = c.counterexample
    if ce is not None:
        point = ", ".join(f"{k} = {_value(v)}" for k, v in ce.point.items())
        if len(point) <= POINT_WIDTH:
            extra.append(f"counterexample: {point}")
        else:  # one input a line, so no line grows with the number of inputs
            extra.append("counterexample:")
            extra.extend(bounded(f"    {k} = {_value(v)}", VALUE_WIDTH) for k, v in ce.point.items())
        extra.append(bounded(f"  claimed: {_value(ce.claimed)}", VALUE_WIDTH))
        extra.append(bounded(f"  true:    {_value(ce.true)}", VALUE_WIDTH))
        if ce.engine is not None:
            extra.append(bounded(f"  engine:  {_value(ce.engine)}", VALUE_WIDTH))
    if c.diagnosis:
        extra.append(f"diagnosis: {c.diagnosis}")
    extra.extend(escape(d) for d in c.details)
    for text in extra:
        out.print(Text("      " + text))


def _value(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, float):
        return number_text(v)
    return str(v)


def write_problem(out: Console, r, verbose: bool = True) -> None:
    head = Text(escape(r.file), style="bold")
    if r.title:
        head.append(f"  {escape(r.title)}", style="dim")
    out.print(head)
    if r.error is not None:
        write_error(out, r)
        return
    for line in r.ir.splitlines():
        out.print(Text("  " + line, style="dim"))
    for of, wrt, text in r.derived:
        out.print(Text(f"  ∂{of}/∂{wrt} = {text}"))
    if r.steps:
        from derivcheck.report.steps_text import write_steps

        for derivation in r.steps:
            write_steps(out, derivation)
    for c in r.claims:
        write_claim(out, c, verbose, file=r.file)
    if r.first_wrong:
        write_first_wrong(out, r.first_wrong)


FIRST_WRONG_LABEL = {"holds": ("✓", "holds", True), "first-wrong": ("✗", "error enters", False),
                     "builds-on-error": ("✗", "builds on it", False), "wrong": ("✗", "wrong", False),
                     "undecided": ("?", "undecided", False)}


def write_first_wrong(out: Console, fw: dict) -> None:
    """The claimed steps in backprop order, the step where the error enters, and what builds on it."""
    out.print(Text("  steps in backprop order:"))
    first = (fw["of"], fw["wrt"])
    for step in fw["steps"]:
        sign, label, good = FIRST_WRONG_LABEL.get(step["status"], ("?", step["status"], False))
        builds = [(b["of"], b["wrt"]) for b in step.get("builds_on", ())]
        if step["status"] == "builds-on-error" and first not in builds:
            label = "builds on " + ", ".join(f"∂{g}/∂{u}" for g, u in builds)
        line = Text("    ")
        line.append(f"{sign} {label:<14}", style=STYLE[good])
        line.append(f"∂{step['of']}/∂{step['wrt']} = {escape(step['claimed'])}")
        if step["status"] == "first-wrong":
            line.append(f"   (true: {bounded(fw['true'], 120)})")
        out.print(line)
    out.print(Text("  " + escape(fw["message"]), style="bold"))
    for other in fw["independent"]:
        out.print(Text(f"  also wrong, independently: ∂{other['of']}/∂{other['wrt']} = {escape(other['claimed'])}"))


def write_error(out: Console, r) -> None:
    e = r.error
    where = f"{escape(r.file)}:{e['line']}:{e['column']}" if e.get("line") else escape(r.file)
    out.print(Text(f"{where}: error: {escape(e['message'])}"), style=None)


def write_status(out: Console, err: Console, r) -> None:
    """`check`'s view of one problem: its status line, then what failed (a load error's reason
    under it, and located on stderr for editors)."""
    out.print(status_line(r))
    if r.error is not None:
        out.print(Text("  " + escape(r.error["message"])))
        write_error(err, r)
    elif r.exit_code:
        for c in r.claims:
            if not c.passed:
                write_claim(out, c, file=r.file)


def status_line(r) -> Text:
    label = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "undecided": "UNDECIDED", "internal-error": "INTERNAL"}[r.status]
    line = Text(f"{label:<8} ", style=STYLE[r.status == "pass"])
    line.append(escape(r.file))
    if r.error is None:
        counts: dict = {}
        for c in r.claims:
            counts[c.verdict] = counts.get(c.verdict, 0) + 1
        if counts:
            line.append("  (" + ", ".join(f"{n} {v}" for v, n in counts.items()) + ")", style="dim")
        else:
            derived = ", ".join(f"∂{of}/∂{wrt}" for of, wrt, _ in r.derived) or "nothing"
            line.append(f"  nothing claimed: derived {derived} (--require-claims makes this fail)", style="yellow")
    return line


def summary_line(results) -> Text:
    s = summary(results)
    parts = [f"{s['problems']} problem{'s' * (s['problems'] != 1)}", f"{s['claims']} claims"]
    parts += [f"{n} {v}" for v, n in sorted(s["verdicts"].items())]
    if s["errors"]:
        parts.append(f"{s['errors']} file error{'s' * (s['errors'] != 1)}")
    return Text(", ".join(parts) + f" — exit {s['exit']}", style=STYLE[s["exit"] == 0])


def write_grad(r) -> None:
    """`derivcheck grad`: the derivative (without a claim) or the claim's verdict with its details."""
    out = console()
    for of, wrt, text in r.derived:
        names = [wrt] if isinstance(wrt, str) else list(wrt)
        out.print(Text(f"∂{'²' if len(names) == 2 else ''}{of}/{'∂' + '∂'.join(names)} = {text}"))
    for c in r.claims:
        if c.verdict != "error":  # an unreadable claim is shown by the command, at its argument
            write_claim(out, c, verbose=True)
