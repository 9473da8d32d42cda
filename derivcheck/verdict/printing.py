"""Sympy values as short text, the way a solution sheet writes them (f'(x), not Derivative(...)).

No sympy internal name reaches a reader: Max, Min, Abs, Heaviside and sign print as the
expression language writes them (max, min, abs, relu', abs'), so what is shown can be pasted
back into a claim.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter


def _prime_form(derivative):
    """(f, order, argument) when `derivative` is d^n f(u)/du^n of a declared function, else None."""
    inner = derivative.expr
    if isinstance(inner, AppliedUndef) and len(inner.args) == 1:
        counts = derivative.variable_count
        if len(counts) == 1 and counts[0][0] == inner.args[0]:
            return inner.func.__name__, int(counts[0][1]), inner.args[0]
    return None


class SheetPrinter(StrPrinter):
    def _print_Derivative(self, expr):
        form = _prime_form(expr)
        if form is None:
            return super()._print_Derivative(expr)
        name, order, arg = form
        return f"{name}{chr(39) * order}({self._print(arg)})"

    def _print_Subs(self, expr):
        inner, variables, points = expr.args
        if isinstance(inner, sp.Derivative) and len(variables) == 1:
            form = _prime_form(inner)
            if form is not None and form[2] == variables[0]:
                return f"{form[0]}{chr(39) * form[1]}({self._print(points[0])})"
        return super()._print_Subs(expr)


    def _print_Max(self, expr):
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr):
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr):
        return f"relu'({self._print(expr.args[0])})"

    def _print_sign(self, expr):
        return f"abs'({self._print(expr.args[0])})"


_PRINTER = SheetPrinter({"order": "grlex"})


class SheetLatexPrinter(LatexPrinter):
    """sympy's LaTeX with the derivatives of kinks named as the LaTeX reader reads them back."""

    def _print_Heaviside(self, expr, exp=None):
        return self._power(f"\\operatorname{{relu}}'\\left({self._print(expr.args[0])}\\right)", exp)

    def _print_sign(self, expr, exp=None):
        return self._power(f"\\operatorname{{abs}}'\\left({self._print(expr.args[0])}\\right)", exp)

    def _power(self, text: str, exp) -> str:
        return text if exp is None else f"\\left({text}\\right)^{{{exp}}}"


def latex(expr, **settings) -> str:
    """sp.latex with SheetLatexPrinter."""
    return SheetLatexPrinter(settings).doprint(expr)


def show_expr(expr) -> str:
    return _PRINTER.doprint(sp.sympify(expr))


def show(array) -> str:
    array = np.asarray(array, dtype=object)
    if array.ndim == 0:
        return show_expr(array[()])
    if array.size > 400:
        return f"<{'×'.join(map(str, array.shape))} tensor>"
    return _nested(array)


def _nested(array: np.ndarray) -> str:
    if array.ndim == 1:
        return "[" + ", ".join(show_expr(e) for e in array) + "]"
    return "[" + ", ".join(_nested(row) for row in array) + "]"


