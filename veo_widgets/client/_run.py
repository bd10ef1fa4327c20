"""A generation in flight: :class:`Run` (a daemon thread) and :class:`AsyncRun` (a task).

``client.start(prompt, image, **options)`` validates at once (bad input raises before
anything is sent), then generates in the background: submit, wait, download. The handle
says how it goes (``job``, ``status``, ``progress``, ``elapsed``, ``done``), calls
``on_update`` callbacks on each change, stops on ``cancel()``, and hands back the saved
job from ``wait()`` / ``result()`` or raises the generation's typed error.

A ``Run`` works on a daemon thread with the blocking client, so it keeps going while the
notebook runs another cell that blocks the kernel's event loop (``time.sleep(30)``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .._errors import WaitCancelled
from ..protocol._schedule import DurationModel
from ..protocol._steps import Plan
from ..schema._models import Job

__all__ = ["AsyncRun", "Run"]

#: The generation to run, made from the callback that tells the handle of each change.
MakePlan = Callable[[Callable[[Job], None]], Plan[Job]]

log = logging.getLogger("veo_widgets")


class _Handle:
    """What both handles share: the state a person watches, and the callbacks."""

    def __init__(self, model: DurationModel, client_request_id: str) -> None:
        self.job: Job | None = None
        """The job, once the API has created it (None before)."""
        self.status = "submitting"
        """``submitting``, then the API's statuses, ``downloading``, and at the end
        ``completed``, ``cancelled`` or ``error``."""
        self.client_request_id = client_request_id
        """The ``X-Client-Request-Id`` of the create: known before it is sent."""
        self.error: BaseException | None = None
        self._model = model
        self._started = time.monotonic()
        self._ended: float | None = None
        self._result: Job | None = None
        self._callbacks: list[Callable[[Any], Any]] = []

    @property
    def elapsed(self) -> float:
        """Seconds since the run started (frozen once it ends)."""
        return (self._ended or time.monotonic()) - self._started

    @property
    def progress(self) -> float:
        """An estimate in 0..1 from how long jobs take here; 1.0 once saved."""
        if self.status == "completed":
            return 1.0
        return self._model.progress(self.elapsed)

    @property
    def done(self) -> bool:
        return self._ended is not None

    def on_update(self, fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """Call ``fn(run)`` on each change of status (from the run's thread or task)."""
        self._callbacks.append(fn)
        return fn

    def result(self) -> Job:
        """The saved job; or raise the generation's error (``WaitCancelled`` after a cancel)."""
        if not self.done:
            raise RuntimeError("the run is still going: wait() for it")
        if self.error is not None:
            raise self.error
        assert self._result is not None
        return self._result

    def _observe(self, job: Job) -> None:
        self.job = job
        # Once the job has completed, the video is being fetched until it is saved.
        self._set("downloading" if job.ok else job.status)

    def _finish(self, result: Job | None, error: BaseException | None) -> None:
        if isinstance(error, (KeyboardInterrupt, asyncio.CancelledError)):
            error = WaitCancelled(self.job, client_request_id=self.client_request_id)
        self.error = error
        self._result = result
        if result is not None:
            self.job = result
        self._ended = time.monotonic()
        self._set("completed" if error is None else "cancelled" if isinstance(error, WaitCancelled) else "error")

    def _set(self, status: str) -> None:
        self.status = status
        for fn in list(self._callbacks):
            try:
                fn(self)
            except Exception:  # a broken callback must not stop a paid generation
                log.exception("a veo run's on_update callback failed")

    def __repr__(self) -> str:
        ident = self.job.id if self.job else self.client_request_id
        return f"{type(self).__name__}({ident!r}, {self.status!r}, {self.elapsed:.0f} s)"


class Run(_Handle):
    """A generation running on a daemon thread with the blocking client.

    ``drive(plan, stop)`` is the client's blocking driver; ``plan(observe)`` makes the
    generation, which calls ``observe(job)`` on each change of the job."""

    def __init__(
        self,
        drive: Callable[[Plan[Job], threading.Event], Job],
        plan: MakePlan,
        model: DurationModel,
        client_request_id: str,
    ) -> None:
        super().__init__(model, client_request_id)
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._drive = drive
        self._plan = plan(self._observe)
        self._thread = threading.Thread(target=self._work, name=f"veo-run-{client_request_id[-6:]}", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            job = self._drive(self._plan, self._stop)
        except BaseException as exc:
            self._finish(None, exc)
        else:
            self._finish(job, None)
        finally:
            self._finished.set()

    def cancel(self) -> None:
        """Stop: a create in flight is let finish and journaled; then ``WaitCancelled``."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> Job:
        """Block until the run ends, then :meth:`result`. At ``timeout`` seconds raise
        ``TimeoutError`` (the run goes on). Ctrl-C cancels the run and waits for a create in
        flight to be answered and journaled; a second Ctrl-C stops waiting for that."""
        try:
            if not self._finished.wait(timeout):
                raise TimeoutError(f"the run is still {self.status} after {timeout:g} s; it goes on")
        except KeyboardInterrupt:
            self.cancel()
            try:
                while not self._finished.wait(0.1):  # timed, so that a second Ctrl-C is seen
                    pass
            except KeyboardInterrupt:
                raise WaitCancelled(self.job, client_request_id=self.client_request_id) from None
        return self.result()


class AsyncRun(_Handle):
    """A generation running as an asyncio task with the async client. ``await run`` waits.

    ``drive(plan, stop)`` is the client's async driver; ``plan`` as for :class:`Run`."""

    def __init__(
        self,
        drive: Callable[[Plan[Job], asyncio.Event], Awaitable[Job]],
        plan: MakePlan,
        model: DurationModel,
        client_request_id: str,
    ) -> None:
        super().__init__(model, client_request_id)
        self._stop = asyncio.Event()
        self._drive = drive
        self._plan = plan(self._observe)
        self.task: asyncio.Task[None] = asyncio.ensure_future(self._work())

    async def _work(self) -> None:
        try:
            job = await self._drive(self._plan, self._stop)
        except BaseException as exc:  # kept for result(): a task's error nobody awaits is noise
            self._finish(None, exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
        else:
            self._finish(job, None)

    def cancel(self) -> None:
        """Stop: a create in flight is let finish and journaled; then ``WaitCancelled``."""
        self._stop.set()

    async def wait(self, timeout: float | None = None) -> Job:
        """Wait for the run to end, then :meth:`result`; ``TimeoutError`` at ``timeout``
        (the run goes on)."""
        try:
            await asyncio.wait_for(asyncio.shield(self.task), timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(f"the run is still {self.status} after {timeout:g} s; it goes on") from None
        except asyncio.CancelledError:
            if not self.task.cancelled():
                raise
        return self.result()

    def __await__(self) -> Any:
        return self.wait().__await__()
