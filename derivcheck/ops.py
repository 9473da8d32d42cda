"""The op table: one row per primitive.

Each row has a shape rule, a numpy forward, its own vector-Jacobian rule (numpy)
and its sympy meaning. The engine reads only `forward` and `vjp`; the symbolic
side reads only `symbolic` (and then calls sympy.diff). Shape plumbing such as
matmul on object arrays is shared; derivative rules never are.

Shapes are semantic: () scalar, (n,) column vector, (m, n) matrix.
The `symbolic` functions receive the sympy module as `sp`, so this module never
imports sympy and the engine can import it freely.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np


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
    name: str
    arity: int
    shape: Callable  # (arg shapes, params) -> shape
    forward: Callable  # (params, *arrays) -> array
    vjp: Callable  # (g, out, params, *arrays) -> tuple of arrays, one per arg
    symbolic: Callable  # (sp, params, *object arrays) -> object array
    rule: str  # the adjoint rule as a solution sheet writes it; ā is the adjoint of arg a
    # The same VJP split per argument, (g, out, params, *arrays) -> one contribution, so the
    # engine can skip adjoints nobody asked for (x̄ = Wᵀḡ when only W̄ is wanted). None: use vjp.
    vjp_args: tuple | None = None


def obj(value) -> np.ndarray:
    """A 0-d object array holding one sympy expression."""
    out = np.empty((), dtype=object)
    out[()] = value
    return out


def as_2d(a: np.ndarray) -> np.ndarray:
    return a.reshape(a.shape[0], 1) if a.ndim == 1 else a


def from_2d(r: np.ndarray, b_is_vector: bool) -> np.ndarray:
    """Back to semantic shape: 1×1 is a scalar, a product with a vector is a vector."""
    if r.shape == (1, 1):
        return r.reshape(())
    if b_is_vector:
        return r[:, 0]
    return r


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.ndim == 2 and a.shape[0] > 1 and b.ndim:  # W @ x, A @ B: numpy's shapes are already the semantic ones
        return a @ b
    return from_2d(as_2d(a) @ as_2d(b), b.ndim == 1)


def transpose(a: np.ndarray) -> np.ndarray:
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return a.reshape(1, a.shape[0])
    if a.shape[0] == 1:
        return a.reshape(a.shape[1])
    return a.T


def unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """A scalar operand of an elementwise op receives the sum of the adjoint."""
    g = np.asarray(g)
    return g if g.shape == shape else np.asarray(g.sum())


def _elementwise_shape(shapes, params):
    a, b = shapes
    if a == b or b == ():
        return a
    if a == ():
        return b
    raise ShapeError(f"elementwise operands must have the same shape or one be a scalar: {fmt_shape(a)} and {fmt_shape(b)}")


def _same_shape(shapes, params):
    return shapes[0]


def _scalar_shape(shapes, params):
    return ()


def _square(shapes, params):
    s = shapes[0]
    if len(s) != 2 or s[0] != s[1]:
        raise ShapeError(f"needs a square matrix, got {fmt_shape(s)}")
    return s


def _matmul_shape(shapes, params):
    a, b = shapes
    if a == () or b == ():
        raise ShapeError("@ needs a vector or matrix on both sides; use * with a scalar")
    if len(a) > 2 or len(b) > 2:
        raise ShapeError(f"@ is defined for vectors and matrices, not {fmt_shape(a)} and {fmt_shape(b)}")
    a2 = a if len(a) == 2 else (a[0], 1)
    b2 = b if len(b) == 2 else (b[0], 1)
    if a2[1] != b2[0]:
        raise ShapeError(f"@ needs matching inner sizes: {fmt_shape(a)} @ {fmt_shape(b)}")
    r = (a2[0], b2[1])
    if r == (1, 1):
        return ()
    return (r[0],) if len(b) == 1 else r


def _transpose_shape(shapes, params):
    s = shapes[0]
    if len(s) > 2:
        raise ShapeError(f"transpose needs a vector or matrix, got {fmt_shape(s)}")
    return transpose(np.empty(s)).shape


def _vector_shape(shapes, params):
    s = shapes[0]
    if len(s) != 1:
        raise ShapeError(f"needs a vector, got {fmt_shape(s)}")
    return s


def _sum_axis_shape(shapes, params):
    s = shapes[0]
    if len(s) != 2:
        raise ShapeError(f"sum(X, axis=...) needs a matrix, got {fmt_shape(s)}")
    return (s[1],) if params["axis"] == 0 else (s[0],)


def _diag_shape(shapes, params):
    s = shapes[0]
    if len(s) == 1:
        return (s[0], s[0])
    if len(s) == 2 and s[0] == s[1]:
        return (s[0],)
    raise ShapeError(f"diag needs a vector or a square matrix, got {fmt_shape(s)}")


def _vectorize(fn):
    """Apply a scalar sympy function to every entry of an object array."""
    return lambda a: np.vectorize(fn, otypes=[object])(a) if a.ndim else obj(fn(a[()]))


def _sym_matrix(sp, a):
    return sp.Matrix(as_2d(a).tolist())


def _sym_det(sp, a):
    return _sym_matrix(sp, a).det(method="berkowitz")


def _sym_inv(sp, a):
    m = _sym_matrix(sp, a)
    return np.array(m.adjugate(method="berkowitz") / m.det(method="berkowitz"), dtype=object)


def _unary(name, forward, vjp, symbolic, rule):
    return Op(name, 1, _same_shape, lambda p, a: forward(a), lambda g, out, p, a: (vjp(g, out, a),),
              lambda sp, p, a: _vectorize(symbolic(sp))(a), rule, vjp_args=(lambda g, out, p, a: vjp(g, out, a),))


def _sigmoid(a):
    return np.where(a >= 0, 1 / (1 + np.exp(-np.abs(a))), np.exp(-np.abs(a)) / (1 + np.exp(-np.abs(a))))


def _softmax(a):
    e = np.exp(a - a.max())
    return e / e.sum()


def _logsumexp(a):
    m = a.max()
    return np.asarray(m + np.log(np.exp(a - m).sum()))


def _sym_softmax(sp, p, a):
    exps = [sp.exp(v) for v in a]
    total = sp.Add(*exps)
    return np.array([e / total for e in exps], dtype=object)


UNARY = [
    _unary("exp", np.exp, lambda g, o, a: g * o, lambda sp: sp.exp, "ā += ḡ·exp(a)"),
    _unary("log", np.log, lambda g, o, a: g / a, lambda sp: sp.log, "ā += ḡ / a"),
    _unary("sqrt", np.sqrt, lambda g, o, a: g / (2 * o), lambda sp: sp.sqrt, "ā += ḡ / (2√a)"),
    _unary("sin", np.sin, lambda g, o, a: g * np.cos(a), lambda sp: sp.sin, "ā += ḡ·cos(a)"),
    _unary("cos", np.cos, lambda g, o, a: -g * np.sin(a), lambda sp: sp.cos, "ā += −ḡ·sin(a)"),
    _unary("tan", np.tan, lambda g, o, a: g * (1 + o * o), lambda sp: sp.tan, "ā += ḡ·(1 + tan²a)"),
    _unary("tanh", np.tanh, lambda g, o, a: g * (1 - o * o), lambda sp: sp.tanh, "ā += ḡ·(1 − tanh²a)"),
    _unary("sigmoid", _sigmoid, lambda g, o, a: g * o * (1 - o),
           lambda sp: (lambda v: 1 / (1 + sp.exp(-v))), "ā += ḡ·σ(a)(1 − σ(a))"),
    # NOTE: relu'(0) is taken as 0 (as in micrograd); sample points are kept off the kink.
    _unary("relu", lambda a: np.where(a > 0, a, 0 * a), lambda g, o, a: g * (a > 0),
           lambda sp: (lambda v: sp.Max(0, v)), "ā += ḡ·[a > 0]"),
    _unary("softplus", lambda a: np.where(a > 0, a + np.log1p(np.exp(-np.abs(a))), np.log1p(np.exp(-np.abs(a)))), lambda g, o, a: g * _sigmoid(a),
           lambda sp: (lambda v: sp.log(1 + sp.exp(v))), "ā += ḡ·σ(a)"),
    # NOTE: abs'(0) is taken as 0; sample points are kept off the kink.
    _unary("abs", np.abs, lambda g, o, a: g * np.sign(a), lambda sp: sp.Abs, "ā += ḡ·sign(a)"),
]


def _binary(name, shape, forward, vjp, symbolic, rule):
    """`vjp` is a pair of rules (g, out, a, b) -> contribution: ā's and b̄'s."""
    vjp_a, vjp_b = vjp
    return Op(name, 2, shape, lambda p, a, b: forward(a, b),
              lambda g, out, p, a, b: (vjp_a(g, out, a, b), vjp_b(g, out, a, b)),
              lambda sp, p, a, b: symbolic(sp, a, b), rule,
              vjp_args=(lambda g, out, p, a, b: vjp_a(g, out, a, b), lambda g, out, p, a, b: vjp_b(g, out, a, b)))


def _pow_vjp_a(g, out, a, b):
    if b.ndim == 0 and b.dtype != object and b == 2:  # a square, as in every sse loss: the same bits, 3 ops fewer
        return unbroadcast(g * b * a, a.shape)
    with np.errstate(all="ignore"):
        return unbroadcast(g * b * np.power(a, b - 1), a.shape)


def _pow_vjp_b(g, out, a, b):
    with np.errstate(all="ignore"):
        gb = g * out * np.log(np.where(a > 0, a, np.nan * a))  # undefined for a ≤ 0: that point is invalid
    return unbroadcast(np.asarray(gb) * np.ones(np.shape(g)), b.shape)


def _matmul_vjp_a(g, out, a, b):
    if a.ndim == 2 and b.ndim == 1 and g.ndim == 1:  # W @ x: W̄ = ḡ xᵀ, an outer product
        return np.outer(g, b)
    return (as_2d(g.reshape(_g2(a, b))) @ as_2d(b).T).reshape(a.shape)


def _matmul_vjp_b(g, out, a, b):
    if a.ndim == 2 and g.ndim == b.ndim:  # W @ x or A @ B: B̄ = Aᵀ Ḡ, no reshapes needed
        return a.T @ g
    return (as_2d(a).T @ g.reshape(_g2(a, b))).reshape(b.shape)


def _sym_pow(sp, a, b):
    out = np.vectorize(lambda x, y: sp.Pow(x, y), otypes=[object])(a, b)
    return out if out.ndim else obj(out[()])


BINARY = [
    _binary("add", _elementwise_shape, np.add,
            (lambda g, o, a, b: unbroadcast(g, a.shape), lambda g, o, a, b: unbroadcast(g, b.shape)),
            lambda sp, a, b: np.add(a, b, dtype=object), "ā += ḡ; b̄ += ḡ"),
    _binary("sub", _elementwise_shape, np.subtract,
            (lambda g, o, a, b: unbroadcast(g, a.shape), lambda g, o, a, b: unbroadcast(-g, b.shape)),
            lambda sp, a, b: np.subtract(a, b, dtype=object), "ā += ḡ; b̄ −= ḡ"),
    _binary("mul", _elementwise_shape, np.multiply,
            (lambda g, o, a, b: unbroadcast(g * b, a.shape), lambda g, o, a, b: unbroadcast(g * a, b.shape)),
            lambda sp, a, b: np.multiply(a, b, dtype=object), "ā += ḡ·b; b̄ += ḡ·a"),
    _binary("div", _elementwise_shape, np.divide,
            (lambda g, o, a, b: unbroadcast(g / b, a.shape), lambda g, o, a, b: unbroadcast(-g * a / (b * b), b.shape)),
            lambda sp, a, b: np.true_divide(a, b, dtype=object), "ā += ḡ / b; b̄ −= ḡ·a / b²"),
    _binary("pow", _elementwise_shape, np.power, (_pow_vjp_a, _pow_vjp_b), _sym_pow, "ā += ḡ·b·a^(b−1); b̄ += ḡ·aᵇ·log a"),
    _binary("matmul", _matmul_shape, matmul, (_matmul_vjp_a, _matmul_vjp_b),
            lambda sp, a, b: matmul(a, b), "Ā += Ḡ Bᵀ; B̄ += Aᵀ Ḡ"),
]


def _g2(a, b) -> tuple:
    """The 2-D shape of a product's result, before scalars and vectors are squeezed out."""
    return (as_2d(a).shape[0], as_2d(b).shape[1])


def _linalg(name: str, a: np.ndarray):
    """np.linalg for floats; object arrays (the dual numbers of second_order) bring their own."""
    if a.dtype == object:
        return getattr(type(a.flat[0]), "linalg_" + name)(a)
    if name == "logdet":
        return np.asarray(np.linalg.slogdet(a)[1])
    return np.asarray(getattr(np.linalg, name)(a))


def _det_vjp(g, out, p, a):
    return (g * out * _linalg("inv", a).T,)


def _sum_axis_vjp(g, out, p, a):
    return (np.broadcast_to(g[None, :] if p["axis"] == 0 else g[:, None], a.shape).copy(),)


def _softmax_vjp(g, out, p, a):
    return (out * (g - np.sum(g * out)),)


def _inv_vjp(g, out, p, a):
    return (-out.T @ g @ out.T,)


def _sym_sum(sp, p, a):
    return obj(sp.Add(*a.flatten().tolist()))


def _sym_sum_axis(sp, p, a):
    return np.array([sp.Add(*line) for line in (a.T if p["axis"] == 0 else a).tolist()], dtype=object)


def _sym_diag(sp, p, a):
    if a.ndim == 1:
        out = np.full((a.shape[0], a.shape[0]), sp.Integer(0), dtype=object)
        np.fill_diagonal(out, a)
        return out
    return np.diagonal(a).copy()


def _diag_forward(p, a):
    return np.diag(a).copy()


TENSOR = [
    Op("copy", 1, _same_shape, lambda p, a: a, lambda g, out, p, a: (g,), lambda sp, p, a: a, "ā += ḡ"),
    Op("neg", 1, _same_shape, lambda p, a: -a, lambda g, out, p, a: (-g,),
       lambda sp, p, a: np.negative(a, dtype=object), "ā −= ḡ"),
    Op("transpose", 1, _transpose_shape, lambda p, a: transpose(a),
       lambda g, out, p, a: (transpose(g).reshape(a.shape),),
       lambda sp, p, a: transpose(a), "Ā += Ḡᵀ"),
    Op("sum", 1, _scalar_shape, lambda p, a: np.asarray(a.sum()), lambda g, out, p, a: (np.full(a.shape, g),),
       _sym_sum, "ā_i += ḡ"),
    Op("sum_axis", 1, _sum_axis_shape, lambda p, a: a.sum(axis=p["axis"]), _sum_axis_vjp,
       _sym_sum_axis, "Ā += ḡ broadcast along the summed axis"),
    Op("trace", 1, lambda s, p: _square(s, p) and (), lambda p, a: np.asarray(np.trace(a)),
       lambda g, out, p, a: (g * np.eye(a.shape[0]),),
       lambda sp, p, a: obj(sp.Add(*np.diagonal(a).tolist())), "Ā += ḡ I"),
    Op("det", 1, lambda s, p: _square(s, p) and (), lambda p, a: _linalg("det", a), _det_vjp,
       lambda sp, p, a: obj(_sym_det(sp, a)), "Ā += ḡ det(A) A⁻ᵀ"),
    Op("logdet", 1, lambda s, p: _square(s, p) and (),
       lambda p, a: _linalg("logdet", a), lambda g, out, p, a: (g * _linalg("inv", a).T,),
       lambda sp, p, a: obj(sp.log(sp.Abs(_sym_det(sp, a)))), "Ā += ḡ A⁻ᵀ"),
    Op("inv", 1, _square, lambda p, a: _linalg("inv", a), _inv_vjp, lambda sp, p, a: _sym_inv(sp, a),
       "Ā −= A⁻ᵀ Ḡ A⁻ᵀ"),
    Op("diag", 1, _diag_shape, _diag_forward, lambda g, out, p, a: (_diag_forward(p, g),), _sym_diag,
       "ā += diag(Ḡ) / Ā += diag(ḡ)"),
    Op("softmax", 1, _vector_shape, lambda p, a: _softmax(a), _softmax_vjp, _sym_softmax,
       "ā += s ⊙ (ḡ − sᵀḡ)"),
    Op("logsumexp", 1, _scalar_shape, lambda p, a: _logsumexp(a),
       lambda g, out, p, a: (g * np.exp(a - out),),
       lambda sp, p, a: obj(sp.log(sp.Add(*[sp.exp(v) for v in a.flatten()]))), "Ā += ḡ softmax(A)"),
]

def _index_vjp(g, out, p, a):
    grad = np.zeros(a.shape)
    grad[p["at"]] = g
    return (grad,)


def _stack_vjp(g, out, p, *parts):
    return tuple(np.asarray(v) for v in np.asarray(g).reshape(-1))


ENTRIES = [
    Op("index", 1, lambda s, p: (), lambda p, a: np.asarray(a[p["at"]]), _index_vjp,
       lambda sp, p, a: obj(a[p["at"]]), "ā[at] += ḡ"),
    Op("stack", -1, lambda s, p: p["shape"], lambda p, *parts: np.array([np.asarray(v)[()] for v in parts]).reshape(p["shape"]),
       _stack_vjp, lambda sp, p, *parts: np.array([v[()] for v in parts], dtype=object).reshape(p["shape"]),
       "each entry's adjoint is its slice of Ḡ"),
]

OPS: dict[str, Op] = {op.name: op for op in UNARY + BINARY + TENSOR + ENTRIES}
ELEMENTWISE_BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "@": "matmul"}


# --- the float path ---------------------------------------------------------------
# The same forward and VJP rules on Python floats, for graphs whose every value is a
# scalar (deep scalar DAGs, most exercise sheets): math.* on floats costs a tenth of a
# numpy ufunc call on a 0-d array. A float rule that raises (log 0, 1/0, overflow,
# a negative base to a fractional power) is re-run by the engine with the numpy row
# above, so inf and nan come out exactly as there. Each row is tested against its
# numpy row (tests/test_deep_dag.py).


def _float_sigmoid(a: float) -> float:
    e = math.exp(-abs(a))
    return 1 / (1 + e) if a >= 0 else e / (1 + e)


def _float_softplus(a: float) -> float:
    tail = math.log1p(math.exp(-abs(a)))
    return a + tail if a > 0 else tail


def _float_sign(a: float) -> float:
    return 1.0 if a > 0 else -1.0 if a < 0 else a * 0.0  # nan stays nan, as np.sign


def _float_pow(a: float, b: float) -> float:
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError  # C's pow and numpy's differ at infinities (-inf ** 0.5): numpy decides
    return math.pow(a, b)


def _float_pow_vjp(g, o, a, b):
    gb = g * o * (math.log(a) if a > 0 else math.nan)
    return (g * b * _float_pow(a, b - 1), gb)


FLOAT_RULES: dict = {  # name -> (forward(*floats), vjp(g, out, *floats) -> tuple)
    "exp": (math.exp, lambda g, o, a: (g * o,)),
    "log": (math.log, lambda g, o, a: (g / a,)),
    "sqrt": (math.sqrt, lambda g, o, a: (g / (2 * o),)),
    "sin": (math.sin, lambda g, o, a: (g * math.cos(a),)),
    "cos": (math.cos, lambda g, o, a: (-g * math.sin(a),)),
    "tan": (math.tan, lambda g, o, a: (g * (1 + o * o),)),
    "tanh": (math.tanh, lambda g, o, a: (g * (1 - o * o),)),
    "sigmoid": (_float_sigmoid, lambda g, o, a: (g * o * (1 - o),)),
    "relu": (lambda a: a if a > 0 else 0 * a, lambda g, o, a: (g * (a > 0),)),
    "softplus": (_float_softplus, lambda g, o, a: (g * _float_sigmoid(a),)),
    "abs": (abs, lambda g, o, a: (g * _float_sign(a),)),
    "copy": (lambda a: a, lambda g, o, a: (g,)),
    "neg": (lambda a: -a, lambda g, o, a: (-g,)),
    "add": (lambda a, b: a + b, lambda g, o, a, b: (g, g)),
    "sub": (lambda a, b: a - b, lambda g, o, a, b: (g, -g)),
    "mul": (lambda a, b: a * b, lambda g, o, a, b: (g * b, g * a)),
    "div": (lambda a, b: a / b, lambda g, o, a, b: (g / b, -g * a / (b * b))),
    "pow": (_float_pow, _float_pow_vjp),
}
