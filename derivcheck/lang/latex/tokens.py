"""The tokens of LaTeX claims and the vocabulary the reader knows (from the op table)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from derivcheck.ops import FUNCTIONS, LATEX

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
                       "\\right", "\\pi", "\\begin"}) - {"*"})
HINTS = {"\\sum": "; index sums are not supported: write the matrix form, or an `entries` claim"}
CLOSERS = {"(": ")", "[": "]", "{": "}"}
MATRIX_ENVIRONMENTS = {"matrix", "pmatrix", "bmatrix", "Bmatrix"}
ROW_END, CELL_END = "\\\\", "&"  # \\ ends a row of a matrix literal, & an entry
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



_TOKEN = re.compile(r"(?P<space>[\s~$]+)|(?P<cmd>\\(?:[A-Za-z]+|.?))|(?P<num>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
                    r"|(?P<run>[A-Za-z]+[0-9]*)|(?P<sym>[-+*/^_'()\[\]{}=,|:&])", re.S)
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



NORM_CLOSERS = {"\\|", "\\rVert", "\\Vert"}
