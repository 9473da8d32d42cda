"""Sympy values as short text, the way a solution sheet writes them."""

from __future__ import annotations

import numpy as np
import sympy as sp


def show_expr(expr) -> str:
    return sp.sstr(sp.sympify(expr), order="grlex")


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


def number(x) -> str:
    f = float(x)
    return f"{f:.10g}"
