"""Find problem files under paths, recursively, in a stable sorted order."""

from __future__ import annotations

import os

SUFFIXES = (".yaml", ".yml")


def discover(paths) -> tuple[list, list]:
    """(problem files, notices). A directory is searched recursively; hidden folders are skipped."""
    files, notices = [], []
    for path in paths:
        if path == "-":
            files.append(path)
        elif os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                files.extend(os.path.join(root, n) for n in sorted(names) if n.endswith(SUFFIXES))
        elif os.path.exists(path):
            files.append(path)
        else:
            notices.append(f"{path}: error: no such file or directory")
            files.append(path)
    return sorted(dict.fromkeys(files)), notices
