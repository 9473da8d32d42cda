"""`derivcheck audit`'s report: a line per file, the mutants that slip through, and a summary (text or JSON)."""

from __future__ import annotations

import dataclasses

from derivcheck.report.json_report import finite
from derivcheck.safetext import escape


def audit_status(r, strict: bool = False) -> str:
    if r.error is not None:
        return r.status
    return "slips" if r.audit_exit(strict) else "ok"


def _outcome(m, strict: bool) -> str:
    """found-wrong, slipped, equivalent, invalid, or equivalent-on-domain (a slip only with --strict)."""
    return "equivalent-on-domain" if m.outcome == "slipped" and m.on_domain and not strict else m.outcome


def _counts(results, strict: bool) -> dict:
    counts = {"files": len(results), "claims_audited": 0, "mutants": 0, "found_wrong": 0, "slipped": 0,
              "equivalent_on_domain": 0, "equivalent": 0, "invalid": 0, "errors": 0}
    for r in results:
        if r.error is not None:
            counts["errors"] += 1
            continue
        for c in r.audits:
            counts["claims_audited"] += c.audited
            for m in c.mutants:
                counts[_outcome(m, strict).replace("-", "_")] += 1
                counts["mutants"] += m.outcome in ("found-wrong", "slipped")
    counts["exit"] = max((r.audit_exit(strict) for r in results), default=2)
    return counts


def render_json(results, strict: bool = False) -> str:
    import json

    problems = []
    for r in results:
        entry = {"file": r.file, "id": r.id, "status": audit_status(r, strict), "exit": r.audit_exit(strict)}
        if r.error is not None:
            entry["error"] = dict(r.error)
        else:
            entry["claims"] = [{"index": c.index, "name": c.name, "claim": c.claim, "verdict": c.verdict,
                                "passed": c.passed, "audited": c.audited, "reason": c.reason,
                                "mutants": [dict(dataclasses.asdict(m), outcome=_outcome(m, strict)) for m in c.mutants]}
                               for c in r.audits]
        problems.append(entry)
    return json.dumps(finite({"problems": problems, "summary": _counts(results, strict)}), indent=2)


def render_text(results, strict: bool = False) -> str:
    lines = []
    for r in results:
        if r.error is not None:
            e = r.error
            where = f"{r.file}:{e['line']}:{e['column']}" if e.get("line") else r.file
            lines.append(escape(f"{where}: error: {e['message']}"))
            continue
        tried = sum(m.outcome in ("found-wrong", "slipped") for c in r.audits for m in c.mutants)
        slipped = [(c, m) for c in r.audits for m in c.slipped_mutants(strict)]
        same = [] if strict else [(c, m) for c in r.audits for m in c.equivalent_on_domain]
        label = "SLIPS" if slipped else "OK"
        audited = sum(c.audited for c in r.audits)
        found = sum(m.outcome == "found-wrong" for c in r.audits for m in c.mutants)
        lines.append(f"{label:<6}{escape(r.file)}  ({audited} claim{'s' * (audited != 1)} audited, {tried} mutants, "
                     f"{found} found wrong" + (f", {len(same)} equivalent on the domain" if same else "") + ")")
        for c, m in slipped:
            why = f"  ({m.note})" if m.note else ""
            lines.append(escape(f"    slips through: {c.name}: {m.kind} ({m.description}): {m.text}  → {m.verdict}{why}"))
        for c, m in same:
            lines.append(escape(f"    equivalent on the domain: {c.name}: {m.kind} ({m.description}): {m.text}"))
    s = _counts(results, strict)
    lines.append(f"{s['files']} file{'s' * (s['files'] != 1)}, {s['claims_audited']} claims audited, "
                 f"{s['mutants']} mutants tried, {s['found_wrong']} found wrong, {s['slipped']} slipped through, "
                 f"{s['equivalent_on_domain']} equivalent on the domain "
                 f"({s['equivalent']} equivalent and {s['invalid']} invalid skipped) — exit {s['exit']}")
    return "\n".join(lines)
