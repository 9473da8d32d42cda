"""Worker processes with deadlines: each problem is checked in a reused worker
that the parent kills when it overruns (an in-process alarm alone can be
swallowed by broad `except`s in sympy). Results come back in input order.

The deadline is per step, not per file: the worker announces each step (loading,
each claim, the steps printout) with the seconds it may take (twice `--timeout` + a
grace period, see runner.step_limit), and hands over every finished claim. When a step overruns, or the
worker dies (memory or CPU limit, crash), the parent kills it, makes that claim
`undecided` naming the limit, starts a fresh worker and resumes the file after
that claim, so the other claims and the other files are still checked.

Workers ignore Ctrl-C (the parent handles it and kills them), die with the
parent (PR_SET_PDEATHSIG on Linux), and run under an address-space and a CPU
limit; they never print a traceback.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from multiprocessing.connection import wait

from derivcheck.results import ProblemResult
from derivcheck.runner import DEFAULT_TIMEOUT, limit_claim, limit_result, stem, step_limit

MEMORY_LIMIT = 8 << 30
STARTUP_LIMIT = 60.0  # seconds for a fresh worker to pick up its first job (imports included)
_BLOCKED = {signal.SIGINT, signal.SIGTERM}


def memory_limit(jobs: int) -> int:
    """Address space per worker: 8 GiB, less when the machine cannot give every worker that much."""
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return MEMORY_LIMIT
    return max(1 << 30, min(MEMORY_LIMIT, physical // (jobs + 1)))


def _set_limit(which: str, soft: int) -> None:
    try:
        import resource

        kind = getattr(resource, which)
        _, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(kind, (soft, hard))
    except (ImportError, ValueError, OSError, AttributeError):
        pass


def _die_with_parent(parent: int) -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError, TypeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


class _Reporter:
    """The worker's side of runner.Progress: every step and finished claim goes to the parent."""

    def __init__(self, conn, index: int):
        self.conn, self.index = conn, index

    def phase(self, seconds: float, info: dict) -> None:
        try:  # the CPU limit backs up the parent's wall-clock deadline
            import resource

            used = resource.getrusage(resource.RUSAGE_SELF)
            _set_limit("RLIMIT_CPU", int(used.ru_utime + used.ru_stime + seconds) + 5)
        except (ImportError, OSError, ValueError):
            pass
        self.conn.send(("phase", self.index, seconds, info))

    def claim(self, result) -> None:
        self.conn.send(("claim", self.index, result))


def warm() -> None:
    """Import the checking code (sympy, numpy, mpmath) once, before a worker's first job's clock starts.

    run_all calls it in the parent before forking several workers, so they share one import."""
    import derivcheck.lang.build  # noqa: F401
    import derivcheck.verdict.verify  # noqa: F401


def _worker(conn, options: dict, parent: int, memory: int) -> None:
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _BLOCKED)
        _die_with_parent(parent)
        _set_limit("RLIMIT_AS", memory)
        _set_limit("RLIMIT_CORE", 0)
        import warnings

        warnings.simplefilter("ignore")
        from derivcheck.runner import run_file

        warm()
        while True:
            try:
                job = conn.recv()
            except (EOFError, OSError):
                return
            if job is None:
                return
            index, path, data, done = job
            reporter = _Reporter(conn, index)
            load = step_limit(float(options.get("timeout") or DEFAULT_TIMEOUT))
            reporter.phase(load, {"kind": "load"})
            conn.send(("result", index, run_file(path, data=data, progress=reporter, done=done, **options)))
    except BaseException:  # noqa: BLE001 - never a traceback from a worker; the parent reports the death
        os._exit(70)


class _Slot:
    def __init__(self, ctx, options, memory):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, options, os.getpid(), memory), daemon=True)
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _BLOCKED)  # no signal between fork and the worker's handlers
        try:
            self.process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        child.close()
        self.job = None  # (index, path)
        self.started = 0.0
        self.limit = STARTUP_LIMIT
        self.info: dict = {"kind": "start"}

    def start(self, index: int, path: str, data, done: dict) -> None:
        self.job, self.started, self.limit, self.info = (index, path), time.monotonic(), STARTUP_LIMIT, {"kind": "start"}
        self.conn.send((index, path, data, done))

    def kill(self) -> None:
        try:
            if self.process.is_alive():
                self.process.kill()
            self.process.join(1)
        finally:
            self.conn.close()


def _sane(seconds: float) -> float:
    """A usable time limit: a NaN, infinite or non-positive one (--timeout nan) falls back to the default."""
    if not (seconds == seconds and 0 < seconds < float("inf")):
        return step_limit(DEFAULT_TIMEOUT)
    return seconds


def _in_process(paths: list, options: dict, inputs: dict | None, on_result) -> list:
    """run_file for each path in this process: the per-claim timeout still bounds the proofs."""
    from derivcheck.runner import run_file

    results = []
    for index, path in enumerate(paths):
        results.append(run_file(path, data=(inputs or {}).get(path), **options))
        if on_result:
            on_result(index, results[-1])
    return results


def _size(path: str, inputs: dict | None) -> int:
    """How much there is to check, as far as the parent can tell cheaply: the source's size."""
    given = (inputs or {}).get(path)
    if isinstance(given, (bytes, str)):
        return len(given)
    try:
        return os.stat(path).st_size if given is None and path != "-" else 0
    except (OSError, ValueError):
        return 0


def _death(process) -> str:
    code = process.exitcode
    if code == -signal.SIGXCPU:
        return "the CPU time limit was hit (the worker process was stopped)"
    if code == -signal.SIGKILL:
        return "the worker process was killed (out of memory?)"
    return f"the worker process died (memory limit or crash, exit status {code})"


def dispatch_order(paths: list, inputs: dict | None = None, jobs: int = 1) -> list:
    """The indices of `paths` in the order the workers take them: as given for one worker (its output
    streams in that order); for several, the largest source first, so that a long file does not start
    last and keep the others waiting (equal sizes keep the given order)."""
    order = list(range(len(paths)))
    if jobs > 1:
        order.sort(key=lambda i: -_size(paths[i], inputs))
    return order


def run_all(paths: list, *, jobs: int, deadline: float, options: dict, inputs: dict | None = None,
            on_result=None, on_start=None) -> list:
    """runner.run_file(path, **options) for every path in worker processes, results in the order of `paths`.

    Each step may take runner.step_limit(timeout), and never more than `deadline`. `inputs` maps
    a path to its source (bytes, or a loaded Problem) when it is not read from disk. `on_start()`
    runs once the workers are started, while they import the checking code (a renderer's imports
    in this process then cost no time of their own).
    """
    if multiprocessing.current_process().daemon:  # a daemon (a grader's multiprocessing.Pool) cannot start
        return _in_process(paths, options, inputs, on_result)  # workers: check here, without the kill
    fork = hasattr(os, "fork")
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    jobs = max(1, min(jobs, len(paths)))
    if fork and jobs > 1 and not os.environ.get("DERIVCHECK_NO_WARM"):
        warm()  # forked workers inherit the loaded modules: none of them imports sympy again
    memory = memory_limit(jobs)
    slots = [_Slot(ctx, options, memory) for _ in range(jobs)]
    if on_start:
        on_start()
    pending = [(i, paths[i], {}) for i in reversed(dispatch_order(paths, inputs, jobs))]  # a stack: the next on top
    results: list = [None] * len(paths)
    partial: dict = {}  # index → {claim index: ClaimResult} decided so far

    def finish(index: int, result: ProblemResult) -> None:
        results[index] = result
        partial.pop(index, None)
        if on_result:
            on_result(index, result)

    def overrun(k: int, slot: _Slot, what: str) -> None:
        """The slot's step hit a limit: decide what that means, replace the worker, resume if we can."""
        index, path = slot.job
        info = slot.info
        slot.kill()
        slots[k] = _Slot(ctx, options, memory)
        done = partial.get(index, {})
        if info.get("kind") == "claim":
            claim = info["claim"]
            done[claim["index"]] = limit_claim(claim, what)
            partial[index] = done
            pending.append((index, path, dict(done)))  # resume after the claim, in a fresh worker
        elif info.get("kind") == "steps" and done:
            claims = tuple(done[i] for i in sorted(done))
            finish(index, ProblemResult(file=path, id=info.get("id", stem(path)), title=info.get("title", ""), claims=claims))
        else:
            where = {"load": " while loading the problem", "derive": " while deriving", "start": " while starting",
                     "steps": " while deriving the steps", "audit": " while auditing", "hessian": " while computing the Hessian",
                     "graph": " while computing the graph"}
            finish(index, limit_result(path, what + where.get(info.get("kind"), "")))

    try:
        while pending or any(s.job is not None for s in slots):
            for k, slot in enumerate(slots):
                if slot.job is None and pending:
                    index, path, done = pending.pop()
                    try:
                        slot.start(index, path, (inputs or {}).get(path), done)
                    except OSError:  # the idle worker had died: replace it and try again
                        slot.job = None
                        slot.kill()
                        slots[k] = _Slot(ctx, options, memory)
                        pending.append((index, path, done))
            busy = [s for s in slots if s.job is not None]
            wait([s.conn for s in busy] + [s.process.sentinel for s in busy], timeout=0.05)
            for k, slot in enumerate(list(slots)):
                if slot.job is None:
                    continue
                index, path = slot.job
                finished = False
                try:
                    while not finished and slot.conn.poll():
                        kind, got, *payload = slot.conn.recv()
                        if kind == "phase":
                            slot.started, slot.info = time.monotonic(), payload[1]
                            slot.limit = _sane(min(_sane(float(payload[0])), _sane(deadline)))
                        elif kind == "claim":
                            partial.setdefault(got, {})[payload[0].index] = payload[0]
                        else:
                            finish(got, payload[0])
                            slot.job, finished = None, True
                except (EOFError, OSError):
                    pass
                if finished:
                    continue
                if not slot.process.is_alive():
                    slot.process.join(0.1)
                    overrun(k, slot, _death(slot.process))
                elif time.monotonic() - slot.started > slot.limit:
                    timeout = slot.info.get("timeout")
                    what = (f"time limit of {slot.limit:g} s for the claim was hit (2 × --timeout {timeout:g} s + 2 s)"
                            if slot.info.get("kind") == "claim" and timeout else f"time limit of {slot.limit:g} s was hit")
                    overrun(k, slot, what)
    finally:
        for slot in slots:
            try:
                slot.conn.send(None)
            except (OSError, BrokenPipeError, ValueError):
                pass
            try:
                slot.kill()
            except (OSError, ValueError):
                pass
    return results
