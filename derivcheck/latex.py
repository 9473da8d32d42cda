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
import keyword
import re
from dataclasses import dataclass

from derivcheck.ops import AXIS_FUNCTIONS, ELEMENTWISE, FUNCTIONS, LATEX, OPS, ShapeError

MAX_DEPTH = 100
SUM, HADAMARD, NEG, PROD, POW, ATOM = 1, 2, 3, 4, 5, 6  # precedence of emitted text, loosest first

# \exp, \sigma, \det, \max, ...: every function the op table spells with its own command
FUNCTION_COMMANDS = {cmd: name for name, cmd in LATEX.items() if not cmd.startswith("\\operatorname")}
FUNCTION_COMMANDS["\\ln"] = "log"
OPERATOR_NAMES = {**{name: name for name in FUNCTIONS}, "tr": "trace", "Tr": "trace"}
GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi rho varrho "
    "sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split())
ACCENTS = {"\\hat": "hat", "\\bar": "bar", "\\tilde": "tilde"}
TEXT_COMMANDS = {"\\operatorname", "\\mathrm", "\\text"}
BOLD_COMMANDS = {"\\mathbf", "\\boldsymbol", "\\bm", "\\vec", "\\mathit"}
PRODUCT_OPS = {"\\cdot": None, "*": None, "\\times": None}  # None: * or @ by shape
HADAMARD_OPS = {"\\odot", "\\circ"}  # elementwise, binding looser than the products
TRANSPOSE = {"\\top", "\\intercal", "T"}
SPACES = {"\\,", "\\;", "\\:", "\\!", "\\ ", "\\quad", "\\qquad"}
NORMS = {"\\|": "\\|", "\\lVert": "\\rVert", "\\Vert": "\\Vert"}
SUPPORTED = sorted((set(FUNCTION_COMMANDS) | TEXT_COMMANDS | BOLD_COMMANDS | set(PRODUCT_OPS) | HADAMARD_OPS
                    | set(ACCENTS) | set(NORMS) | {"\\" + g for g in GREEK}
                    | {"\\frac", "\\partial", "\\mathbb", "\\top", "\\intercal", "\\prime", "\\left",
                       "\\right", "\\pi"}) - {"*"})
HINTS = {"\\sum": "; index sums are not supported: write the matrix form, or an `entries` claim"}
CLOSERS = {"(": ")", "[": "]", "{": "}"}
SCALAR_FUNCTIONS = {"trace", "det", "logdet", "delta", "norm", "dot", "grad", "hess"}


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
    """Emitted text, its precedence (for parentheses) and its shape: () a scalar, None a tensor of
    unknown shape. `ones` marks \\mathbf{1} (1, or 2 transposed) whose size its neighbour decides."""
    text: str
    prec: int
    shape: tuple | None
    frac: bool = False  # a quotient, parenthesised when a factor follows it (readability)
    ones: int = 0

    @property
    def scalar(self) -> bool:
        return self.shape == ()


_TOKEN = re.compile(r"(?P<space>[\s~$]+)|(?P<cmd>\\(?:[A-Za-z]+|.?))|(?P<num>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
                    r"|(?P<run>[A-Za-z]+[0-9]*)|(?P<sym>[-+*/^_'()\[\]{}=,|:])", re.S)
_DELIMITER = re.compile(r"\s*([()\[\]|]|\\\|)")


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
            kind, text, i = ("cmd" if d.group(1) == "\\|" else "sym"), d.group(1), d.end()
        toks.append(_Tok(kind, text, col))
    toks.append(_Tok("end", "", len(s) + 1))
    return toks


def _segments(run: str) -> list[str]:
    """`xh1` -> [`x`, `h1`]: each letter with the digits after it."""
    return re.findall(r"[A-Za-z][0-9]*", run)


def _paren(e: _E, needed: bool) -> str:
    return f"({e.text})" if needed else e.text


def _transposed(shape):
    if shape is None or shape == ():
        return shape
    if len(shape) == 1:
        return (1, shape[0])
    return (shape[1],) if shape[0] == 1 else (shape[1], shape[0])


def _call_shape(name: str, args: list):
    if name in SCALAR_FUNCTIONS or name == "logsumexp" and args and args[0].shape is not None and len(args[0].shape) == 1:
        return ()
    if name == "sum" and len(args) == 1:
        return ()
    if name in ELEMENTWISE or name.rstrip("'") in ELEMENTWISE or name in ("softmax", "inv"):
        return args[0].shape if args else None
    if name in ("max", "min") and len(args) == 2:
        return args[0].shape if args[1].scalar else args[1].shape if args[0].scalar else args[0].shape
    if name == "transpose" and args:
        return _transposed(args[0].shape)
    if name == "diag" and args and args[0].shape is not None:
        s = args[0].shape
        return (s[0], s[0]) if len(s) == 1 else (s[0],) if len(s) == 2 else None
    return None


def _call(name: str, *args: _E, text: str | None = None) -> _E:
    inner = text if text is not None else ", ".join(a.text for a in args)
    return _E(f"{name}({inner})", ATOM, _call_shape(name, list(args)))


def read(latex: str, *, shapes: dict, functions: frozenset = frozenset(), index_names: frozenset = frozenset()):
    """One LaTeX formula → (its reading as expression text, the parsed expression of SPEC §1.3).

    The stable entry point for callers that hold a problem's names and shapes (the sheet reader):
    raises LatexError (with a 1-based column in `latex`) or ExprError for the reading."""
    from derivcheck import exprs

    text = to_expression(latex, names=frozenset(shapes), functions=frozenset(functions), shapes=dict(shapes),
                         index_names=frozenset(index_names))
    return text, exprs.parse(text, claim=True, entries=bool(index_names))


def to_expression(latex: str, *, names: frozenset[str], functions: frozenset[str] = frozenset(),
                  scalars: frozenset[str] = frozenset(), index_names: frozenset[str] = frozenset(),
                  shapes: dict | None = None) -> str:
    """The expression text for a LaTeX formula; raises LatexError (with a column) otherwise.
    `shapes` (name → shape) lets products and \\mathbf{1} follow the operands' shapes; without it
    the names in `scalars` are scalars and every other name a tensor."""
    parser = _Parser(latex, names, functions, scalars, index_names, shapes)
    try:
        return parser.parse()
    except RecursionError:  # the depth limit keeps this away, unless the caller is already deep
        raise LatexError("formula nested too deeply", parser.peek().col) from None


class _Parser:
    def __init__(self, src, names, functions, scalars, index_names, shapes):
        self.src, self.toks, self.i, self.depth = src, _tokenize(src), 0, -1  # groups deep
        self.names, self.functions = frozenset(names), frozenset(functions)
        self.index_names = frozenset(index_names)
        self.shapes = dict(shapes) if shapes is not None else {n: () for n in scalars}
        self.typed = shapes is not None
        self.known = self.names | self.index_names
        self.open_bars = 0  # |x| and \\|x\\| being read: a bar then closes, it does not open

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
        if e.ones:
            self.fail("cannot tell the size of \\mathbf{1} here: write \\mathbf{1}_{n}", self.toks[0])
        return e.text

    def expr(self) -> _E:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"formula nested deeper than {MAX_DEPTH} levels")
        sign = self.next().text if self.at("+", "-") else None
        e = self.hadamard()
        if sign == "-":
            e = _E("-" + _paren(e, e.prec <= NEG), NEG, e.shape)
        parts, terms = [e.text], [e]
        while self.at("+", "-"):
            op = self.next().text
            if self.at("+", "-"):
                self.fail("two signs in a row: use parentheses, as in a - (-b)")
            r = self.hadamard()
            terms.append(r)
            parts.append(f" {op} {_paren(r, r.prec <= NEG)}")
        self.depth -= 1
        if len(parts) == 1:
            return e
        shapes = [t.shape for t in terms]
        resolved = self.sized_ones(terms)
        if resolved is not None:
            return resolved
        shape = next((s for s in shapes if s not in ((), None)), None if None in shapes else ())
        return _E("".join(parts), SUM, shape)

    def sized_ones(self, terms: list) -> _E | None:
        """x - \\mathbf{1}: the ones take the shape of the other terms."""
        if not any(t.ones for t in terms):
            return None
        shape = next((t.shape for t in terms if not t.ones and t.shape not in ((), None)), None)
        if shape is None:
            self.fail("cannot tell the size of \\mathbf{1} here: write \\mathbf{1}_{n}")
        fixed = [self.ones_text(shape) if t.ones else _paren(t, t.prec <= NEG) for t in terms]
        return _E(" + ".join(fixed).replace("+ -", "- "), SUM, shape)

    @staticmethod
    def ones_text(shape: tuple) -> str:
        return f"ones({', '.join(map(str, shape))})"

    def hadamard(self) -> _E:
        """Products joined by \\odot or \\circ: looser than juxtaposition and \\cdot, as in papers."""
        acc = self.product()
        while self.at(*HADAMARD_OPS):
            self.next()
            b = self.product()
            acc = _E(_paren(acc, acc.prec < HADAMARD) + "*" + _paren(b, b.prec <= PROD), HADAMARD,
                     acc.shape if b.scalar else b.shape)
        return acc

    def starts_factor(self) -> bool:
        t = self.peek()
        if t.text in NORM_CLOSERS or t.text == "|":  # opens a norm or |x| unless one is open
            return not self.open_bars
        return (t.kind in ("num", "run") or (t.kind == "sym" and t.text in CLOSERS)
                or (t.kind == "cmd" and t.text not in PRODUCT_OPS and t.text not in HADAMARD_OPS))

    def product(self) -> _E:
        """Factors joined by \\cdot, \\times, * , / or juxtaposition (left to right)."""
        acc: _E | None = None
        while acc is None or self.at("/", *PRODUCT_OPS) or self.starts_factor():
            if acc is not None and self.at("/"):
                self.next()
                start, fs = self.peek(), self.factor()
                if len(fs) > 1 or self.starts_factor():
                    self.fail("ambiguous: write \\frac{a}{b c} or \\frac{a}{b} c", start)
                acc = self.div(acc, fs[0])
                continue
            if acc is not None and self.at(*PRODUCT_OPS):
                self.next()
            if acc is not None and self.peek().kind == "num" == self.toks[self.i - 1].kind:
                self.fail("two numbers in a row: write them with \\cdot")
            for f in self.factor():
                acc = f if acc is None else self.mul(acc, f)
        return acc

    def mul(self, a: _E, b: _E) -> _E:
        """A product: scalar times anything multiplies (a 1×1 result included), two tensors are @."""
        if a.ones or b.ones:
            a, b = self.size_ones(a, b)
        scalar = a.scalar or b.scalar
        op = "*" if scalar else " @ "
        if scalar:
            shape = b.shape if a.scalar else a.shape
        elif a.shape is not None and b.shape is not None:
            try:
                shape = OPS["matmul"].shape([a.shape, b.shape], {})
            except ShapeError:
                shape = None  # the claim is then wrong by its shapes, which lowering reports
        else:
            shape = None
        left = a.prec < PROD and a.prec != HADAMARD or a.frac  # (a ⊙ b) c is a*b @ c: Python groups it so too
        text = _paren(a, left) + op + _paren(b, b.prec <= PROD)
        return _E(text, PROD, shape)

    def size_ones(self, a: _E, b: _E) -> tuple:
        """\\mathbf{1}^\\top X sums X's columns; X \\mathbf{1} its rows: the ones fit the neighbour."""
        if a.ones and not b.ones and b.shape not in ((), None):
            n = b.shape[0]
            return (_E(f"transpose(ones({n}))", POW, (1, n)) if a.ones == 2 else _E(f"ones({n})", ATOM, (n,))), b
        if b.ones and not a.ones and a.shape not in ((), None):
            n = a.shape[-1] if len(a.shape) == 2 else 1
            return a, (_E(f"ones({n})", ATOM, (n,)) if b.ones == 1 else _E(f"transpose(ones({n}))", POW, (1, n)))
        self.fail("cannot tell the size of \\mathbf{1} here: write \\mathbf{1}_{n}")

    def div(self, a: _E, b: _E) -> _E:
        return _E(_paren(a, a.prec < PROD) + "/" + _paren(b, b.prec <= PROD), PROD,
                  a.shape if b.scalar else None, frac=True)

    def factor(self) -> list[_E]:
        t = self.peek()
        if t.kind == "num":
            self.next()
            return self.postfix([_E(t.text, ATOM, ())])
        if t.kind == "run":
            self.next()
            return self.named(t.text, t)
        if t.kind == "sym" and t.text in CLOSERS:
            return self.postfix([self.group()])
        if t.kind == "sym" and t.text == "|":
            return self.postfix([self.bars()])
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

    def bars(self) -> _E:
        """|x| is abs(x)."""
        opener = self.next()
        self.open_bars += 1
        e = self.expr()
        self.open_bars -= 1
        if not self.at("|"):
            self.fail("unbalanced '|': no matching '|'", opener)
        self.next()
        return _call("abs", e)

    def norm(self, opener: _Tok) -> _E:
        """\\|x\\|, \\|x\\|_2, \\|X\\|_F: the Euclidean or Frobenius norm."""
        closer = NORMS[opener.text]
        self.open_bars += 1
        e = self.expr()
        self.open_bars -= 1
        if not self.at(closer):
            self.fail(f"unbalanced '{opener.text}': no matching '{closer}'", opener)
        self.next()
        if self.at("_"):
            self.next()
            sub = self.next().text
            if sub == "{":
                sub = self.next().text
                if not self.at("}"):
                    self.fail("write \\|x\\|_2 or \\|X\\|_F")
                self.next()
            if sub not in ("2", "F"):
                self.fail(f"only the 2-norm and the Frobenius norm are supported (\\|x\\|_2, \\|X\\|_F), not _{sub}")
        return _E(f"norm({e.text})", ATOM, ())

    def postfix(self, atoms: list[_E]) -> list[_E]:
        if self.at("^"):
            atoms[-1] = self.superscript(atoms[-1])
            if self.at("^"):
                self.fail("double superscript: use braces, as in {x^{2}}^{3}")
        if self.at("_"):
            self.fail("a subscript must follow a name directly, as in x_{k}^{2}")
        if self.at("'"):
            self.fail("' marks the derivative of a function, as in f'(x) or \\sigma'(a)")
        return atoms

    def superscript(self, base: _E) -> _E:
        self.next()
        t = self.peek()
        if t.text in TRANSPOSE or self.ahead({"{"}, TRANSPOSE, {"}"}):
            self.i += 1 if t.text in TRANSPOSE else 3
            if base.ones:
                return _E(base.text, base.prec, None, ones=3 - base.ones)
            return _call("transpose", base)
        if self.ahead({"{"}, {"-"}, {"1"}, {"}"}):
            self.i += 4
            return self.power(base, _E("-1", NEG, ())) if base.scalar else _call("inv", base)
        if self.ahead({"{"}, {"-"}, TRANSPOSE, {"}"}):
            self.i += 4
            return _call("transpose", _call("inv", base))
        if t.kind == "num":
            self.next()
            return self.power(base, _E(t.text, ATOM, ()))
        if t.kind == "run":
            self.next()
            return self.power(base, self.resolve(t.text, None, None, t)[0])
        if t.text == "{":
            return self.power(base, self.group())
        self.fail("expected an exponent after ^, as in x^{2} or X^\\top")

    def power(self, base: _E, exp: _E) -> _E:
        return _E(_paren(base, base.prec < ATOM) + "**" + _paren(exp, exp.prec < ATOM), POW, base.shape)

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
                if t.kind not in ("num", "run") and t.text not in (",", "=", ":", "\\{", "\\}"):
                    self.fail(f"unsupported in a subscript: '{t.text}'")
                items.append(self.next().text)
            self.next()
            raw = "".join(items)
        else:
            self.fail("expected a subscript after _, as in x_{k}")
        parts = raw.split(",") if "," in raw else [raw] if raw in self.index_names else list(raw)
        return raw, (parts if all(p in self.index_names for p in parts) else None)

    def is_function(self, name: str) -> bool:
        """A language function (not shadowed by a name of the problem) or a declared one."""
        return name in self.functions or (name in OPERATOR_NAMES and name not in self.known)

    def named(self, run: str, tok: _Tok) -> list[_E]:
        """A run of letters with its subscript: names, an indexed name or a function call."""
        raw, idx = self.subscript() if self.at("_") else (None, None)
        fname = run if raw is None else next(
            (c for c in (run + raw, f"{run}_{raw}") if c in self.functions), None)
        if fname is not None and self.is_function(fname) and (fname in self.functions or self.at("(", "'")):
            return self.postfix([self.apply(OPERATOR_NAMES.get(fname, fname), tok, self.primes())])
        return self.postfix(self.resolve(run, raw, idx, tok))

    def resolve(self, run: str, raw: str | None, idx: list[str] | None, tok: _Tok) -> list[_E]:
        """`xy` is the name xy if there is one, else x*y; a subscript goes with the last letter."""
        segs = _segments(run)
        for head, last in (([], run), (segs[:-1], segs[-1])):
            if all(s in self.known for s in head) and (e := self.subscripted(last, raw, idx)):
                return [self.name(s) for s in head] + [e]
        self.unknown(run, raw, tok)

    def name(self, n: str) -> _E:
        if n in self.index_names:
            return _E(n, ATOM, ())
        return _E(n, ATOM, self.shapes.get(n, () if n in self.shapes else None))

    def subscripted(self, base: str, raw: str | None, idx: list[str] | None) -> _E | None:
        if raw is None:
            return self.name(base) if base in self.known else None
        if idx and base in self.names:
            return _E(f"{base}[{', '.join(idx)}]", ATOM, ())
        cands = [] if "," in raw else [base + raw, f"{base}_{raw}"]
        found = next((self.name(c) for c in cands if c in self.known), None)
        if found is None and base in self.names and self.shapes.get(base) != ():
            return self.entry(base, raw)
        if found is None and base == "I" and (raw.isdigit() or raw in self.names):
            return _E(f"eye({raw})", ATOM, (int(raw),) * 2 if raw.isdigit() else None)  # I_{n}: the identity
        return found

    def entry(self, base: str, raw: str) -> _E | None:
        """x_{2}, W_{1,2}, W_{1,:}: an entry, row or column of a tensor of the problem (from 1)."""
        parts = raw.split(",") if "," in raw else list(raw)
        shape = self.shapes.get(base)
        if not all(p.isdigit() or p == ":" for p in parts) or shape is not None and len(parts) != len(shape):
            return None
        kept = tuple(n for n, p in zip(shape or (), parts) if p == ":")
        return _E(f"{base}[{', '.join(parts)}]", ATOM, kept if shape is not None else None)

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
        if primes and fname not in self.functions and fname not in ELEMENTWISE:
            self.fail(f"{src}: only elementwise and declared functions have derivatives f'(x)")
        if t.text == "'":
            self.fail(f"' marks a derivative: write {src}'(x)")
        if fname == "sqrt" and t.text == "[":
            self.fail("\\sqrt[n]{x} is not supported: write x^{1/n}")
        axis = self.axis() if fname in AXIS_FUNCTIONS and self.at("_") else None
        t = self.peek()
        if t.kind == "sym" and t.text in CLOSERS:
            args = self.arguments()
        elif t.text == "|" or t.text in NORMS:
            args = [self.bars() if t.text == "|" else self.norm(self.next())]
        elif t.kind in ("num", "run") or t.kind == "cmd" and (t.text[1:] in GREEK or t.text in ACCENTS):
            args = [self.atom_argument(src)]
        else:
            self.fail(f"{src} needs an argument, as in {src}(x)")
        name = fname + "'" * primes
        if axis is not None:
            return _E(f"{fname}({args[0].text}, axis={axis})", ATOM, None)
        if fname == "sum" and len(args) == 1 and args[0].shape is not None and args[0].shape != ():
            return _E(f"sum({args[0].text})", ATOM, ())
        call = _call(name, *args)
        if fname in self.functions:  # a declared function acts elementwise
            return _E(call.text, ATOM, args[0].shape)
        return call

    def axis(self) -> int:
        """_{\\text{axis}=0} after sum, mean, softmax or logsumexp (as derivcheck writes it)."""
        start = self.next()
        if not (self.ahead({"{"}, TEXT_COMMANDS, {"{"}, {"axis"}, {"}"}, {"="}, {"0", "1"}, {"}"})):
            self.fail("write the axis as _{\\text{axis}=0} or _{\\text{axis}=1}", start)
        self.i += 8
        return int(self.peek(-2).text)

    def arguments(self) -> list[_E]:
        """(a) or (a, b): a function's arguments; braces group one argument as in \\sqrt{x}."""
        opener = self.next()
        closer = CLOSERS[opener.text]
        if self.at(closer):
            self.fail("empty group", opener)
        args = [self.expr()]
        while opener.text == "(" and self.at(","):
            self.next()
            args.append(self.expr())
        if not self.at(closer):
            self.fail(f"unbalanced '{opener.text}': no matching '{closer}'", opener)
        self.next()
        return args

    def atom_argument(self, src: str) -> _E:
        """`\\sin x`: one number or name, accepted only when nothing could extend it."""
        t = self.peek()
        if t.kind == "cmd":  # \sin \theta, \log \hat{x}
            start = self.i
            atoms = self.command()
            power = next((k for k in range(start, self.i) if self.toks[k].text == "^"), None)
            if power is not None:
                a = self.srctext(t, self.toks[power])
                self.fail(f"ambiguous: write {src}({a}^...) or ({src} {a})^...", self.toks[power])
            if len(atoms) > 1:
                self.fail(f"ambiguous: write {src}(...) with parentheses", t)
            arg = atoms[0]
        elif self.next().kind == "num":
            arg = _E(t.text, ATOM, ())
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
        if not (nt.kind == "end" or nt.text in ("+", "-", ")", "]", "}", ",") or nt.text in HADAMARD_OPS
                or self.open_bars and (nt.text == "|" or nt.text in NORM_CLOSERS)):
            b = nt.text if nt.kind in ("num", "run") else f" {nt.text} ..."
            self.fail(f"ambiguous: write {src}({a}{b}) or ({src} {a}){b}", nt)
        return arg

    def unknown(self, run: str, raw: str | None, tok: _Tok):
        shown, hint = (run if raw is None else f"{run}_{{{raw}}}"), ""
        if run == "e":
            hint = " (write \\exp(...) for the exponential)"
        elif run in self.functions or run in OPERATOR_NAMES:
            hint = f" ({run} is a function: write {run}(...))"
        elif raw is not None and "," not in raw:
            hint = f" (no {run}{raw} or {run}_{raw} in the problem)"
        self.fail(f"unknown name '{shown}'{hint}", tok)

    def word(self, tok: _Tok) -> str:
        """The letters or digits in `{...}` after a command such as \\mathbf (or one letter); a Greek
        letter inside (\\hat{\\mu}) gives its name."""
        if self.peek().kind == "run" and len(self.peek().text) == 1:
            return self.next().text
        if self.ahead({"{"}) and self.peek(1).kind == "cmd" and self.peek(1).text[1:] in GREEK \
                and self.peek(2).text == "}":
            self.i += 3
            return self.peek(-2).text[1:]
        if not (self.ahead({"{"}) and self.peek(1).kind in ("run", "num") and self.peek(2).text == "}"):
            self.fail(f"write {tok.text}{{name}}", tok)
        self.i += 3
        return self.peek(-2).text

    def greek(self, letter: str, tok: _Tok) -> list[_E]:
        """\\gamma names gamma; \\lambda (a Python keyword) names lambda_ or lam."""
        if keyword.iskeyword(letter):
            found = next((n for n in (letter + "_", letter[:3]) if n in self.known), None)
            if found is None:
                self.fail(f"\\{letter} names {letter}_ or {letter[:3]} ({letter} is a Python keyword); "
                          "the problem has neither", tok)
            letter = found
        return self.named(letter, tok)

    def command(self) -> list[_E]:
        tok = self.next()
        c = tok.text
        if c == "\\sigma" and not (self.at("(", "'") or self.ahead({"^"}, {"\\prime"})
                                   or self.ahead({"^"}, {"{"}, {"\\prime"})):
            return self.greek("sigma", tok)  # a bare \sigma names sigma; \sigma(...) is the sigmoid
        if c == "\\delta" and not self.at("_"):
            return self.greek("delta", tok)  # \delta_{ij} is the Kronecker delta, below
        if c in FUNCTION_COMMANDS:
            return self.postfix([self.apply(FUNCTION_COMMANDS[c], tok, self.primes())])
        if c == "\\delta":
            idx = self.subscript()[1] if self.at("_") else None
            if not idx or len(idx) != 2:
                self.fail("\\delta needs two index names, as in \\delta_{ij}", tok)
            return self.postfix([_call("delta", *(self.name(i) for i in idx))])
        if c[1:] in GREEK:
            return self.greek(c[1:], tok)
        if c == "\\pi":
            return self.postfix([_E("pi", ATOM, ())])
        if c in ACCENTS:
            w = self.word(tok)
            return self.named(w + ACCENTS[c], tok)
        if c in NORMS:
            return self.postfix([self.norm(tok)])
        if c in TEXT_COMMANDS or c in BOLD_COMMANDS:
            w = self.word(tok)
            if c in TEXT_COMMANDS and w in OPERATOR_NAMES and w not in self.known:
                src = _Tok("cmd", f"{c}{{{w}}}", tok.col)
                return self.postfix([self.apply(OPERATOR_NAMES[w], src, self.primes())])
            if c in BOLD_COMMANDS and w == "1":
                return self.postfix([self.ones(tok)])
            if not w[0].isalpha():
                self.fail(f"{c}{{{w}}} is not supported", tok)
            return self.named(w, tok)
        if c == "\\frac":
            if self.ahead({"{"}, {"\\partial", "d"}) or self.ahead({"{"}, {"\\mathrm"}, {"{"}, {"d"}, {"}"}):
                return self.postfix([self.derivative(tok)])
            if not self.at("{"):
                self.fail("write \\frac{a}{b} with braces")
            num = self.group()
            if not self.at("{"):
                self.fail("write \\frac{a}{b} with braces")
            return self.postfix([self.div(num, self.group())])
        if c == "\\mathbb":  # \mathbb{1}_{i=j} or \mathbb{1}_{\{i=j\}}: the Kronecker delta
            raw = self.subscript()[0] if self.word(tok) == "1" and self.at("_") else ""
            i, _, j = raw.removeprefix("\\{").removesuffix("\\}").partition("=")
            if not {i, j} <= self.index_names:
                self.fail("write \\mathbb{1}_{i=j} with two index names", tok)
            return self.postfix([_call("delta", self.name(i), self.name(j))])
        if c in PRODUCT_OPS or c in HADAMARD_OPS or c in TRANSPOSE or c == "\\prime":
            self.fail(f"unexpected {c}", tok)
        self.fail(f"unsupported LaTeX command {c}{HINTS.get(c, '')}; supported: {' '.join(SUPPORTED)}", tok)

    def ones(self, tok: _Tok) -> _E:
        """\\mathbf{1}_{n} is ones(n); a bare \\mathbf{1} takes the size its neighbour needs."""
        if self.at("_"):
            raw = self.subscript()[0]
            if not raw.isdigit() and raw not in self.known:
                self.fail(f"\\mathbf{{1}}_{{{raw}}}: the size is a number or a dim name", tok)
            return _E(f"ones({raw})", ATOM, (int(raw),) if raw.isdigit() else None)
        return _E("ones(?)", ATOM, None, ones=1)

    # -- derivatives
    def derivative(self, tok: _Tok) -> _E:
        """\\frac{\\partial f}{\\partial v} is grad(f, v); \\frac{\\partial^2 f}{\\partial u \\partial v}
        (or {\\partial v^2}) is hess(f, u, v); \\frac{d f}{d v} and \\frac{\\mathrm{d} f}{\\mathrm{d} v} too."""
        self.next()  # {
        self.differential()
        if self.at("^"):
            self.next()
            order = self.next().text if not self.at("{") else self.group().text
            if order not in ("2",):
                self.fail("only first and second derivatives are supported", tok)
            order = 2
        else:
            order = 1
        f = self.variable(tok)
        self.close(tok)
        if not self.at("{"):
            self.fail("write \\frac{\\partial f}{\\partial v} with braces", tok)
        self.next()
        wrt = []
        while not self.at("}"):
            self.differential()
            v = self.variable(tok)
            if self.at("^"):
                self.next()
                if self.next().text != "2":
                    self.fail("write \\partial v^2 for a second derivative", tok)
                wrt += [v, v]
            else:
                wrt.append(v)
        self.next()
        if len(wrt) != order:
            self.fail(f"a derivative of order {order} needs {order} variable(s) below the line, got {len(wrt)}", tok)
        name = "grad" if order == 1 else "hess"
        shape = None
        if all(self.shapes.get(n) is not None for n in [f] + wrt):
            shape = sum((self.shapes[n] for n in [f] + wrt), ())
        return _E(f"{name}({', '.join([f] + wrt)})", ATOM, shape)

    def differential(self):
        if self.at("\\partial"):
            self.next()
        elif self.peek().kind == "run" and self.peek().text.startswith("d"):
            t = self.next()
            if len(t.text) > 1:  # df: d and a name
                self.i -= 1
                self.toks[self.i] = _Tok("run", t.text[1:], t.col + 1)
        elif self.ahead({"\\mathrm"}, {"{"}, {"d"}, {"}"}):
            self.i += 4
        else:
            self.fail("expected \\partial (or d) in a derivative")

    def variable(self, tok: _Tok) -> str:
        """The name after \\partial: a name of the problem (h_1, \\mu, \\hat{x}, W)."""
        t = self.peek()
        if t.kind == "cmd":
            self.next()
            if t.text[1:] in GREEK:
                name = t.text[1:]
            elif t.text in ACCENTS:
                name = self.word(t) + ACCENTS[t.text]
            elif t.text in BOLD_COMMANDS:
                name = self.word(t)
            else:
                self.fail(f"expected a name after \\partial, got {t.text}", t)
        elif t.kind == "run":
            name = self.next().text
        else:
            self.fail("expected a name after \\partial", t)
        if self.at("_"):
            raw, idx = self.subscript()
            cands = [name + raw, f"{name}_{raw}"]
            found = next((c for c in cands if c in self.names), None)
            if found is None:
                self.fail(f"\\partial of an entry or unknown name ({name}_{raw}) is not supported: "
                          "differentiate with respect to a name of the problem", t)
            return found
        if name not in self.names:
            self.fail(f"unknown name '{name}' in a derivative", t)
        return name

    def close(self, tok: _Tok):
        if not self.at("}"):
            self.fail("write \\frac{\\partial f}{\\partial v}: one name above the line", tok)
        self.next()


NORM_CLOSERS = {"\\|", "\\rVert", "\\Vert"}
