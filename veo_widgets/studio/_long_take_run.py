"""A long take on its way: the thread that makes its links in order, one card's worth of
state per link, and the fallback that continues from a last frame when extend keeps failing.

See ``_long_take`` for the public functions that plan, price and start one.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import ValidationError, WaitCancelled
from ..schema._models import Job
from ._chain import ChainPlan, Link, continue_links
from ._links import extend_failed, made_link, may_be_billed, stitch_film

__all__ = ["LinkState", "LongTakeRun", "notice"]

log = logging.getLogger("veo_widgets")


@dataclass
class LinkState:
    """How one link of a running chain goes (what a card per link shows)."""

    index: int
    prompt: str
    total: float
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
        self.film: Path | None = None
        """The stitched film, when links continued from a last frame (the fallback)."""
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
            origin = self._origin()
            previous = origin
            for link in self.plan.links:
                if self._stop.is_set():  # between links: the next one was never sent
                    raise WaitCancelled(None, submitted=False)
                previous = self._link(link, previous)
            assert previous is not None
            if self.plan.stitched:
                self.film = stitch_film(self.plan, [s.job for s in self.links], origin)
                previous = previous.evolve(path=self.film)
                notice(self._ops, f"Long take {self.chain}: the film is stitched with crossfades: {self.film}")
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
            try:
                job = self._make(link, previous, state)
            except Exception as exc:
                if not (self.plan.fallback == "continue" and link.relation == "extend" and self._mendable(link, exc)):
                    raise
                job = self._fall_back(link, previous, state, exc)
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

    def _mendable(self, link: Link, exc: Exception) -> bool:
        """An extend that failed in a way another try (or continuing from the last frame) may
        get round, and whose link has no job that exists or may: an error while polling a job
        that was made (its poll refused, say) is never paid for again by a fallback."""
        return extend_failed(exc) and not may_be_billed(self._ops.journal, self.plan, link)

    def _fall_back(self, link: Link, previous: Job | None, state: LinkState, first: Exception) -> Job:
        """Extend once more; if it fails again, the rest of the chain continues from the last
        frame (saved in the plan, so a resume goes on the same way), and says so."""
        state.status = "submitting"
        self._changed()
        try:
            return self._make(link, previous, state)
        except Exception as exc:
            if not self._mendable(link, exc):
                raise
            again = exc
        continue_links(self.plan, link.index)
        self.plan.save()
        for one, planned in zip(self.links, self.plan.links, strict=True):
            one.total = planned.total
        notice(
            self._ops,
            f"Long take {self.chain}: extending link {link.index + 1} failed twice ({first}; {again}); "
            f"the rest continues from the last frame and is stitched with a {self.plan.crossfade:g} s "
            f"crossfade ({self.plan.describe()}).",
        )
        state.status = "submitting"
        self._changed()
        return self._make(self.plan.links[link.index], previous, state)

    def _origin(self) -> Job | None:
        """The finished clip a lengthening chain starts from (None: the chain makes its own)."""
        if self.plan.origin is None:
            return None
        found: Job | None = self._ops.journal.find(self.plan.origin)
        if found is None or not found.ok:
            raise ValidationError(
                "origin", f"the clip {self.plan.origin} this chain lengthens is not a finished job here"
            )
        if found.path is None or not Path(found.path).is_file():
            self._ops.download(found.id)
            found = self._ops.journal.find(found.id) or found
        return found

    def _make(self, link: Link, previous: Job | None, state: LinkState) -> Job:
        lineage: dict[str, str | None] = {"batch": self.plan.key(link.index)}
        options: dict[str, Any] = {"model": link.model, "duration": link.duration, **self.plan.shared}
        if self._save_to(link) is not None:
            options["save_to"] = self._save_to(link)
        if link.relation == "first":
            image = self._image if self._image is not None else self.plan.image
            run = self._ops.start(link.prompt, image, lineage=lineage, **options, **self.plan.options)
        elif link.relation == "continue":
            assert previous is not None
            lineage.update(parent_id=previous.id, relation="continue")
            options.update(self.plan.first_options(link))
            from ..media._media import last_frame  # PyAV: loaded when a link continues, not with the panel

            run = self._ops.start(link.prompt, last_frame(previous), lineage=lineage, **options)
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
        last = link.index == len(self.plan.links) - 1 and not self.plan.stitched  # a film goes there instead
        if given is None or last or not Path(given).suffix:
            return given
        return str(Path(given).expanduser().parent)

    def _made(self, link: Link) -> Job | None:
        """This link's job when it needs no new create (see ``_links.made_link``)."""

        def waiting() -> None:
            self.links[link.index].status = "generating"
            self._changed()

        return made_link(self._ops, self.plan, link, self._save_to(link), waiting)
