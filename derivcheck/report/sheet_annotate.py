"""`sheet --annotate OUT`: the sheet written back with a mark after each checked statement.

Markdown gets the marks right after the math (` ✓ proved`); LaTeX gets them as a `%` comment at
the end of that line, so the document still compiles the same.
"""

from __future__ import annotations

from derivcheck.report.sheet_text import label, mark


def annotate(text: str, result, latex: bool) -> str:
    marks: dict = {}
    for e in result.entries:
        if e.claim is not None and e.at >= 0:
            note = f"{mark(e)} {label(e)}"
            if e.verdict == "approximate" and e.claim.message:
                note += f" ({e.claim.message})"
            marks.setdefault(e.at, []).append(note)
    out, last = [], 0
    for at in sorted(marks):
        note = "; ".join(marks[at])
        if latex:
            end = text.find("\n", at)
            end = len(text) if end < 0 else end
            out.append(text[last:end] + f" % derivcheck: {note}")
            last = end
        else:
            out.append(text[last:at] + f" <sub>derivcheck: {note}</sub>")
            last = at
    out.append(text[last:])
    return "".join(out)
