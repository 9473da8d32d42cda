"""A derivative in the problem's names: what it is, its value as an expression, its indices.

`∂L/∂w_{ji}` with `w_{ji}` = W2[j, i] is `grad(L, W2)[j, i]`; `∂²L/∂a_j²` with a_j = a2[j] is
`hessdiag(L, a2)[j]`; `(∂L/∂W)_{j,k}` is `grad(L, W)[j, k]`. As the subject of a chain its
index letters are the `entries` claim's indices.
"""

from __future__ import annotations

from dataclasses import dataclass

from derivcheck.sheet.recognise import Unreadable
from derivcheck.sheet.symbols import Target


@dataclass(frozen=True)
class Resolved:
    """A derivative in the problem's names: of / wrt targets, and an entry `(…)_{j,k}` if any."""

    of: Target
    wrt: tuple
    entry: tuple = ()

    def shape(self, shapes: dict) -> tuple:
        return shapes[self.of.name] + sum((shapes[w.name] for w in self.wrt), ())

    def diagonal(self, shapes: dict) -> bool:
        return len(self.wrt) == 2 and self.wrt[0] == self.wrt[1] and shapes[self.of.name] == () \
            and bool(self.wrt[0].indices)

    def whole(self) -> str:
        args = ", ".join([self.of.name] + [w.name for w in self.wrt])
        return f"grad({args})" if len(self.wrt) == 1 else f"hess({args})"

    def parts(self, shapes: dict) -> list:
        """The tensor targets; each must be indexed, or none of them."""
        tensors = [t for t in (self.of, *self.wrt) if shapes[t.name] != ()]
        indexed = [t for t in tensors if t.indices]
        if indexed and len(indexed) != len(tensors):
            raise Unreadable(f"{self.text()} indexes some of its tensors but not all")
        return indexed

    def index(self, shapes: dict) -> tuple:
        """Index letters of the derivative's entries (empty: the whole tensor)."""
        if self.entry:
            if len(self.entry) != len(self.shape(shapes)):
                raise Unreadable(f"{self.text()} has {len(self.shape(shapes))} indices, the sheet gives "
                                 f"{len(self.entry)} ({', '.join(self.entry)})")
            return self.entry
        if not self.parts(shapes):
            return ()
        if self.diagonal(shapes):
            return self.wrt[0].indices
        return sum((t.indices for t in (self.of, *self.wrt)), ())

    def value(self, shapes: dict) -> tuple[str, tuple]:
        """Expression text and shape of the derivative's value."""
        letters = self.index(shapes)
        if not letters:
            return self.whole(), self.shape(shapes)
        if self.diagonal(shapes) and not self.entry:
            return f"hessdiag({self.of.name}, {self.wrt[0].name})[{', '.join(letters)}]", ()
        return f"{self.whole()}[{', '.join(letters)}]", ()

    def ranges(self, shapes: dict) -> dict:
        letters = self.index(shapes)
        shape = shapes[self.wrt[0].name] if self.diagonal(shapes) and not self.entry else self.shape(shapes)
        return dict(zip(letters, shape))

    def text(self) -> str:
        top = "∂" if len(self.wrt) == 1 else "∂²"
        return f"{top}{self.of.text()}/" + "".join(f"∂{w.text()}" for w in self.wrt)
