"""The grammar of LaTeX claims: sums, \\odot, products, factors, scripts, names and calls."""

from __future__ import annotations

from derivcheck.lang.latex.commands import Commands
from derivcheck.lang.latex.tokens import (ACCENTS, ATOM, CLOSERS, GREEK, HADAMARD, HADAMARD_OPS, MAX_DEPTH, NEG,
                                     NORM_CLOSERS, NORMS, OPERATOR_NAMES, POW, PROD, PRODUCT_OPS, ROW_END, SUM, TEXT_COMMANDS,
                                     TRANSPOSE, LatexError, _segments, _Tok, _tokenize)
from derivcheck.lang.latex.values import _E, _call, _paren
from derivcheck.ops import AXIS_FUNCTIONS, ELEMENTWISE, OPS, ShapeError


class Parser(Commands):
    def __init__(self, src, names, functions, scalars, index_names, shapes):
        self.src, self.toks, self.i, self.depth = src, _tokenize(src), 0, -1  # groups deep
        self.names, self.functions = frozenset(names), frozenset(functions)
        self.index_names = frozenset(index_names)
        self.shapes = dict(shapes) if shapes is not None else {n: () for n in scalars}
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
                or (t.kind == "cmd" and t.text not in PRODUCT_OPS and t.text not in HADAMARD_OPS
                    and t.text not in (ROW_END, "\\end")))

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
        exponent = self.function_power(src) if self.at("^") else None
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
            call = _E(call.text, ATOM, args[0].shape)
        return self.power(call, _E(exponent, ATOM, ())) if exponent else call

    def function_power(self, src: str) -> str:
        """`\\tanh^2(x)` is tanh(x)^2, as every sheet means it; any other power of a function
        (`\\sin^{-1}`, `\\sin^2 x` without parentheses) is ambiguous."""
        start = self.i
        self.next()
        braced = self.at("{")
        if braced:
            self.next()
        t = self.next()
        if braced and not self.at("}"):
            t = None
        elif braced:
            self.next()
        after = self.peek()
        if t is None or t.kind != "num" or not t.text.isdigit() or int(t.text) < 2 \
                or not (after.kind == "sym" and after.text == "("):
            self.i = start
            self.fail(f"a power of {src} is ambiguous: write {src}(x)^2")
        return t.text

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

