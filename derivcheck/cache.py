"""Reuse `check` and `solve` results across runs, as ruff and mypy do, without ever serving a stale verdict.

A result is stored under a key that hashes everything it depends on: the file's bytes and
the path it was given as (the id, hence the seed, comes from the file name), the options
(seed, samples, timeout, and what the command shows: steps, closed forms, ...), derivcheck's version and a hash of its own source (so any code
change starts afresh), the versions of sympy, mpmath, python-flint, numpy and symengine, the Python version
and the symbolic backend chosen by DERIVCHECK_SYMBOLIC. Only reproducible results are kept:
never an internal error or an undecided claim (a time or memory limit depends on the machine), nor
a result whose steps were cut off by their deadline.

Entries are JSON, not pickle, so a cache folder from elsewhere cannot run code (tags name the
result classes of results.py, the only ones ever built from an entry); each holds its key, and an
entry that does not parse, does not match its key or does not decode is ignored.
Writes go to a temporary file that is renamed into place, so parallel writers are safe.

Where: `.derivcheck_cache/` in the working directory (like `.ruff_cache/`, so a CI job can
keep it between runs), or DERIVCHECK_CACHE_DIR. `--no-cache` or DERIVCHECK_NO_CACHE=1
turns it off. The folder ignores itself in git and is marked with a CACHEDIR.TAG.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

from derivcheck.results import Adjoint, ClaimResult, Counterexample, Derivation, ProblemResult

FORMAT = 1
DEFAULT_DIR = ".derivcheck_cache"
REPRODUCIBLE = {"proved", "verified", "expected-fail", "wrong", "approximate", "inconsistent"}
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# a derivcheck result cache: safe to delete\n"
_environment: str | None = None
_CLASSES = {cls.__name__: cls for cls in (ProblemResult, ClaimResult, Counterexample, Derivation, Adjoint)}


def enabled(no_cache: bool = False) -> bool:
    return not no_cache and os.environ.get("DERIVCHECK_NO_CACHE", "") in ("", "0")


def folder() -> Path:
    return Path(os.environ.get("DERIVCHECK_CACHE_DIR") or DEFAULT_DIR)


def environment() -> str:
    """Everything outside the problem file that a verdict depends on, as one hash."""
    global _environment
    if _environment is None:
        from importlib import metadata

        import derivcheck

        digest = hashlib.sha256()
        package = Path(derivcheck.__file__).parent
        for source in sorted(package.rglob("*.py")):
            digest.update(str(source.relative_to(package)).encode() + b"\0" + source.read_bytes() + b"\0")
        versions = []
        for name in ("sympy", "mpmath", "python-flint", "numpy", "symengine"):
            try:
                versions.append(f"{name}={metadata.version(name)}")
            except metadata.PackageNotFoundError:
                versions.append(f"{name}=-")
        backend = os.environ.get("DERIVCHECK_SYMBOLIC", "").strip().lower()
        digest.update(repr((FORMAT, derivcheck.__version__, versions, sys.version, backend)).encode())
        _environment = digest.hexdigest()
    return _environment


def key(path: str, data: bytes, options: dict) -> str:
    digest = hashlib.sha256(environment().encode())
    digest.update(json.dumps([path, sorted(options.items())], default=str).encode() + b"\0" + data)
    return digest.hexdigest()


def reproducible(result: ProblemResult, options: dict) -> bool:
    """Whether running again anywhere gives the same result: no limit hit, no internal error, every
    claim decided by the file alone, and the steps there when they were asked for (a deadline cuts
    them off on a slow machine)."""
    if result.internal or result.limit or not all(map(_reproducible_claim, result.claims)):
        return False
    wanted = options.get("steps") or options.get("steps_of")
    return result.error is not None or not wanted or result.steps is not None


def _reproducible_claim(claim: ClaimResult) -> bool:
    if claim.verdict == "error":
        return claim.exit_code == 2  # the claim cannot be read: a property of the file
    return claim.verdict in REPRODUCIBLE


def encode(value):
    """JSON with tags for what JSON lacks: the result classes (by name), tuples, dicts with keys
    other than text. Anything else (a Fraction, an mpf, ...) raises TypeError: not stored."""
    cls = type(value)
    if _CLASSES.get(cls.__name__) is cls:
        return {"$": cls.__name__, "fields": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if cls is tuple:
        return {"$": "tuple", "items": [encode(v) for v in value]}
    if cls is dict:
        return {"$": "dict", "items": [[encode(k), encode(v)] for k, v in value.items()]}
    if cls is list:
        return [encode(v) for v in value]
    if value is None or cls in (str, bool, int, float):
        return value
    raise TypeError(f"a {cls.__name__} is not cached")


def decode(data):
    """encode's inverse; builds nothing but the result classes (KeyError/TypeError on anything else)."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    tag = data["$"]
    if tag == "tuple":
        return tuple(decode(v) for v in data["items"])
    if tag == "dict":
        return {decode(k): decode(v) for k, v in data["items"]}
    return _CLASSES[tag](**{name: decode(v) for name, v in data["fields"].items()})


class ResultCache:
    """Results by key, in one folder; `hits` counts the results served from it."""

    def __init__(self, root: Path | None, options: dict):
        self.root, self.options, self.hits = root, options, 0
        self.entries = root / f"v{FORMAT}" if root is not None else None

    @classmethod
    def open(cls, options: dict, *, no_cache: bool = False) -> ResultCache:
        return cls(folder() if enabled(no_cache) else None, options)

    def run(self, paths: list, *, jobs: int, deadline: float, inputs: dict | None = None, on_result=None,
            on_start=None) -> list:
        """pool.run_all with `options` through the cache: a result it holds is reused, every other file
        is checked in a worker, from the very bytes its key was made of, and stored. Results in the order
        of `paths`; `on_result(index, result)` as each is known (the held ones first); `on_start` as for
        run_all (called at once when every result is held)."""
        sources = {**self.sources(paths), **(inputs or {})}
        results: list = [None] * len(paths)

        def known(index: int, result: ProblemResult) -> None:
            results[index] = result
            if on_result:
                on_result(index, result)

        for index, path in enumerate(paths):
            if (hit := self.load(path, sources.get(path))) is not None:
                known(index, hit)
        todo = [i for i, result in enumerate(results) if result is None]

        def checked(k: int, result: ProblemResult) -> None:
            self.store(paths[todo[k]], sources.get(paths[todo[k]]), result)
            known(todo[k], result)

        if todo:
            from derivcheck.pool import run_all

            run_all([paths[i] for i in todo], jobs=jobs, deadline=deadline, options=self.options, inputs=sources,
                    on_result=checked, on_start=on_start)
        elif on_start:
            on_start()
        return results

    def sheet(self, path: str, **options) -> ProblemResult:
        """A solution sheet checked as one result, through the cache (open it with the sheet's options
        and `sheet=True` in them, so that a sheet's key is never a problem file's)."""
        from derivcheck.sheet.run import check_sheet_file

        data = self.sources([path]).get(path)
        if (hit := self.load(path, data)) is not None:
            return hit
        result = check_sheet_file(path, data, **options)
        self.store(path, data, result)
        return result

    def sources(self, paths: list) -> dict:
        """Each file's bytes, read here once: the cache key and the worker both use them."""
        from derivcheck.runner import read_source

        found = {}
        for path in paths if self.entries is not None else ():
            try:
                found[path] = read_source(path) if path != "-" else None
            except OSError:
                pass  # the worker reports it, located
        return {path: data for path, data in found.items() if data is not None}

    def load(self, path: str, data: bytes | None) -> ProblemResult | None:
        if self.entries is None or data is None or path == "-":
            return None
        wanted = key(path, data, self.options)
        try:
            entry = json.loads((self.entries / f"{wanted}.json").read_text(encoding="utf-8"))
            result = decode(entry["result"]) if entry.get("key") == wanted else None
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return None  # missing or corrupt: check the file again
        if not isinstance(result, ProblemResult):
            return None
        self.hits += 1
        return result

    def store(self, path: str, data: bytes | None, result: ProblemResult) -> None:
        if self.entries is None or data is None or path == "-" or not reproducible(result, self.options):
            return
        try:
            entry = {"key": key(path, data, self.options), "result": encode(result)}
            text = json.dumps(entry)
            if decode(json.loads(text)["result"]) != result:
                return  # a value JSON cannot carry exactly: never store an approximation
            self._prepare()
            handle, temporary = tempfile.mkstemp(dir=self.entries, suffix=".tmp")
        except (OSError, ValueError, TypeError, KeyError, RecursionError):
            return  # a read-only disk, or a value JSON cannot carry, only costs speed
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, self.entries / f"{entry['key']}.json")
        except OSError:
            Path(temporary).unlink(missing_ok=True)  # a full disk only costs speed

    def _prepare(self) -> None:
        if self.entries.is_dir():
            return
        self.entries.mkdir(parents=True, exist_ok=True)
        for name, text in ((".gitignore", "*\n"), ("CACHEDIR.TAG", _TAG)):
            marker = self.root / name
            if not marker.exists():
                marker.write_text(text, encoding="utf-8")
