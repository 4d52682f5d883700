"""Progress of the read step on stderr, never stdout: a plan of 3,000 connections takes over a
minute at the EventBridge quota, and silence reads as a hang.

On a terminal, one live line redrawn in place (`\\r`) and erased when done; elsewhere (CI logs),
a plain line every INTERVAL seconds: `read 1,200/3,000 connections (45/s, ~40 s left)`. A few
lines of our own rather than a progress-bar library: the CI form is a log line, which such
libraries don't write, and the terminal form is one `\\r` line.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

INTERVAL = 5.0  # seconds between plain lines off a terminal
# Off a terminal, a plan of fewer reads gets no lines: at the quota it takes a second or two, and
# a line in a CI log would say nothing an error or the plan doesn't say soon after.
PLAIN_MINIMUM = 50
REDRAW = 0.25  # seconds between redraws on a terminal


class Progress:
    """Counts reads done against a total; one reporter thread while a count runs."""

    def __init__(self) -> None:
        self.enabled = True
        self._lock = threading.Lock()
        self._done = 0
        self._total = 0
        self._noun = "connections"
        self._started = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stream: TextIO | None = None
        self._live = False

    def start(self, total: int, noun: str = "connections", stream: TextIO | None = None) -> None:
        if not self.enabled or total <= 0:
            return
        self.finish()
        with self._lock:
            self._done, self._total, self._noun = 0, total, noun
            self._started = time.monotonic()
        self._stream = stream or sys.stderr
        self._live = bool(getattr(self._stream, "isatty", lambda: False)())
        if not self._live and total < PLAIN_MINIMUM:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._report, name="reconcile-progress", daemon=True)
        self._thread.start()

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self._done += n

    def line(self) -> str:
        with self._lock:
            done, total, noun = min(self._done, self._total), self._total, self._noun
            elapsed = time.monotonic() - self._started
        rate = done / elapsed if elapsed > 0 else 0.0
        left = f", ~{(total - done) / rate:,.0f} s left" if rate > 0 and done < total else ""
        return f"read {done:,}/{total:,} {noun} ({rate:,.0f}/s{left})"

    def _write(self, text: str) -> None:
        stream = self._stream
        if stream is None:
            return
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed stderr must never fail a plan

    def _report(self) -> None:
        interval = REDRAW if self._live else INTERVAL
        while not self._stop.wait(interval):
            self._write(f"\r{self.line()}\x1b[K" if self._live else self.line() + "\n")

    def finish(self) -> None:
        """Stop reporting; the live line is erased, so the plan starts on a clean line."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join()
        if self._live:
            self._write("\r\x1b[K")


PROGRESS = Progress()
