"""Plausible wrong answers to a claim: Expr-level mutations, written back as text.

`mutants(text)` parses a claim's expression (derivcheck.lang.exprs.parse) and returns the
mistakes people make when they write a derivative by hand, each labelled with its
kind: a factor 2, the opposite sign, a dropped or an extra transpose, the operands of a
matrix product swapped, (AB)ᵀ distributed without swapping, X⁻¹ for X⁻ᵀ, 2A or A for
A + Aᵀ, and one term of a sum (a path of the DAG) left out. `derivcheck audit` and
bench/soundness.py check that every one of them is found wrong.

`unparse(expr)` prints an expression back as text that parses to the same tree
(positions aside): parse(unparse(e)) has the same `structure` as e.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from derivcheck.lang import exprs
from derivcheck.lang.exprs import Bin, Call, Index, Literal, Name, Neg, Num, Transpose

MAX_MUTANTS = 60

# precedence levels of the printed form (Python's): + - < * / @ < unary - < ** < atoms
_ADD, _MUL, _UNARY, _POW, _ATOM = 1, 2, 3, 4, 5
_LEVEL = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "@": _MUL, "**": _POW}


@dataclass(frozen=True)
class Mutant:
    kind: str  # factor-2, sign, drop-transpose, add-transpose, swap-product, transpose-product,
    #            inverse-transpose, symmetric-part, drop-term
    description: str
    text: str


# --- printing ------------------------------------------------------------------------------


def number_text(value: Fraction) -> str:
    """A literal that reads back as exactly `value` (a decimal), or a parenthesised quotient."""
    if value.denominator == 1:
        digits = str(abs(value.numerator))
        if len(digits) > 30 and digits.endswith("0"):  # 1e109 reads back within the literal limits
            mantissa = digits.rstrip("0")
            return ("-" if value < 0 else "") + f"{mantissa}e{len(digits) - len(mantissa)}"
        return str(value.numerator)
    den, twos, fives = value.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    if den != 1:
        return f"({value.numerator}/{value.denominator})"
    k = max(twos, fives)
    digits = str(abs(value.numerator) * 10**k // value.denominator).rjust(k + 1, "0")
    text = f"{digits[:-k]}.{digits[-k:]}".rstrip("0")
    if len(text) > 30:
        mantissa = str(abs(value.numerator) * 10**k // value.denominator)
        text = f"{mantissa}e-{k}"
    return ("-" if value < 0 else "") + text


def _level(expr) -> int:
    if isinstance(expr, Num):
        return _UNARY if expr.value < 0 or number_text(expr.value).startswith("(") else _ATOM
    if isinstance(expr, Neg):
        return _UNARY
    if isinstance(expr, Bin):
        return _LEVEL[expr.op]
    return _ATOM


def unparse(expr) -> str:
    """Expression text for `expr`, with the parentheses its tree needs and no more."""
    if isinstance(expr, Num):
        return number_text(expr.value)
    if isinstance(expr, Name):
        return expr.id
    if isinstance(expr, Neg):
        return "-" + _wrap(expr.operand, _UNARY)
    if isinstance(expr, Transpose):
        inner = expr.operand
        text = unparse(inner)
        return (text if _level(inner) >= _ATOM and not isinstance(inner, Num) else f"({text})") + ".T"
    if isinstance(expr, Call):
        args = [unparse(a) for a in expr.args]
        if expr.axis is not None:
            args.append(f"axis={expr.axis}")
        return f"{expr.fn}{chr(39) * expr.prime}({', '.join(args)})"
    if isinstance(expr, Index):
        return f"{expr.base}[{', '.join(unparse(i) for i in expr.indices)}]"
    if isinstance(expr, Literal):
        rows = ("[" + ", ".join(unparse(e) for e in row) + "]" if expr.matrix else unparse(row) for row in expr.rows)
        return "[" + ", ".join(rows) + "]"
    if isinstance(expr, Bin):
        # left-leaning chains iteratively: a flat sum of thousands of terms must not recurse
        spine = [expr]
        while isinstance(spine[-1].left, Bin) and _LEVEL[spine[-1].left.op] == _LEVEL[expr.op] != _POW:
            spine.append(spine[-1].left)
        level = _LEVEL[expr.op]
        text = _wrap(spine[-1].left, level + 1 if level == _POW else level)
        for b in reversed(spine):
            right = _wrap(b.right, _UNARY if b.op == "**" else level + 1)
            sep = " " if level == _ADD else ""
            text = f"{text}{sep}{b.op}{sep}{right}"
        return text
    raise TypeError(f"not an expression: {expr!r}")


def _wrap(expr, least: int) -> str:
    text = unparse(expr)
    return text if _level(expr) >= least else f"({text})"


def structure(expr):
    """The tree as nested tuples, without positions: equal structures are the same expression."""
    if isinstance(expr, Num):
        return ("num", expr.value)
    if isinstance(expr, Name):
        return ("name", expr.id)
    if isinstance(expr, Neg):
        return ("neg", structure(expr.operand))
    if isinstance(expr, Transpose):
        return ("T", structure(expr.operand))
    if isinstance(expr, Call):
        return ("call", expr.fn, expr.prime, expr.axis, tuple(structure(a) for a in expr.args))
    if isinstance(expr, Index):
        return ("index", expr.base, tuple(structure(i) for i in expr.indices))
    if isinstance(expr, Bin):  # a left-leaning chain stays flat: comparing deep tuples would recurse
        spine = [expr]
        while isinstance(spine[-1].left, Bin):
            spine.append(spine[-1].left)
        return ("bin", structure(spine[-1].left), tuple((b.op, structure(b.right)) for b in reversed(spine)))
    raise TypeError(f"not an expression: {expr!r}")


# --- mutations -----------------------------------------------------------------------------


def _children(expr) -> list:
    if isinstance(expr, (Neg, Transpose)):
        return [expr.operand]
    if isinstance(expr, Bin):
        return [expr.left, expr.right]
    if isinstance(expr, Call):
        return list(expr.args)
    if isinstance(expr, Index):
        return list(expr.indices)
    return []


def _rebuild(expr, children: list):
    if isinstance(expr, (Neg, Transpose)):
        return replace(expr, operand=children[0])
    if isinstance(expr, Bin):
        return replace(expr, left=children[0], right=children[1])
    if isinstance(expr, Call):
        return replace(expr, args=tuple(children))
    if isinstance(expr, Index):
        return replace(expr, indices=tuple(children))
    return expr


def _sites(expr, path=()):
    """Every subexpression with its path (child indices from the root), preorder."""
    stack = [(expr, path)]
    while stack:
        node, where = stack.pop()
        yield node, where
        kids = _children(node)
        for i in range(len(kids) - 1, -1, -1):
            stack.append((kids[i], where + (i,)))


def _replace_at(expr, path: tuple, new):
    if not path:
        return new
    kids = _children(expr)
    kids[path[0]] = _replace_at(kids[path[0]], path[1:], new)
    return _rebuild(expr, kids)


def _terms(expr) -> list:
    """A sum flattened into (sign, term) pairs: a - b + c → [(+, a), (-, b), (+, c)]."""
    out, stack = [], [(1, expr)]
    while stack:
        sign, node = stack.pop()
        if isinstance(node, Bin) and node.op in "+-" and len(node.op) == 1:
            stack.append((sign if node.op == "+" else -sign, node.right))
            stack.append((sign, node.left))
        else:
            out.append((sign, node))
    return out


def _sum(terms: list):
    sign, first = terms[0]
    out = first if sign > 0 else Neg(first, 0)
    for sign, term in terms[1:]:
        out = Bin("+" if sign > 0 else "-", out, term, 0)
    return out


def _same(a, b) -> bool:
    return structure(a) == structure(b)


def _plain_transposes(expr):
    """transpose(e) (as LaTeX claims are read) → e.T, so both spellings mutate alike."""
    kids = [_plain_transposes(k) for k in _children(expr)]
    expr = _rebuild(expr, kids) if kids else expr
    if isinstance(expr, Call) and expr.fn == "transpose" and len(expr.args) == 1 and not expr.prime:
        return Transpose(expr.args[0], expr.pos)
    return expr


def mutants(text: str, *, shapes: dict | None = None, entries: bool = False, ndim: int | None = None,
            limit: int = MAX_MUTANTS) -> list:
    """Plausible wrong versions of the claim `text`, without duplicates or the claim itself.

    `shapes` (name → shape tuple, optional) lets transposes be added only where they make
    sense: to square matrices, and around a non-scalar claim (`ndim`: the claim's number of
    dimensions, when known). Mutants may still fail to compile (a shape mismatch); the
    caller skips those.
    """
    tree = exprs.parse(text, claim=True, entries=entries)
    found: list[Mutant] = []
    seen = {text.strip(), unparse(tree)}
    tree = _plain_transposes(tree)
    seen.add(unparse(tree))

    def add(kind: str, description: str, new) -> None:
        out = unparse(new)
        if out not in seen and len(found) < limit:
            seen.add(out)
            found.append(Mutant(kind, description, out))

    def shape(name: str):
        return None if shapes is None else shapes.get(name)

    add("factor-2", "twice the claim", Bin("*", Num(Fraction(2), 0), tree, 0))
    add("sign", "the opposite sign", Neg(tree, 0) if not isinstance(tree, Neg) else tree.operand)
    if not entries and ndim != 0 and (shapes is None or _ndim(tree, shapes) != 0):
        add("add-transpose", "the whole claim transposed", Transpose(tree, 0))
    for node, path in list(_sites(tree)):
        shown = unparse(node)
        if isinstance(node, Transpose):
            inner = node.operand
            if isinstance(inner, Call) and inner.fn == "inv":  # X⁻ᵀ → X⁻¹
                add("inverse-transpose", f"{shown} → {unparse(inner)}", _replace_at(tree, path, inner))
            add("drop-transpose", f"{shown} → {unparse(inner)}", _replace_at(tree, path, inner))
            if isinstance(inner, Bin) and inner.op == "@":  # (AB)ᵀ → AᵀBᵀ: distributed without swapping
                new = Bin("@", Transpose(inner.left, 0), Transpose(inner.right, 0), 0)
                add("transpose-product", f"{shown} → {unparse(new)}", _replace_at(tree, path, new))
        if isinstance(node, Name) and not entries and not isinstance(_parent(tree, path), Transpose):
            s = shape(node.id)
            if s is not None and len(s) == 2 and s[0] == s[1] and s[0] > 1:
                add("add-transpose", f"{node.id} → {node.id}.T", _replace_at(tree, path, Transpose(node, 0)))
        if isinstance(node, Call) and node.fn == "inv":
            parent = _parent(tree, path)
            if not isinstance(parent, Transpose):  # X⁻¹ → X⁻ᵀ
                add("inverse-transpose", f"{shown} → {shown}.T", _replace_at(tree, path, Transpose(node, 0)))
            if node.args and isinstance(node.args[0], Transpose):  # inv(Xᵀ) → inv(X)
                plain = replace(node, args=(node.args[0].operand,))
                add("inverse-transpose", f"{shown} → {unparse(plain)}", _replace_at(tree, path, plain))
        if isinstance(node, Bin) and node.op == "@":
            swapped = Bin("@", node.right, node.left, node.pos)
            add("swap-product", f"{shown} → {unparse(swapped)}", _replace_at(tree, path, swapped))
            if isinstance(node.left, Transpose) and isinstance(node.right, Transpose):  # AᵀBᵀ → (AB)ᵀ
                joined = Transpose(Bin("@", node.left.operand, node.right.operand, 0), 0)
                add("transpose-product", f"{shown} → {unparse(joined)}", _replace_at(tree, path, joined))
        if isinstance(node, Bin) and node.op == "+":
            a, b = node.left, node.right
            base = a if isinstance(b, Transpose) and _same(b.operand, a) else (
                b if isinstance(a, Transpose) and _same(a.operand, b) else None)
            if base is not None:  # A + Aᵀ → 2A, A
                add("symmetric-part", f"{shown} → 2*{unparse(base)}",
                    _replace_at(tree, path, Bin("*", Num(Fraction(2), 0), base, 0)))
                add("symmetric-part", f"{shown} → {unparse(base)}", _replace_at(tree, path, base))
        if isinstance(node, Bin) and node.op in "+-" and not _is_sum(_parent(tree, path)):
            terms = _terms(node)
            if 2 <= len(terms) <= 12:
                for i, (_, term) in enumerate(terms):
                    rest = terms[:i] + terms[i + 1:]
                    add("drop-term", f"without the term {unparse(term)}", _replace_at(tree, path, _sum(rest)))
    return found


def _is_sum(node) -> bool:
    return isinstance(node, Bin) and node.op in ("+", "-")


def _parent(tree, path: tuple):
    if not path:
        return None
    node = tree
    for i in path[:-1]:
        node = _children(node)[i]
    return node


def _ndim(tree, shapes: dict) -> int | None:
    """The claim's number of dimensions when it is evident (a bare name); None otherwise."""
    if isinstance(tree, Name) and tree.id in shapes:
        return len(shapes[tree.id])
    if isinstance(tree, Num):
        return 0
    return None
