"""Worker processes with deadlines: each problem is checked in a reused worker
that the parent kills when it overruns (an in-process alarm alone can be
swallowed by broad `except`s in sympy). A killed or crashed worker is replaced
and its problem is `undecided`, naming the limit. Results come back in input order.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from multiprocessing.connection import wait

from derivcheck.results import ProblemResult
from derivcheck.runner import stem

MEMORY_LIMIT = 8 << 30


def _limit_memory() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass


def _worker(conn, options: dict) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_memory()
    from derivcheck.runner import run_file

    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        index, path, data = job
        conn.send((index, run_file(path, data=data, **options)))


class _Slot:
    def __init__(self, ctx, options):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, options), daemon=True)
        self.process.start()
        child.close()
        self.job = None
        self.started = 0.0

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(1)
        self.conn.close()


def _limit_result(path: str, what: str) -> ProblemResult:
    return ProblemResult(file=path, id=stem(path), internal=True,
                         error={"line": 0, "column": 0, "message": f"undecided: {what}"})


def run_all(paths: list, *, jobs: int, deadline: float, options: dict, inputs: dict | None = None,
            on_result=None) -> list:
    """Check every path in worker processes; `deadline` is seconds per problem."""
    ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    jobs = max(1, min(jobs, len(paths)))
    slots = [_Slot(ctx, options) for _ in range(jobs)]
    pending = list(enumerate(paths))
    pending.reverse()
    results: list = [None] * len(paths)
    try:
        while pending or any(s.job is not None for s in slots):
            for i, slot in enumerate(slots):
                if slot.job is None and pending:
                    index, path = pending.pop()
                    slot.job, slot.started = (index, path), time.monotonic()
                    slot.conn.send((index, path, (inputs or {}).get(path)))
            busy = [s for s in slots if s.job is not None]
            ready = wait([s.conn for s in busy] + [s.process.sentinel for s in busy], timeout=0.05)
            for k, slot in enumerate(slots):
                if slot.job is None:
                    continue
                index, path = slot.job
                if slot.conn in ready and slot.conn.poll():
                    try:
                        got, result = slot.conn.recv()
                    except (EOFError, OSError):
                        got, result = index, _limit_result(path, "the worker process crashed (memory limit?)")
                    results[got] = result
                elif slot.process.sentinel in ready or not slot.process.is_alive():
                    results[index] = _limit_result(path, "the worker process died (memory limit or crash)")
                elif time.monotonic() - slot.started > deadline:
                    results[index] = _limit_result(path, f"time limit of {deadline:g} s for the problem was hit")
                else:
                    continue
                if results[index] is not None and on_result:
                    on_result(index, results[index])
                slot.job = None
                if not slot.process.is_alive() or results[index].error and results[index].error["message"].startswith("undecided"):
                    slot.kill()
                    slots[k] = _Slot(ctx, options)
    finally:
        for slot in slots:
            try:
                slot.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            slot.kill()
    return results
