"""`derivcheck audit`'s report: a line per file, the mutants that slip through, and a summary (text or JSON)."""

from __future__ import annotations

import dataclasses


def audit_status(r) -> str:
    if r.error is not None:
        return r.status
    return "slips" if r.audit_exit_code else "ok"


def _counts(results) -> dict:
    counts = {"files": len(results), "claims_audited": 0, "mutants": 0, "found_wrong": 0, "slipped": 0,
              "equivalent": 0, "invalid": 0, "errors": 0}
    for r in results:
        if r.error is not None:
            counts["errors"] += 1
            continue
        for c in r.audits:
            counts["claims_audited"] += c.audited
            for m in c.mutants:
                counts[m.outcome.replace("-", "_")] += 1
                counts["mutants"] += m.outcome in ("found-wrong", "slipped")
    counts["exit"] = max((r.audit_exit_code for r in results), default=2)
    return counts


def render_json(results) -> str:
    import json

    problems = []
    for r in results:
        entry = {"file": r.file, "id": r.id, "status": audit_status(r), "exit": r.audit_exit_code}
        if r.error is not None:
            entry["error"] = dict(r.error)
        else:
            entry["claims"] = [{"index": c.index, "name": c.name, "claim": c.claim, "verdict": c.verdict,
                                "passed": c.passed, "audited": c.audited, "reason": c.reason,
                                "mutants": [dataclasses.asdict(m) for m in c.mutants]} for c in r.audits]
        problems.append(entry)
    return json.dumps({"problems": problems, "summary": _counts(results)}, indent=2)


def render_text(results) -> str:
    lines = []
    for r in results:
        if r.error is not None:
            e = r.error
            where = f"{r.file}:{e['line']}:{e['column']}" if e.get("line") else r.file
            lines.append(f"{where}: error: {e['message']}")
            continue
        tried = sum(m.outcome in ("found-wrong", "slipped") for c in r.audits for m in c.mutants)
        slipped = [(c, m) for c in r.audits for m in c.slipped]
        label = "SLIPS" if slipped else "OK"
        audited = sum(c.audited for c in r.audits)
        lines.append(f"{label:<6}{r.file}  ({audited} claim{'s' * (audited != 1)} audited, {tried} mutants, "
                     f"{tried - len(slipped)} found wrong)")
        for c, m in slipped:
            why = f"  ({m.note})" if m.note else ""
            lines.append(f"    slips through: {c.name}: {m.kind} ({m.description}): {m.text}  → {m.verdict}{why}")
    s = _counts(results)
    lines.append(f"{s['files']} file{'s' * (s['files'] != 1)}, {s['claims_audited']} claims audited, "
                 f"{s['mutants']} mutants tried, {s['found_wrong']} found wrong, {s['slipped']} slipped through "
                 f"({s['equivalent']} equivalent and {s['invalid']} invalid skipped) — exit {s['exit']}")
    return "\n".join(lines)
