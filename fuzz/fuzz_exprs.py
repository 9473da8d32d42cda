"""atheris harness: derivcheck.lang.exprs.parse, and the lowering of what it accepts (by hand, not in CI).

    pip install atheris
    python fuzz/fuzz_exprs.py -max_total_time=60
    python fuzz/fuzz_exprs.py -max_total_time=60 -dict=fuzz/exprs.dict     # with the token dictionary

The text is tried as a node, a claim and an entries formula. Refusals must be ExprError with an
offset inside the text; an accepted expression must print back to text that parses to the same
tree (derivcheck.verdict.mutate.unparse) and lower over a few scalar/vector/matrix names, or be refused
there with an ExprError. Anything else is a finding.
"""

import sys

import atheris

with atheris.instrument_imports(include=["derivcheck"]):
    from derivcheck.lang import exprs
    from derivcheck.lang.errors import ExprError
    from derivcheck.lang.ir import Graph, lower_into
    from derivcheck.verdict.mutate import structure, unparse

SHAPES = {"x": (), "y": (), "v": (3,), "A": (3, 3), "W": (2, 3)}


def TestOneInput(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    mode = fdp.ConsumeIntInRange(0, 2)
    text = fdp.ConsumeUnicodeNoSurrogates(400)
    try:
        tree = exprs.parse(text, claim=mode >= 1, entries=mode == 2)
    except ExprError as exc:
        assert 0 <= exc.offset <= len(text), (text, exc.offset)
        assert exc.message
        return
    again = exprs.parse(unparse(tree), claim=mode >= 1, entries=mode == 2)
    assert structure(again) == structure(tree), (text, unparse(tree))
    if mode == 2:
        return
    graph = Graph(inputs=dict(SHAPES), functions=frozenset({"g"}))
    try:
        lower_into(graph, "out", tree, known=dict(graph.shapes))
    except ExprError as exc:
        assert exc.message
    except KeyError:  # grad/hess of names only a full problem has
        if mode == 0:
            raise


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
