"""Which solver level a long run is at, on stderr.

:func:`solidarity.optimise.solve.solve` calls its ``progress`` with the level it
starts and the seconds each earlier level took. :class:`LevelProgress` turns
that into what a person waiting sees: nothing for a run shorter than
``after`` seconds; then, on a terminal, one rich status line (the level
being solved and how long the previous ones took); with ``verbose``, a plain
line per level instead, whatever stderr is (logs, CI).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO


def _done(finished: list[tuple[str, float]]) -> str:
    return ", ".join(f"{name} {sec:.2f} s" for name, sec in finished)


class LevelProgress:
    """A ``progress`` callback for :func:`solidarity.optimise.solve.solve`."""

    def __init__(self, verbose: bool = False, after: float = 2.0, stream: TextIO | None = None,
                 terminal: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.verbose = verbose
        self.after = after
        self.terminal = self.stream.isatty() if terminal is None else terminal
        self.start = time.perf_counter()
        self.level: str | None = None
        self.finished: list[tuple[str, float]] = []
        self._status: Any = None  #: a rich Status once shown
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def text(self) -> str:
        took = time.perf_counter() - self.start
        head = f"solving level {self.level}" if self.level else "solved"
        return f"{head} ({took:.1f} s; done: {_done(self.finished) or 'none'})"

    def __call__(self, level: str | None, finished: list[tuple[str, float]]) -> None:
        """``level`` starts (None: all done); ``finished`` so far."""
        with self._lock:
            self.level, self.finished = level, list(finished)
            if self.verbose:
                if level is not None:
                    last = f"; {_done(self.finished[-1:])}" if self.finished else ""
                    took = time.perf_counter() - self.start
                    print(f"solving level {level} ({took:.1f} s{last})", file=self.stream, flush=True)
                return
            if not self.terminal:
                return
            if self._status is not None:
                self._status.update(self.text())
            elif self._timer is None and level is not None:
                wait = max(self.after - (time.perf_counter() - self.start), 0.0)
                self._timer = threading.Timer(wait, self._show)
                self._timer.daemon = True
                self._timer.start()
        if level is None:
            self.close()

    def _show(self) -> None:
        with self._lock:
            if self.level is None or self._status is not None:
                return
            from rich.console import Console

            status = Console(file=self.stream, force_terminal=True).status(self.text())
            status.start()
            self._status = status

    def close(self) -> None:
        """Stop the status line (and a pending timer)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            if self._status is not None:
                self._status.stop()
                self._status = None
