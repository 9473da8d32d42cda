"""The expression language of SPEC §1.3 as a user writes it: what parses to what,
and what is refused with an ExprError at the offending column (never another
exception, never a RecursionError, never evaluation)."""

from __future__ import annotations

import keyword
import time
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivcheck.lang import exprs
from derivcheck.lang.errors import ExprError
from derivcheck.lang.exprs import Bin, Call, Index, Name, Neg, Num, Transpose, parse
from derivcheck.lang.ir import Graph, lower_into


def shape_of(e):
    """The tree without source positions, for comparing parses."""
    if isinstance(e, Num):
        return ("num", e.value)
    if isinstance(e, Name):
        return ("name", e.id)
    if isinstance(e, Neg):
        return ("neg", shape_of(e.operand))
    if isinstance(e, Transpose):
        return ("T", shape_of(e.operand))
    if isinstance(e, Bin):
        return (e.op, shape_of(e.left), shape_of(e.right))
    if isinstance(e, Call):
        return ("call", e.fn, tuple(shape_of(a) for a in e.args), e.axis, e.prime)
    if isinstance(e, Index):
        return ("index", e.base, tuple(shape_of(i) for i in e.indices))
    raise TypeError(type(e))


def P(text, **kw):
    return shape_of(parse(text, **kw))


def x_(name="x"):
    return ("name", name)


def num(v):
    return ("num", Fraction(v))


def refused(text, **kw) -> ExprError:
    with pytest.raises(ExprError) as info:
        parse(text, **kw)
    assert isinstance(info.value.offset, int) and 0 <= info.value.offset <= len(text), info.value.offset
    assert info.value.message
    return info.value


# --- what the language accepts ----------------------------------------------------------------


class TestNumbers:
    @pytest.mark.parametrize(
        "text, value",
        [("2", 2), ("0.5", Fraction(1, 2)), ("0.1", Fraction(1, 10)), ("1e-3", Fraction(1, 1000)),
         ("1.5e3", 1500), ("1E3", 1000), (".5", Fraction(1, 2)), ("0.333", Fraction(333, 1000)),
         ("1_000", 1000), ("-0.1", Fraction(-1, 10))],
    )
    def test_literals_are_exact_rationals(self, text, value):
        tree = parse(text)
        assert isinstance(tree, Num)
        assert isinstance(tree.value, Fraction)
        assert tree.value == Fraction(value)

    def test_point_one_is_one_tenth_not_a_float(self):
        assert parse("0.1").value == Fraction(1, 10)
        assert parse("0.1").value != Fraction(0.1)

    @pytest.mark.parametrize("text", ["1j", "0x1F", "True", "None", "..."])
    def test_non_real_constants_are_refused(self, text):
        refused(text)


class TestOperators:
    def test_caret_is_power_binding_tighter_than_times(self):
        assert P("2*x^2") == ("*", num(2), ("**", x_(), num(2)))
        assert P("2*x^2") == P("2*x**2")

    def test_power_is_right_associative_and_binds_tighter_than_unary_minus(self):
        assert P("2^3^2") == ("**", num(2), ("**", num(3), num(2)))
        assert P("-x^2") == ("neg", ("**", x_(), num(2)))
        assert P("x^-2") == ("**", x_(), num(-2))

    def test_precedence_of_the_four_operations(self):
        assert P("a + b*c") == ("+", x_("a"), ("*", x_("b"), x_("c")))
        assert P("a - b - c") == ("-", ("-", x_("a"), x_("b")), x_("c"))
        assert P("a/b/c") == ("/", ("/", x_("a"), x_("b")), x_("c"))

    def test_transpose_and_matrix_product(self):
        assert P("x.T @ y") == ("@", ("T", x_()), x_("y"))
        assert P("y @ x.T") == ("@", x_("y"), ("T", x_()))
        assert P("(A @ x).T") == ("T", ("@", x_("A"), x_()))

    def test_unary_plus_is_dropped_and_unary_minus_folds_into_numbers(self):
        assert P("+x") == x_()
        assert P("-3") == num(-3)
        assert P("-x") == ("neg", x_())

    def test_whitespace_and_tabs_are_ignored(self):
        assert P("  x\t+  y ") == P("x+y")


class TestCalls:
    def test_elementwise_and_tensor_functions(self):
        assert P("sigmoid(z)*(1 - sigmoid(z))") == (
            "*", ("call", "sigmoid", (x_("z"),), None, 0),
            ("-", num(1), ("call", "sigmoid", (x_("z"),), None, 0)))
        assert P("logdet(X)") == ("call", "logdet", (x_("X"),), None, 0)
        assert P("dot(u, v)") == ("call", "dot", (x_("u"), x_("v")), None, 0)

    @pytest.mark.parametrize("axis", [0, 1])
    def test_sum_with_axis(self, axis):
        assert P(f"sum(X, axis={axis})") == ("call", "sum", (x_("X"),), axis, 0)

    @pytest.mark.parametrize("text", ["sum(X, axis=2)", "sum(X, axis=True)", "sum(X, axis=-1)",
                                      "sin(x, axis=0)", "sum(X, keepdims=1)", "sum(X, **k)"])
    def test_bad_keyword_arguments(self, text):
        refused(text)

    def test_derivatives_of_declared_functions(self):
        assert P("f'(x)") == ("call", "f", (x_(),), None, 1)
        assert P("f''(h1)") == ("call", "f", (x_("h1"),), None, 2)
        assert P("f(x)*g'(y)") == ("*", ("call", "f", (x_(),), None, 0), ("call", "g", (x_("y"),), None, 1))

    def test_third_derivative_is_refused(self):
        assert "f''(x)" in refused("f'''(x)").message

    def test_claim_functions_only_in_claims(self):
        assert P("grad(l, h2)*grad(h2, h1)", claim=True)[0] == "*"
        assert "claim" in refused("grad(l, h2)").message
        assert "claim" in refused("hess(l, x, x)").message

    def test_indexing_anywhere_and_delta_only_in_entries(self):
        assert P("delta(i, j) * x[k]", entries=True) == (
            "*", ("call", "delta", (x_("i"), x_("j")), None, 0), ("index", "x", (x_("k"),)))
        assert P("W[i, j]", entries=True) == ("index", "W", (x_("i"), x_("j")))
        assert P("x[2]")[0] == "index"
        assert "entries" in refused("delta(i, j)").message
        assert "whole row or column" in refused("W[1:2]").message

    def test_pi_e_and_single_letters_are_names(self):
        for name in ("pi", "e", "E", "I", "N", "S", "Q", "gamma"):
            assert P(name) == x_(name)


# --- what it refuses, and where -------------------------------------------------------------


class TestRefusals:
    def test_import_call_is_refused_without_evaluation(self):
        text = "__import__('os').system('x')"
        e = refused(text)
        # the offending part is the dunder name (column 0) or its string argument (column 11)
        assert e.offset in (0, text.index("'")), e.offset

    def test_dunder_attribute(self):
        e = refused("x.__class__")
        assert e.offset in (0, 1, 2)
        assert "__class__" in e.message or "attribute" in e.message

    @pytest.mark.parametrize("text", ["x.real", "A.shape", "x.T.conj"])
    def test_only_T_is_an_attribute(self, text):
        assert ".T" in refused(text).message

    def test_lambda(self):
        e = refused("lambda: 1")
        assert e.offset == 0 and "lambda" in e.message

    def test_string_times_number(self):
        e = refused("'a'*10")
        assert e.offset == 0 and "string" in e.message

    @pytest.mark.parametrize("text", ["f'{x}'", 'f"{x}"', "y + f'{x}'", "x*F'{__import__}'"])
    def test_f_strings(self, text):
        e = refused(text)
        start = text.lower().index("f'") if "f'" in text.lower() else text.lower().index('f"')
        assert start <= e.offset < len(text), (e.offset, e.message)

    @pytest.mark.parametrize("text, at", [("[x for x in y]", 0), ("sum(x for x in y)", 3),
                                          ("{x: 1 for x in y}", 0), ("{x for x in y}", 0)])
    def test_comprehensions(self, text, at):
        e = refused(text)
        assert e.offset <= at + 1

    def test_walrus(self):
        e = refused("(y := 2)")
        assert e.offset in (0, 1)
        assert ":=" in e.message or "assignment" in e.message

    def test_semicolon(self):
        e = refused("x; import os")
        assert e.offset == 1

    @pytest.mark.parametrize("text", ["x\ny", "x\r\ny", "x +\n y"])
    def test_newlines(self, text):
        e = refused(text)
        assert e.offset == min(i for i, c in enumerate(text) if c in "\r\n")

    def test_getattr_with_a_string_is_refused(self):
        e = refused("getattr(x, 'y')")
        assert e.offset in (0, len("getattr(x, "))

    def test_getattr_without_strings_is_an_unknown_function_at_lowering(self):
        tree = parse("getattr(x, y)")
        graph = Graph(inputs={"x": (), "y": ()})
        with pytest.raises(ExprError) as info:
            lower_into(graph, "f", tree, known=dict(graph.shapes))
        assert "getattr" in info.value.message and info.value.offset == 0

    @pytest.mark.parametrize("text", ["2x", "2 x", "3x**2", "y + 2x"])
    def test_juxtaposition_hints_at_star(self, text):
        e = refused(text)
        assert "*" in e.message, e.message
        digit = text.index("2x" if "2x" in text else text.lstrip("y +")[0])
        assert digit <= e.offset <= digit + 2

    @pytest.mark.parametrize("text", ["2(x+1)", "(x+1)(x-1)", "2.5(x)"])
    def test_juxtaposed_brackets_are_refused(self, text):
        refused(text)

    @pytest.mark.parametrize("text, char, at", [("x²", "SUPERSCRIPT TWO", 1), ("х + 1", "CYRILLIC SMALL LETTER HA", 0),
                                                ("x·y", "MIDDLE DOT", 1), ("2*x − y", "MINUS SIGN", 4),
                                                ("α*x", "GREEK SMALL LETTER ALPHA", 0)])
    def test_non_ascii_names_the_character(self, text, char, at):
        e = refused(text)
        assert e.offset == at
        assert char in e.message

    @pytest.mark.parametrize("text", ["x if y else z", "not x", "~x", "x % y", "x // y", "x << y", "x == y",
                                      "x and y", "(x, y)", "[]", "[x, [y]]", "{x}", "await x", "*x", "x @", "f(x)(y)",
                                      "f(*a)", "None", "__x", "x__y", "_x", "'", '"x"', "print('x')",
                                      "import os", "x = 1", "\x00", "\x7f", "#", "", "   "])
    def test_everything_else_is_refused(self, text):
        refused(text, claim=True, entries=True)

    def test_bare_function_name_says_to_call_it(self):
        assert "sin(" in refused("sin * x").message

    def test_number_literal_limits(self):
        refused("1" * 100)
        refused("1e400")
        refused("1e-400")


class TestDepth:
    """Deep input is an ExprError, never a RecursionError or MemoryError."""

    @pytest.mark.parametrize(
        "text",
        ["-" * 5000 + "x", "+" * 5000 + "x", "(" * 201 + "x" + ")" * 201, "sin(" * 150 + "x" + ")" * 150,
         "-(" * 150 + "x" + ")" * 150, "x" + "**x" * 3000, "[" * 3000 + "]" * 3000, "x" + ".T" * 4000,
         "f(" * 3000, "(" * 10000],
        ids=["minus5000", "plus5000", "paren201", "sin150", "negparen150", "powtower3000", "list3000",
             "transpose4000", "unclosed3000", "paren10000"],
    )
    def test_deep_nesting(self, text):
        refused(text, claim=True, entries=True)

    def test_moderate_nesting_is_fine(self):
        assert P("(" * 50 + "x" + ")" * 50) == x_()
        tree = parse("sin(" * 40 + "x" + ")" * 40)
        assert isinstance(tree, Call)

    def test_too_long(self):
        refused("x+" * 6000 + "x")

    @pytest.mark.parametrize("op", ["+", "*"])
    def test_long_flat_sum_is_not_deep_nesting(self, op):
        # once found: a sum of more than 100 terms was refused as "nested deeper than 100 levels"
        text = op.join(f"x{i}" for i in range(150))
        tree = parse(text)
        assert sorted(n.id for n in exprs.names_in(tree)) == sorted(f"x{i}" for i in range(150))


@pytest.mark.parametrize("text", ["1e2000000", "1e-2000000", "2.5E+99999999", "x*1e99999999"])
def test_huge_exponent_literal_is_refused_quickly(text):
    # once found: 1e99999999 computed 10**99999999 (minutes of CPU) before being refused
    start = time.perf_counter()
    refused(text)
    assert time.perf_counter() - start < 0.25


# once found: a prime outside f'(x) was silently read as '_' (x' parsed as the name x_)
@pytest.mark.parametrize("text", ["x'", "x'y", "2*h'", "b'a'", "r'x'"])
def test_prime_outside_a_call_is_refused(text):
    refused(text, claim=True)


def test_repeated_axis_keyword_is_refused():
    # once found: accepted, the last one winning
    refused("sum(X, axis=0, axis=1)")


@pytest.mark.parametrize("text", ["x #+ y", "2*x # times two", "#"])
def test_hash_is_refused_not_a_comment(text):
    # a comment would silently cut the formula short
    assert refused(text).offset == text.index("#")


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=200)
@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=40))
def test_arbitrary_text_raises_only_expr_error(text):
    for kw in ({}, {"claim": True, "entries": True}):
        try:
            parse(text, **kw)
        except ExprError as e:
            assert 0 <= e.offset <= len(text)


PIECES = ["x", "y", "W", "1", "0.5", "2e3", "(", ")", "+", "-", "*", "/", "**", "^", "@", ".T", ",", "'",
          "sin(", "sum(", "axis=0", "[", "]", " ", "f'(", "__", ";", "lambda", ":", "=", "if", "\n", "é"]


@settings(max_examples=200)
@given(st.lists(st.sampled_from(PIECES), max_size=25).map("".join))
def test_token_soup_raises_only_expr_error(text):
    for kw in ({}, {"claim": True, "entries": True}):
        try:
            parse(text, **kw)
        except ExprError as e:
            assert 0 <= e.offset <= len(text)


# Round trip: a random tree, printed, parses back to the same tree.

NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,3}(_[a-z0-9]{1,2})?", fullmatch=True).filter(
    lambda s: s not in exprs.RESERVED and not keyword.iskeyword(s) and not keyword.issoftkeyword(s))
DECLARED = st.sampled_from(["f", "g", "phi"])


def decimal_text(value: Fraction) -> str:
    text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    return text


NUMBERS = st.builds(lambda m, k: Fraction(m, 10**k), st.integers(0, 10**6), st.integers(0, 4))


def trees():
    leaves = st.one_of(st.builds(lambda n: Num(n, 0), NUMBERS), st.builds(lambda s: Name(s, 0), NAME))

    def extend(sub):
        return st.one_of(
            st.builds(lambda o, a, b: Bin(o, a, b, 0), st.sampled_from(["+", "-", "*", "/", "**", "@"]), sub, sub),
            st.builds(lambda a: Neg(a, 0), sub.filter(lambda a: not isinstance(a, Num))),
            st.builds(lambda a: Transpose(a, 0), sub),
            st.builds(lambda f, a: Call(f, (a,), 0), st.sampled_from(sorted(exprs.ELEMENTWISE)), sub),
            st.builds(lambda f, a, b: Call(f, (a, b), 0), st.sampled_from(["dot", "outer", "grad"]), sub, sub),
            st.builds(lambda a, ax: Call("sum", (a,), 0, axis=ax), sub, st.sampled_from([None, 0, 1])),
            st.builds(lambda f, a, p: Call(f, (a,), 0, prime=p), DECLARED, sub, st.sampled_from([0, 1, 2])),
            st.builds(lambda b, ix: Index(b, tuple(ix), 0), NAME, st.lists(sub, min_size=1, max_size=2)),
        )

    return st.recursive(leaves, extend, max_leaves=10)


def show(e) -> str:
    """Print a tree fully parenthesised, in the surface syntax of SPEC §1.3."""
    if isinstance(e, Num):
        return decimal_text(e.value)
    if isinstance(e, Name):
        return e.id
    if isinstance(e, Neg):
        return f"-({show(e.operand)})"
    if isinstance(e, Transpose):
        return f"({show(e.operand)}).T"
    if isinstance(e, Bin):
        op = "^" if e.op == "**" and len(show(e.left)) % 2 else e.op  # both spellings of power
        return f"({show(e.left)}) {op} ({show(e.right)})"
    if isinstance(e, Call):
        args = ", ".join(show(a) for a in e.args)
        axis = f", axis={e.axis}" if e.axis is not None else ""
        return f"{e.fn}{chr(39) * e.prime}({args}{axis})"
    if isinstance(e, Index):
        return f"{e.base}[{', '.join(show(i) for i in e.indices)}]"
    raise TypeError(type(e))


@settings(max_examples=60)
@given(trees())
def test_printed_tree_parses_back_to_the_same_tree(tree):
    text = show(tree)
    if len(text) > exprs.MAX_TEXT:
        return
    assert shape_of(parse(text, claim=True, entries=True)) == shape_of(tree)


@settings(max_examples=40)
@given(trees())
def test_names_in_lists_every_name_in_order(tree):
    text = show(tree)
    parsed = parse(text, claim=True, entries=True)
    found = [n.id for n in exprs.names_in(parsed)]
    expected = []

    def walk(e):
        if isinstance(e, Name):
            expected.append(e.id)
        elif isinstance(e, (Neg, Transpose)):
            walk(e.operand)
        elif isinstance(e, Bin):
            walk(e.left)
            walk(e.right)
        elif isinstance(e, Call):
            for a in e.args:
                walk(a)
        elif isinstance(e, Index):
            expected.append(e.base)  # the indexed name is used too
            for i in e.indices:
                walk(i)

    walk(tree)
    assert found == expected


def test_positions_point_into_the_original_text():
    text = "a + 2*x^2 - f'(b)"
    tree = parse(text)
    names = {n.id: n.pos for n in exprs.names_in(tree)}
    assert text[names["a"]] == "a"
    assert text[names["x"]] == "x"
    assert text[names["b"]] == "b"
    e = refused("x^2 + y^2 + 2x")
    assert e.offset >= len("x^2 + y^2 + ") - 1
