"""derivcheck.verdict.mutate: unparse round trips, and each kind of plausible mistake."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivcheck.lang import exprs
from derivcheck.lang.exprs import Bin, Call, Index, Name, Neg, Num, Transpose, parse
from derivcheck.verdict.mutate import mutants, number_text, structure, unparse

# --- unparse ----------------------------------------------------------------------------------

NAMES = st.sampled_from(["x", "y", "A", "B", "h1", "W2", "E", "gamma"])
NUMBERS = st.one_of(
    st.integers(-1000, 10**6).map(Fraction),
    st.builds(lambda n, k: Fraction(n, 10**k), st.integers(-10**6, 10**6), st.integers(1, 12)),
    st.builds(lambda n, k: Fraction(n, 10**k), st.integers(1, 99), st.integers(30, 60)),
)


def _neg(e):
    return Neg(e, 0)


def trees(entries: bool = False):
    """Expression trees as `parse` builds them (no Neg over a number: -2 is the number -2)."""
    leaves = st.one_of(NAMES.map(lambda n: Name(n, 0)), NUMBERS.map(lambda v: Num(v, 0)))
    if entries:
        leaves = st.one_of(leaves, st.builds(lambda b, i: Index(b, tuple(Name(n, 0) for n in i), 0),
                                             st.sampled_from(["x", "W"]), st.lists(st.sampled_from(["i", "j", "k"]),
                                                                                   min_size=1, max_size=2)))

    def extend(children):
        return st.one_of(
            st.builds(lambda op, a, b: Bin(op, a, b, 0), st.sampled_from(["+", "-", "*", "/", "**", "@"]), children, children),
            children.filter(lambda e: not isinstance(e, Num)).map(_neg),
            children.map(lambda e: Transpose(e, 0)),
            st.builds(lambda fn, a: Call(fn, (a,), 0), st.sampled_from(["sin", "exp", "inv", "sum", "transpose"]), children),
            st.builds(lambda a, b: Call("dot", (a, b), 0), children, children),
            st.builds(lambda a, axis: Call("sum", (a,), 0, axis=axis), children, st.sampled_from([0, 1])),
            st.builds(lambda p, a: Call("f", (a,), 0, prime=p), st.sampled_from([0, 1, 2]), children),
            st.builds(lambda a, b: Call("grad", (a, b), 0), NAMES.map(lambda n: Name(n, 0)), NAMES.map(lambda n: Name(n, 0))),
        )

    return st.recursive(leaves, extend, max_leaves=24)


@settings(max_examples=150)
@given(trees())
def test_unparse_round_trip(tree):
    text = unparse(tree)
    assert structure(parse(text, claim=True)) == structure(tree), text


@settings(max_examples=50)
@given(trees(entries=True))
def test_unparse_round_trip_entries(tree):
    text = unparse(tree)
    assert structure(parse(text, claim=True, entries=True)) == structure(tree), text


@pytest.mark.parametrize("text", [
    "48*x**2 + 16*x*y", "-(inv(X) @ B @ A @ inv(X)).T", "2 * y @ x.T", "(A + A.T) @ x", "x - -0.5", "-x**2",
    "(-x)**2", "x**y**z", "(x**y)**z", "x**-2", "(1/3)**x", "a - (b - c)", "a/(b*c)", "a*(b/c)", "f''(x)*f'(y)",
    "sum(X, axis=1)", "(2).T", "x.T.T", "--x", "2*-x", "1e-40*x", "0.000001*x", "(grad(l, h2)*grad(h2, h1))*2",
])
def test_unparse_examples(text):
    tree = parse(text, claim=True)
    assert structure(parse(unparse(tree), claim=True)) == structure(tree)


def test_unparse_long_flat_sum_does_not_recurse():
    text = "+".join(f"x{i}" for i in range(1200))
    tree = parse(text)
    assert unparse(tree) == text.replace("+", " + ")
    assert structure(parse(unparse(tree))) == structure(tree)


@pytest.mark.parametrize("value, text", [
    (Fraction(1, 8), "0.125"), (Fraction(-5, 2), "-2.5"), (Fraction(7), "7"), (Fraction(1, 10**9), "0.000000001"),
    (Fraction(3, 10**40), "3e-40"), (Fraction(1, 3), "(1/3)"), (Fraction(-2, 7), "(-2/7)"),
    (Fraction(10**109), "1e109"), (Fraction(-25 * 10**40), "-25e40"),  # found by fuzz/fuzz_exprs.py
])
def test_number_text_is_exact(value, text):
    assert number_text(value) == text
    tree = parse(text)
    got = tree.value if isinstance(tree, Num) else Fraction(tree.left.value) / tree.right.value
    assert got == value


# --- mutants ----------------------------------------------------------------------------------


def kinds(text, **kw) -> dict:
    out: dict = {}
    for m in mutants(text, **kw):
        out.setdefault(m.kind, []).append(m.text)
    return out


def same(a: str, b: str) -> bool:
    return structure(parse(a, claim=True)) == structure(parse(b, claim=True))


def has(found: list, expected: str) -> bool:
    return any(same(f, expected) for f in found)


def test_factor_two_and_sign():
    k = kinds("48*x**2 + 16*x*y")
    assert has(k["factor-2"], "2*(48*x**2 + 16*x*y)")
    assert has(k["sign"], "-(48*x**2 + 16*x*y)")


def test_sign_of_a_negated_claim_drops_the_minus():
    assert has(kinds("-(inv(X)@C@inv(X)).T")["sign"], "(inv(X)@C@inv(X)).T")


def test_drop_and_add_transpose():
    k = kinds("2 * y @ x.T", shapes={"y": (3,), "x": (4,)})
    assert has(k["drop-transpose"], "2*y@x")
    assert has(k["add-transpose"], "(2*y@x.T).T")


def test_add_transpose_only_to_square_matrices_when_shapes_are_known():
    k = kinds("A @ x + B @ x", shapes={"A": (3, 3), "B": (2, 3), "x": (3,)})
    texts = k.get("add-transpose", [])
    assert has(texts, "A.T@x + B@x")
    assert not any("B.T" in t for t in texts)


def test_no_whole_transpose_of_a_scalar_claim():
    assert "add-transpose" not in kinds("2*x + y", ndim=0)


def test_swap_product_and_transposed_products():
    k = kinds("A.T @ B.T")
    assert has(k["swap-product"], "B.T@A.T")
    assert has(k["transpose-product"], "(A@B).T")
    k = kinds("(A @ B).T")
    assert has(k["transpose-product"], "A.T@B.T")


def test_inverse_and_inverse_transpose():
    k = kinds("det(X) * inv(X).T")
    assert has(k["inverse-transpose"], "det(X)*inv(X)")
    k = kinds("inv(X) @ C")
    assert has(k["inverse-transpose"], "inv(X).T@C")
    k = kinds("inv(X.T)")
    assert has(k["inverse-transpose"], "inv(X)")


def test_symmetric_part():
    k = kinds("(A + A.T) @ x")
    assert has(k["symmetric-part"], "2*A@x")
    assert has(k["symmetric-part"], "A@x")
    assert has(kinds("A.T + A")["symmetric-part"], "2*A")


def test_drop_one_path_term():
    k = kinds("(grad(l, h2)*grad(h2, h1) + grad(l, h3)*grad(h3, h1)) * grad(h1, x)")
    assert has(k["drop-term"], "grad(l, h2)*grad(h2, h1)*grad(h1, x)")
    assert has(k["drop-term"], "grad(l, h3)*grad(h3, h1)*grad(h1, x)")
    k = kinds("a - b + c")
    assert has(k["drop-term"], "-b + c") and has(k["drop-term"], "a + c") and has(k["drop-term"], "a - b")


def test_latex_transpose_call_mutates_like_dot_t():
    k = kinds("2*y@transpose(x)")
    assert has(k["drop-transpose"], "2*y@x")


def test_entries_claims_get_no_transposes():
    k = kinds("2 * y[j] * x[k]", entries=True)
    assert set(k) <= {"factor-2", "sign", "drop-term"}
    assert has_entries(k["factor-2"], "2*(2*y[j]*x[k])")


def has_entries(found, expected):
    s = structure(parse(expected, claim=True, entries=True))
    return any(structure(parse(f, claim=True, entries=True)) == s for f in found)


def test_mutants_are_distinct_parseable_and_never_the_claim():
    text = "-(inv(X) @ B @ A @ inv(X)).T"
    found = mutants(text, shapes={"X": (3, 3), "A": (2, 3), "B": (3, 2)})
    texts = [m.text for m in found]
    assert len(texts) == len(set(texts)) and len(texts) >= 8
    original = structure(parse(text, claim=True))
    for t in texts:
        assert structure(parse(t, claim=True)) != original
    assert all(m.description for m in found)


def test_mutant_limit():
    text = " + ".join(f"x{i}*A@B" for i in range(12))
    assert len(mutants(text, limit=10)) == 10


@settings(max_examples=60)
@given(trees())
def test_mutants_of_random_trees_parse(tree):
    text = unparse(tree)
    for m in mutants(text):
        assert structure(parse(m.text, claim=True)) != structure(exprs.parse(text, claim=True))


@pytest.mark.parametrize("text", ["[2*x[1], -x[2]]", "[[a, b], [c - d, 2*a]]"])
def test_literals_are_written_back_as_written(text):
    from derivcheck.lang.exprs import parse
    from derivcheck.verdict.mutate import unparse

    assert unparse(parse(text, claim=True)) == text
