r"""A member of a chain → the expression text of a claim about the chain's derivative.

Each derivative in the member becomes `grad(f, v)` / `hess(f, u, v)` / `hessdiag(f, v)`
(indexed, `grad(L, a3)[k]`, in index notation); each symbol under `indices:` becomes its entry
(`W3[k, j]`); `\sum_k t` becomes `t(k=1) + t(k=2) + …` over k's range. They are swapped for
placeholder names first, so that derivcheck's own LaTeX reader (latex.py) reads the rest with
every rule of SPEC §1.5, and swapped back in its output.
"""

from __future__ import annotations

import re

from derivcheck.lang.latex import LatexError, to_expression
from derivcheck.sheet import recognise
from derivcheck.sheet.recognise import Unreadable
from derivcheck.sheet.resolved import Resolved
from derivcheck.sheet.symbols import Target, normal, pattern, resolve

PLACE, SUM = "Qqzv", "Qqzs"  # placeholder names: a run of letters and digits, as latex.py reads names
_SUM = re.compile(r"\\sum(?![A-Za-z])\s*(?:_\s*(\{[^{}]*\}|[A-Za-z]))?")
_INDEXED = re.compile(r"\b([A-Za-z_]\w*)\[([^\[\]]+)\]")


_SUBSCRIPT = re.compile(r"_\s*\{([^{}]*)\}")
_PRIMED = re.compile(r"([A-Za-z])((?:'|\^\{?\\prime\}?)+)")
FRESH = "pqrsuvmnlghbcdefotwxyzijkaPQRSUVMNLGHBCDEFOTWXYZIJKA"  # letters a primed index may become


def primed_indices(texts: list, letters: frozenset) -> dict:
    r"""k' (or k^\prime) inside a subscript, as in `\sum_{k'} w_{k'j}`, → a letter of its own that
    names nothing in the problem and appears nowhere in the statement (the same one in every member)."""
    found = sorted({m.group() for t in texts for sub in _SUBSCRIPT.finditer(t) for m in _PRIMED.finditer(sub.group(1))})
    if not found:
        return {}
    used = set(re.sub(r"\\[A-Za-z]+", " ", " ".join(texts)))
    free = [c for c in FRESH if c in letters and c not in used]
    if len(free) < len(found):
        raise Unreadable(f"no letter is left to read the primed index {found[-1]} as")
    return dict(zip(found, free))


def unprimed(text: str, mapping: dict) -> str:
    """text with each primed index of `mapping` replaced inside subscripts."""
    if not mapping:
        return text
    return _SUBSCRIPT.sub(lambda sub: "_{" + _PRIMED.sub(lambda m: mapping.get(m.group(), m.group()), sub.group(1))
                          + "}", text)


def primed_symbols(symbols: dict, mapping: dict) -> dict:
    """`a_k: a3[k]` gives `a_p: a3[p]` when k' is read as p: a primed index runs over what its letter does."""
    out = {}
    for primed, fresh in mapping.items():
        letter = primed[0]
        for key, t in symbols.items():
            base, _, sub = key.partition("_")
            if letter in sub and letter in t.indices:
                variant = f"{base}_{sub.replace(letter, fresh)}"
                out.setdefault(variant, Target(t.name, tuple(fresh if i == letter else i for i in t.indices)))
    return {k: v for k, v in out.items() if k not in symbols}


class Member:
    """Reading one member in a scope (a block's names, functions, symbols and aliases)."""

    def __init__(self, scope, text: str):
        self.scope, self.src = scope, text
        self.values: dict = {}  # placeholder → (expression text, shape)
        self.ranges: dict = {}  # index letter → range

    # -- derivatives and symbols as the problem names them
    def read(self, text: str, *, index_names=None, extra=None, functions=frozenset()) -> str:
        scope = self.scope
        names = frozenset(scope.shapes) | frozenset(extra or ())
        scalars = frozenset(n for n in scope.shapes if scope.shapes[n] == ()) | frozenset(
            p for p, (_, shape) in self.values.items() if shape == ())
        try:
            return to_expression(text, names=names, functions=scope.functions | functions, scalars=scalars,
                                 index_names=frozenset(index_names if index_names is not None else scope.letters))
        except LatexError as exc:
            message = exc.message.split("; supported:")[0]
            raise Unreadable(f"cannot read `{fragment(text, exc.col) or self.src}`: {message}") from None

    def variable(self, text: str, what: str) -> Target:
        kind, value = resolve(text, self.scope.symbols, self.read)
        if kind == "target":
            return self.checked(value, text)
        raise Unreadable(f"cannot differentiate {what} `{text}`: it is not a name of the problem block")

    def checked(self, t: Target, text: str) -> Target:
        shape = self.scope.shapes.get(t.name)
        if shape is None:
            raise Unreadable(f"`{text}` is not a name of the problem block")
        if t.indices and len(t.indices) != len(shape):
            raise Unreadable(f"`{text}`: {t.name} has {len(shape)} indices, not {len(t.indices)}")
        return t

    def derivative(self, d: recognise.Derivative) -> Resolved | None:
        """The derivative in the problem's names; None for f'(x) of a declared function."""
        if d.prime and d.of in self.scope.functions:
            return None
        if d.operand is not None:
            if recognise.find(d.operand):
                raise Unreadable("a derivative of an expression that has derivatives in it is not checked")
            of = self.of_expression(d.operand)
        else:
            of = self.of_expression(d.of)
        wrt = tuple(self.variable(w, "with respect to") for w in d.wrt)
        if d.prime and (of.indices or any(w.indices for w in wrt)):
            raise Unreadable(f"{d.of}' of an entry is not read; write \\frac{{\\partial f}}{{\\partial v}}")
        return Resolved(of, wrt, d.entry)

    def of_expression(self, text: str) -> Target:
        kind, value = resolve(text, self.scope.symbols, self.read)
        if kind == "target":
            return self.checked(value, text)
        if _INDEXED.search(value):
            raise Unreadable(f"the derivative of `{text}`, an expression in index notation, is not checked")
        return Target(self.scope.helper(value))

    # -- the member
    def expression(self, free: dict) -> str:
        """The member as an expression; `free` maps the claim's free index letters to their ranges."""
        text = self.src
        found = recognise.find(text)
        out, last = [], 0
        for d in found:
            r = self.derivative(d)
            if r is None:
                continue
            out.append(text[last:d.start])
            out.append(self.place(*r.value(self.scope.shapes), r.ranges(self.scope.shapes)))
            last = d.end
        text = "".join(out) + text[last:]
        text = self.symbols(text)
        text, sums = self.sums(text)
        letters = set(free) | {k for ks in sums.values() for k in ks}
        reading = self.read(text, index_names=self.scope.letters, extra=self.values, functions=frozenset(sums))
        reading = re.sub(rf"\b{PLACE}\d+\b", lambda m: f"({self.values[m.group()][0]})", reading)
        self.collect(reading)
        self.agree(free)
        reading = self.expand(reading, sums)
        stray = sorted({m.group(1) for m in re.finditer(r"(?<![\w.])([A-Za-z])(?![\w('])", reading)
                        if m.group(1) not in self.scope.shapes} - letters)
        if stray:
            raise Unreadable(f"index {', '.join(stray)} is neither an index of the derivative nor summed over")
        return reading

    def place(self, value: str, shape: tuple, ranges: dict) -> str:
        name = f"{PLACE}{len(self.values) + 1}"
        self.values[name] = (value, shape)
        self.merge(ranges)
        return f" {name} "

    def merge(self, ranges: dict) -> None:
        for k, n in ranges.items():
            if self.ranges.setdefault(k, n) != n:
                raise Unreadable(f"index {k} ranges over 1..{self.ranges[k]} in one place and 1..{n} in another")

    def symbols(self, text: str) -> str:
        """Symbols under `indices:` and sheet aliases (T for ∂y/∂W) → placeholders."""
        scope = self.scope
        if scope.aliases:  # T_{i,j,k}: an entry of a named derivative
            named = "|".join(re.escape(a) for a in sorted(scope.aliases))
            text = re.sub(rf"(?<![A-Za-z\\])({named})\s*_\s*(\{{[^{{}}]*\}}|[A-Za-z])", lambda m: self.place(
                *self.entry(m.group(1), m.group(2))), text)
        regex = pattern(set(scope.symbols) | set(scope.aliases))
        if regex is None:
            return text

        def swap(m):
            key = normal(m.group())
            if key in scope.symbols:
                t = scope.symbols[key]
                shape = () if t.indices else scope.shapes[t.name]
                return self.place(t.text(), shape, dict(zip(t.indices, scope.shapes[t.name])) if t.indices else {})
            r = scope.aliases[key]
            return self.place(*r.value(scope.shapes), r.ranges(scope.shapes))

        return regex.sub(swap, text)

    def entry(self, alias: str, raw: str) -> tuple:
        r = self.scope.aliases[alias]
        r = Resolved(r.of, r.wrt, recognise.split_indices(raw))
        return (*r.value(self.scope.shapes), r.ranges(self.scope.shapes))

    def sums(self, text: str) -> tuple[str, dict]:
        """`\\sum_k body` → `Qqzs1\\left( body \\right)`; the body runs to the end of its term."""
        sums: dict = {}
        for m in reversed(list(_SUM.finditer(text))):
            if m.group(1) is None:
                raise Unreadable("\\sum needs its index, as in \\sum_k")
            if re.match(r"\s*\^", text[m.end():]):
                raise Unreadable("\\sum with limits is not read: write \\sum_k, k runs over its whole range")
            letters = recognise.split_indices(m.group(1))
            if any(not re.fullmatch(r"[A-Za-z]", k) or k in self.scope.shapes for k in letters):
                raise Unreadable(f"cannot read `\\sum_{{{m.group(1).strip('{}')}}}`: "
                                 "a sum runs over single-letter indices that are not names of the problem")
            end = _term_end(text, m.end())
            name = f"{SUM}{len(sums) + 1}"
            sums[name] = letters
            text = f"{text[:m.start()]} {name}\\left( {text[m.end():end]} \\right) {text[end:]}"
        return text, sums

    def collect(self, reading: str) -> None:
        for m in _INDEXED.finditer(reading):
            shape = self.scope.shapes.get(m.group(1))
            if shape is None:
                continue
            parts = [p.strip() for p in m.group(2).split(",")]
            if len(parts) != len(shape):
                raise Unreadable(f"{m.group(1)} has {len(shape)} ind{'ex' if len(shape) == 1 else 'ices'}, "
                                 f"not {len(parts)} ({m.group()})")
            self.merge({p: n for p, n in zip(parts, shape) if re.fullmatch(r"[A-Za-z]", p)})

    def agree(self, free: dict) -> None:
        for k, n in free.items():
            if k in self.ranges and self.ranges[k] != n:
                raise Unreadable(f"index {k} ranges over 1..{n} in the derivative and 1..{self.ranges[k]} here")

    def expand(self, reading: str, sums: dict) -> str:
        while True:
            starts = [m for m in re.finditer(rf"\b({SUM}\d+)\(", reading)]
            if not starts:
                return reading
            m = starts[-1]
            end = _close(reading, m.end() - 1)
            body = reading[m.end():end]
            terms = [body]
            for k in sums[m.group(1)]:
                if k not in self.ranges:
                    raise Unreadable(f"the range of the sum over {k} is unknown: nothing indexed by {k}")
                terms = [re.sub(rf"(?<![\w.]){k}(?![\w(])", str(v), t) for t in terms for v in range(1, self.ranges[k] + 1)]
            reading = f"{reading[:m.start()]}({' + '.join(f'({t})' for t in terms)}){reading[end + 1:]}"


def _term_end(text: str, start: int) -> int:
    """Where the term that starts at `start` ends: a top-level + or -, a closing bracket, or the end."""
    depth, i, seen = 0, start, False
    while i < len(text):
        c = text[i]
        if c == "\\":
            word = re.match(r"\\(?:[A-Za-z]+|.)", text[i:]).group()
            if word in ("\\left", "\\right"):
                i += len(word)
                continue
            i += len(word)
            seen = True
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return i
            depth -= 1
        elif c in "+-" and depth == 0 and seen:
            return i
        if not c.isspace():
            seen = True
        i += 1
    return len(text)


def _close(text: str, i: int) -> int:
    depth = 0
    for j in range(i, len(text)):
        depth += text[j] == "("
        depth -= text[j] == ")"
        if depth == 0:
            return j
    raise Unreadable("unbalanced parentheses")


def fragment(text: str, col: int) -> str:
    """The piece of LaTeX at a 1-based column, with its scripts (`\\times_{d_1}`)."""
    i = max(0, min(col - 1, len(text) - 1))
    opened = text.rfind("{", 0, i + 1)
    if opened > 0 and text[opened - 1] in "_^" and "}" not in text[opened:i]:
        i = opened - 1  # inside a script: show it whole, with its base
    while i > 0 and text[i] in "_^ {}":
        i -= 1
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] == "\\") and not text[i] == "\\":
        i -= 1
    m = re.compile(r"(\\[A-Za-z]+|[A-Za-z0-9]+|\S)((?:\s*[_^]\s*(?:\{[^{}]*\}|\S))*)").match(text, i)
    piece = m.group() if m else ""
    return "" if PLACE in piece or SUM in piece else piece.strip()
