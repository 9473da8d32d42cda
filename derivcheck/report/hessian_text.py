"""`derivcheck hessian`'s text report, from verdict/hessian.py's plain dict (no numpy here)."""

from __future__ import annotations

SHOWN_ENTRIES = 24  # diagonals up to this many entries are printed in full


def render_text(report: dict) -> str:
    head = f"{report['file']}: at {_point(report['point'])}"
    if "methods" in report:
        return head + "\n" + _network(report)
    return "\n".join([head, f"  diag ∂²{report['of']}/∂{report['wrt']}² = {report['diagonal']}",
                      f"  engine vs sympy: relative error {report['engine_vs_sympy_relative_error']:.3g}"])


def _point(point: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in point.items()) or "(no inputs)"


def _network(report: dict) -> str:
    lines = [f"  W = {report['weights']} weights; one gradient took {report['gradient_seconds'] * 1e3:.3f} ms"]
    width = max(len(r["method"]) for r in report["methods"])
    lines.append(f"  {'method':<{width}}  {'time':>10}  {'rel. error':>10}  per layer")
    for r in report["methods"]:
        per = ", ".join(f"{e:.3g}" for e in r["per_layer"])
        lines.append(f"  {r['method']:<{width}}  {r['seconds'] * 1e3:8.3f}ms  {r['relative_error']:10.3g}  [{per}]")
    for c in report["cross_checks"]:
        lines.append(f"  cross-check: {c['witness']} vs exact recursion: relative error {c['relative_error']:.3g}")
    for r in report["methods"]:
        for layer, diagonal in enumerate(r["diagonal"], start=1):
            if _size(diagonal) <= SHOWN_ENTRIES:
                lines.append(f"  {r['method']}, d2L/dW{layer}^2 = {_rounded(diagonal)}")
    return "\n".join(lines)


def _size(value) -> int:
    return sum(_size(v) for v in value) if isinstance(value, list) else 1


def _rounded(value):
    return [_rounded(v) for v in value] if isinstance(value, list) else round(value, 8)
