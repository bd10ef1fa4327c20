"""The ``veo`` command's live status line: a spinner, the clock and an estimate bar.

On a terminal it is redrawn in place every ``TICK`` seconds; otherwise a line is printed
per change of status. The bar is an estimate (labelled so): it never goes back, moves by
at most ``RATE * TICK`` (5 %) a redraw, never reads 100 % before the job is done, and at
the end glides there in the same small steps.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

from ..protocol._schedule import DurationModel
from ..schema._models import Job
from ..views._display import Progress, status_text

__all__ = ["RATE", "TICK", "Status"]

SPINNER = "|/-\\"
#: Seconds between redraws on a terminal.
TICK = 0.05
#: The most the shown bar moves per second of redraws: 5 % a redraw, 100 % in a second.
RATE = 1.0


class Status:
    """One live status line: redrawn in place on a terminal, a line per change otherwise."""

    def __init__(self, run: Any = None, stream: TextIO | None = None, model: DurationModel | None = None) -> None:
        self.run = run
        self.model = model
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.job: Job | None = None
        self.start = time.monotonic()
        self.shown = Progress(rate=RATE)
        self._drawn = self._glide = self.start
        self._last = ""
        self._frame = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)

    def __enter__(self) -> Status:
        if self.tty:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.tty:
            self._thread.join(1)
            if exc[0] is None:
                self.finished()
            self.stream.write("\r\033[K")
            self.stream.flush()

    def finished(self) -> None:
        """Glide to 100 % in the bar's usual small steps (at most 20 redraws, a second),
        then leave it there a moment: never a leap from an estimate to 100 %."""
        for _ in range(int(1 / (RATE * TICK)) + 2):
            self._draw(step=TICK)
            if self.shown.settled:
                break
            time.sleep(TICK)
        time.sleep(0.1)

    def update(self, job: Job) -> None:
        self.job = job
        if not self.tty and job.status != self._last:
            self._last = job.status
            print(f"{job.status:<10} {time.monotonic() - self.start:5.1f}s  {job.id}", file=self.stream, flush=True)

    def target(self, elapsed: float) -> float:
        """The estimate: 1.0 only once the job is done and saved."""
        if self.run is not None:
            return 1.0 if self.run.done and self.run.error is None else float(self.run.progress)
        if self.model is not None:
            return 1.0 if self.job is not None and self.job.ok else self.model.progress(elapsed)
        return 0.0

    def line(self, step: float | None = None) -> str:
        """The line as it stands now. The bar glides by the time since the last redraw,
        counted as one ``TICK`` at most (``step`` when given): a redraw that comes late on a
        busy machine moves it one small step, never a leap."""
        elapsed = time.monotonic() - self.start
        status = self.job.status if self.job else "submitting"
        now = time.monotonic()
        self._glide += min(now - self._drawn, TICK) if step is None else step
        self._drawn = now
        shown = self.shown.update(self.target(elapsed), self._glide)
        self._frame += 1
        return status_text(status, elapsed, shown, frame=SPINNER[(self._frame // 4) % 4])

    def _draw(self, step: float | None = None) -> None:
        with self._lock:
            self.stream.write("\r\033[K" + self.line(step))
            self.stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(TICK):
            self._draw()
