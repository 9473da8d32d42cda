"""Renderers of result objects; none of them computes anything."""

from __future__ import annotations


def summary(results) -> dict:
    claims = [c for r in results for c in r.claims]
    verdicts: dict = {}
    for c in claims:
        verdicts[c.verdict] = verdicts.get(c.verdict, 0) + 1
    return {
        "problems": len(results),
        "claims": len(claims),
        "passed": sum(1 for c in claims if c.passed),
        "failed": sum(1 for c in claims if not c.passed),
        "errors": sum(1 for r in results if r.error is not None),
        "verdicts": verdicts,
        "exit": max((r.exit_code for r in results), default=2),
    }
