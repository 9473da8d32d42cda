"""Rows of the elementwise functions of one argument, and of their derivatives g'(x), g''(x).

A row gives f on one float (`scalar`, math.*), on a float array (`array`, numpy), its derivative
`d` as a formula of rows (so it runs on floats, arrays and dual numbers alike), its sympy
meaning, f on mpmath reals (`precise`) and, when the meaning is a sympy function of its own, the
rule that evaluates it on Arb balls (`ball`: the Arb function and its domain, from numeval's kit). The VJP, the scalar fast path, the second-order rule and the rows of g' and g'' all
follow from these; adding a function is one `_unary(...)` line.
"""

from __future__ import annotations

import math

from derivcheck.ops.base import Op, call, each, np, vectorize
from derivcheck.ops.dual import derivative

SQRT2 = math.sqrt(2)
SQRT_2PI = math.sqrt(2 * math.pi)
TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _same_shape(shapes, params):
    return shapes[0]


def _unary(name, scalar, array, d, meaning, rule, doc, *, precise, ball=None, latex=None, domain=(-3.0, 3.0),
           kink=None, bounded=False) -> Op:
    def forward(p, a):
        return each(lambda v: call(name, v), a) if a.dtype == object else array(a)

    def vjp(g, out, p, a):
        return g * d(a)

    return Op(name, 1, _same_shape, forward, lambda g, out, p, a: (vjp(g, out, p, a),),
              lambda sp, p, a: vectorize(meaning(sp))(a), rule, vjp_args=(vjp,),
              floats=(scalar, lambda g, out, a: (g * d(a),)), kink=kink, text=name,
              latex=latex or rf"\operatorname{{{name}}}", doc=doc, domain=domain, scalar=scalar, d=d, meaning=meaning,
              bounded=bounded, precise=precise, ball=ball)


def _vectorized(fn):
    """A math.* function on every entry of a float array (numpy has no erf)."""
    return lambda a: np.asarray(np.frompyfunc(fn, 1, 1)(a), dtype=float)


def _sigmoid(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def _float_sigmoid(a: float) -> float:
    e = math.exp(-abs(a))
    return 1 / (1 + e) if a >= 0 else e / (1 + e)


def _float_softplus(a: float) -> float:
    tail = math.log1p(math.exp(-abs(a)))
    return a + tail if a > 0 else tail


def _sig_d(a):
    s = call("sigmoid", a)
    return s * (1 - s)


def _step(a):
    return (a > 0) * 1.0


def _sign(a):
    return (a > 0) * 1.0 - (a < 0) * 1.0


def _gauss(a):
    """The standard normal density φ(a)."""
    return call("exp", -(a * a) / 2) / SQRT_2PI


def _erf_d(a):
    return TWO_OVER_SQRT_PI * call("exp", -(a * a))


def _gelu_float(a: float) -> float:
    return 0.5 * a * math.erfc(-a / SQRT2)


def _sym_gelu(sp):
    return lambda v: v * (1 + sp.erf(v / sp.sqrt(2))) / 2


UNARY = [
    _unary("exp", math.exp, lambda a: np.exp(a), lambda a: call("exp", a), lambda sp: sp.exp, "ā += ḡ·exp(a)",
           "e to the power a", latex=r"\exp",
           precise=lambda mp: mp.exp, ball=lambda k: k.growing(k.arb.exp)),
    _unary("log", math.log, lambda a: np.log(a), lambda a: 1 / a, lambda sp: sp.log, "ā += ḡ / a", "natural logarithm",
           latex=r"\log", domain=(0.2, 4.0),
           precise=lambda mp: mp.log, ball=lambda k: k.positive(k.arb.log)),
    _unary("sqrt", math.sqrt, lambda a: np.sqrt(a), lambda a: 0.5 / call("sqrt", a), lambda sp: sp.sqrt, "ā += ḡ / (2√a)",
           "square root", latex=r"\sqrt", domain=(0.2, 4.0),
           precise=lambda mp: mp.sqrt),
    _unary("sin", math.sin, lambda a: np.sin(a), lambda a: call("cos", a), lambda sp: sp.sin, "ā += ḡ·cos(a)", "sine",
           latex=r"\sin", bounded=True,
           precise=lambda mp: mp.sin, ball=lambda k: k.total(k.arb.sin)),
    _unary("cos", math.cos, lambda a: np.cos(a), lambda a: -call("sin", a), lambda sp: sp.cos, "ā += −ḡ·sin(a)", "cosine",
           latex=r"\cos", bounded=True,
           precise=lambda mp: mp.cos, ball=lambda k: k.total(k.arb.cos)),
    _unary("tan", math.tan, lambda a: np.tan(a), lambda a: 1 + call("tan", a) * call("tan", a), lambda sp: sp.tan,
           "ā += ḡ·(1 + tan²a)", "tangent", latex=r"\tan", domain=(-1.2, 1.2),
           precise=lambda mp: mp.tan, ball=lambda k: k.total(k.arb.tan)),
    _unary("tanh", math.tanh, lambda a: np.tanh(a), lambda a: 1 - call("tanh", a) * call("tanh", a), lambda sp: sp.tanh,
           "ā += ḡ·(1 − tanh²a)", "hyperbolic tangent", latex=r"\tanh", bounded=True,
           precise=lambda mp: mp.tanh, ball=lambda k: k.total(k.arb.tanh)),
    _unary("sigmoid", _float_sigmoid, _sigmoid, _sig_d, lambda sp: (lambda v: 1 / (1 + sp.exp(-v))),
           "ā += ḡ·σ(a)(1 − σ(a))", "logistic sigmoid 1/(1 + exp(−a))", latex=r"\sigma", bounded=True,
           precise=lambda mp: lambda v: 1 / (1 + mp.exp(-v))),
    # NOTE: relu'(0) is taken as 0 (as in micrograd); sample points are kept off the kink.
    _unary("relu", lambda a: a if a > 0 else 0 * a, lambda a: np.where(a > 0, a, 0 * a), _step,
           lambda sp: (lambda v: sp.Max(0, v)), "ā += ḡ·[a > 0]", "max(a, 0)", kink=lambda a: a,
           precise=lambda mp: lambda v: v if v > 0 else mp.mpf(0)),
    _unary("softplus", _float_softplus,
           lambda a: np.where(a > 0, a + np.log1p(np.exp(-np.abs(a))), np.log1p(np.exp(-np.abs(a)))),
           lambda a: call("sigmoid", a), lambda sp: (lambda v: sp.log(1 + sp.exp(v))), "ā += ḡ·σ(a)",
           "log(1 + exp(a))",
           precise=lambda mp: lambda v: mp.log1p(mp.exp(v))),
    # NOTE: abs'(0) is taken as 0; sample points are kept off the kink.
    _unary("abs", abs, lambda a: np.abs(a), _sign, lambda sp: sp.Abs, "ā += ḡ·sign(a)", "absolute value |a|",
           kink=lambda a: a,
           precise=lambda mp: abs, ball=lambda k: k.total(abs)),
    _unary("log1p", math.log1p, lambda a: np.log1p(a), lambda a: 1 / (1 + a), lambda sp: (lambda v: sp.log(1 + v)),
           "ā += ḡ / (1 + a)", "log(1 + a)", domain=(-0.8, 4.0),
           precise=lambda mp: mp.log1p),
    _unary("expm1", math.expm1, lambda a: np.expm1(a), lambda a: call("exp", a), lambda sp: (lambda v: sp.exp(v) - 1),
           "ā += ḡ·exp(a)", "exp(a) − 1",
           precise=lambda mp: mp.expm1),
    _unary("sinh", math.sinh, lambda a: np.sinh(a), lambda a: call("cosh", a), lambda sp: sp.sinh, "ā += ḡ·cosh(a)",
           "hyperbolic sine", latex=r"\sinh",
           precise=lambda mp: mp.sinh, ball=lambda k: k.growing(k.arb.sinh)),
    _unary("cosh", math.cosh, lambda a: np.cosh(a), lambda a: call("sinh", a), lambda sp: sp.cosh, "ā += ḡ·sinh(a)",
           "hyperbolic cosine", latex=r"\cosh",
           precise=lambda mp: mp.cosh, ball=lambda k: k.growing(k.arb.cosh)),
    _unary("asin", math.asin, lambda a: np.arcsin(a), lambda a: 1 / call("sqrt", 1 - a * a), lambda sp: sp.asin,
           "ā += ḡ / √(1 − a²)", "inverse sine", latex=r"\arcsin", domain=(-0.9, 0.9),
           precise=lambda mp: mp.asin, ball=lambda k: k.open_unit(k.arb.asin)),
    _unary("acos", math.acos, lambda a: np.arccos(a), lambda a: -1 / call("sqrt", 1 - a * a), lambda sp: sp.acos,
           "ā −= ḡ / √(1 − a²)", "inverse cosine", latex=r"\arccos", domain=(-0.9, 0.9),
           precise=lambda mp: mp.acos, ball=lambda k: k.open_unit(k.arb.acos)),
    _unary("atan", math.atan, lambda a: np.arctan(a), lambda a: 1 / (1 + a * a), lambda sp: sp.atan, "ā += ḡ / (1 + a²)",
           "inverse tangent", latex=r"\arctan",
           precise=lambda mp: mp.atan, ball=lambda k: k.total(k.arb.atan)),
    _unary("asinh", math.asinh, lambda a: np.arcsinh(a), lambda a: 1 / call("sqrt", a * a + 1), lambda sp: sp.asinh,
           "ā += ḡ / √(a² + 1)", "inverse hyperbolic sine",
           precise=lambda mp: mp.asinh, ball=lambda k: k.total(k.arb.asinh)),
    _unary("acosh", math.acosh, lambda a: np.arccosh(a), lambda a: 1 / call("sqrt", a * a - 1), lambda sp: sp.acosh,
           "ā += ḡ / √(a² − 1)", "inverse hyperbolic cosine", domain=(1.2, 4.0),
           precise=lambda mp: mp.acosh, ball=lambda k: k.above_one(k.arb.acosh)),
    _unary("atanh", math.atanh, lambda a: np.arctanh(a), lambda a: 1 / (1 - a * a), lambda sp: sp.atanh,
           "ā += ḡ / (1 − a²)", "inverse hyperbolic tangent", domain=(-0.9, 0.9),
           precise=lambda mp: mp.atanh, ball=lambda k: k.open_unit(k.arb.atanh)),
    _unary("erf", math.erf, _vectorized(math.erf), _erf_d, lambda sp: sp.erf, "ā += ḡ·2/√π·exp(−a²)",
           "error function", latex=r"\operatorname{erf}", bounded=True,
           precise=lambda mp: mp.erf, ball=lambda k: k.total(k.arb.erf)),
    _unary("erfc", math.erfc, _vectorized(math.erfc), lambda a: -_erf_d(a), lambda sp: sp.erfc,
           "ā −= ḡ·2/√π·exp(−a²)", "complementary error function 1 − erf(a)",
           precise=lambda mp: mp.erfc, ball=lambda k: k.total(k.arb.erfc)),
    _unary("gelu", _gelu_float, _vectorized(_gelu_float),
           lambda a: (1 + call("erf", a / SQRT2)) / 2 + a * _gauss(a), _sym_gelu,
           "ā += ḡ·(Φ(a) + a·φ(a))", "a·Φ(a), Φ the standard normal CDF (exact, via erf)",
           precise=lambda mp: lambda v: v * (1 + mp.erf(v / mp.sqrt(2))) / 2),
    _unary("silu", lambda a: a * _float_sigmoid(a), lambda a: a * _sigmoid(a),
           lambda a: call("sigmoid", a) + a * _sig_d(a), lambda sp: (lambda v: v / (1 + sp.exp(-v))),
           "ā += ḡ·(σ(a) + a·σ(a)(1 − σ(a)))", "a·sigmoid(a)",
           precise=lambda mp: lambda v: v / (1 + mp.exp(-v))),
]


def derivative_row(base: Op, order: int) -> Op:
    """The row of g' (order 1) or g'' (order 2), made from g's row: forward and VJP by nested
    dual numbers over g's derivative formula, meaning by sympy.diff of g's meaning, and the
    high-precision function by mpmath's own differentiation of g's."""
    name = base.name + "'" * order

    def nth(k, a):
        return call(base.name, a) if k == 0 else derivative(base.d, k - 1, a)

    def forward(p, a):
        return nth(order, a)

    def vjp(g, out, p, a):
        return g * nth(order + 1, a)

    def meaning(sp):
        t = sp.Dummy("t", real=True)
        expr = sp.diff(base.meaning(sp)(t), t, order)
        return lambda v: expr.xreplace({t: v})

    def scalar(a: float) -> float:
        return float(nth(order, a))

    return Op(name, 1, _same_shape, forward, lambda g, out, p, a: (vjp(g, out, p, a),),
              lambda sp, p, a: vectorize(meaning(sp))(a), f"ā += ḡ·{base.name}{chr(39) * (order + 1)}(a)",
              vjp_args=(vjp,), floats=(scalar, lambda g, out, a: (g * float(nth(order + 1, a)),)), kink=base.kink,
              latex=None, doc=f"derivative of order {order} of {base.name}", domain=base.domain, scalar=scalar,
              d=lambda a: nth(order + 1, a), meaning=meaning,
              precise=lambda mp: (lambda v: mp.diff(base.precise(mp), v, order)))


DERIVATIVES = [derivative_row(row, k) for row in UNARY for k in (1, 2)]
