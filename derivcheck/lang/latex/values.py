"""What the reader emits: expression text with its precedence and shape."""

from __future__ import annotations

from dataclasses import dataclass

from derivcheck.lang.latex.tokens import ATOM, SCALAR_FUNCTIONS
from derivcheck.ops import ELEMENTWISE


@dataclass(frozen=True)
class _E:
    """Emitted text, its precedence (for parentheses) and its shape: () a scalar, None a tensor of
    unknown shape. `ones` marks \\mathbf{1} (1, or 2 transposed) whose size its neighbour decides."""
    text: str
    prec: int
    shape: tuple | None
    frac: bool = False  # a quotient, parenthesised when a factor follows it (readability)
    ones: int = 0

    @property
    def scalar(self) -> bool:
        return self.shape == ()


def _paren(e: _E, needed: bool) -> str:
    return f"({e.text})" if needed else e.text


def _transposed(shape):
    if shape is None or shape == ():
        return shape
    if len(shape) == 1:
        return (1, shape[0])
    return (shape[1],) if shape[0] == 1 else (shape[1], shape[0])


def _call_shape(name: str, args: list):
    if name in SCALAR_FUNCTIONS or name == "logsumexp" and args and args[0].shape is not None and len(args[0].shape) == 1:
        return ()
    if name == "sum" and len(args) == 1:
        return ()
    if name in ELEMENTWISE or name.rstrip("'") in ELEMENTWISE or name in ("softmax", "inv"):
        return args[0].shape if args else None
    if name in ("max", "min") and len(args) == 2:
        return args[0].shape if args[1].scalar else args[1].shape if args[0].scalar else args[0].shape
    if name == "transpose" and args:
        return _transposed(args[0].shape)
    if name == "diag" and args and args[0].shape is not None:
        s = args[0].shape
        return (s[0], s[0]) if len(s) == 1 else (s[0],) if len(s) == 2 else None
    return None


def _call(name: str, *args: _E, text: str | None = None) -> _E:
    inner = text if text is not None else ", ".join(a.text for a in args)
    return _E(f"{name}({inner})", ATOM, _call_shape(name, list(args)))

