"""Check a sheet: read it, lower its statements, and run every block's problem in the pool.

Each block becomes one Problem (its own claims plus the sheet's), checked by runner.run_file in
a worker under the deadline, exactly as `check` checks a problem file; the claim results are
then put back on the sheet's lines.
"""

from __future__ import annotations

import os
import re
import traceback
from dataclasses import replace

from derivcheck.lang.errors import LocatedError
from derivcheck.sheet.result import SheetEntry, SheetResult

MAX_BYTES = 1 << 20
SUFFIXES = (".md", ".markdown", ".txt", ".tex")
# control characters and bidirectional overrides: text that could rewrite what the report shows
_UNSHOWN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def is_sheet(path: str) -> bool:
    return path.lower().endswith(SUFFIXES)


def decode(data: bytes) -> str:
    """Strict UTF-8, BOM dropped; NULs and other control characters are refused with their line."""
    if len(data) > MAX_BYTES:
        raise LocatedError(f"file is larger than 1 MiB ({MAX_BYTES} bytes)", 1, 1)
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise LocatedError(f"not UTF-8 text (byte {exc.start + 1})", line, 1) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for n, line in enumerate(text.split("\n"), 1):
        bad = _UNSHOWN.search(line)
        if bad is not None:
            raise LocatedError(f"control character U+{ord(bad.group()):04X} in the sheet", n, bad.start() + 1)
    return text


def lower_sheet(path: str, text: str, base=None) -> tuple:
    """(scopes, found): every block's Scope and every statement's Found entries, in sheet order.

    `base` is the Scope of a --problem file: the block for a sheet that has none.
    """
    from derivcheck.sheet.reader import Block, Lines, read
    from derivcheck.sheet.scope import Found, load_block, lower_statement
    from derivcheck.sheet.statements import statements

    lines = Lines(text)
    items = read(text, path.lower().endswith(".tex"))
    parsed = [item if isinstance(item, Block) else (item.end, statements(item.text, item.offset)) for item in items]
    labels = {st.label for group in parsed if isinstance(group, tuple) for st in group[1] if st.label}
    scopes, found = ([base] if base else []), []
    scope = base
    for group in parsed:
        if isinstance(group, Block):
            scope = load_block(group.yaml, path, group.line, len(scopes))
            scopes.append(scope)
            found.extend(Found(c.line, "(a claim of the block)", c.body.text, block=scope.number, claim=c.index)
                         for c in scope.problem.claims)
            continue
        end, group = group
        for st in group:
            line = lines.line(st.offset)
            try:
                made = lower_statement(st, scope, line, labels)
            except (RecursionError, MemoryError):
                made = [Found(line, st.text, reason="the statement is nested too deeply to read")]
            except Exception as exc:  # noqa: BLE001 - one statement's internal error must not hide the others
                where = traceback.extract_tb(exc.__traceback__)[-1]
                made = [Found(line, st.text, internal=True,
                              reason=f"internal error: {type(exc).__name__}: {exc} (at {where.filename.rsplit('/', 1)[-1]}:"
                                     f"{where.lineno}); please report it with the sheet")]
            found.extend(replace(f, at=end) for f in made)
    return scopes, found


def check_sheet(path: str, data: bytes, *, problem: tuple | None = None, seed=None, samples=None, timeout=None,
                jobs: int = 1, deadline: float = 90.0) -> SheetResult:
    """The sheet's result; a block that is not a problem makes the whole sheet an error (exit 2).

    `problem` is (path, bytes) of a --problem file, the block for a sheet without one.
    """
    from derivcheck.sheet.scope import load_block

    where = path
    try:
        base = None
        if problem is not None:
            where = problem[0]
            base = load_block(problem[1], problem[0], 1, 0)
            where = path
        text = decode(data)
        if not text.strip():
            raise LocatedError("the sheet is empty", 1, 1)
        scopes, found = lower_sheet(path, text, base)
    except LocatedError as exc:
        return SheetResult(path, error={"file": where, "line": exc.line, "column": exc.col, "message": exc.message})
    from derivcheck.pool import run_all

    keys = [f"{path}#block{s.number + 1}" for s in scopes if s.claims or s.problem.claims]
    numbers = {key: s.number for key, s in zip(keys, [s for s in scopes if s.claims or s.problem.claims])}
    inputs = {key: scopes[numbers[key]].final() for key in keys}
    results = {}
    if keys:
        out = run_all(keys, jobs=max(1, min(jobs, len(keys))), deadline=deadline,
                      options=dict(seed=seed, samples=samples, timeout=timeout), inputs=inputs)
        results = {numbers[k]: r for k, r in zip(keys, out)}
    entries, k = [], 0
    for f in found:  # a claim's index is its position among the sheet's claims, as in a problem file
        entry = _entry(f, results)
        if entry.claim is not None:
            entry, k = replace(entry, claim=replace(entry.claim, index=k)), k + 1
        entries.append(entry)
    return SheetResult(path, tuple(entries),
                       internal=any(r.internal for r in results.values()) or any(f.internal for f in found))


def _entry(f, results: dict) -> SheetEntry:
    if f.claim < 0:
        return SheetEntry(f.line, f.text, f.member, "unchecked", f.reason, at=f.at, internal=f.internal)
    result = results[f.block]
    if result.error is not None:
        verdict = "undecided" if result.internal or result.limit else "error"
        from derivcheck.results import ClaimResult

        claim = ClaimResult(index=f.claim, name=f"line {f.line}: {' '.join(f.member.split())}", of="", wrt=[],
                            verdict=verdict, passed=False, message=result.error["message"], line=f.line)
        return SheetEntry(f.line, f.text, f.member, verdict, claim=claim, at=f.at)
    claim = next(c for c in result.claims if c.index == f.claim)
    return SheetEntry(f.line, f.text, f.member, claim.verdict, claim=claim, at=f.at)


_HAS_BLOCK = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[ \t]*derivcheck[ \t]*$|^[ \t]*%!derivcheck|\\begin\{comment\}[ \t]*derivcheck",
                        re.M)


def find_sheets(paths) -> list:
    """The sheets under the paths, sorted: a file named is a sheet when its suffix says so; a file
    found in a folder is a sheet when it holds a derivcheck block (a README is not)."""
    from derivcheck.discover import SKIP_DIRS

    found: dict = {}
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
                for name in names:
                    if is_sheet(name):
                        full = os.path.join(root, name)
                        if has_block(full):
                            found.setdefault(os.path.normpath(full), full)
        elif is_sheet(path):
            found.setdefault(os.path.normpath(path), path)
    return sorted(found.values())


def has_block(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return bool(_HAS_BLOCK.search(handle.read(MAX_BYTES).decode("utf-8", "replace")))
    except OSError:
        return True  # reported when it is checked


def check_sheet_file(path: str, data: bytes | None = None, **options):
    """A sheet file (or its bytes, read already) checked and seen as one ProblemResult (for
    `check --sheets` and the pytest plugin)."""
    from derivcheck.results import ProblemResult

    try:
        if data is None:
            with open(path, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        stem = path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
        return ProblemResult(file=path, id=stem, error={"line": 0, "column": 0, "message": f"cannot read: {exc.strerror or exc}"})
    return check_sheet(path, data, **options).as_problem()
