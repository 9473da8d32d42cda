"""Errors that point at a place in a problem file.

Every user-facing failure carries a line and a column so the CLI can print
`FILE:LINE:COL: error: message` and exit 2 without a traceback.
"""

from __future__ import annotations


class LocatedError(Exception):
    """A problem in user input at a 1-based line and column (0 when unknown)."""

    def __init__(self, message: str, line: int = 0, col: int = 0):
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col

    def at(self, line: int, col: int) -> "LocatedError":
        """The same error placed at a position, unless it already has one."""
        if self.line:
            return self
        return LocatedError(self.message, line, col)


def suggest(word: str, choices) -> str:
    """The hint an unknown-name error ends with: ` (did you mean 'x'?)` for the nearest choice, or nothing."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class ExprError(Exception):
    """A problem inside an expression string, at a 0-based character offset."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.message = message
        self.offset = offset
