"""`derivcheck graph` without -o: the DAG as terminal text, or its data as JSON."""

from __future__ import annotations


def write_graph(data, fmt: str) -> None:
    from derivcheck.verdict.flow import text_lines, to_json

    if fmt == "json":
        import json

        print(json.dumps(to_json(data), indent=2, ensure_ascii=False))
        return
    from rich.text import Text

    from derivcheck.report import console

    out = console()
    for line, style in text_lines(data):
        out.print(Text(line, style=style or ""))
