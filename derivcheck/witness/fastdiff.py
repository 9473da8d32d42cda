"""An optional faster symbolic backend: derivatives taken by symengine (the `fast` extra).

`symbolic.jacobian` calls `jacobian` here when symengine imports: each expression is
converted to symengine, differentiated there, and converted back to sympy, so sympy
stays the language of everything else (substitution, proofs, printing). Only
expressions made of what both libraries differentiate alike are sent (sums, products,
powers, rationals, exp, log, sin, cos, tan, tanh, pi); anything else (Abs, Max,
declared functions, Derivative/Subs objects, floats) is left to sympy.diff, entry by
entry. Symbols keep their identity (and so their `real`/`positive` assumptions): the
result is mapped back onto the caller's own symbols.

DERIVCHECK_SYMBOLIC=sympy turns the backend off, =symengine asks for it (sympy is used
when symengine is not installed); unset means symengine when it imports. Never imports
the engine.
"""

from __future__ import annotations

import os

import numpy as np
import sympy as sp

VARIABLE = "DERIVCHECK_SYMBOLIC"
_FUNCTIONS = (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.tanh)
_missing = object()
_module = _missing


def symengine():
    """The symengine module, or None when it is not installed."""
    global _module
    if _module is _missing:
        try:
            import symengine as module
        except ImportError:
            module = None
        _module = module
    return _module


def backend() -> str:
    """'symengine' or 'sympy': what `jacobian` will use now (reads DERIVCHECK_SYMBOLIC each time)."""
    choice = os.environ.get(VARIABLE, "").strip().lower()
    if choice == "sympy" or symengine() is None:
        return "sympy"
    return "symengine"


def supported(expr) -> bool:
    """Whether symengine differentiates expr exactly as sympy would (up to sympy's own normal form)."""
    for node in sp.preorder_traversal(expr):
        if node.is_Symbol or node.is_Add or node.is_Mul or node.is_Pow:
            continue
        if node.is_Rational or node is sp.pi or node is sp.E:
            continue
        if isinstance(node, _FUNCTIONS) and len(node.args) == 1:
            continue
        return False
    return True


def derivatives(expr, symbols: list) -> list:
    """[∂expr/∂s for s in symbols] as sympy expressions, taken by symengine where it can."""
    se = symengine()
    expr = sp.sympify(expr)
    free = expr.free_symbols
    names = {s.name for s in free}
    if se is None or len(names) != len(free) or not supported(expr):
        return [sp.diff(expr, s) for s in symbols]
    converted = se.sympify(expr)
    back = {sp.Symbol(s.name): s for s in free}  # symengine's symbols come back without assumptions
    out = []
    for s in symbols:
        if s not in free:
            out.append(sp.Integer(0))
            continue
        d = sp.sympify(converted.diff(se.Symbol(s.name)))
        out.append(d.xreplace(back))
    return out


def jacobian(expr: np.ndarray, symbols: np.ndarray) -> np.ndarray:
    """Every entry of expr by every entry of symbols: shape E + V (symbolic.jacobian's contract)."""
    out = np.empty(expr.shape + symbols.shape, dtype=object)
    flat = list(symbols.flat)
    for i in np.ndindex(*expr.shape):
        for j, d in zip(np.ndindex(*symbols.shape), derivatives(expr[i], flat)):
            out[i + j] = d
    return out
