"""pytest plugin (entry point `pytest11: derivcheck`): problem files as test items.

Opt-in: `pytest --derivcheck problems/` (or `derivcheck = true` in the ini file) collects
every `.yaml`/`.yml` problem file (the same rule as `derivcheck check`: other YAML is
ignored) with one test item per claim, named after the claim (`name`, else `claim N`), and
every solution sheet (`.md`/`.txt`/`.tex` holding a derivcheck block) with one item per claim
found, named `line N: <claimed side>`;
a failing item shows the verdict, counterexample and diagnosis. A file that cannot be
loaded is one failing item, `load`, with the located error. Without the option nothing
is collected and nothing else changes. Results are reused from `.derivcheck_cache/` as by
`derivcheck check` (same key rules; DERIVCHECK_NO_CACHE=1 turns it off).

pytest imports this module in every run of every project where derivcheck is installed,
so it imports nothing but pytest at import time; derivcheck's numeric and symbolic code
loads only when a problem file is collected.
"""

from __future__ import annotations

import pytest

SUFFIXES = (".yaml", ".yml")
SHEET_SUFFIXES = (".md", ".markdown", ".txt", ".tex")  # solution sheets with derivcheck blocks


def pytest_addoption(parser):
    group = parser.getgroup("derivcheck", "derivcheck problem files")
    group.addoption("--derivcheck", action="store_true", default=False,
                    help="collect derivcheck problem files (.yaml/.yml): one test item per claim")
    group.addoption("--derivcheck-seed", type=int, default=None, metavar="N",
                    help="seed for the sample points of derivcheck claims (default: the file's)")
    group.addoption("--derivcheck-samples", type=int, default=None, metavar="N",
                    help="valid sample points per derivcheck claim (default: the file's)")
    parser.addini("derivcheck", type="bool", default=False,
                  help="collect derivcheck problem files, as --derivcheck does")


def pytest_configure(config):
    config.addinivalue_line("markers", "derivcheck: a claim of a derivcheck problem file")


def _enabled(config) -> bool:
    return bool(config.getoption("derivcheck", default=False) or config.getini("derivcheck"))


def pytest_collect_file(file_path, parent):
    if not _enabled(parent.config):
        return None
    if file_path.suffix.lower() in SHEET_SUFFIXES:
        from derivcheck.sheet.run import has_block

        return SheetFile.from_parent(parent, path=file_path) if has_block(str(file_path)) else None
    if file_path.suffix not in SUFFIXES:
        return None
    from derivcheck.discover import classify

    if classify(str(file_path)) is not None:
        return None
    return ProblemFile.from_parent(parent, path=file_path)


class ClaimFailed(Exception):
    """A claim did not pass; carries the report text."""


def _items(collector: pytest.File, result):
    """A file's load error as one item, else one item per claim (names made unique within the file)."""
    if result.error is not None:
        e = result.error
        where = f"{collector.nodeid}:{e['line']}:{e['column']}" if e.get("line") else collector.nodeid
        yield LoadError.from_parent(collector, name="load", message=f"{where}: error: {e['message']}",
                                    line=e.get("line", 0))
        return
    seen: set = set()
    for claim in result.claims:
        name = claim.name.replace("::", ": :")
        if name in seen:
            name = f"{name} #{claim.index + 1}"
        seen.add(name)
        yield ClaimItem.from_parent(collector, name=name, result=claim)


class ProblemFile(pytest.File):
    """A problem file, checked once (as `derivcheck check` does, in a worker under the deadline)
    when collected: one item per claim carries its verdict."""

    def collect(self):
        from derivcheck.cache import ResultCache
        from derivcheck.runner import deadline

        config = self.config
        options = dict(seed=config.getoption("derivcheck_seed", default=None),
                       samples=config.getoption("derivcheck_samples", default=None))
        result = ResultCache.open(options).run([str(self.path)], jobs=1, deadline=deadline(None))[0]
        if result.error is None and not result.claims:
            yield Derivatives.from_parent(self, name="derivatives")
            return
        yield from _items(self, result)


class _Item(pytest.Item):
    def __init__(self, *, line: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.line = line
        self.add_marker("derivcheck")

    @property
    def where(self) -> str:
        """The file as pytest names it (relative to the rootdir)."""
        return self.nodeid.rsplit("::", 1)[0]

    def reportinfo(self):
        # The domain heads a failure report: FILE::CLAIM. pytest rewrites the dots of a domain
        # that ends the node id as `::` (Python's dotted names); the trailing space keeps
        # `chain.yaml` and a claim name such as `eq. (81)` as written.
        return self.path, max(self.line - 1, 0), f"{self.path.name}::{self.name} "

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ClaimFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)


class LoadError(_Item):
    """The file could not be loaded: one failing item with the located error."""

    def __init__(self, *, message: str, **kwargs):
        super().__init__(**kwargs)
        self.message = message

    def runtest(self):
        raise ClaimFailed(self.message)


class ClaimItem(_Item):
    """One claim: passes when derivcheck's verdict passes (proved, verified, expected-fail, …)."""

    def __init__(self, *, result, **kwargs):
        super().__init__(line=result.line, **kwargs)
        self.result = result

    def runtest(self):
        from derivcheck.report.junit import claim_report

        if not self.result.passed:
            where = f"{self.where}:{self.result.line}:{self.result.col}"
            raise ClaimFailed(f"{where}: derivcheck: {self.result.verdict}\n{claim_report(self.result)}")


class Derivatives(_Item):
    """A problem without claims: its derivatives were computed (else the file is a `load` error)."""

    def runtest(self):
        pass


class SheetFile(pytest.File):
    """A solution sheet, checked once as `derivcheck sheet` does (every block in a worker under
    the deadline): one item per claim found, named after its line and its claimed side."""

    def collect(self):
        from derivcheck.cache import ResultCache
        from derivcheck.runner import deadline

        config = self.config
        options = dict(seed=config.getoption("derivcheck_seed", default=None),
                       samples=config.getoption("derivcheck_samples", default=None))
        result = ResultCache.open({**options, "sheet": True}).sheet(str(self.path), **options, deadline=deadline(None))
        yield from _items(self, result)
