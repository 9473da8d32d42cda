"""The LaTeX commands of claims: Greek letters, accents, fonts, \\frac and derivatives, norms,
\\mathbf{1} — a part of the parser, kept apart to keep each module short."""

from __future__ import annotations

import keyword

from derivcheck.lang.latex.tokens import (ACCENTS, ATOM, BOLD_COMMANDS, CELL_END, FUNCTION_COMMANDS, GREEK, HADAMARD_OPS,
                                     HINTS, MATRIX_ENVIRONMENTS, NEG, NORMS, OPERATOR_NAMES, POW, PRODUCT_OPS, ROW_END,
                                     SUM, SUPPORTED, TEXT_COMMANDS, TRANSPOSE, _Tok)
from derivcheck.lang.latex.values import _E, _call, _paren


class Commands:
    """Methods of the parser for commands; they use its token helpers and grammar."""

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

    def size_ones(self, a: _E, b: _E) -> tuple:
        """\\mathbf{1}^\\top X sums X's columns; X \\mathbf{1} its rows: the ones fit the neighbour."""
        if a.ones and not b.ones and b.shape not in ((), None):
            n = b.shape[0]
            return (_E(f"transpose(ones({n}))", POW, (1, n)) if a.ones == 2 else _E(f"ones({n})", ATOM, (n,))), b
        if b.ones and not a.ones and a.shape not in ((), None):
            n = a.shape[-1] if len(a.shape) == 2 else 1
            return a, (_E(f"ones({n})", ATOM, (n,)) if b.ones == 1 else _E(f"transpose(ones({n}))", POW, (1, n)))
        self.fail("cannot tell the size of \\mathbf{1} here: write \\mathbf{1}_{n}")

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
        if c == "\\begin":
            return self.postfix([self.matrix(tok)])
        if c == "\\mathbb":  # \mathbb{1}_{i=j} or \mathbb{1}_{\{i=j\}}: the Kronecker delta
            raw = self.subscript()[0] if self.word(tok) == "1" and self.at("_") else ""
            i, _, j = raw.removeprefix("\\{").removesuffix("\\}").partition("=")
            if not {i, j} <= self.index_names:
                self.fail("write \\mathbb{1}_{i=j} with two index names", tok)
            return self.postfix([_call("delta", self.name(i), self.name(j))])
        if c in PRODUCT_OPS or c in HADAMARD_OPS or c in TRANSPOSE or c == "\\prime":
            self.fail(f"unexpected {c}", tok)
        self.fail(f"unsupported LaTeX command {c}{HINTS.get(c, '')}; supported: {' '.join(SUPPORTED)}", tok)

    def matrix(self, tok: _Tok) -> _E:
        """\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix} (also matrix, bmatrix, Bmatrix): the literal
        [[a, b], [c, d]]; a single column is a vector, as a column is on paper."""
        env = self.environment(tok)
        rows, row = [], []
        while True:
            entry = self.expr()
            if entry.shape not in ((), None):  # unknown shapes are left to the shape check of the claim
                self.fail("the entries of a matrix literal must be scalars", tok)
            row.append(entry.text)
            if self.at(CELL_END):
                self.next()
                continue
            rows.append(row)
            row = []
            if self.at(ROW_END):
                self.next()
                if not self.at("\\end"):
                    continue
            if not self.at("\\end"):
                self.fail(f"expected & or \\\\ or \\end{{{env}}} in the matrix", tok)
            end = self.next()
            if self.environment(end) != env:
                self.fail(f"\\begin{{{env}}} ends with another environment", end)
            break
        if len({len(r) for r in rows}) != 1:
            self.fail("the rows of a matrix literal have different lengths", tok)
        if len(rows[0]) == 1:
            return _E("[" + ", ".join(r[0] for r in rows) + "]", ATOM, (len(rows),))
        return _E("[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]", ATOM, (len(rows), len(rows[0])))

    def environment(self, tok: _Tok) -> str:
        """The {name} after \\begin or \\end: one of the matrix environments."""
        if not (self.at("{") and self.peek(1).kind == "run" and self.peek(2).text == "}"):
            self.fail(f"write {tok.text}{{pmatrix}} (or matrix, bmatrix, Bmatrix)", tok)
        env = self.peek(1).text
        if env not in MATRIX_ENVIRONMENTS:
            self.fail(f"{tok.text}{{{env}}}: only the matrix environments {', '.join(sorted(MATRIX_ENVIRONMENTS))} "
                      "are read", tok)
        self.i += 3
        return env

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


