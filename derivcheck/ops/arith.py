"""Rows of the operators `+ - * / ** @` and of max(a, b), min(a, b).

Elementwise operands have the same shape, or one is a scalar, or (numpy's broadcasting, the two
cases of SPEC §1.3) a row 1×n or a column m×1 / vector m meets an m×n matrix; the adjoint of a
broadcast operand is summed over the broadcast axis (`unbroadcast`).
"""

from __future__ import annotations

import math

from derivcheck.ops.base import Op, ShapeError, align, as_2d, call, fmt_shape, matmul, np, obj, unbroadcast

ALLOWED = ("the same shape, a scalar, or a row (1×n) or a column (m×1, or a vector of length m) "
           "broadcast across an m×n matrix")


def broadcast_shape(shapes, params):
    a, b = shapes
    if a == b or b == ():
        return a
    if a == ():
        return b
    for m, v in ((a, b), (b, a)):
        if len(m) == 2 and v in ((1, m[1]), (m[0], 1), (m[0],)):
            return m
    raise ShapeError(f"elementwise operands {fmt_shape(a)} and {fmt_shape(b)} do not fit: allowed are {ALLOWED}")


def _pair(fn):
    """fn on two operands after a vector meeting a matrix is turned into a column."""
    return lambda a, b: fn(align(a, b), align(b, a))


def _binary(name, forward, vjp, symbolic, rule, floats, *, text=None, kink=None, doc="") -> Op:
    """`vjp` is a pair of rules (g, out, a, b) -> contribution before unbroadcasting: ā's and b̄'s."""
    vjp_a, vjp_b = vjp

    def part_a(g, out, p, a, b):
        return unbroadcast(vjp_a(g, out, align(a, b), align(b, a)), a.shape)

    def part_b(g, out, p, a, b):
        return unbroadcast(vjp_b(g, out, align(a, b), align(b, a)), b.shape)

    return Op(name, 2, broadcast_shape, lambda p, a, b: _pair(forward)(a, b),
              lambda g, out, p, a, b: (part_a(g, out, p, a, b), part_b(g, out, p, a, b)),
              lambda sp, p, a, b: _pair(lambda x, y: symbolic(sp, x, y))(a, b), rule, vjp_args=(part_a, part_b), floats=floats,
              text=text, kink=kink, doc=doc, latex=rf"\{text}" if text else None)


def _pow_vjp_a(g, out, a, b):
    if b.ndim == 0 and b.dtype != object and b == 2:  # a square, as in every sse loss: the same bits, 3 ops fewer
        return g * b * a
    with np.errstate(all="ignore"):
        return g * b * np.power(a, b - 1)


def _pow_vjp_b(g, out, a, b):
    with np.errstate(all="ignore"):
        gb = g * out * call("log", np.where(a > 0, a, np.nan * a))  # undefined for a ≤ 0: that point is invalid
    return np.asarray(gb) * np.ones(np.shape(g))


def _sym_pow(sp, a, b):
    out = np.vectorize(lambda x, y: sp.Pow(x, y), otypes=[object])(a, b)
    return out if out.ndim else obj(out[()])


def _float_pow(a: float, b: float) -> float:
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError  # C's pow and numpy's differ at infinities (-inf ** 0.5): numpy decides
    return math.pow(a, b)


def _float_pow_vjp(g, o, a, b):
    gb = g * o * (math.log(a) if a > 0 else math.nan)
    return (g * b * _float_pow(a, b - 1), gb)


def _matmul_vjp_a(g, out, p, a, b):
    if a.ndim == 2 and b.ndim == 1 and g.ndim == 1:  # W @ x: W̄ = ḡ xᵀ, an outer product
        return np.outer(g, b)
    return (as_2d(g.reshape(_g2(a, b))) @ as_2d(b).T).reshape(a.shape)


def _matmul_vjp_b(g, out, p, a, b):
    if a.ndim == 2 and g.ndim == b.ndim:  # W @ x or A @ B: B̄ = Aᵀ Ḡ, no reshapes needed
        return a.T @ g
    return (as_2d(a).T @ g.reshape(_g2(a, b))).reshape(b.shape)


def _g2(a, b) -> tuple:
    """The 2-D shape of a product's result, before scalars and vectors are squeezed out."""
    return (as_2d(a).shape[0], as_2d(b).shape[1])


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


def _nan_or(fn, a: float, b: float) -> float:
    """Python's max/min on floats, with numpy's rule that nan wins."""
    return a + b if math.isnan(a) or math.isnan(b) else fn(a, b)


def _sym_extremum(which):
    def symbolic(sp, a, b):
        fn = sp.Max if which == "max" else sp.Min
        out = np.vectorize(lambda x, y: fn(x, y), otypes=[object])(a, b)
        return out if out.ndim else obj(out[()])

    return symbolic


BINARY = [
    _binary("add", lambda a, b: np.add(a, b), (lambda g, o, a, b: g, lambda g, o, a, b: g),
            lambda sp, a, b: np.add(a, b, dtype=object), "ā += ḡ; b̄ += ḡ",
            (lambda a, b: a + b, lambda g, o, a, b: (g, g))),
    _binary("sub", lambda a, b: np.subtract(a, b), (lambda g, o, a, b: g, lambda g, o, a, b: -g),
            lambda sp, a, b: np.subtract(a, b, dtype=object), "ā += ḡ; b̄ −= ḡ",
            (lambda a, b: a - b, lambda g, o, a, b: (g, -g))),
    _binary("mul", lambda a, b: np.multiply(a, b), (lambda g, o, a, b: g * b, lambda g, o, a, b: g * a),
            lambda sp, a, b: np.multiply(a, b, dtype=object), "ā += ḡ·b; b̄ += ḡ·a",
            (lambda a, b: a * b, lambda g, o, a, b: (g * b, g * a))),
    _binary("div", lambda a, b: np.divide(a, b), (lambda g, o, a, b: g / b, lambda g, o, a, b: -g * a / (b * b)),
            lambda sp, a, b: np.true_divide(a, b, dtype=object), "ā += ḡ / b; b̄ −= ḡ·a / b²",
            (lambda a, b: a / b, lambda g, o, a, b: (g / b, -g * a / (b * b)))),
    _binary("pow", lambda a, b: np.power(a, b), (_pow_vjp_a, _pow_vjp_b), _sym_pow,
            "ā += ḡ·b·a^(b−1); b̄ += ḡ·aᵇ·log a", (_float_pow, _float_pow_vjp)),
    # NOTE: at a = b neither argument gets the adjoint (as relu'(0) = 0); sample points keep off a = b.
    _binary("max", lambda a, b: np.maximum(a, b),
            (lambda g, o, a, b: g * ((a > b) * 1.0), lambda g, o, a, b: g * ((a < b) * 1.0)),
            _sym_extremum("max"), "ā += ḡ·[a > b]; b̄ += ḡ·[b > a]",
            (lambda a, b: _nan_or(max, a, b), lambda g, o, a, b: (g * (a > b), g * (a < b))),
            text="max", kink=lambda a, b: align(a, b) - align(b, a), doc="elementwise maximum of two arguments"),
    _binary("min", lambda a, b: np.minimum(a, b),
            (lambda g, o, a, b: g * ((a < b) * 1.0), lambda g, o, a, b: g * ((a > b) * 1.0)),
            _sym_extremum("min"), "ā += ḡ·[a < b]; b̄ += ḡ·[b < a]",
            (lambda a, b: _nan_or(min, a, b), lambda g, o, a, b: (g * (a < b), g * (a > b))),
            text="min", kink=lambda a, b: align(a, b) - align(b, a), doc="elementwise minimum of two arguments"),
    Op("matmul", 2, _matmul_shape, lambda p, a, b: matmul(a, b),
       lambda g, out, p, a, b: (_matmul_vjp_a(g, out, p, a, b), _matmul_vjp_b(g, out, p, a, b)),
       lambda sp, p, a, b: matmul(a, b), "Ā += Ḡ Bᵀ; B̄ += Aᵀ Ḡ", vjp_args=(_matmul_vjp_a, _matmul_vjp_b)),
]

OPERATORS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "@": "matmul"}
