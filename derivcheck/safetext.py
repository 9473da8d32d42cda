"""Text from a problem file made safe and short for output.

A title, a claim's name or a file name is the file author's text: printed raw, an escape
sequence could clear the screen and a newline could start a line that looks like
derivcheck's own ("PASS …"). `escape` writes control characters visibly; `bounded` keeps
a long value to a readable length, cut between terms and saying how long it was.
"""

from __future__ import annotations

import re

LONG = 400
_BOUNDARIES = ("], [", ", ", " + ", " - ", " − ", "; ")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def bounded(text: str, limit: int = LONG) -> str:
    """At most about `limit` characters, cut between terms (never inside one), saying how long it was."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(b) for b in _BOUNDARIES)
    if cut > limit // 2:
        head = head[:cut]
    return f"{head} … ({len(text)} characters; --expand for all)"


def _visible(match) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte of a file name (surrogateescape): the byte itself
        return f"\\x{code - 0xDC00:02x}"
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape(text: str) -> str:
    """Control characters (and bidirectional overrides) written as \\x1b, \\n, \\u202e."""
    return _CONTROL.sub(_visible, str(text))


def one_line(text) -> str:
    """Escaped, with every run of whitespace (line breaks included) one space: text that stays on its line."""
    return escape(" ".join(str(text).split()))


def unicode_safe(text: str) -> str:
    """Lone surrogates (undecodable file-name bytes) written as \\xNN, so the text encodes as UTF-8."""
    return _SURROGATE.sub(_visible, text)


def number_text(value) -> str:
    """10 significant digits, and never "-0" (a negative zero is a rounding artefact, not a sign)."""
    text = f"{float(value):.10g}"
    return "0" if text == "-0" else text
