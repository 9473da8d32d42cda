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


class ExprError(Exception):
    """A problem inside an expression string, at a 0-based character offset."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.message = message
        self.offset = offset
