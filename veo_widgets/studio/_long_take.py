"""Long takes: one clip longer than 8 s, made by chaining extends, resumable link by link.

``veo.long_take("a fox runs through snow", seconds=22)`` makes a first clip of 8 s, then
extends the whole clip by 7 s twice (8 -> 15 -> 22 s); the last link's file is the long take.
Before the first link is sent, the chain's whole price is told and checked against the
budget (``client.afford``): a chain the budget cannot cover is refused whole, nothing sent.

Every link is started with the client's public ``start`` and journaled in the same write as
its create, with its parent (``relation`` ``extend``) and the chain's key for that link in
the ``batch`` column (``chain-1a2b...:2``). ``veo.resume(chain)`` (``veo resume CHAIN``)
reads those rows: a finished link is kept (downloaded again if its file is gone), a running
one is waited for, an unconfirmed create is looked up in the usage logs and never sent
again; only a link with no job yet, or whose job failed (billed nothing), is started. So a
failed link is retried alone, and no link is paid for twice.

The chain runs on a thread with blocking calls. With an ``AsyncClient``, each call is
handed to the client's event loop (:class:`_Bridge`), so one chain logic serves both.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import VeoError, WaitCancelled
from ..client._client import Client
from ..schema._models import Job, JobStatus
from ._bridge import Bridge
from ._chain import ChainPlan, Link, load_chain, plan_long_take

__all__ = [
    "LinkState",
    "LongTakeRun",
    "along_take",
    "aresume",
    "astart_long_take",
    "long_take",
    "resume",
    "start_long_take",
]

log = logging.getLogger("veo_widgets")


@dataclass
class LinkState:
    """How one link of a running chain goes (what a card per link shows)."""

    index: int
    prompt: str
    total: int
    """The whole clip's length once this link is made."""
    status: str = "waiting"
    """``waiting``, ``made`` (found finished in the journal), the run's statuses
    (``submitting``, ``queued``, ``generating``, ``downloading``), then ``completed``,
    ``error`` or ``cancelled``."""
    job: Job | None = None
    progress: float = 0.0


def notice(client: Any, text: str) -> None:
    """One line for the person, as the client tells its own (``on_notice``, else stderr)."""
    log.info(text)
    told = getattr(client, "on_notice", None)
    if callable(told):
        told(text)
    else:
        print(f"veo_widgets: {text}", file=sys.stderr)


class LongTakeRun:
    """A long take on its way: ``chain`` (its id), ``links`` (one :class:`LinkState` each),
    ``status``, ``progress``; ``wait()`` gives the final clip's job (``await run`` with an
    ``AsyncClient``), ``cancel()`` stops after the link in flight is journaled (it may
    still be made and billed: ``veo.resume(chain)`` picks it up)."""

    def __init__(self, ops: Any, plan: ChainPlan, estimate: Any = None, image: Any = None) -> None:
        self.chain = plan.chain
        self.plan = plan
        self.estimate = estimate
        """The chain's price before its first link (an ``Estimate``), or None on a resume."""
        self.links = [LinkState(link.index, link.prompt, link.total) for link in plan.links]
        self._ended_as: str | None = None
        self._started = time.monotonic()
        self._ended: float | None = None
        self.error: BaseException | None = None
        self._ops, self._image = ops, image
        self._result: Job | None = None
        self._current: Any = None
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._callbacks: list[Callable[[LongTakeRun], Any]] = []
        self._thread = threading.Thread(target=self._work, name=f"veo-{plan.chain}", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ what a person watches

    @property
    def progress(self) -> float:
        """0..1 over the chain's seconds (a made link counts whole)."""
        total = self.links[-1].total
        done = 0.0
        for state, link in zip(self.links, self.plan.links, strict=True):
            share = 1.0 if state.status in ("made", "completed") else state.progress
            done += share * link.duration
        return min(1.0, done / total)

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    @property
    def status(self) -> str:
        """The link in the making's status (``submitting``, ``queued``, ``generating``,
        ``downloading``), then ``completed``, ``cancelled`` or ``error``."""
        if self._ended_as is not None:
            return self._ended_as
        current = next((s for s in self.links if s.status not in ("made", "completed", "waiting")), None)
        return current.status if current is not None else "submitting"

    @property
    def elapsed(self) -> float:
        """Seconds since the chain started (frozen once it ends)."""
        return (self._ended or time.monotonic()) - self._started

    @property
    def job(self) -> Job | None:
        """The longest clip made so far (the final one once done)."""
        made = [s.job for s in self.links if s.status in ("made", "completed") and s.job is not None]
        return made[-1] if made else None

    def on_update(self, fn: Callable[[LongTakeRun], Any]) -> Callable[[LongTakeRun], Any]:
        """Call ``fn(run)`` on each change of a link (from the chain's thread)."""
        self._callbacks.append(fn)
        return fn

    def cancel(self) -> None:
        self._stop.set()
        current = self._current
        if current is not None:
            current.cancel()

    def wait(self, timeout: float | None = None) -> Job:
        """Block until the chain ends; its final clip, or the error that stopped it."""
        if not self._finished.wait(timeout):
            raise TimeoutError(f"the long take {self.chain} is still running after {timeout:g} s; it goes on")
        return self.result()

    def result(self) -> Job:
        if not self.done:
            raise RuntimeError("the long take is still going: wait() for it")
        if self.error is not None:
            raise self.error
        assert self._result is not None
        return self._result

    def __await__(self) -> Any:
        return asyncio.to_thread(self.wait).__await__()

    def __repr__(self) -> str:
        made = sum(s.status in ("made", "completed") for s in self.links)
        return f"LongTakeRun({self.chain!r}, {self.status!r}, {made}/{len(self.links)} links, {self.plan.seconds} s)"

    # ------------------------------------------------------------ the chain

    def _changed(self) -> None:
        for fn in list(self._callbacks):
            try:
                fn(self)
            except Exception:  # a broken callback must not stop a paid chain
                log.exception("a long take's on_update callback failed")

    def _work(self) -> None:
        try:
            previous: Job | None = None
            for link in self.plan.links:
                if self._stop.is_set():  # between links: the next one was never sent
                    raise WaitCancelled(None, submitted=False)
                previous = self._link(link, previous)
            self._result = previous
            self._ended_as = "completed"
        except BaseException as exc:
            self.error = exc
            self._ended_as = "cancelled" if isinstance(exc, WaitCancelled) else "error"
            if isinstance(exc, WaitCancelled):
                made = sum(s.status in ("made", "completed") for s in self.links)
                notice(
                    self._ops,
                    f"Long take {self.chain} stopped with {made} of {len(self.links)} links made; "
                    f"veo.resume({self.chain!r}) or `veo resume {self.chain}` goes on (a link in flight is waited for).",
                )
        finally:
            self._ended = time.monotonic()
            self._finished.set()
            self._changed()

    def _link(self, link: Link, previous: Job | None) -> Job:
        state = self.links[link.index]
        found = self._made(link)
        if found is not None:
            state.status, state.job = "made", found
            self._changed()
            return found
        state.status = "submitting"
        self._changed()
        try:
            job = self._make(link, previous, state)
        except BaseException as exc:
            state.status = "cancelled" if isinstance(exc, WaitCancelled) else "error"
            self._changed()
            if isinstance(exc, Exception) and not isinstance(exc, WaitCancelled):
                notice(
                    self._ops,
                    f"Link {link.index + 1} of {self.chain} failed ({exc}); veo.resume({self.chain!r}) makes it "
                    "again, keeping the links before it.",
                )
            raise
        state.status, state.job, state.progress = "completed", job, 1.0
        self._changed()
        return job

    def _make(self, link: Link, previous: Job | None, state: LinkState) -> Job:
        lineage: dict[str, str | None] = {"batch": self.plan.key(link.index)}
        options: dict[str, Any] = {"model": link.model, "duration": link.duration, **self.plan.shared}
        if self._save_to(link) is not None:
            options["save_to"] = self._save_to(link)
        if link.index == 0:
            image = self._image if self._image is not None else self.plan.image
            run = self._ops.start(link.prompt, image, lineage=lineage, **options, **self.plan.options)
        else:
            assert previous is not None
            lineage.update(parent_id=previous.id, relation="extend")
            run = self._ops.start(link.prompt, None, video=previous, lineage=lineage, **options)

        def follow(handle: Any) -> None:
            state.status, state.job = handle.status, handle.job
            state.progress = float(handle.progress)
            self._changed()

        run.on_update(follow)
        self._current = run
        try:
            if self._stop.is_set():
                run.cancel()
            job: Job = run.wait()
        finally:
            self._current = None
        return job

    def _save_to(self, link: Link) -> str | None:
        """Where ``link`` is saved: ``save_to``; when that names a file, only the final clip
        goes there and the links before it beside it (each link's file is the whole clip so far)."""
        given = self.plan.save_to
        if given is None or link.index == len(self.plan.links) - 1 or not Path(given).suffix:
            return given
        return str(Path(given).expanduser().parent)

    def _saved(self, row: Job) -> Job:
        """``row`` as the journal has it now (with the path of its download)."""
        found: Job | None = self._ops.journal.find(row.id)
        return found or row

    def _made(self, link: Link) -> Job | None:
        """This link's finished job from the journal (downloaded again if its file is gone),
        a running one waited for, or None when it has to be made (never made, or failed)."""
        rows: list[Job] = self._ops.journal.page(0, None, batch=self.plan.key(link.index))
        for row in rows:
            if JobStatus.is_success(row.status) and row.id:
                if row.path is None or not row.path.is_file():
                    self._ops.download(row.id, self._save_to(link))
                    return self._saved(row)
                return row
        for row in rows:
            if row.id and JobStatus.is_pending(row.status):
                self.links[link.index].status = "generating"
                self._changed()
                self._ops.wait(row.id)
                self._ops.download(row.id, self._save_to(link))
                return self._saved(row)
        for row in rows:
            if not row.id and row.client_request_id and str(row.status).lower() == "unconfirmed":
                self._ops.reconcile(row.client_request_id)
                found = self._ops.journal.find(row.client_request_id)
                if found is not None and found.id:
                    self._ops.wait(found.id)
                    self._ops.download(found.id, self._save_to(link))
                    return self._saved(found)
                raise VeoError(
                    f"link {link.index + 1} of {self.chain}: its create may have reached the API and is not "
                    "found yet; run `veo reconcile`, then resume (it is never sent twice)",
                    may_exist=True,
                    client_request_id=row.client_request_id,
                )
        return None  # never made, or every attempt failed (a failed generation bills nothing)


# ---------------------------------------------------------------- the public functions


def _default_client(client: Any) -> Any:
    return client if client is not None else Client()


def start_long_take(
    prompt: str,
    image: Any = None,
    *,
    seconds: float = 22,
    prompts: Sequence[str] | None = None,
    model: str | None = None,
    client: Any = None,
    save_to: Any = None,
    **options: Any,
) -> LongTakeRun:
    """Plan a long take of ``seconds``, tell and check its whole price, save its plan, and
    start it on a thread; returns the :class:`LongTakeRun` at once. Bad input, or a chain
    the budget cannot cover, raises here and nothing is sent."""
    client = _default_client(client)
    plan = plan_long_take(
        prompt, seconds=seconds, image=image, prompts=prompts, model=model, options=options,
        save_to=str(save_to) if save_to is not None else None,
    )  # fmt: skip
    estimate = client.afford(plan.priced())
    return _begin(client, plan, estimate, image)


def _begin(ops: Any, plan: ChainPlan, estimate: Any, image: Any) -> LongTakeRun:
    plan.save()
    notice(
        ops,
        f"Long take {plan.chain}: {plan.describe()}, estimated at {estimate.describe()}. If it stops, "
        f"veo.resume({plan.chain!r}) or `veo resume {plan.chain}` goes on from the last finished link.",
    )
    return LongTakeRun(ops, plan, estimate, image)


def long_take(prompt: str, image: Any = None, *, seconds: float = 22, **kwargs: Any) -> Job:
    """Make a clip of ``seconds`` (8, 15, 22, ... up to 148 s) by chaining extends, and
    return the final clip's job (``path``: the whole clip). See :func:`start_long_take`."""
    return start_long_take(prompt, image, seconds=seconds, **kwargs).wait()


def resume(chain: str, *, client: Any = None, image: Any = None) -> Job:
    """Go on with long take ``chain`` from its last finished link: links already made are
    not paid for again. ``image`` is needed only when the first clip was never made and its
    image was not a file or URL."""
    return resume_run(chain, client=client, image=image).wait()


def resume_run(chain: str, *, client: Any = None, image: Any = None) -> LongTakeRun:
    """:func:`resume`, started on a thread: the :class:`LongTakeRun` at once."""
    return LongTakeRun(_default_client(client), load_chain(chain), None, image)


async def astart_long_take(
    prompt: str,
    image: Any = None,
    *,
    client: Any,
    seconds: float = 22,
    prompts: Sequence[str] | None = None,
    model: str | None = None,
    save_to: Any = None,
    **options: Any,
) -> LongTakeRun:
    """:func:`start_long_take` for an ``AsyncClient`` (``await run`` waits for the clip)."""
    plan = plan_long_take(
        prompt, seconds=seconds, image=image, prompts=prompts, model=model, options=options,
        save_to=str(save_to) if save_to is not None else None,
    )  # fmt: skip
    estimate = await client.afford(plan.priced())
    return _begin(Bridge(client, asyncio.get_running_loop()), plan, estimate, image)


async def along_take(prompt: str, image: Any = None, *, client: Any, seconds: float = 22, **kwargs: Any) -> Job:
    """:func:`long_take` for an ``AsyncClient``."""
    run = await astart_long_take(prompt, image, client=client, seconds=seconds, **kwargs)
    job: Job = await run
    return job


async def aresume(chain: str, *, client: Any, image: Any = None) -> Job:
    """:func:`resume` for an ``AsyncClient``."""
    job: Job = await LongTakeRun(Bridge(client, asyncio.get_running_loop()), load_chain(chain), None, image)
    return job
