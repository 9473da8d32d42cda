r"""A problem block and the statements after it: the claims they make, or why they make none.

The block is a problem of SPEC §1 plus `indices:` and `approx:`. Each statement `A = B = C`
whose first single-derivative member is the subject gives one claim per other member; the
claims are appended to the block's problem, which then goes through the one core path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from derivcheck.lang.errors import ExprError, LocatedError
from derivcheck.lang.problem import ClaimSpec, Problem, Text
from derivcheck.sheet import recognise
from derivcheck.sheet.lower import Member, primed_indices, primed_symbols, unprimed
from derivcheck.sheet.recognise import Unreadable
from derivcheck.sheet.resolved import Resolved
from derivcheck.sheet.result import NOT_DERIVATIVE
from derivcheck.sheet.symbols import normal, target

SHEET_KEYS = ("indices", "approx", "fails")
NO_BLOCK = "no problem block"


@dataclass(frozen=True)
class Found:
    """One claim a statement makes (or the statement itself, when it makes none)."""

    line: int
    text: str
    member: str = ""
    reason: str = ""  # why it is not checked
    block: int = -1
    claim: int = -1  # index in the block's problem claims
    at: int = -1  # sheet offset after the math it is in (for --annotate)
    internal: bool = False  # reading it hit a bug of derivcheck's (exit 3), not a problem of the sheet


@dataclass
class Scope:
    number: int
    problem: Problem
    shapes: dict
    graph: object
    approx: frozenset = frozenset()  # equation labels / line numbers whose claims are approximations
    fails: frozenset = frozenset()  # … whose claims are deliberate mistakes (expect: fails)
    symbols: dict = field(default_factory=dict)  # normal form → Target
    aliases: dict = field(default_factory=dict)  # a sheet name (T) → Resolved
    helpers: dict = field(default_factory=dict)  # expression → node name
    claims: list = field(default_factory=list)
    graph_output: str | None = None  # the problem's output before the sheet added nodes

    @property
    def functions(self) -> frozenset:
        return frozenset(self.problem.functions)

    @property
    def letters(self) -> frozenset:
        """Single letters that can be indices: those that name nothing in the problem."""
        return frozenset(c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         if c not in self.shapes and c not in self.functions)

    def helper(self, expression: str) -> str:
        """A node for an expression differentiated by the sheet (`tr(BA)`); its name."""
        if expression in self.helpers:
            return self.helpers[expression]
        from derivcheck.lang.build import parse_at
        from derivcheck.lang.ir import lower_into

        name = f"sheet_expr{len(self.helpers) + 1}"
        while name in self.shapes:
            name += "_"
        try:
            eqns = lower_into(self.graph.scratch(), name, parse_at(Text(expression, 1, 1)), known=self.shapes)
        except (ExprError, LocatedError) as exc:
            raise Unreadable(f"cannot differentiate `{expression}`: {exc.message}") from None
        self.shapes[name] = eqns[-1].shape
        self.helpers[expression] = name
        return name

    def add_claim(self, r: Resolved, body: str, approx: bool, fails: bool, line: int, member: str) -> int:
        letters = r.index(self.shapes)
        diagonal = bool(letters) and r.diagonal(self.shapes) and not r.entry
        wrt = (r.wrt[0], r.wrt[0]) if diagonal else r.wrt
        spec = ClaimSpec(index=len(self.problem.claims) + len(self.claims), name=f"line {line}: {' '.join(member.split())}",
                         of=Text(r.of.name, line, 1), wrt=tuple(Text(w.name, line, 1) for w in wrt),
                         kind="entries" if letters else "is", body=Text(body, line, 1),
                         entry_index=tuple(Text(k, line, 1) for k in letters), diagonal=diagonal,
                         approx=approx, expect_fails=fails, line=line, col=1)
        self.claims.append(spec)
        return spec.index

    def final(self) -> Problem:
        """The block's problem with the sheet's claims (and nodes for differentiated expressions)."""
        line = self.problem.claims[0].line if self.problem.claims else 1
        nodes = tuple((name, Text(expr, line, 1)) for expr, name in self.helpers.items())
        output = self.problem.output
        if output is None and self.graph_output is not None:
            output = Text(self.graph_output, line, 1)
        return replace(self.problem, nodes=self.problem.nodes + nodes, claims=self.problem.claims + tuple(self.claims),
                       output=output)


def load_block(text: str, path: str, line: int, number: int) -> Scope:
    """A block's YAML → its Scope; a LocatedError (sheet line and column) when it is not a problem."""
    from derivcheck.lang import yamlsafe
    from derivcheck.lang.build import build
    from derivcheck.lang.problem import TOP_KEYS, _Reader, expect_map, keyed

    try:
        root = expect_map(yamlsafe.load(_quote_symbols(text)), "a derivcheck block")
    except yamlsafe.YamlError as exc:
        raise LocatedError(exc.message, exc.line, exc.col) from None
    sheet = {k.text: v for k, v in root.items if k.text in SHEET_KEYS}
    aliases = [(k, v) for k, v in root.items if _is_alias(k.text, v, TOP_KEYS + SHEET_KEYS)]
    rest = yamlsafe.Map(tuple((k, v) for k, v in root.items if k.text not in SHEET_KEYS and (k, v) not in aliases),
                        root.line, root.col)
    top = keyed(rest, TOP_KEYS + SHEET_KEYS, "a derivcheck block")
    problem = _Reader(path, top).problem()
    if "id" not in top:
        problem = replace(problem, id=f"{problem.id}-line{line}")
    model = build(problem)
    shapes = {n: s for n, s in model.graph.shapes.items() if "#" not in n}
    scope = Scope(number, problem, shapes, model.graph, graph_output=model.output)
    if "indices" in sheet:
        for key, value in expect_map(sheet["indices"], "indices").items:
            if not isinstance(value, yamlsafe.Scalar):
                raise LocatedError("an index value is a name or an entry such as \"W2[j, i]\"", value.line, value.col)
            try:
                scope.symbols[normal(key.text)] = target(value.text, shapes)
            except ValueError as exc:
                raise LocatedError(f"indices: {exc}", value.line, value.col) from None
    for key, value in aliases:  # `L_n: L` at the top of the block, as `indices: {L_n: L}`
        try:
            scope.symbols[normal(key.text)] = target(value.text, shapes)
        except ValueError as exc:
            raise LocatedError(f"{key.text}: {exc}", value.line, value.col) from None
    for key in ("approx", "fails"):
        if key in sheet:
            setattr(scope, key, _labels(sheet[key], key))
    return scope


def _is_alias(key: str, value, known) -> bool:
    """A top-level `L_n: L`: a subscripted symbol (never a misspelt key) naming a problem name."""
    import difflib

    from derivcheck.lang import yamlsafe

    return (key not in known and "_" in key and isinstance(value, yamlsafe.Scalar)
            and re.fullmatch(r"[A-Za-z]+_\{?[A-Za-z0-9]+\}?", key) is not None
            and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", value.text) is not None
            and not difflib.get_close_matches(key, known, n=1, cutoff=0.6))


_FLOW_INDICES = re.compile(r"^(\s*indices\s*:\s*)\{(.*)\}(\s*(?:#.*)?)$", re.M)


def _quote_symbols(text: str) -> str:
    """`indices: {w_{ji}: "W2[j, i]"}` as the issue writes it: a key with braces is not YAML
    flow syntax, so each unquoted key of a one-line `indices:` map is quoted (same columns)."""

    def fix(m):
        parts, depth, start, inner = [], 0, 0, m.group(2)
        quote = None
        for i, c in enumerate(inner):
            if quote:
                quote = None if c == quote else quote
            elif c in "\"'":
                quote = c
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            elif c == "," and depth == 0:
                parts.append(inner[start:i])
                start = i + 1
        parts.append(inner[start:])
        out = []
        for part in parts:
            key, sep, value = part.partition(": ")
            stripped = key.strip()
            if sep and "{" in stripped and not stripped.startswith(("'", '"')):
                key = key.replace(stripped, "'" + stripped.replace("'", "''") + "'")
            out.append(key + sep + value)
        return f"{m.group(1)}{{{','.join(out)}}}{m.group(3)}"

    if isinstance(text, bytes):  # a --problem file: yamlsafe reports bad bytes with their place
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return text
    return _FLOW_INDICES.sub(fix, text)


def _labels(node, key: str) -> frozenset:
    from derivcheck.lang import yamlsafe

    items = node.items if isinstance(node, yamlsafe.Seq) else (node,)
    labels = []
    for item in items:
        if not isinstance(item, yamlsafe.Scalar):
            raise LocatedError(f"{key} lists equation labels such as 10 or (10), or line numbers", item.line, item.col)
        labels.append(re.sub(r"[()\s]", "", item.text))
    return frozenset(labels)


def listed(items: frozenset, label: str, line: int, labels: set) -> bool:
    """`approx:`/`fails:` items are equation labels; an item that labels nothing in the sheet is a line number."""
    return bool(label and label in items) or (str(line) in items and str(line) not in labels)


_ALIAS_ENTRY = re.compile(r"([A-Za-z])\s*_\s*(\{[^{}]*\}|[A-Za-z])")


def _subject(text: str, scope: Scope) -> Resolved | None:
    """The derivative a member is, if it is exactly one (`T_{i,j,k}` for a named derivative too)."""
    text = text.strip()
    found = recognise.find(text)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(text):
        return Member(scope, text).derivative(found[0])
    m = _ALIAS_ENTRY.fullmatch(text)
    if m and m.group(1) in scope.aliases:
        r = scope.aliases[m.group(1)]
        return Resolved(r.of, r.wrt, recognise.split_indices(m.group(2)))
    return None


def _has_derivative(text: str, scope: Scope | None) -> bool:
    if scope is not None and _ALIAS_ENTRY.fullmatch(text.strip()) and text.strip()[0] in scope.aliases:
        return True
    try:
        found = recognise.find(text)
    except Unreadable:
        return True
    functions = scope.functions if scope else frozenset()
    return any(not (d.prime and (scope is None or d.of in functions)) for d in found)


def lower_statement(st, scope: Scope | None, line: int, labels: set) -> list:
    """The Found entries of one statement; claims are added to the scope."""
    members = st.members
    derivative = any(_has_derivative(m.text, scope) for m in members)
    if not derivative:
        return [Found(line, st.text, reason=NOT_DERIVATIVE)]
    if scope is None:
        return [Found(line, st.text, m.text, NO_BLOCK) for m in members[1:]] or [Found(line, st.text, reason=NO_BLOCK)]
    try:
        primes = primed_indices([m.text for m in members], scope.letters)
    except Unreadable as exc:
        return [Found(line, st.text, m.text, str(exc)) for m in members[1:]]
    texts = [unprimed(m.text, primes) for m in members]
    if primes:  # this statement reads k' as a fresh letter; the block's other statements do not
        scope = replace(scope, symbols={**scope.symbols, **primed_symbols(scope.symbols, primes)})
    subject, at, why = None, -1, ""
    for k, m in enumerate(members):
        try:
            subject = _subject(texts[k], scope)
        except Unreadable as exc:
            why = why or str(exc)
            continue
        if subject is not None:
            at = k
            break
    if subject is None:
        reason = why or "no member is a single derivative to compare the others with"
        return [Found(line, st.text, m.text, reason) for m in members[1:]] or [Found(line, st.text, reason=reason)]
    if len(members) == 1:
        return [Found(line, st.text, reason="nothing is claimed about this derivative (no `=`)")]
    try:
        letters = subject.index(scope.shapes)
        if len(set(letters)) != len(letters):
            raise Unreadable(f"a repeated index in {subject.text()} takes only part of the derivative; not checked")
        free = subject.ranges(scope.shapes)
    except Unreadable as exc:
        return [Found(line, st.text, m.text, str(exc)) for k, m in enumerate(members) if k != at]
    out = []
    for k, m in enumerate(members):
        if k == at:
            continue
        name = m.text.strip()
        if re.fullmatch(r"[A-Za-z]", name) and name not in scope.shapes and normal(name) not in scope.symbols:
            scope.aliases[name] = subject
            out.append(Found(line, st.text, m.text, f"names the derivative {subject.text()} `{name}`"))
            continue
        try:
            body = Member(scope, texts[k]).expression(free)
        except Unreadable as exc:
            out.append(Found(line, st.text, m.text, str(exc)))
            continue
        approx = m.approx or listed(scope.approx, st.label, line, labels)
        fails = listed(scope.fails, st.label, line, labels)
        out.append(Found(line, st.text, m.text, block=scope.number,
                         claim=scope.add_claim(subject, body, approx, fails, line, m.text)))
    return out

