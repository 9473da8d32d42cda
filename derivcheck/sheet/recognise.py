r"""Find the derivatives written in a member, as the sheet writes them.

Forms: `\frac{\partial f}{\partial v}`, `\frac{d f}{d v}` (also `\mathrm{d}`),
`\frac{\partial^2 f}{\partial v^2}`, `\frac{\partial^2 f}{\partial u \partial v}`,
`\frac{\partial}{\partial v}\left( expr \right)` (an operator on a parenthesised expression),
`(\frac{\partial f}{\partial v})_{j,k}` (an entry), and `f'(x)`, `f''(x)` (read later, when the
problem tells whether `f` is a node). Only the text is taken apart here: what `f` and `v` name
is for lower.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derivcheck.sheet.statements import group_end

_D = r"(?:\\partial|\\mathrm\s*\{\s*d\s*\}|\\operatorname\s*\{\s*d\s*\}|\\text\s*\{\s*d\s*\}|d(?![A-Za-z]{2}))"
_NUMERATOR = re.compile(rf"^\s*({_D})\s*(?:\^\s*(?:\{{\s*(\d)\s*\}}|(\d)))?\s*(.*?)\s*$", re.S)
_DENOMINATOR_PART = re.compile(rf"\s*({_D})\s*")
_POWER = re.compile(r"^(.*?)\s*\^\s*(?:\{\s*(\d)\s*\}|(\d))\s*$", re.S)
_PRIME = re.compile(r"(?<![A-Za-z\\])([A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?)\s*('{1,2}|\^\s*\{?\s*\\prime\s*\}?)\s*(?=\()")


class Unreadable(Exception):
    """A derivative that is written in a way this reader does not take; the message says why."""


@dataclass(frozen=True)
class Derivative:
    start: int
    end: int  # span in the member text
    of: str  # LaTeX of what is differentiated ('' for an operator)
    wrt: tuple  # LaTeX of each variable, repeated for a power (`\partial v^2` → (v, v))
    operand: str | None = None  # operator form: the expression in parentheses
    entry: tuple = ()  # `(…)_{j,k}`: index letters of the entry
    prime: bool = False  # f'(x): `of` may be a node (a derivative) or a declared function (not one)


def _brace_group(text: str, i: int) -> tuple[str, int]:
    """The contents of the `{…}` starting at or after i (spaces skipped), and the index after it."""
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text) or text[i] != "{":
        raise Unreadable("\\frac needs braces")
    end = group_end(text, i)
    return text[i + 1:end - 1], end


def _paren_group(text: str, i: int) -> tuple[str, int] | None:
    """`\\left( … \\right)` or `( … )` starting at i (spaces skipped): its contents and end."""
    m = re.compile(r"\s*(\\left\s*)?\(").match(text, i)
    if m is None:
        return None
    depth, j = 0, m.end() - 1
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 1 + len(re.match(r"[A-Za-z]*", text[j + 1:]).group() or "x")
            continue
        depth += c == "("
        depth -= c == ")"
        if depth == 0:
            inner = re.sub(r"\\right\s*$", "", text[m.end():j].rstrip())
            return inner, j + 1
        j += 1
    return None


def split_indices(raw: str) -> tuple:
    """`{j,k}`, `{jk}`, `j` → ('j', 'k')."""
    raw = raw.strip().strip("{}").replace(" ", "")
    return tuple(raw.split(",")) if "," in raw else tuple(raw)


_PARTIAL_PART = re.compile(r"\s*(\\partial)(?![A-Za-z])\s*")


def _denominator(den: str, kind: str) -> tuple:
    """`\\partial u \\partial v^2` → (u, v, v); only the numerator's kind of d splits it."""
    parts = (_PARTIAL_PART if kind == "\\partial" else _DENOMINATOR_PART).split(den)
    if parts[0].strip():
        raise Unreadable(f"the denominator `{den.strip()}` is not ∂v or d v")
    names = []
    for k in range(1, len(parts), 2):
        var = parts[k + 1].strip()
        if not var:
            raise Unreadable(f"the denominator `{den.strip()}` has no variable")
        power = _POWER.match(var)
        count = 1
        if power:
            var, count = power.group(1).strip(), int(power.group(2) or power.group(3))
        names.extend([var] * count)
    return tuple(names)


def _fraction(text: str, start: int) -> Derivative | None:
    """The derivative `\\frac{…}{…}` at `start`, or None when the fraction is not a derivative."""
    num, i = _brace_group(text, start + len("\\frac"))
    den, end = _brace_group(text, i)
    m = _NUMERATOR.match(num)
    if m is None or not _DENOMINATOR_PART.match(den):
        return None
    kind = m.group(1) if m.group(1) == "\\partial" else "d"
    if kind == "d" and not re.match(rf"^\s*{_D}\s*\S", den):
        return None
    order = int(m.group(2) or m.group(3) or 1)
    wrt = _denominator(den, kind)
    if len(wrt) != order:
        raise Unreadable(f"the order of `\\frac{{{num.strip()}}}{{{den.strip()}}}` does not match its denominator")
    if order > 2:
        raise Unreadable("derivatives above the second order are not checked")
    of = m.group(4).strip()
    if of:
        return Derivative(start, end, of, wrt)
    group = _paren_group(text, end)
    if group is None:
        raise Unreadable(f"the operator `\\frac{{{num.strip()}}}{{{den.strip()}}}` must apply to a "
                         "parenthesised expression, as in \\frac{\\partial}{\\partial v}\\left( … \\right)")
    return Derivative(start, group[1], "", wrt, operand=group[0].strip())


def find(text: str) -> list:
    """Every derivative in a member, left to right (raises Unreadable)."""
    found = []
    for m in re.finditer(r"\\frac(?![A-Za-z])", text):
        if found and m.start() < found[-1].end:
            continue  # inside an operator's operand: part of that derivative
        d = _fraction(text, m.start())
        if d is not None:
            found.append(_with_entry(text, d))
    for m in _PRIME.finditer(text):
        if any(d.start <= m.start() < d.end for d in found):
            continue
        group = _paren_group(text, m.end())
        if group is not None:
            order = 1 if m.group(2) == "'" or "prime" in m.group(2) else 2
            found.append(Derivative(m.start(), group[1], m.group(1), (group[0].strip(),) * order, prime=True))
    return sorted(found, key=lambda d: d.start)


def _with_entry(text: str, d: Derivative) -> Derivative:
    """`(\\frac{∂L}{∂W})_{j,k}`: the parentheses and the subscript belong to the derivative."""
    before = re.search(r"(\\left\s*)?\(\s*$", text[:d.start])
    after = re.compile(r"\s*(\\right\s*)?\)\s*_\s*(\{[^{}]*\}|[A-Za-z])").match(text, d.end)
    if before is None or after is None or d.operand is not None:
        return d
    return Derivative(before.start(), after.end(), d.of, d.wrt, entry=split_indices(after.group(2)))
