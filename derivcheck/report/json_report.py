"""`--format json`: one object, {"problems": [...], "summary": {...}} (SPEC §3)."""

from __future__ import annotations

import json
import math

from derivcheck.report import summary
from derivcheck.safetext import unicode_safe


def claim_dict(c) -> dict:
    out = {
        "index": c.index,
        "name": c.name,
        "of": c.of,
        "wrt": c.wrt[0] if len(c.wrt) == 1 else c.wrt,
        "verdict": c.verdict,
        "passed": c.passed,
        "max_rel_error": c.max_rel_error,
        "message": c.message,
        "line": c.line,
        "column": c.col,
        "claim": c.claim_text,
        "true": c.truth_text,
    }
    if c.reading:
        out["read_as"] = c.reading
    if c.counterexample is not None:
        ce = c.counterexample
        out["counterexample"] = {"point": ce.point, "claimed": ce.claimed, "true": ce.true}
        if ce.engine is not None:
            out["counterexample"]["engine"] = ce.engine
    if c.verdict in ("wrong", "expected-fail", "inconsistent"):
        out["diagnosis"] = c.diagnosis
    if c.details:
        out["details"] = list(c.details)
    return out


def problem_dict(r) -> dict:
    out = {"file": r.file, "id": r.id, "status": r.status, "exit": r.exit_code,
           "claims": [claim_dict(c) for c in r.claims]}
    if r.title:
        out["title"] = r.title
    if r.error is not None:
        out["error"] = dict(r.error)
    if r.derived:
        out["derived"] = [{"of": of, "wrt": wrt, "derivative": text} for of, wrt, text in r.derived]
    if r.first_wrong:
        out["first_wrong_step"] = r.first_wrong
    return out


def finite(value):
    """JSON has no Infinity or NaN: such numbers become the strings "inf", "-inf", "nan"; and valid
    UTF-8 has no lone surrogates: a file name's undecodable bytes are written as \\xNN."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return unicode_safe(value)
    if isinstance(value, dict):
        return {finite(k): finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def render(results, not_checked=(), cached: int | None = None) -> str:
    """The one JSON document of solve, check and grad; check adds the files a --fail-fast run skipped
    and how many results came from the cache."""
    total = summary(results)
    if cached is not None:
        total["cached"] = cached
    if not_checked:
        total["not_checked"] = list(not_checked)
    document = {"problems": [problem_dict(r) for r in results], "summary": total}
    return json.dumps(finite(document), indent=2, allow_nan=False)
