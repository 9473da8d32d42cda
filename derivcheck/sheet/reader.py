r"""A sheet's text → its problem blocks and its math, in order, each with its line number.

Markdown (`.md`, `.txt`): fenced ```` ```derivcheck ```` blocks hold problems; `$…$`, `$$…$$`,
`\[…\]` and equation/align environments hold math; other fenced code is skipped. LaTeX (`.tex`):
`\begin{comment}derivcheck … \end{comment}` or consecutive `%!derivcheck` lines hold problems;
other `%` comments are skipped. A block's YAML is padded so its lines are the sheet's lines.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

ENVIRONMENTS = ("equation", "align", "gather", "multline", "eqnarray", "displaymath", "math")
_ENV = "|".join(ENVIRONMENTS)
_MATH = re.compile(r"(?<!\\)\$\$(?P<dd>.+?)(?<!\\)\$\$|\\\[(?P<br>.+?)\\\]|\\\((?P<pa>.+?)\\\)"
                   rf"|\\begin\{{(?P<env>(?:{_ENV})\*?)\}}(?P<body>.*?)\\end\{{(?P=env)\}}"
                   r"|(?<![\\$])\$(?P<d>[^$]+?)(?<!\\)\$", re.S)
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([A-Za-z0-9_-]*)[^\n]*$", re.M)
_COMMENT_BLOCK = re.compile(r"\\begin\{comment\}[ \t]*derivcheck[ \t]*\n(?P<body>.*?)\\end\{comment\}", re.S)
_MARKER = "%!derivcheck"


@dataclass(frozen=True)
class Block:
    """A problem block: YAML text padded with blank lines so that its line numbers are the sheet's."""

    yaml: str
    line: int


@dataclass(frozen=True)
class Math:
    """One piece of math: its LaTeX, the sheet offset where it starts, and whether it is a display."""

    text: str
    offset: int
    display: bool
    end: int = 0  # after the closing delimiter: where an annotation goes


class Lines:
    """Offsets → 1-based line numbers."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def read(text: str, latex: bool) -> list:
    """Blocks and math in sheet order."""
    return _read_latex(text) if latex else _read_markdown(text)


def _padded(text: str, body_start: int, body: str) -> str:
    return "\n" * text.count("\n", 0, body_start) + body


def _read_markdown(text: str) -> list:
    items: list = []
    pos = 0
    while True:
        fence = _FENCE.search(text, pos)
        end = fence.start() if fence else len(text)
        items.extend(_math(text, pos, end))
        if fence is None:
            return items
        closer = re.compile(rf"^[ \t]*{re.escape(fence.group(1)[0])}{{{len(fence.group(1))},}}[ \t]*$", re.M)
        close = closer.search(text, fence.end())
        body_start = fence.end() + 1
        stop = close.start() if close else len(text)
        if fence.group(2) == "derivcheck":
            items.append(Block(_padded(text, body_start, text[body_start:stop]), Lines(text).line(fence.start())))
        pos = close.end() if close else len(text)


def _read_latex(text: str) -> list:
    """Comments removed (their length kept as spaces, so offsets stay), blocks collected."""
    blocks: list = []
    for m in _COMMENT_BLOCK.finditer(text):
        blocks.append((m.start(), Block(_padded(text, m.start("body"), m.group("body")), Lines(text).line(m.start()))))
    masked = _COMMENT_BLOCK.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    lines = masked.split("\n")
    kept, offset, run = [], 0, []
    for number, line in enumerate(lines, 1):
        stripped = line.lstrip()
        if stripped.startswith(_MARKER):
            run.append((number, offset, line.replace(_MARKER, " " * len(_MARKER), 1)))
            kept.append(" " * len(line))
        else:
            if run:
                blocks.append(_marker_block(run))
                run = []
            kept.append(_strip_comment(line))
        offset += len(line) + 1
    if run:
        blocks.append(_marker_block(run))
    clean = "\n".join(kept)
    items = [(m.offset, m) for m in _math(clean, 0, len(clean))] + blocks
    return [item for _, item in sorted(items, key=lambda pair: pair[0])]


def _marker_block(run: list) -> tuple:
    first, offset, _ = run[0]
    return offset, Block("\n" * (first - 1) + "\n".join(text for _, _, text in run) + "\n", first)


def _strip_comment(line: str) -> str:
    m = re.search(r"(?<!\\)%", line)
    return line if m is None else line[:m.start()] + " " * (len(line) - m.start())


def _math(text: str, start: int, end: int) -> list:
    out = []
    for m in _MATH.finditer(text, start, end):
        group = next(g for g in ("dd", "br", "pa", "body", "d") if m.group(g) is not None)
        out.append(Math(m.group(group), m.start(group), group not in ("d", "pa"), m.end()))
    return out
