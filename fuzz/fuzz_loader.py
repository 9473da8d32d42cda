"""atheris harness: derivcheck.lang.problem.load_text, then derivcheck.lang.build.build, on arbitrary bytes (by hand, not in CI).

    pip install atheris
    python fuzz/fuzz_loader.py -max_total_time=60                # 60 s from an empty corpus
    python fuzz/fuzz_loader.py fuzz/corpus/loader -max_total_time=600   # grow a corpus (create the folder)

Bad input must end in a LocatedError (a line, a column and a message) from loading or from
building the model (parsing, lowering, the static gates; no sympy is involved); anything else is a
finding and makes atheris stop with the input that caused it (crash-<sha1> in the current folder).
The shipped problem files are good seeds: `cp problems/*/*.yaml fuzz/corpus/loader/`.
"""

import sys

import atheris

with atheris.instrument_imports(include=["derivcheck"]):
    from derivcheck.lang.build import build
    from derivcheck.lang.errors import LocatedError
    from derivcheck.lang.problem import load_text


def TestOneInput(data: bytes) -> None:
    try:
        problem = load_text(data, "fuzz.yaml")
        assert problem.id
        model = build(problem)
    except LocatedError as exc:
        if not isinstance(exc.message, str) or not exc.message or exc.line < 0 or exc.col < 0:
            raise AssertionError(f"a LocatedError without a usable place or message: {exc!r}") from None
        return
    for claim in model.claims:  # a claim's own errors are kept on the claim, located
        if claim.error is not None:
            assert claim.error.message and claim.error.line >= 0


def main() -> None:
    sys.setrecursionlimit(1000)  # the loader must not depend on a deep stack
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
