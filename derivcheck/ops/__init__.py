"""The op table: one row per primitive, with everything about it (see `Op`).

The engine reads forward, VJP and the scalar fast path; second order reads the elementwise rows'
derivative formulas; the symbolic side reads only the sympy meaning (and then calls sympy.diff);
the parser, the schema, numeval and the LaTeX reader and writer read the names and spellings;
the sampler reads the kinks. Rows live by kind in elementwise.py, arith.py and tensor.py; a new
elementwise function is one row there and nothing else.

`LANGUAGE` adds the functions of the expression language that are not one primitive (lowered to
several, or only meaningful in claims), so the whole vocabulary is listed here once.
"""

from __future__ import annotations

from derivcheck.ops import base
from derivcheck.ops.arith import BINARY, OPERATORS
from derivcheck.ops.base import Op, ShapeError, call, fmt_shape, obj
from derivcheck.ops.elementwise import DERIVATIVES, UNARY
from derivcheck.ops.tensor import TENSOR

OPS: dict[str, Op] = {op.name: op for op in UNARY + DERIVATIVES + BINARY + TENSOR}
base.ROWS.update(OPS)

ELEMENTWISE = tuple(op.name for op in UNARY)  # g(x), with g'(x) and g''(x)

# name -> (kind, documentation): functions lowered to several rows, and those of claims and entries
LANGUAGE = {
    "mean": ("tensor", "mean of all entries; mean(X, axis=0) of each column, axis=1 of each row"),
    "tr": ("tensor", "alias of trace"),
    "norm": ("tensor", "Euclidean norm of a vector, Frobenius norm of a matrix"),
    "dot": ("tensor", "dot(u, v): the dot product of two vectors"),
    "outer": ("tensor", "outer(u, v) = u vᵀ"),
    "eye": ("tensor", "eye(n): the n×n identity (n an integer or a dim name)"),
    "ones": ("tensor", "ones(n): a vector of ones; ones(m, n): a matrix of ones"),
    "zeros": ("tensor", "zeros(n): a vector of zeros; zeros(m, n): a matrix of zeros"),
    "grad": ("claim", "grad(f, v): the derivative ∂f/∂v (claims only)"),
    "hess": ("claim", "hess(f, u, v): the second derivative ∂²f/∂u∂v (claims only)"),
    "hessdiag": ("claim", "hessdiag(f, v): the entries ∂²f/∂v_i², shaped like v (claims only)"),
    "delta": ("entries", "delta(i, j): the Kronecker delta (entries claims only)"),
}
AXIS_FUNCTIONS = ("sum", "mean", "softmax", "logsumexp")

FUNCTIONS: dict[str, str] = {  # every function name of the expression language -> its documentation
    **{op.text: op.doc for op in UNARY + BINARY + TENSOR if op.text},
    **{name: doc for name, (kind, doc) in LANGUAGE.items()},
}
CLAIM_FUNCTIONS = frozenset(n for n, (kind, _) in LANGUAGE.items() if kind == "claim")
ENTRY_FUNCTIONS = frozenset(n for n, (kind, _) in LANGUAGE.items() if kind == "entries")
LATEX = {op.text: op.latex for op in UNARY + BINARY + TENSOR if op.text and op.latex}  # name -> LaTeX command

__all__ = ["OPS", "Op", "ShapeError", "fmt_shape", "call", "obj", "OPERATORS", "ELEMENTWISE", "LANGUAGE",
           "FUNCTIONS", "CLAIM_FUNCTIONS", "ENTRY_FUNCTIONS", "LATEX", "AXIS_FUNCTIONS"]
