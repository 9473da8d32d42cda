"""docs/format.md documents every key and every op; docs and README link only inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORMAT = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")


def _op_names() -> list:
    from derivcheck import ops

    table = getattr(ops, "OPS", None) or getattr(ops, "ROWS")
    return sorted(table)


def _schema_keys() -> list:
    from derivcheck.lang.schema import problem_schema as schema

    keys: set = set()

    def walk(node):
        if isinstance(node, dict):
            keys.update(node.get("properties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema())
    return sorted(keys)


def _documented(name: str) -> bool:
    return re.search(r"`[^`]*\b" + re.escape(name) + r"\b[^`]*`", FORMAT) is not None


@pytest.mark.parametrize("name", _op_names())
def test_every_op_row_is_documented(name):
    base = name.rstrip("'")
    if base != name:  # the rows of g' and g'' are made from g's row: documented once, as g'(x) and g''(x)
        assert _documented(base) and "`g'(x)`" in FORMAT, f"op {name!r} is missing from docs/format.md"
        return
    assert _documented(name), f"op {name!r} is missing from docs/format.md"


@pytest.mark.parametrize("name", _schema_keys())
def test_every_schema_key_is_documented(name):
    assert f"`{name}`" in FORMAT, f"key {name!r} is missing from docs/format.md"


def test_every_expression_function_and_domain_is_documented():
    from derivcheck.lang.exprs import FUNCTIONS
    from derivcheck.lang.schema import DOMAINS

    missing = [n for n in sorted(FUNCTIONS) if not _documented(n)] + [d for d in DOMAINS if f"`{d}`" not in FORMAT]
    assert missing == []


def test_the_schema_keys_are_read_from_the_schema():
    keys = _schema_keys()
    assert {"claims", "index_order", "output_activation", "samples"} <= set(keys)


LINK = re.compile(r"\]\(([^)#]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("doc", ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))])
def test_links_stay_inside_the_repository(doc):
    path = ROOT / doc
    text = path.read_text(encoding="utf-8")
    assert "shared/" not in text
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://")):
            continue
        resolved = (path.parent / target).resolve()
        assert resolved.is_relative_to(ROOT) and resolved.exists(), f"{doc}: broken link {target}"
