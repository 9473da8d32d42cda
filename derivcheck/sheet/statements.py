r"""A piece of math → statements, each a chain of members `A = B = C …` with its sheet offset.

Statements are separated by `\\` (a row that starts with `=` continues the chain above it),
`\quad`, and top-level commas; `&` only aligns. `\text{…}`, `\tag{…}`, `\label{…}` and a
trailing equation number such as `(5)` are text, not maths. A parenthetical `\left( = B \right)`
is one more member of the chain. `\approx` separates members like `=` and marks the member an
approximation; `\in …` after a member is a type (`T \in \mathbb{R}^{n}`) and is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derivcheck.lang.latex import OPERATOR_NAMES

TEXT_COMMANDS = ("\\text", "\\textrm", "\\textit", "\\textbf", "\\mbox", "\\tag", "\\tag*", "\\label",
                 "\\intertext", "\\hbox")
WORDS = ("\\nonumber", "\\notag", "\\displaystyle", "\\textstyle", "\\qquad", "\\quad")
_NUMBER = re.compile(r"(?:^|(?<=\s))\s*\(\s*\d+[a-z]?\s*\)\s*$")  # (5), not the argument of g(2)
_ENUMERATION = re.compile(r"^\s*(?:\d+[.)]|\([a-z0-9]\))\s+")
_OPEN, _CLOSE = "([{", ")]}"
_MATRIX = re.compile(r"\\(?:begin|end)\s*\{[pbB]?matrix\}")


@dataclass(frozen=True)
class Member:
    text: str
    approx: bool = False  # written after \approx


@dataclass(frozen=True)
class Statement:
    offset: int  # in the sheet
    text: str  # as written, with text and numbers removed
    members: tuple  # of Member
    label: str = ""  # its equation number, `5` for a trailing (5)


def _mask(s: str, start: int, end: int) -> str:
    return s[:start] + re.sub(r"[^\n]", " ", s[start:end]) + s[end:]


def group_end(s: str, i: int) -> int:
    """The index after the brace group opening at s[i] == '{' (or len(s))."""
    depth = 0
    j = i
    while j < len(s):
        c = s[j]
        if c == "\\":
            j += 2
            continue
        depth += c == "{"
        depth -= c == "}"
        j += 1
        if depth == 0:
            return j
    return len(s)


def mask_text(s: str) -> str:
    """\\text{…}, \\tag{…}, \\label{…}, inner environments and layout words become spaces
    (offsets are kept); `\\text{tr}` and the like stay, they are operator names."""
    for cmd in TEXT_COMMANDS:
        for m in reversed(list(re.finditer(re.escape(cmd) + r"(?![A-Za-z])\s*\{", s))):
            end = group_end(s, m.end() - 1)
            if s[m.end():end - 1].strip() not in OPERATOR_NAMES:
                s = _mask(s, m.start(), end)
    for m in reversed(list(re.finditer(r"\\(?:begin|end)\s*\{[A-Za-z*]+\}", s))):
        if not _MATRIX.fullmatch(m.group()):  # a matrix literal is maths; aligned and the like are layout
            s = _mask(s, m.start(), m.end())
    for word in WORDS:  # \quad separates statements, as a comma does
        s = re.sub(re.escape(word) + r"(?![A-Za-z])", lambda m: ("," if "quad" in m.group() else " ").ljust(len(m.group())), s)
    return s


def _scan(s: str):
    """(index, char, depth) for every top-level-relevant character; commands are skipped whole."""
    depth, i = 0, 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            m = re.match(r"\\(?:[A-Za-z]+|.)", s[i:])
            word = m.group() if m else "\\"
            yield i, word, depth
            if word in ("\\{", "\\left\\{", "\\begin"):  # \begin: a matrix literal (its & and \\ stay inside)
                depth += 1
            elif word in ("\\}", "\\end"):
                depth -= 1
            i += len(word)
            continue
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
        yield i, c, depth
        i += 1


def _unalign(s: str) -> str:
    """`&` only aligns, except between the entries of a matrix literal."""
    return "".join(" " if tok == "&" and depth == 0 else tok for _, tok, depth in _scan(s))


def _split(s: str, base: int, seps) -> list:
    """Spans (start, end) of s split at top-level separators (a set of tokens)."""
    spans, start = [], 0
    for i, tok, depth in _scan(s):
        if depth == 0 and tok in seps:
            spans.append((start, i))
            start = i + len(tok)
    spans.append((start, len(s)))
    return [(base + a, s[a:b]) for a, b in spans]


def statements(math: str, offset: int) -> list:
    """The statements of a piece of math that starts at `offset` in the sheet."""
    clean = _unalign(mask_text(math))
    rows = _split(clean, 0, {"\\\\"})
    out: list = []
    for start, row in rows:
        for piece_start, piece in _split(row, start, {","}):
            text = _tidy(piece)
            label = _label(piece, math[piece_start:piece_start + len(piece)])
            if not text:
                if label and out:
                    out[-1] = (*out[-1][:2], label)
                continue
            lead = len(piece) - len(piece.lstrip())
            if text.startswith(("=", "\\approx")) and out:  # `&= …` continues the chain above
                prev = out[-1]
                out[-1] = (prev[0], prev[1] + " " + text, label or prev[2])
                continue
            out.append((offset + piece_start + lead, text, label))
    return [Statement(at, text, chain(text), label) for at, text, label in out]


_TAG = re.compile(r"\\(?:tag\*?|label)\s*\{([^{}]*)\}")


def _label(piece: str, original: str) -> str:
    """The equation's label: `\\tag{5}`, a trailing `(5)`, or `\\label{eq:x}`."""
    tags = {m.group(0)[1:4]: m.group(1).strip() for m in _TAG.finditer(original)}
    if tags.get("tag"):
        return re.sub(r"[()\s]", "", tags["tag"])
    number = _NUMBER.search(" ".join(piece.split()).rstrip(".;, "))
    if number:
        return re.sub(r"[()\s]", "", number.group())
    return tags.get("lab", "")


def _tidy(piece: str) -> str:
    text = " ".join(piece.split())
    text = _NUMBER.sub("", text).strip().rstrip(".;,").strip()
    text = _ENUMERATION.sub("", text)
    return "" if _NUMBER.fullmatch(text) or not text.strip() else text.strip()


def chain(text: str) -> tuple:
    """`A = B \\left( = C \\right) = D` → members A, B, C, D."""
    text, extra = _parentheticals(text)
    marks = [tok for _, tok, depth in _scan(text) if depth == 0 and tok in ("=", "\\approx")]
    members = []
    for k, (_, part) in enumerate(_split(text, 0, {"=", "\\approx"})):
        cut = _split(part, 0, {"\\in"})[0][1]
        cut = re.sub(r"\\[dt]frac(?![A-Za-z])", r"\\frac", cut)  # \dfrac and \tfrac only size a \frac
        members.append(Member(" ".join(cut.split()), k > 0 and marks[k - 1] == "\\approx"))
    return tuple(members) + tuple(Member(t) for t in extra)


def _parentheticals(text: str) -> tuple:
    """Remove `\\left( = C \\right)` (or `( = C )`) groups; return the rest and the Cs."""
    extra = []
    while True:
        m = re.search(r"(\\left\s*)?\(\s*=", text)
        if m is None:
            return text, extra
        depth, j = 0, m.start() + (len(m.group(1)) if m.group(1) else 0)
        end = None
        for i, tok, d in _scan(text[j:]):
            if tok == "(":
                depth += 1
            elif tok == ")":
                depth -= 1
                if depth == 0:
                    end = j + i
                    break
        if end is None:
            return text, extra
        inner = text[m.end():end]
        inner = re.sub(r"\\right\s*$", "", inner.rstrip())
        extra.append(" ".join(inner.split()))
        text = text[:m.start()] + text[end + 1:]
