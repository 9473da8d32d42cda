"""The expression language of SPEC §1.3, parsed safely.

Text goes through Python's `ast` parser only; the resulting tree is walked with a
whitelist and turned into small frozen dataclasses. Nothing is ever evaluated,
and no text reaches sympy. Offsets are 0-based positions in the original text.
"""

from __future__ import annotations

import ast
import keyword
import re
import unicodedata
import warnings
from dataclasses import dataclass
from fractions import Fraction

from derivcheck.lang.errors import ExprError
from derivcheck.ops import AXIS_FUNCTIONS, CLAIM_FUNCTIONS, ELEMENTWISE, ENTRY_FUNCTIONS
from derivcheck.ops import FUNCTIONS as _DOCUMENTED

FUNCTIONS = frozenset(_DOCUMENTED)
RESERVED = FUNCTIONS | {"pi"}
NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")

MAX_TEXT = 10_000
MAX_NODES = 5_000
MAX_DEPTH = 100
MAX_LITERAL_DIGITS = 60
MAX_LITERAL_EXPONENT = 400


def name_problem(name: str) -> str | None:
    """Why `name` cannot name an input, node, dim, function or index (None if it can)."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        shown = repr(name if len(str(name)) <= 40 else str(name)[:37] + "...")
        bad = next((c for c in str(name) if ord(c) > 127), None)
        if bad is not None:
            return (f"name {shown} contains the non-ASCII character {unicodedata.name(bad, hex(ord(bad)))} "
                    f"(U+{ord(bad):04X}); names are ASCII identifiers")
        return f"{shown} is not a valid name (letters, digits and _, starting with a letter)"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"{name!r} is a Python keyword and cannot be a name"
    if name in RESERVED:
        return f"{name!r} is a function or constant of the expression language and cannot be a name"
    return None


@dataclass(frozen=True)
class Num:
    value: Fraction
    pos: int


@dataclass(frozen=True)
class Name:
    id: str
    pos: int


@dataclass(frozen=True)
class Neg:
    operand: "Expr"
    pos: int


@dataclass(frozen=True)
class Bin:
    op: str  # one of + - * / ** @
    left: "Expr"
    right: "Expr"
    pos: int


@dataclass(frozen=True)
class Transpose:
    operand: "Expr"
    pos: int


@dataclass(frozen=True)
class Call:
    fn: str
    args: tuple
    pos: int
    axis: int | None = None
    prime: int = 0  # f'(x) has prime 1, f''(x) prime 2


@dataclass(frozen=True)
class Colon:
    """`:` in W[i, :] — every entry along that axis."""

    pos: int


@dataclass(frozen=True)
class Index:
    base: str
    indices: tuple  # expressions or Colon
    pos: int
    of: "Call | None" = None  # an indexed derivative, `grad(L, a3)[k]`; base is its fn


@dataclass(frozen=True)
class Literal:
    """[a, b, c] (a column vector) or [[a, b], [c, d]] (a matrix, given by rows)."""

    rows: tuple  # of expressions (a vector) or of tuples of expressions (a matrix)
    matrix: bool
    pos: int


Expr = Num | Name | Neg | Bin | Transpose | Call | Index | Literal

_BINOPS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.MatMult: "@",
}

_DESCRIBE = {
    ast.Lambda: "a lambda",
    ast.Attribute: "attribute access",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.NamedExpr: "an assignment expression (:=)",
    ast.JoinedStr: "a string",
    ast.Compare: "a comparison",
    ast.BoolOp: "a boolean operator",
    ast.IfExp: "a conditional expression",
    ast.Starred: "a starred expression",
    ast.Tuple: "a tuple",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.Await: "await",
    ast.Yield: "yield",
}


def _preprocess(text: str) -> tuple[str, list[int], set[int]]:
    """Rewrite `^` as `**` and primes `f'` as `f_`, keeping a map back to the original offsets."""
    out: list[str] = []
    origin: list[int] = []
    primes: set[int] = set()
    for i, ch in enumerate(text):
        if ch == "^":
            out.append("**")
            origin.extend((i, i))
        elif ch == "'":
            if not (i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_'")):
                raise ExprError("strings are not allowed in an expression", i)
            after = text[i + 1 :].lstrip("'").lstrip(" \t")
            if not after.startswith("("):
                raise ExprError("a prime (') is only allowed in f'(x) or f''(x), for a declared function f", i)
            primes.add(len(out))
            out.append("_")
            origin.append(i)
        else:
            out.append(ch)
            origin.append(i)
    origin.append(len(text))
    return "".join(out), origin, primes


def _check_characters(text: str) -> None:
    for i, ch in enumerate(text):
        if ord(ch) > 127:
            name = unicodedata.name(ch, f"U+{ord(ch):04X}")
            raise ExprError(
                f"non-ASCII character {name} (U+{ord(ch):04X}); expressions are plain ASCII "
                "(write x**2 for x², * for ·)",
                i,
            )
        if ch in "\n\r" or (ord(ch) < 32 and ch != "\t"):
            raise ExprError("an expression is one line of text", i)
        if ch == '"':
            raise ExprError("strings are not allowed in an expression", i)
        if ch == ";":
            raise ExprError("';' is not allowed: an expression is a single formula", i)
        if ch == "#":
            raise ExprError("'#' is not allowed in an expression (it would silently cut the formula short "
                            "as a comment)", i)


def parse(text: str, *, entries: bool = False, claim: bool = False) -> Expr:
    """Parse an expression (SPEC §1.3). `claim` allows grad/hess/hessdiag, `entries` indexing and delta."""
    if not isinstance(text, str) or not text.strip():
        raise ExprError("empty expression", 0)
    if len(text) > MAX_TEXT:
        raise ExprError(f"expression longer than {MAX_TEXT} characters", 0)
    _check_characters(text)
    source, origin, primes = _preprocess(text)
    try:
        with warnings.catch_warnings():  # no SyntaxWarning on stderr for text we refuse or accept anyway
            warnings.simplefilter("ignore")
            tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        explained = _explain(source, lambda i, t: "^" if t == "**" and text[origin[i]] == "^" else t)
        if explained is not None:
            message, offset = explained
            raise ExprError(f"syntax error: {message}", origin[min(offset, len(origin) - 1)]) from None
        offset = (exc.offset or 1) - 1 + (len(source) - len(source.lstrip()))
        juxtaposed = re.search(r"[0-9.]\s*[A-Za-z(]|\)\s*[A-Za-z0-9(]", text)
        hint = "; write products with *, as in 2*x" if juxtaposed else ""
        raise ExprError(f"syntax error: {exc.msg}{hint}", origin[min(max(offset, 0), len(origin) - 1)]) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError("expression nested too deeply", 0) from None
    lead = len(source) - len(source.lstrip())
    return _Converter(source, origin, primes, lead, entries=entries, claim=claim).convert(tree.body)


_TOKENS = re.compile(r"\s*(?:(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
                     r"|(?P<op>\*\*|[-+*/@,])|(?P<open>[(\[])|(?P<close>[)\]])|(?P<other>\S))")
_BINARY_ONLY = {"*", "/", "**", "@", ","}


def _explain(source: str, shown) -> tuple[str, int] | None:
    """What was expected where Python's parser gave up, for the common slips: an operator with
    nothing after it, two operators in a row, two terms with no operator between them."""
    previous = None  # (kind, text, start)
    for m in _TOKENS.finditer(source):
        kind = m.lastgroup
        if kind is None:
            break
        text, start = shown(m.start(kind), m.group(kind)), m.start(kind)
        if previous is not None:
            pkind, ptext, _ = previous
            if pkind == "op" and (kind == "close" or kind == "op" and text in _BINARY_ONLY):
                return f"expected an expression after {ptext!r}, found {text!r}", start
            if pkind in ("num", "name", "close") and kind in ("num", "name"):
                return f"expected an operator between {ptext!r} and {text!r} (write products with *, as in 2*x)", start
        previous = (kind, text, start)
    if previous is not None and previous[0] == "op":
        return f"expected an expression after {previous[1]!r}", len(source.rstrip())
    return None


class _Converter:
    """Walks the Python AST iteratively-bounded and builds Expr nodes from a whitelist."""

    def __init__(self, source, origin, primes, lead, *, entries, claim):
        self.source, self.origin, self.primes, self.lead = source, origin, primes, lead
        self.entries, self.claim = entries, claim
        self.count = 0

    def pos(self, node: ast.AST) -> int:
        return self.origin[min(self.lead + getattr(node, "col_offset", 0), len(self.origin) - 1)]

    def fail(self, message: str, node: ast.AST):
        raise ExprError(message, self.pos(node))

    def convert(self, node: ast.AST, depth: int = 0) -> Expr:
        self.count += 1
        if self.count > MAX_NODES:
            self.fail(f"expression has more than {MAX_NODES} parts", node)
        if depth > MAX_DEPTH:
            self.fail(f"expression nested deeper than {MAX_DEPTH} levels", node)
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            what = _DESCRIBE.get(type(node), type(node).__name__)
            self.fail(f"{what} is not allowed in an expression", node)
        return method(node, depth + 1)

    def _Constant(self, node: ast.Constant, depth: int) -> Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            what = "a string" if isinstance(value, (str, bytes)) else f"the constant {value!r}"
            self.fail(f"{what} is not allowed in an expression", node)
        start = self.lead + node.col_offset
        literal = self.source[start : self.lead + node.end_col_offset].replace("_", "")
        mantissa, _, exponent = literal.lower().partition("e")
        if len(mantissa) > MAX_LITERAL_DIGITS:
            self.fail(f"number literal longer than {MAX_LITERAL_DIGITS} digits", node)
        if exponent and (len(exponent.lstrip("+-")) > 4 or abs(int(exponent)) > MAX_LITERAL_EXPONENT):
            # checked on the text: Fraction('1e99999999') would compute 10**99999999 first
            self.fail(f"number {literal[:40]!r} is too large or too small (exponent limit ±{MAX_LITERAL_EXPONENT})", node)
        try:
            exact = Fraction(literal)
        except (ValueError, ZeroDivisionError):
            self.fail(f"cannot read the number {literal!r}", node)
        if exact != 0 and abs(exact.numerator.bit_length() - exact.denominator.bit_length()) > 1000:
            self.fail(f"number {literal!r} is too large or too small", node)
        return Num(exact, self.pos(node))

    def _Name(self, node: ast.Name, depth: int) -> Expr:
        if node.id.startswith("_") or "__" in node.id:
            self.fail(f"the name {node.id!r} is not allowed", node)
        if node.id in FUNCTIONS:
            self.fail(f"{node.id!r} is a function: call it as {node.id}(...)", node)
        return Name(node.id, self.pos(node))

    def _BinOp(self, node: ast.BinOp, depth: int) -> Expr:
        # A left-leaning chain (a + b + c + ..., x*y*z*...) is walked iteratively and does not
        # count as nesting: a flat sum of 500 terms is long, not deep.
        spine = [node]
        while isinstance(spine[-1].left, ast.BinOp):
            self.count += 1
            if self.count > MAX_NODES:
                self.fail(f"expression has more than {MAX_NODES} parts", spine[-1].left)
            spine.append(spine[-1].left)
        ops = []
        for b in spine:
            op = _BINOPS.get(type(b.op))
            if op is None:
                self.fail(f"the operator {type(b.op).__name__} is not allowed", b)
            ops.append(op)
        left = self.convert(spine[-1].left, depth)
        for b, op in zip(reversed(spine), reversed(ops)):
            left = Bin(op, left, self.convert(b.right, depth), self.pos(b))
        return left

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> Expr:
        operand = self.convert(node.operand, depth)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.USub):
            if isinstance(operand, Num):
                return Num(-operand.value, self.pos(node))
            return Neg(operand, self.pos(node))
        self.fail(f"the operator {type(node.op).__name__} is not allowed", node)

    def _Attribute(self, node: ast.Attribute, depth: int) -> Expr:
        if node.attr != "T":
            self.fail(f"attribute access .{node.attr} is not allowed (only .T, the transpose)", node)
        return Transpose(self.convert(node.value, depth), self.pos(node))

    def _Subscript(self, node: ast.Subscript, depth: int) -> Expr:
        derivative = (isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                      and node.value.func.id in CLAIM_FUNCTIONS)
        if not isinstance(node.value, ast.Name) and not derivative:
            self.fail("only a name or a derivative can be indexed, as in x[k], W[i, j] or grad(L, a)[k]", node)
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        indices = []
        for p in parts:
            if isinstance(p, ast.Slice):
                if p.lower is not None or p.upper is not None or p.step is not None:
                    self.fail("only a whole row or column can be sliced, as in W[i, :] or W[:, j]", node)
                indices.append(Colon(self.pos(node)))
            else:
                indices.append(self.convert(p, depth))
        if derivative:
            call = self._Call(node.value, depth)
            return Index(call.fn, tuple(indices), self.pos(node), of=call)
        return Index(self._Name(node.value, depth).id, tuple(indices), self.pos(node))

    def _List(self, node: ast.List, depth: int) -> Expr:
        if not node.elts:
            self.fail("an empty list is not an expression; write [a, b, c] for a vector", node)
        if all(isinstance(e, ast.List) for e in node.elts):
            rows = tuple(tuple(self.convert(e, depth) for e in row.elts) for row in node.elts)
            if len({len(r) for r in rows}) != 1 or not rows[0]:
                self.fail("the rows of a matrix literal [[a, b], [c, d]] must have the same length", node)
            if any(isinstance(e, ast.List) for row in node.elts for e in row.elts):
                self.fail("a literal is a vector [a, b] or a matrix [[a, b], [c, d]], not deeper", node)
            return Literal(rows, True, self.pos(node))
        if any(isinstance(e, ast.List) for e in node.elts):
            self.fail("mixed literal: write a vector [a, b] or a matrix [[a, b], [c, d]]", node)
        return Literal(tuple(self.convert(e, depth) for e in node.elts), False, self.pos(node))

    def _Call(self, node: ast.Call, depth: int) -> Expr:
        if not isinstance(node.func, ast.Name):
            self.fail("only named functions can be called, as in sin(x)", node)
        start = self.lead + node.func.col_offset
        end = self.lead + node.func.end_col_offset
        prime = sum(1 for i in range(start, end) if i in self.primes)
        fn = node.func.id[: len(node.func.id) - prime] if prime else node.func.id
        if fn.startswith("_") or "__" in fn:
            self.fail(f"the name {fn!r} is not allowed", node)
        if prime > 2:
            self.fail("only f'(x) and f''(x) are supported", node)
        if fn in CLAIM_FUNCTIONS and not self.claim:
            self.fail(f"{fn}(...) is only allowed in claims", node)
        if fn in ENTRY_FUNCTIONS and not self.entries:
            self.fail(f"{fn}(...) is only allowed in `entries` claims", node)
        if any(isinstance(a, ast.Starred) for a in node.args):
            self.fail("starred arguments are not allowed", node)
        axis = None
        if len(node.keywords) > 1:
            self.fail("axis= can be given only once", node)
        for kw in node.keywords:
            if kw.arg != "axis" or fn not in AXIS_FUNCTIONS:
                self.fail(f"the only keyword argument is axis=, of {', '.join(AXIS_FUNCTIONS)} "
                          "(as in sum(X, axis=0))", node)
            if not (isinstance(kw.value, ast.Constant) and kw.value.value in (0, 1)) or isinstance(kw.value.value, bool):
                self.fail("axis must be 0 or 1", kw.value)
            axis = kw.value.value
        args = tuple(self.convert(a, depth) for a in node.args)
        return Call(fn, args, self.pos(node), axis=axis, prime=prime)


def names_in(expr: Expr) -> list[Name]:
    """Every Name node in an expression, in order (iterative: expressions may be deep)."""
    found, stack = [], [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Name):
            found.append(node)
        elif isinstance(node, (Neg, Transpose)):
            stack.append(node.operand)
        elif isinstance(node, Bin):
            stack.extend((node.right, node.left))
        elif isinstance(node, Call):
            stack.extend(reversed(node.args))
        elif isinstance(node, Index):
            stack.extend(reversed([i for i in node.indices if not isinstance(i, Colon)]))
            if node.of is not None:
                stack.append(node.of)
            else:
                found.append(Name(node.base, node.pos))
        elif isinstance(node, Literal):
            stack.extend(reversed([e for row in node.rows for e in (row if node.matrix else (row,))]))
    return found
