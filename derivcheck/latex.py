r"""Read a claim written in LaTeX (SPEC 1.5) as derivcheck expression text (SPEC 1.3).

Solution sheets state derivatives in LaTeX. This module reads a small subset of it with a
hand-written tokenizer and recursive-descent parser (no eval, no regex rewriting) and writes
the same formula in the expression language, which `exprs.parse` then checks like any `is:`.
A reading that is not certain is a `LatexError` with its column, never a guess.

| LaTeX                                                       | expression                       |
|-------------------------------------------------------------|----------------------------------|
| `2`, `0.5`, `a + b`, `a - b`, `-a`                          | the same                         |
| `a b`, `ab`, `2x`, `a \cdot b`, `a * b`                     | `a*b`; `a @ b` if both tensors   |
| `a \times b`, `a \odot b`                                   | `a*b` (scalar / elementwise)     |
| `\frac{a}{b}`, `a / b`                                      | `a/b`                            |
| `x^2`, `x^{n+1}`                                            | `x**2`, `x**(n + 1)`             |
| `X^\top`, `X^T`, `X^{\top}`, `X^{T}`, `X^\intercal`         | `transpose(X)`                   |
| `X^{-1}`                                                    | `inv(X)`; `X**(-1)` for a scalar |
| `X^{-\top}`, `X^{-T}`                                       | `transpose(inv(X))`              |
| `h_1`, `h_{1}`, `h1`; `w_{kj}`                              | `h1`; `w_kj` (names of the problem) |
| `x_k`, `W_{jk}`, `W_{j,k}` (k, j index names)               | `x[k]`, `W[j, k]`                |
| `\mathbb{1}_{i=j}`, `\mathbb{1}_{\{i=j\}}`, `\delta_{ij}`, `\delta_{i,j}` | `delta(i, j)`      |
| `\exp \log \ln \sqrt \sin \cos \tan \tanh \sigma \det`      | `exp log log sqrt sin cos tan tanh sigmoid det` |
| `\operatorname{tr}`, `\mathrm{tr}`, `\text{tr}` (or `Tr`); `\operatorname{diag}` | `trace`; `diag` |
| `f(x)`, `f'(x)`, `f''(x)`, `f^\prime(x)` (declared `f`)     | `f(x)`, `f'(x)`, `f''(x)`        |
| `\mathbf{x}`, `\boldsymbol{x}`, `\bm{x}`, `\vec{x}`, `\mathrm{x}` | `x`                        |
| `( )`, `[ ]`, `{ }`, `\left( \right)`, `\left[ \right]`     | grouping                         |
| `\, \; \: \! \quad \qquad ~ $` and spaces                   | ignored                          |

Reading rules:
- A run of letters `xy` is the name `xy` if the problem has it, else the product of its
  single-letter names (a letter keeps the digits after it: `xh1` is `x*h1`); `xz` with no
  `z` is an unknown name. A subscript goes with the last letter.
- `x_k` indexes only when every subscript letter is an index name (`entries` claims);
  otherwise `h_{1}` names `h1` or `h_1`, whichever the problem has.
- `a b` is `a*b` when either side is a scalar (a number, a name in `scalars`, an index
  expression, a trace or det, ...) and `a @ b` when both are tensors, so `2 y x^\top` is
  `2*y @ transpose(x)`; `\odot` is always elementwise.
- `name(...)` is a call only when `name` is a function (a command above or declared in
  `functions`); otherwise it multiplies: `s(1-s)` is `s*(1 - s)`.
- Without parentheses a function takes one atom only: `\sin x`, `\log h_1`, `\exp 2`.
  `\sin x^2`, `\sin 2x`, `\log xy` are errors that say how to write them.
- As in TeX a script takes one character, so `x^23` and `w_kj` are errors (use braces);
  `\frac` needs braces; `a / b c`, `2 3` and `x^2^3` are errors.
- Not supported (errors): `\partial`, `\sum`, `=`, any other command, nesting deeper than 100.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

MAX_DEPTH = 100
SUM, NEG, PROD, POW, ATOM = 1, 2, 3, 4, 5  # precedence of emitted text, loosest first

FUNCTION_COMMANDS = {"\\exp": "exp", "\\log": "log", "\\ln": "log", "\\sqrt": "sqrt",
                     "\\sin": "sin", "\\cos": "cos", "\\tan": "tan", "\\tanh": "tanh",
                     "\\sigma": "sigmoid", "\\det": "det"}
OPERATOR_NAMES = {"tr": "trace", "Tr": "trace", "trace": "trace", "diag": "diag", "det": "det"}
TEXT_COMMANDS = {"\\operatorname", "\\mathrm", "\\text"}
BOLD_COMMANDS = {"\\mathbf", "\\boldsymbol", "\\bm", "\\vec"}
PRODUCT_OPS = {"\\cdot": None, "*": None, "\\times": "*", "\\odot": "*"}  # None: * or @ by shape
TRANSPOSE = {"\\top", "\\intercal", "T"}
SPACES = {"\\,", "\\;", "\\:", "\\!", "\\ ", "\\quad", "\\qquad"}
SUPPORTED = sorted((set(FUNCTION_COMMANDS) | TEXT_COMMANDS | BOLD_COMMANDS | set(PRODUCT_OPS)
                    | {"\\frac", "\\mathbb", "\\delta", "\\top", "\\intercal", "\\prime",
                       "\\left", "\\right"}) - {"*"})
HINTS = {"\\partial": "; a claim states the derivative's value, not the derivative",
         "\\sum": "; index sums are not supported: write the matrix form, or an `entries` claim"}
CLOSERS = {"(": ")", "[": "]", "{": "}"}
SCALAR_FUNCTIONS = {"trace", "det", "delta"}


class LatexError(Exception):
    """A LaTeX claim that cannot be read; `col` is the 1-based column in the LaTeX text."""

    def __init__(self, message: str, col: int):
        super().__init__(message)
        self.message = message
        self.col = col


@dataclass(frozen=True)
class _Tok:
    kind: str  # num, run (letters then digits), cmd (\name), sym (one character), end
    text: str
    col: int


@dataclass(frozen=True)
class _E:
    """Emitted text, its precedence (for parentheses) and whether its value is a scalar."""
    text: str
    prec: int
    scalar: bool
    frac: bool = False  # a quotient, parenthesised when a factor follows it (readability)


_TOKEN = re.compile(r"(?P<space>[\s~$]+)|(?P<cmd>\\(?:[A-Za-z]+|.?))|(?P<num>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
                    r"|(?P<run>[A-Za-z]+[0-9]*)|(?P<sym>[-+*/^_'()\[\]{}=,])", re.S)
_DELIMITER = re.compile(r"\s*([()\[\]])")


def _tokenize(s: str) -> list[_Tok]:
    """Split into tokens; after `^`/`_` a letter or digit is one token of one character, as in TeX."""
    toks: list[_Tok] = []
    i = 0
    while i < len(s):
        m = _TOKEN.match(s, i)
        if not m:
            raise LatexError(f"unexpected character {s[i]!r}", i + 1)
        kind, text, col, i = m.lastgroup, m.group(), i + 1, m.end()
        if kind in ("num", "run") and toks and toks[-1].text in ("^", "_") and len(text) > 1:
            # TeX puts one character in a script; a second one of the same kind is a trap.
            same = str.isdigit if text[0].isdigit() else str.isalpha
            word = text[0] + "".join(itertools.takewhile(same, text[1:]))
            if len(word) > 1 and not (text[0] == "T" and toks[-1].text == "^"):
                op = toks[-1].text
                raise LatexError(f"ambiguous: TeX puts only '{text[0]}' in the script; write "
                                 f"{op}{{{word}}} or {op}{{{text[0]}}}{word[1:]}", col)
            text, i = text[0], col
        if kind == "cmd" and text == "\\":
            raise LatexError("a lone backslash at the end", col)
        if kind == "space" or text in SPACES:
            continue
        if text in ("\\left", "\\right"):
            d = _DELIMITER.match(s, i)
            if not d:
                raise LatexError(f"only {text}( {text}) {text}[ {text}] are supported", col)
            kind, text, i = "sym", d.group(1), d.end()
        toks.append(_Tok(kind, text, col))
    toks.append(_Tok("end", "", len(s) + 1))
    return toks


def _segments(run: str) -> list[str]:
    """`xh1` -> [`x`, `h1`]: each letter with the digits after it."""
    return re.findall(r"[A-Za-z][0-9]*", run)


def _paren(e: _E, needed: bool) -> str:
    return f"({e.text})" if needed else e.text


def _call(name: str, *args: _E) -> _E:
    scalar = name in SCALAR_FUNCTIONS or (name != "diag" and all(a.scalar for a in args))
    return _E(f"{name}({', '.join(a.text for a in args)})", ATOM, scalar)


def to_expression(latex: str, *, names: frozenset[str], functions: frozenset[str] = frozenset(),
                  scalars: frozenset[str] = frozenset(),
                  index_names: frozenset[str] = frozenset()) -> str:
    """The expression text for a LaTeX formula; raises LatexError (with a column) otherwise."""
    parser = _Parser(latex, names, functions, scalars, index_names)
    try:
        return parser.parse()
    except RecursionError:  # the depth limit keeps this away, unless the caller is already deep
        raise LatexError("formula nested too deeply", parser.peek().col) from None


class _Parser:
    def __init__(self, src, names, functions, scalars, index_names):
        self.src, self.toks, self.i, self.depth = src, _tokenize(src), 0, -1  # groups deep
        self.names, self.functions = frozenset(names), frozenset(functions)
        self.scalars, self.index_names = frozenset(scalars), frozenset(index_names)
        self.known = self.names | self.index_names

    # -- token helpers
    def peek(self, k: int = 0) -> _Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> _Tok:
        t = self.peek()
        self.i = min(self.i + 1, len(self.toks) - 1)
        return t

    def at(self, *texts: str) -> bool:
        t = self.peek()
        return t.kind in ("sym", "cmd") and t.text in texts

    def ahead(self, *pats: set[str]) -> bool:
        return all(self.peek(k).kind != "end" and self.peek(k).text in p for k, p in enumerate(pats))

    def fail(self, message: str, tok: _Tok | None = None):
        raise LatexError(message, (tok or self.peek()).col)

    def srctext(self, a: _Tok, b: _Tok) -> str:
        return self.src[a.col - 1:b.col - 1].strip()

    # -- grammar
    def parse(self) -> str:
        if self.peek().kind == "end":
            self.fail("empty LaTeX formula")
        e, t = self.expr(), self.peek()
        if t.text in (")", "]", "}"):
            self.fail(f"unbalanced '{t.text}': nothing opens it")
        if t.text == "=":
            self.fail("'=' is not supported: give only the derivative's value")
        if t.kind != "end":
            self.fail(f"unexpected '{t.text}'")
        return e.text

    def expr(self) -> _E:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"formula nested deeper than {MAX_DEPTH} levels")
        sign = self.next().text if self.at("+", "-") else None
        e = self.product()
        if sign == "-":
            e = _E("-" + _paren(e, e.prec <= NEG), NEG, e.scalar)
        parts, scalar = [e.text], e.scalar
        while self.at("+", "-"):
            op = self.next().text
            if self.at("+", "-"):
                self.fail("two signs in a row: use parentheses, as in a - (-b)")
            r = self.product()
            parts.append(f" {op} {_paren(r, r.prec <= NEG)}")
            scalar = scalar and r.scalar
        self.depth -= 1
        return e if len(parts) == 1 else _E("".join(parts), SUM, scalar)

    def starts_factor(self) -> bool:
        t = self.peek()
        return (t.kind in ("num", "run") or (t.kind == "sym" and t.text in CLOSERS)
                or (t.kind == "cmd" and t.text not in PRODUCT_OPS))

    def product(self) -> _E:
        """Factors joined by \\cdot, \\times, \\odot, / or juxtaposition (left to right)."""
        acc: _E | None = None
        while acc is None or self.at("/", *PRODUCT_OPS) or self.starts_factor():
            if acc is not None and self.at("/"):
                self.next()
                start, fs = self.peek(), self.factor()
                if len(fs) > 1 or self.starts_factor():
                    self.fail("ambiguous: write \\frac{a}{b c} or \\frac{a}{b} c", start)
                acc = self.div(acc, fs[0])
                continue
            op = PRODUCT_OPS[self.next().text] if acc is not None and self.at(*PRODUCT_OPS) else None
            if acc is not None and self.peek().kind == "num" == self.toks[self.i - 1].kind:
                self.fail("two numbers in a row: write them with \\cdot")
            for f in self.factor():
                acc, op = (f if acc is None else self.mul(acc, op, f)), None
        return acc

    def mul(self, a: _E, op: str | None, b: _E) -> _E:
        op = op or ("*" if a.scalar or b.scalar else "@")
        text = _paren(a, a.prec < PROD or a.frac) + (" @ " if op == "@" else op) + _paren(b, b.prec <= PROD)
        return _E(text, PROD, op == "*" and a.scalar and b.scalar)

    def div(self, a: _E, b: _E) -> _E:
        return _E(_paren(a, a.prec < PROD) + "/" + _paren(b, b.prec <= PROD), PROD,
                  a.scalar and b.scalar, frac=True)

    def factor(self) -> list[_E]:
        t = self.peek()
        if t.kind == "num":
            self.next()
            return self.postfix([_E(t.text, ATOM, True)])
        if t.kind == "run":
            self.next()
            return self.named(t.text, t)
        if t.kind == "sym" and t.text in CLOSERS:
            return self.postfix([self.group()])
        if t.kind == "cmd":
            return self.command()
        if t.kind == "end":
            self.fail("the formula ends where a term was expected")
        self.fail(f"unexpected '{t.text}' where a term was expected")

    def group(self) -> _E:
        opener = self.next()
        if self.at(CLOSERS[opener.text]):
            self.fail("empty group", opener)
        e = self.expr()
        if not self.at(CLOSERS[opener.text]):
            self.fail(f"unbalanced '{opener.text}': no matching '{CLOSERS[opener.text]}'", opener)
        self.next()
        return e

    def postfix(self, atoms: list[_E]) -> list[_E]:
        if self.at("^"):
            atoms[-1] = self.superscript(atoms[-1])
            if self.at("^"):
                self.fail("double superscript: use braces, as in {x^{2}}^{3}")
        if self.at("_"):
            self.fail("a subscript must follow a name directly, as in x_{k}^{2}")
        if self.at("'"):
            self.fail("' marks the derivative of a declared function, as in f'(x)")
        return atoms

    def superscript(self, base: _E) -> _E:
        self.next()
        t = self.peek()
        if t.text in TRANSPOSE or self.ahead({"{"}, TRANSPOSE, {"}"}):
            self.i += 1 if t.text in TRANSPOSE else 3
            return _call("transpose", base)
        if self.ahead({"{"}, {"-"}, {"1"}, {"}"}):
            self.i += 4
            return self.power(base, _E("-1", NEG, True)) if base.scalar else _call("inv", base)
        if self.ahead({"{"}, {"-"}, TRANSPOSE, {"}"}):
            self.i += 4
            return _call("transpose", _call("inv", base))
        if t.kind == "num":
            self.next()
            return self.power(base, _E(t.text, ATOM, True))
        if t.kind == "run":
            self.next()
            return self.power(base, self.resolve(t.text, None, None, t)[0])
        if t.text == "{":
            return self.power(base, self.group())
        self.fail("expected an exponent after ^, as in x^{2} or X^\\top")

    def power(self, base: _E, exp: _E) -> _E:
        return _E(_paren(base, base.prec < ATOM) + "**" + _paren(exp, exp.prec < ATOM), POW, base.scalar)

    def subscript(self) -> tuple[str, list[str] | None]:
        """The raw subscript text and, when it is made of index names, the indices."""
        under = self.next()
        t = self.peek()
        if t.kind in ("num", "run"):
            self.next()
            raw = t.text
        elif t.text == "{":
            self.next()
            items = []
            while not self.at("}"):
                t = self.peek()
                if t.kind == "end":
                    self.fail("unbalanced '{': no matching '}'", under)
                if t.kind not in ("num", "run") and t.text not in (",", "=", "\\{", "\\}"):
                    self.fail(f"unsupported in a subscript: '{t.text}'")
                items.append(self.next().text)
            self.next()
            raw = "".join(items)
        else:
            self.fail("expected a subscript after _, as in x_{k}")
        parts = raw.split(",") if "," in raw else [raw] if raw in self.index_names else list(raw)
        return raw, (parts if all(p in self.index_names for p in parts) else None)

    def named(self, run: str, tok: _Tok) -> list[_E]:
        """A run of letters with its subscript: names, an indexed name or a function call."""
        raw, idx = self.subscript() if self.at("_") else (None, None)
        fname = run if raw is None else next(
            (c for c in (run + raw, f"{run}_{raw}") if c in self.functions), None)
        if fname in self.functions:
            return self.postfix([self.apply(fname, tok, self.primes())])
        return self.postfix(self.resolve(run, raw, idx, tok))

    def resolve(self, run: str, raw: str | None, idx: list[str] | None, tok: _Tok) -> list[_E]:
        """`xy` is the name xy if there is one, else x*y; a subscript goes with the last letter."""
        segs = _segments(run)
        for head, last in (([], run), (segs[:-1], segs[-1])):
            if all(s in self.known for s in head) and (e := self.subscripted(last, raw, idx)):
                return [self.name(s) for s in head] + [e]
        self.unknown(run, raw, tok)

    def name(self, n: str) -> _E:
        return _E(n, ATOM, n in self.scalars or n in self.index_names)

    def subscripted(self, base: str, raw: str | None, idx: list[str] | None) -> _E | None:
        if raw is None:
            return self.name(base) if base in self.known else None
        if idx and base in self.names:
            return _E(f"{base}[{', '.join(idx)}]", ATOM, True)
        cands = [] if "," in raw else [base + raw, f"{base}_{raw}"]
        return next((self.name(c) for c in cands if c in self.known), None)

    def primes(self) -> int:
        n = 0
        while self.at("'"):
            n, self.i = n + 1, self.i + 1
        if self.ahead({"^"}, {"\\prime"}):
            self.i, n = self.i + 2, n + 1
        elif self.ahead({"^"}, {"{"}, {"\\prime"}):
            self.i += 2
            while self.at("\\prime"):
                n, self.i = n + 1, self.i + 1
            if not self.at("}"):
                self.fail("expected '}' after \\prime")
            self.next()
        if n > 2:
            self.fail("only f'(x) and f''(x) are supported")
        return n

    def apply(self, fname: str, tok: _Tok, primes: int = 0) -> _E:
        """A function applied to a group, or to one atom when that reading is certain."""
        src = (tok.text if tok.kind == "cmd" else fname) + "'" * primes
        if self.at("^"):
            self.fail(f"a power of {src} is ambiguous: write {src}(x)^2")
        t = self.peek()
        if t.text == "'" and not primes:
            self.fail(f"' is only for declared functions (`functions:`); write out the derivative of {src}")
        if fname == "sqrt" and t.text == "[":
            self.fail("\\sqrt[n]{x} is not supported: write x^{1/n}")
        if t.kind == "sym" and t.text in CLOSERS:
            arg = self.group()
        elif t.kind in ("num", "run"):
            arg = self.atom_argument(src)
        else:
            self.fail(f"{src} needs an argument, as in {src}(x)")
        if primes:
            return _E(f"{fname}{chr(39) * primes}({arg.text})", ATOM, arg.scalar)
        return _call(fname, arg)

    def atom_argument(self, src: str) -> _E:
        """`\\sin x`: one number or name, accepted only when nothing could extend it."""
        t = self.next()
        if t.kind == "num":
            arg = _E(t.text, ATOM, True)
        else:
            if t.text in self.functions:
                self.fail(f"ambiguous: write {src}({t.text}(...))", t)
            raw, idx = self.subscript() if self.at("_") else (None, None)
            atoms = self.resolve(t.text, raw, idx, t)
            if len(atoms) > 1:
                segs = _segments(t.text)
                self.fail(f"ambiguous: write {src}({t.text}) or ({src} {segs[0]}){''.join(segs[1:])}", t)
            arg = atoms[0]
        nt = self.peek()
        a = self.srctext(t, nt)
        if nt.text == "^":
            e = self.peek(1).text if self.peek(1).text != "{" else "{...}"
            self.fail(f"ambiguous: write {src}({a}^{e}) or ({src} {a})^{e}", nt)
        if not (nt.kind == "end" or nt.text in ("+", "-", ")", "]", "}", ",")):
            b = nt.text if nt.kind in ("num", "run") else f" {nt.text} ..."
            self.fail(f"ambiguous: write {src}({a}{b}) or ({src} {a}){b}", nt)
        return arg

    def unknown(self, run: str, raw: str | None, tok: _Tok):
        shown, hint = (run if raw is None else f"{run}_{{{raw}}}"), ""
        if f"\\{run}" in FUNCTION_COMMANDS:
            hint = f" (write \\{run})"
        elif run == "e":
            hint = " (write \\exp(...) for the exponential)"
        elif run in self.functions:
            hint = f" ({run} is a function)"
        elif raw is not None and "," not in raw:
            hint = f" (no {run}{raw} or {run}_{raw} in the problem)"
        self.fail(f"unknown name '{shown}'{hint}", tok)

    def word(self, tok: _Tok) -> str:
        """The letters or digits in `{...}` after a command such as \\mathbf (or one letter)."""
        if self.peek().kind == "run" and len(self.peek().text) == 1:
            return self.next().text
        if not (self.ahead({"{"}) and self.peek(1).kind in ("run", "num") and self.peek(2).text == "}"):
            self.fail(f"write {tok.text}{{name}}", tok)
        self.i += 3
        return self.peek(-2).text

    def command(self) -> list[_E]:
        tok = self.next()
        c = tok.text
        if c in FUNCTION_COMMANDS:
            return self.postfix([self.apply(FUNCTION_COMMANDS[c], tok)])
        if c in TEXT_COMMANDS or c in BOLD_COMMANDS:
            w = self.word(tok)
            if c in TEXT_COMMANDS and w in OPERATOR_NAMES:
                src = _Tok("cmd", f"{c}{{{w}}}", tok.col)
                return self.postfix([self.apply(OPERATOR_NAMES[w], src)])
            if not w[0].isalpha():
                self.fail(f"{c}{{{w}}} is not supported", tok)
            return self.named(w, tok)
        if c == "\\frac":
            if not self.at("{"):
                self.fail("write \\frac{a}{b} with braces")
            num = self.group()
            if not self.at("{"):
                self.fail("write \\frac{a}{b} with braces")
            return self.postfix([self.div(num, self.group())])
        if c == "\\delta":
            idx = self.subscript()[1] if self.at("_") else None
            if not idx or len(idx) != 2:
                self.fail("\\delta needs two index names, as in \\delta_{ij}", tok)
            return self.postfix([_call("delta", *(self.name(i) for i in idx))])
        if c == "\\mathbb":  # \mathbb{1}_{i=j} or \mathbb{1}_{\{i=j\}}: the Kronecker delta
            raw = self.subscript()[0] if self.word(tok) == "1" and self.at("_") else ""
            i, _, j = raw.removeprefix("\\{").removesuffix("\\}").partition("=")
            if not {i, j} <= self.index_names:
                self.fail("write \\mathbb{1}_{i=j} with two index names", tok)
            return self.postfix([_call("delta", self.name(i), self.name(j))])
        if c in PRODUCT_OPS or c in TRANSPOSE or c == "\\prime":
            self.fail(f"unexpected {c}", tok)
        self.fail(f"unsupported LaTeX command {c}{HINTS.get(c, '')}; supported: {' '.join(SUPPORTED)}", tok)
