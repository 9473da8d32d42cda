"""What every row of the op table is made of: the `Op` record and the helpers rows share.

numpy is imported on first use, not at import: `derivcheck schema` reads the table's names and
must start without numpy. Shapes are semantic: () scalar, (n,) column vector, (m, n) matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


class _Numpy:
    """numpy on first attribute use; each attribute is then cached on the instance."""

    def __getattr__(self, name):
        import numpy

        value = getattr(numpy, name)
        object.__setattr__(self, name, value)
        return value


np = _Numpy()

ROWS: dict = {}  # name → Op, filled by derivcheck.ops; `call` reads it


class ShapeError(Exception):
    """Operands whose shapes do not fit an operation."""


def fmt_shape(shape: tuple) -> str:
    if shape == ():
        return "scalar"
    if len(shape) == 1:
        return f"vector[{shape[0]}]"
    return "×".join(str(d) for d in shape)


@dataclass(frozen=True)
class Op:
    """One primitive. The engine reads forward/vjp (and floats, the scalar fast path); second
    order reads `scalar` and `d` of elementwise rows and differentiates every other VJP with dual
    numbers; the symbolic side reads only `symbolic`; the parser, schema and LaTeX read the
    spellings; the sampler and verify read `kink`; certified evaluation reads `ball` and the
    high-precision engine `precise`."""

    name: str
    arity: int  # -1: any number of arguments
    shape: Callable  # (arg shapes, params) -> shape
    forward: Callable  # (params, *arrays) -> array
    vjp: Callable  # (g, out, params, *arrays) -> tuple of arrays, one per arg
    symbolic: Callable  # (sp, params, *object arrays) -> object array
    rule: str  # the adjoint rule as a solution sheet writes it; ā is the adjoint of arg a
    # The same VJP split per argument, so the engine can skip adjoints nobody asked for. None: use vjp.
    vjp_args: tuple | None = None
    floats: tuple | None = None  # (forward(*floats), vjp(g, out, *floats) -> tuple): the scalar fast path
    kink: Callable | None = None  # (*args) -> the expression whose sign change is a kink
    text: str | None = None  # the function's name in expressions; None: not callable by name
    latex: str | None = None  # its LaTeX spelling (\exp, \operatorname{relu}, ...)
    doc: str = ""  # one line for the schema's documentation
    domain: tuple = (-3.0, 3.0)  # an interval inside the function's domain (table tests draw there)
    scalar: Callable | None = None  # elementwise: f on one float (math.*)
    d: Callable | None = None  # elementwise: f' as a formula of rows, on floats, arrays and duals
    meaning: Callable | None = None  # elementwise: sp -> the sympy function of one argument
    bounded: bool = False  # |value| ≤ 1 whatever the argument (the static size gates rely on it)
    # elementwise: mpmath -> f on mpmath reals (the engine's high-precision re-run, witness/precise.py)
    precise: Callable | None = None
    # elementwise, when the meaning is a sympy function of its own: numeval's rule kit -> (Arb ball -> Arb
    # ball), the certified evaluation of that function with the domain it needs (verdict/numeval.py)
    ball: Callable | None = None
    # The symbolic witness keeps this op's output as a node (entry symbols of its own, never expanded):
    # (ḡ, out, inverse) -> Ā, the VJP on object arrays in the output's and the argument's inverse's symbols.
    kept_vjp: Callable | None = None


def call(name: str, x):
    """Row `name` applied to a float, a float array, a dual number or an object array of duals."""
    row = ROWS[name]
    if type(x) is float:
        try:
            return row.scalar(x)
        except (ArithmeticError, ValueError):  # outside the domain, overflow: numpy's nan and inf
            return float(row.forward({}, np.asarray(x)))
    if hasattr(x, "through"):  # a dual number: its rule comes from the row
        return x.through(row)
    x = np.asarray(x)
    if x.dtype == object:
        return each(lambda v: call(name, v), x)
    return row.forward({}, x)


def each(fn, a):
    """fn on every entry of an object array (a 0-d array stays 0-d)."""
    out = np.frompyfunc(fn, 1, 1)(a)
    return out if isinstance(out, np.ndarray) else obj(out)


def obj(value):
    """A 0-d object array holding one value (a sympy expression, a dual number)."""
    out = np.empty((), dtype=object)
    out[()] = value
    return out


def as_2d(a):
    return a.reshape(a.shape[0], 1) if a.ndim == 1 else a


def from_2d(r, b_is_vector: bool):
    """Back to semantic shape: 1×1 is a scalar, a product with a vector is a vector."""
    if r.shape == (1, 1):
        return r.reshape(())
    if b_is_vector:
        return r[:, 0]
    return r


def matmul(a, b):
    if a.ndim == 2 and a.shape[0] > 1 and b.ndim:  # W @ x, A @ B: numpy's shapes are already the semantic ones
        return a @ b
    return from_2d(as_2d(a) @ as_2d(b), b.ndim == 1)


def transpose(a):
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return a.reshape(1, a.shape[0])
    if a.shape[0] == 1:
        return a.reshape(a.shape[1])
    return a.T


def align(x, like):
    """A vector meets a matrix as a column (m×1), so numpy broadcasts it across the columns."""
    x = np.asarray(x)
    return x.reshape(x.shape[0], 1) if x.ndim == 1 and np.ndim(like) == 2 else x


def unbroadcast(g, shape: tuple):
    """An operand that was broadcast receives the sum of the adjoint over the broadcast axes."""
    g = np.asarray(g)
    if g.shape == shape:
        return g
    if shape == ():
        return np.asarray(g.sum())
    if len(shape) == 1:  # a column vector across the columns of a matrix
        return g.sum(axis=1)
    return g.sum(axis=0 if shape[0] == 1 else 1, keepdims=True)


def vectorize(fn):
    """A scalar sympy function on every entry of an object array."""
    return lambda a: np.vectorize(fn, otypes=[object])(a) if a.ndim else obj(fn(a[()]))
