"""An ``AsyncClient`` seen through blocking calls, for work that runs on its own thread.

A long take runs on a thread with blocking calls (one chain logic for both clients). With an
``AsyncClient``, each call is handed to the client's event loop, where its HTTP connections
belong, and the thread waits for the answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from ..schema._models import Job

__all__ = ["Bridge", "BridgedRun"]

T = TypeVar("T")


class Bridge:
    """An ``AsyncClient`` seen through blocking calls from the chain's thread: each call runs
    on the client's loop (its HTTP connections belong to that loop)."""

    def __init__(self, client: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.client, self.loop, self.journal = client, loop, client.journal
        self.on_notice = getattr(client, "on_notice", None)

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def start(self, *args: Any, **kwargs: Any) -> BridgedRun:
        return BridgedRun(self.call(self.client.start(*args, **kwargs)), self)

    def wait(self, job: str) -> Job:
        done: Job = self.call(self.client.wait(job))
        return done

    def download(self, job: str, path: Any = None) -> Any:
        return self.call(self.client.download(job, path))

    def reconcile(self, crid: str) -> Any:
        return self.call(self.client.reconcile(crid))


class BridgedRun:
    """An ``AsyncRun`` with a blocking ``wait`` (the chain's thread waits, the loop runs)."""

    def __init__(self, run: Any, bridge: Bridge) -> None:
        self.run, self.bridge = run, bridge

    def on_update(self, fn: Callable[[Any], Any]) -> Any:
        return self.run.on_update(fn)

    def cancel(self) -> None:
        self.bridge.loop.call_soon_threadsafe(self.run.cancel)

    def wait(self) -> Job:
        done: Job = self.bridge.call(self.run.wait())
        return done
