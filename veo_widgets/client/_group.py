"""The async driver's group commit: the journal writes that many jobs' plans ask for in the
same moment (a thousand creates' rows, the status changes of one round of polls) go in one
transaction, by one worker thread, instead of one thread hop and one commit (one sync of
the file) each.

Nothing is weakened: each plan still waits until its own write is committed before it goes
on, so a create's row is on disk before its create is sent, as when written alone. If the
shared transaction fails, each write is tried again alone, so an error reaches only the
plan whose write caused it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from ..journal._store import Journal
from ..protocol._steps import Local

__all__ = ["GroupWriter"]


class GroupWriter:
    """Collects the journal writes asked for during one turn of the event loop, then
    performs them (``perform(step)``, blocking: in a worker thread) in one transaction,
    and then ``after(steps)`` once for them all (learning the charges of the jobs written)."""

    def __init__(
        self,
        journal: Journal,
        perform: Callable[[Local], Any],
        after: Callable[[Sequence[Local]], Any] | None = None,
    ) -> None:
        self._journal = journal
        self._perform = perform
        self._after = after
        self._pending: list[tuple[Local, asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, step: Local) -> Any:
        """Perform ``step`` with whatever else is waiting; return once it is committed (or
        raise what it raised)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((step, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.ensure_future(self._flush())
        # Shielded: a cancelled caller neither cancels the others' write nor its own.
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        while self._pending:
            await asyncio.sleep(0)  # let the other plans of this turn join the batch
            batch, self._pending = self._pending, []
            outcomes = await asyncio.to_thread(self._write_all, [step for step, _ in batch])
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _write_all(self, steps: Sequence[Local]) -> list[tuple[bool, Any]]:
        """Every step in one transaction; if that fails, each alone."""
        if len(steps) > 1:
            try:
                with self._journal.together():
                    done = [(True, self._perform(step)) for step in steps]
                    self._finish(steps)
                    return done
            except Exception:
                pass
        outcomes: list[tuple[bool, Any]] = []
        for step in steps:
            try:
                value = self._perform(step)
                self._finish([step])
                outcomes.append((True, value))
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes

    def _finish(self, steps: Sequence[Local]) -> None:
        if self._after is not None:
            self._after(steps)
