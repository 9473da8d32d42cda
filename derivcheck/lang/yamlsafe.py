"""Hardened YAML reader: a problem file becomes a tree of positioned text nodes.

Why not ``yaml.safe_load``: it types scalars (``no`` -> False, ``010`` -> 8,
``1:30`` -> 90), merges duplicate keys silently, expands aliases (billion
laughs) and recurses on deep nesting.  Here we consume PyYAML's parser events
ourselves, keep every scalar as the text the user wrote, and refuse what a
problem file never needs (anchors, aliases, tags, several documents), always
with a 1-based line:col the command line can print.  Typing is left to the
``as_*`` readers, which are strict so that nothing is guessed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import yaml

_LOADER = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
MAX_BYTES = 1 << 20  # 1 MiB: far above any real problem file, bounds time and memory
MAX_DEPTH = 64       # nesting levels of lists/mappings; real files use fewer than 6
_MAX_DIGITS = 1000   # keeps int()/Fraction() cheap on hostile numbers


class YamlError(Exception):
    """A located problem in the YAML text. line and col are 1-based."""

    def __init__(self, message: str, line: int, col: int):
        super().__init__(message, line, col)  # full args: the error pickles across processes
        self.message, self.line, self.col = message, line, col

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Scalar:
    """A scalar as written, never typed; ``plain`` is False when quoted or a block scalar."""
    text: str; plain: bool; line: int; col: int  # noqa: E702


@dataclass(frozen=True)
class Seq:
    """A list; ``items`` is a tuple of nodes."""
    items: tuple; line: int; col: int  # noqa: E702


@dataclass(frozen=True)
class Map:
    """A mapping; ``items`` is a tuple of (Scalar key, node) pairs in file order."""
    items: tuple; line: int; col: int  # noqa: E702


Node = Scalar | Seq | Map

_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # YAML 1.1 line breaks, as PyYAML counts them
_NONPRINT = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, col) of text[index], counting characters, not bytes."""
    line, start = 1, 0
    for m in _BREAK.finditer(text, 0, index):
        line, start = line + 1, m.end()
    return line, index - start + 1


def _decode(data: bytes | str) -> str:
    """Strict UTF-8 text, BOM dropped; refuse NULs and control characters where they are."""
    too_large = YamlError(f"file is larger than 1 MiB ({MAX_BYTES} bytes); a problem file is much smaller", 1, 1)
    if isinstance(data, str):
        if len(data) > MAX_BYTES:
            raise too_large
        text = data
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if len(raw) > MAX_BYTES:
            raise too_large
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            good = raw[: e.start].decode("utf-8").removeprefix("\ufeff")
            raise YamlError(f"invalid UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8",
                            *_position(good, len(good))) from None
    else:
        raise YamlError(f"expected YAML text as bytes or str, got {type(data).__name__}", 1, 1)
    text = text.removeprefix("\ufeff")
    bad = _NONPRINT.search(text)
    if bad:
        ch = bad.group()
        what = "a NUL character" if ch == "\0" else f"non-printable character U+{ord(ch):04X}"
        raise YamlError(f"{what} is not allowed in a problem file", *_position(text, bad.start()))
    if isinstance(data, str) and len(text.encode("utf-8")) > MAX_BYTES:
        raise too_large
    return text


def load(data: bytes | str) -> Node:
    """Parse one problem file into nodes; any failure is a YamlError, nothing else."""
    try:
        text = _decode(data)
        events = yaml.parse(text, Loader=_LOADER)
        try:
            return _build(events, text)
        finally:
            events.close()
    except YamlError:
        raise
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        msg = e.problem or e.context or "invalid YAML"
        if e.context and e.context_mark and e.problem:
            msg += f" ({e.context} at line {e.context_mark.line + 1}, column {e.context_mark.column + 1})"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        lines = _BREAK.split(text) if mark else []
        if mark and mark.line < len(lines) and lines[mark.line][:mark.column + 1].lstrip(" ")[:1] == "\t":
            msg = "tabs cannot indent YAML; use spaces"
        raise YamlError(msg, line, col) from None
    except yaml.YAMLError as e:
        raise YamlError(f"invalid YAML: {e}", 1, 1) from None
    except RecursionError:
        raise YamlError("YAML nesting is too deep to read", 1, 1) from None
    except MemoryError:
        raise YamlError("out of memory while reading the YAML", 1, 1) from None
    except Exception as e:  # a reader must never crash on input
        raise YamlError(f"unreadable YAML ({type(e).__name__}: {e})", 1, 1) from None


def _at(ev, message: str) -> YamlError:
    return YamlError(message, ev.start_mark.line + 1, ev.start_mark.column + 1)


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


_CUT = re.compile(r"[ \t]+#[ \t]*(\*\*|[-+*/^@)])")
_FORMULA = re.compile(r"[-+*/^@()]")


def _check_cut(lines: list, ev, node: Scalar) -> None:
    """`is: 2*x # + 1`: YAML reads ' #' as a comment and silently keeps `2*x`. A comment that
    goes on like a formula (an operator right after '#', after a value that is a formula) is
    refused: the value was cut short."""
    if not _FORMULA.search(node.text):
        return
    end = ev.end_mark
    if end.line >= len(lines):
        return
    rest = lines[end.line][end.column:]
    m = _CUT.match(rest)
    if m:
        col = end.column + rest.index("#") + 1
        raise YamlError(f"'#' after {_show(node.text)} starts a YAML comment, so '{rest.strip()[:30]}' is not part of "
                        "the value; quote the whole value (\"...\") if the '#' belongs to it", end.line + 1, col)


def _build(events, text: str = "") -> Node:
    """Fold events into nodes with an explicit stack: no Python recursion, depth checked as we go."""
    lines = _BREAK.split(text)
    stack: list[list] = []  # frames: [cls, line, col, items, pending key or None, {key text: line}]
    root = None
    documents = 0
    for ev in events:
        if isinstance(ev, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _at(ev, "several YAML documents in one file (a second '---'); "
                              "a problem file is a single document")
            continue
        if isinstance(ev, yaml.AliasEvent) or (isinstance(ev, yaml.NodeEvent) and ev.anchor is not None):
            raise _at(ev, "anchors and aliases are not allowed (&name / *name); write the value out")
        if isinstance(ev, yaml.CollectionStartEvent):
            if ev.tag is not None:
                raise _at(ev, f"tags are not allowed ({_tag(ev.tag)}); write plain values")
            kind = "a list" if isinstance(ev, yaml.SequenceStartEvent) else "a mapping"
            if not stack and kind == "a list":
                raise _at(ev, "a problem file is a mapping of keys to values (like 'inputs: ...'), not a list")
            if stack and stack[-1][0] is Map and stack[-1][4] is None:
                raise _at(ev, f"a mapping key must be a name, not {kind}")
            if len(stack) >= MAX_DEPTH:
                raise _at(ev, f"nesting is deeper than {MAX_DEPTH} levels")
            cls = Seq if kind == "a list" else Map
            stack.append([cls, ev.start_mark.line + 1, ev.start_mark.column + 1, [], None, {}])
            continue
        if isinstance(ev, yaml.ScalarEvent):
            if ev.tag is not None:
                raise _at(ev, f"tags are not allowed ({_tag(ev.tag)}); write plain values")
            node = Scalar(ev.value, not ev.style, ev.start_mark.line + 1, ev.start_mark.column + 1)
            if node.plain and stack and (stack[-1][0] is Seq or stack[-1][4] is not None):
                _check_cut(lines, ev, node)
        elif isinstance(ev, yaml.CollectionEndEvent):
            cls, line, col, items, _, _ = stack.pop()
            node = cls(tuple(items), line, col)
        else:
            continue  # stream start/end, document end
        if not stack:
            if isinstance(node, Scalar) and not (node.plain and node.text == ""):
                raise YamlError("a problem file is a mapping of keys to values (like 'inputs: ...'), "
                                "not a single value", node.line, node.col)
            root = node
            continue
        frame = stack[-1]
        if frame[0] is Seq:
            frame[3].append(node)
        elif frame[4] is None:  # a key: scalars only (collections were refused at their start)
            first = frame[5].get(node.text)
            if first is not None:
                raise YamlError(f"duplicate key {_show(node.text)} (first at line {first})", node.line, node.col)
            frame[5][node.text] = node.line
            frame[4] = node
        else:
            frame[3].append((frame[4], node))
            frame[4] = None
    if root is None:
        raise YamlError("empty file: no YAML content (only whitespace or comments)", 1, 1)
    if isinstance(root, Scalar):
        raise YamlError("empty file: the YAML document has no content", 1, 1)
    return root


def _tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


# --- typed readers: strict, because YAML 1.1 typing guesses (010 is 8, 1:30 is 90, no is False)

_INT = re.compile(r"[+-]?[0-9]+\Z")
_NUM = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?\Z")
_LEADING_ZERO = re.compile(r"[+-]?0[0-9]")
_BOOL_WORDS = {"true", "false", "yes", "no", "on", "off", "y", "n"}


def _text_of(s, what: str, kind: str) -> str:
    if isinstance(s, Scalar):
        return s.text
    got = "a list" if isinstance(s, Seq) else "a mapping"
    raise YamlError(f"{what}: expected {kind}, got {got}", s.line, s.col)


def _refuse(s: Scalar, what: str, kind: str) -> YamlError:
    t, low = s.text, s.text.lower().lstrip("+-")
    if t == "":
        hint = "got nothing"
    elif low in ("nan", ".nan", "inf", ".inf", "infinity"):
        hint = f"got {_show(t)}, which is not a finite number"
    elif low.startswith(("0x", "0o", "0b")):
        hint = f"got {_show(t)}; hexadecimal, octal and binary are not allowed, write a decimal number"
    elif "_" in t and _NUM.match(t.replace("_", "")):
        hint = f"got {_show(t)}; underscores in numbers are not allowed"
    elif ":" in t and _NUM.match(t.replace(":", "")):
        hint = f"got {_show(t)}; base-60 numbers like 1:30 are not allowed"
    elif low in _BOOL_WORDS:
        hint = f"got {_show(t)}, which is a boolean word, not a number"
    elif _NUM.match(t):
        hint = f"got {_show(t)}; write a whole number in plain digits, like 8"
    else:
        hint = f"got {_show(t)}"
    return YamlError(f"{what}: expected {kind}, {hint}", s.line, s.col)


def _check_digits(s: Scalar, what: str) -> None:
    if _LEADING_ZERO.match(s.text):
        raise YamlError(f"{what}: {_show(s.text)}: leading zeros are ambiguous "
                        "(YAML 1.1 reads 010 as octal 8); write the number without them", s.line, s.col)
    if len(s.text) > _MAX_DIGITS:
        raise YamlError(f"{what}: number has more than {_MAX_DIGITS} characters", s.line, s.col)


def as_int(s: Scalar, what: str) -> int:
    """A decimal integer such as 8, -3 or +4; quoted or plain."""
    t = _text_of(s, what, "an integer")
    if not _INT.match(t):
        raise _refuse(s, what, "an integer")
    _check_digits(s, what)
    return int(t)


def as_number(s: Scalar, what: str) -> Fraction:
    """An exact decimal number (0.1 is 1/10, 1e-6, .5, -2.5E3); quoted or plain."""
    t = _text_of(s, what, "a number")
    m = _NUM.match(t)
    if not m:
        raise _refuse(s, what, "a number")
    _check_digits(s, what)
    if m.group(2) is not None and abs(int(m.group(2))) > _MAX_DIGITS:
        raise YamlError(f"{what}: exponent of {_show(t)} is out of range", s.line, s.col)
    return Fraction(t)


def as_bool(s: Scalar, what: str) -> bool:
    """Only true or false (any case): yes/no/on/off/y/n are YAML 1.1 traps."""
    t = _text_of(s, what, "true or false")
    low = t.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in _BOOL_WORDS:
        raise YamlError(f"{what}: {_show(t)} is ambiguous in YAML; write true or false", s.line, s.col)
    raise YamlError(f"{what}: expected true or false, got {_show(t) if t else 'nothing'}; write true or false",
                    s.line, s.col)


def as_text(s: Scalar) -> str:
    """The raw text of a scalar."""
    return _text_of(s, "value", "text")
