r"""What a sheet's symbols name in the block's problem: `indices:` entries, aliases, derivatives.

`indices: {w_{ji}: "W2[j, i]", a_j: "a2[j]", L_n: L}` maps the sheet's generic symbols onto
entries (or whole names) of the problem. A symbol is compared without spaces and braces, so
`w_{ji}`, `w_{j i}` and `w_ji` are one symbol.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derivcheck.sheet.recognise import Unreadable

_ENTRY = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:\[\s*([A-Za-z ,]*?)\s*\])?\s*$")


@dataclass(frozen=True)
class Target:
    """A problem name, whole (`indices` empty) or one entry of it by index letters."""

    name: str
    indices: tuple = ()

    def text(self) -> str:
        return f"{self.name}[{', '.join(self.indices)}]" if self.indices else self.name


def normal(symbol: str) -> str:
    """`w_{j i}` → `w_ji`: the form symbols are compared in."""
    return re.sub(r"[\s{}]", "", symbol).replace("\\mathbf", "").replace("\\boldsymbol", "")


def target(value: str, shapes: dict) -> Target:
    """`W2[j, i]` or `L` → a Target, checked against the problem's names and shapes."""
    m = _ENTRY.match(value)
    if m is None:
        raise ValueError(f"{value!r} is not a name or an entry such as W2[j, i]")
    name, raw = m.group(1), m.group(2)
    if name not in shapes:
        raise ValueError(f"{name!r} is not a name of the problem")
    indices = tuple(p.strip() for p in raw.split(",")) if raw else ()
    if indices and len(indices) != len(shapes[name]):
        raise ValueError(f"{name} has {len(shapes[name])} ind{'ex' if len(shapes[name]) == 1 else 'ices'}, "
                         f"{value!r} gives {len(indices)}")
    if any(not re.fullmatch(r"[A-Za-z]", i) for i in indices):
        raise ValueError(f"{value!r}: indices are single letters")
    if any(i in shapes for i in indices):
        raise ValueError(f"{value!r}: an index letter is also a name of the problem")
    return Target(name, indices)


def pattern(symbols) -> re.Pattern | None:
    """A regex finding any of the symbols (normal forms) in LaTeX text, longest first."""
    parts = []
    for sym in sorted(symbols, key=len, reverse=True):
        base, _, sub = sym.partition("_")
        head = r"(?<![A-Za-z\\])" + re.escape(base) if base[:1].isalpha() else re.escape(base)
        if not sub:
            parts.append(head + r"(?![A-Za-z0-9_'])")
            continue
        inner = r"\s*".join(re.escape(c) for c in sub)
        body = rf"\{{\s*{inner}\s*\}}" + (f"|{re.escape(sub)}" if len(sub) == 1 else "")
        parts.append(rf"{head}\s*_\s*(?:{body})(?![0-9'])")
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


def resolve(text: str, symbols: dict, reader) -> tuple:
    """A variable as written (`w_{ji}`, `h_2`, `y_i`) → ('target', Target) or ('expr', expression text)."""
    key = normal(text)
    if key in symbols:
        return "target", symbols[key]
    expression = reader(text)
    m = _ENTRY.match(expression)
    if m is not None:
        indices = tuple(p.strip() for p in m.group(2).split(",")) if m.group(2) else ()
        return "target", Target(m.group(1), indices)
    return "expr", expression


def unreadable_symbol(text: str) -> Unreadable:
    return Unreadable(f"`{text}` is not a name of the problem block (map it under `indices:`)")
