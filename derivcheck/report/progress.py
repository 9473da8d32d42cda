"""`check`'s progress bar for the machine formats (text streams a line per problem instead)."""

from __future__ import annotations

import sys


class ProgressBar:
    """A rich progress bar on stderr, shown only on a terminal and only once the run has taken
    more than a moment (so quick runs and CI logs stay clean)."""

    DELAY = 0.7

    def __init__(self, total: int, enabled: bool):
        import threading

        self.total, self.done, self.enabled = total, 0, enabled
        self.lock = threading.Lock()
        self.bar = self.task = None
        self.timer = threading.Timer(self.DELAY, self._show) if enabled else None
        if self.timer is not None:
            self.timer.daemon = True
            self.timer.start()

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with self.lock:
            if not self.enabled:
                return
            self.bar = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                console=Console(file=sys.stderr), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("check", total=self.total, completed=self.done)

    def advance(self) -> None:
        with self.lock:
            self.done += 1
            if self.bar is not None:
                self.bar.update(self.task, completed=self.done)

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        with self.lock:
            self.enabled = False
            if self.bar is not None:
                self.bar.stop()
                self.bar = None
