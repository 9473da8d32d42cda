"""Find problem files under paths, recursively, in a stable sorted order.

Which YAML files are problems (documented in docs/ci.md):

* A directory is searched recursively for `.yaml` / `.yml` files; hidden folders
  (`.git`, `.github`, `.venv`, …), `__pycache__` and `node_modules` are not entered.
  A file named on the command line is considered whatever its suffix; `-` is stdin.
* A candidate is a **problem file** when
  1. it is empty or holds only comments (so an empty file is an error, never a vacuous pass); or
  2. its top level is a mapping with one of the keys `derivcheck`, `inputs`, `network`, `nodes`,
     `claims`; or every top-level key is a problem key or a likely misspelling of one, at least one
     of them a misspelt `inputs`/`nodes`/`claims`/… (`input:`, `claim:`), so that a typo is
     reported by the loader rather than skipped; or
  3. it is not readable YAML (syntax error, bad UTF-8, too large) and a line starts with one of
     those keys followed by `:`: the loader reports where it breaks.
* Any other YAML (a list such as `.pre-commit-hooks.yaml`, a mapping of other keys such as a
  GitHub workflow, `.pre-commit-config.yaml` or `docker-compose.yml`) is skipped with a notice.
* A path that does not exist is kept, so that it is reported as an error (exit 2).

Imports only the standard library and PyYAML (no numpy/sympy): it runs in the parent process.
"""

from __future__ import annotations

import difflib
import os
import re

SUFFIXES = (".yaml", ".yml")
MARKERS = ("derivcheck", "inputs", "network", "nodes", "claims")
TOP_KEYS = ("derivcheck", "id", "title", "source", "notes", "dims", "inputs", "functions",
            "network", "nodes", "output", "claims", "points", "check")
SKIP_DIRS = ("__pycache__", "node_modules")
MAX_BYTES = 1 << 20
_MARKER_LINE = re.compile(r"^(?:%s)[ \t]*:" % "|".join(MARKERS), re.MULTILINE)


def _close(key: str, choices) -> bool:
    return bool(difflib.get_close_matches(key.lower(), choices, n=1, cutoff=0.75))


def _top_keys(text: str):
    """The top-level keys of a YAML mapping document; None when the top is not a mapping;
    "empty" when there is no content. Raises yaml.YAMLError on unreadable YAML."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
    depth, keys, expect_key, top = 0, [], False, None
    for ev in yaml.parse(text, Loader=loader):
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if depth == 0:
                top = "map" if isinstance(ev, yaml.MappingStartEvent) else "list"
                expect_key = top == "map"
                depth = 1
                continue
            if depth == 1 and top == "map":
                expect_key = True  # this collection is the value; the next depth-1 scalar is a key
            depth += 1
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        elif isinstance(ev, (yaml.ScalarEvent, yaml.AliasEvent)):
            if depth == 0:
                if isinstance(ev, yaml.ScalarEvent) and ev.value == "" and not ev.style:
                    continue
                top = "scalar"
            elif depth == 1 and top == "map":
                if expect_key and isinstance(ev, yaml.ScalarEvent):
                    keys.append(ev.value)
                expect_key = not expect_key
        elif isinstance(ev, yaml.DocumentStartEvent) and top is not None:
            break  # a second document: the first decides
    if top is None:
        return "empty"
    return keys if top == "map" else None


def classify(path: str) -> str | None:
    """None when `path` should be checked as a problem file, else why it is skipped."""
    if path == "-" or not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError:
        return None  # reported by the loader
    try:
        if len(raw) > MAX_BYTES:
            raise ValueError("too large")
        text = raw.decode("utf-8").removeprefix("\ufeff")
        keys = _top_keys(text)
    except Exception:  # unreadable: a problem file if it looks like one
        head = raw[: MAX_BYTES].decode("utf-8", "replace")
        if _MARKER_LINE.search(head):
            return None
        return "not a problem file (unreadable YAML without problem keys)"
    if keys == "empty":
        return None
    if keys is None:
        return "not a problem file (its top level is not a mapping)"
    if any(k in MARKERS for k in keys):
        return None
    if keys and all(k in TOP_KEYS or _close(k, TOP_KEYS) for k in keys) and any(
            k not in TOP_KEYS and _close(k, MARKERS) for k in keys):
        return None
    return "not a problem file (no inputs, network, nodes or claims key)"


def candidates(paths) -> list:
    """Every file named or found under the paths, deduplicated, sorted."""
    files: dict = {}
    for path in paths:
        if path == "-":
            files.setdefault("-", "-")
        elif os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
                for n in names:
                    if n.endswith(SUFFIXES):
                        found = os.path.join(root, n)
                        files.setdefault(os.path.normpath(found), found)
        else:
            files.setdefault(os.path.normpath(path), path)
    return sorted(files.values())


def discover(paths, taken=None) -> tuple[list, list]:
    """(problem files, notices about skipped files), files sorted; `taken(path)` true: a file the
    caller reads otherwise (a solution sheet), neither a problem file nor skipped."""
    files, notices = [], []
    for path in candidates(paths):
        why = classify(path)
        if why is None:
            files.append(path)
        elif taken is None or not taken(path):
            notices.append(f"derivcheck: skipped {path}: {why}")
    return files, notices


def shard(files: list, k: int, n: int) -> list:
    """Shard k of n (1-based) of the sorted list: every n-th file starting at the k-th, so that
    neighbouring (similar) files spread over the shards and the shards cover every file once."""
    return files[k - 1::n]
