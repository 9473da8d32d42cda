"""`sheet --format json`: {"file", "equations": [...], "summary": {...}}; one equation per claim found.

Each equation has `line`, `text` (the whole statement), `member` (the claimed side), `verdict`
(`unchecked` when not checked), `reason`, and the claim fields of SPEC §3.
"""

from __future__ import annotations

import json

from derivcheck.report.json_report import claim_dict, finite

EMPTY_CLAIM = {"index": None, "name": "", "of": None, "wrt": None, "passed": None, "max_rel_error": None}


def equation(e) -> dict:
    out = dict(claim_dict(e.claim)) if e.claim is not None else dict(EMPTY_CLAIM)
    out.update(line=e.line, text=e.text, member=e.member, verdict=e.verdict, reason=e.reason)
    return out


def document(result, strict: bool = False) -> dict:
    out = {"file": result.file, "equations": [equation(e) for e in result.entries], "summary": result.summary(strict)}
    if result.error is not None:
        out["error"] = dict(result.error)
    return out


def render(result, strict: bool = False) -> str:
    return json.dumps(finite(document(result, strict)), indent=2, allow_nan=False, ensure_ascii=False)
