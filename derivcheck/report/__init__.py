"""Renderers of result objects; none of them computes anything."""

from __future__ import annotations


def console(stream=None, force_plain: bool = False):
    """A rich Console for reports: plain under NO_COLOR or off a terminal, one line per line (soft wrap)."""
    import os

    from rich.console import Console

    plain = force_plain or "NO_COLOR" in os.environ
    return Console(file=stream, soft_wrap=True, no_color=plain, highlight=False, emoji=False,
                   force_terminal=None if not plain else False)


MARK = {"proved": "✓", "verified": "✓", "expected-fail": "✓", "approximate": "≈", "wrong": "✗",
        "error": "!", "inconsistent": "?", "undecided": "?"}


def mark(c) -> str:
    """The verdict mark every renderer shows: ✓ passes, ✗ wrong (or an `expect: fails` claim that
    holds), ≈ approximate, ! error, ? undecided or inconsistent."""
    return MARK.get(c.verdict, "?") if c.passed or c.verdict not in ("proved", "verified") else "✗"


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
