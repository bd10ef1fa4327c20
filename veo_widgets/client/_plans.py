"""Every operation, written once, as a *plan*.

A plan is a generator that composes the protocol's flows with ``yield from`` and yields the
local steps of ``protocol/_steps`` (journal, files, images), so that it never does I/O
itself: a driver (``_drivers``) performs every step, and cleans up after an interrupt.
:class:`Plans` writes them over a client's core (server, key, journal, policy) and asks its
money rules (``_money``) before a create and after a lost create answer.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .._errors import ValidationError, VeoError, WaitCancelled
from ..journal._store import NOT_SUBMITTED, UNCONFIRMED, Journal
from ..protocol._download import result_flow
from ..protocol._flows import Sleep, create_flow, new_client_request_id, poll_flow
from ..protocol._schedule import DurationModel, PollSchedule, build_schedule
from ..protocol._steps import (
    Call,
    Commit,
    Discard,
    Learn,
    Plan,
    Prepare,
    Record,
    RecordOutcome,
    RecordSubmission,
    Resolve,
    Stopped,
)
from ..schema._images import is_remote
from ..schema._models import Job, VideoRequest
from ..schema._output import part_file
from ._core import Core
from ._money import Money
from ._published import published_plan

__all__ = ["OnUpdate", "Plans", "job_model"]

OnUpdate = Callable[[Job], Any]

#: Past jobs of a model after which its published percentiles are no longer asked for.
ENOUGH_HISTORY = 8
#: A heartbeat promises the next poll within the sleep before it plus this many seconds
#: (room for the poll itself, retries and a slow answer).
HEARTBEAT_GRACE = 30.0


_JOB_FIELDS = frozenset(f.name for f in dataclasses.fields(Job))


def job_model(job: Job) -> str | None:
    """The model a job was made with, as far as it is known."""
    model = getattr(job, "model", None) or (job.request or {}).get("model")
    return str(model) if model else None


def _local_path(video: Any) -> bool:
    """A video given as a local file's name or path (not a URL, not a data URI)."""
    if isinstance(video, Path):
        return True
    return isinstance(video, str) and bool(video.strip()) and not is_remote(video)


class Plans:
    """The plans of every operation, over a client's core and its money rules."""

    def __init__(self, core: Core, money: Money) -> None:
        self._core = core
        self._money = money

    # ------------------------------------------------------------ plans

    def _schedule(self, job: Job) -> Plan[PollSchedule]:
        """When to poll ``job``: learned from this machine's jobs of its model, starting from
        the API's published percentiles for the model while that history is short."""
        if self._core.schedule is not None:
            return self._core.schedule
        model = job_model(job)
        total, generating = yield Learn(model)
        published: DurationModel | None = None
        if model and len(total) < ENOUGH_HISTORY:
            published = yield from published_plan(self._core.base_url, model)
        return build_schedule(total, generating, self._core.prior(model, published))

    def prepare(
        self, prompt: object, image: Any, options: Mapping[str, Any]
    ) -> Plan[tuple[VideoRequest, dict[str, Any]]]:
        """Validate and build the request (as a step: off the event loop). A finished Job
        given as ``video`` (extend) becomes its saved file, or a fresh URL of it, and the new
        job will record which one it extends; so will a local file that is a job's saved one."""
        options = dict(options)
        lineage: dict[str, Any] = {}
        video = options.get("video")
        if isinstance(video, Job):
            lineage = {"parent_id": video.id, "relation": "extend"}
            options["video"] = yield from self._video_source(video)
        elif _local_path(video):
            parent: Job | None = yield Call(self._core.journal.find_by_path, (video,))
            if parent is not None and parent.id:
                lineage = {"parent_id": parent.id, "relation": "extend"}
        request: VideoRequest = yield Prepare(prompt, image, options)
        return request, lineage

    def _video_source(self, job: Job) -> Plan[Path | str]:
        if job.path is not None and Path(job.path).is_file():
            return Path(job.path)
        # Result URLs expire: ask for a fresh one rather than trusting the one on the Job.
        fresh = yield from self.get(job.evolve(video_url=None))
        if not (fresh.ok and fresh.video_url):
            raise ValidationError("video", f"{job.id} is {fresh.status}: only a finished video can be extended")
        return fresh.video_url

    def submit(
        self,
        request: VideoRequest,
        on_submit: OnUpdate | None = None,
        client_request_id: str | None = None,
        lineage: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Plan[Job]:
        """Journal, then create the job. A lost answer is looked up in the usage logs for at
        most ``timeout`` seconds (the caller's) and ``reconcile_timeout``, whichever is less."""
        core = self._core
        core.headers()  # a missing key is reported before anything is journaled or sent
        estimate = yield from self._money.admit(request)  # a budget refuses it here
        crid = client_request_id or new_client_request_id()
        yield RecordSubmission(crid, core.base_url, core.demo, request.summary(), {**(lineage or {}), **estimate})
        try:
            job = yield from create_flow(request, client_request_id=crid, path=core.create_path, retry=core.retry)
        except Stopped as stopped:
            if stopped.in_flight:
                yield RecordOutcome(crid, UNCONFIRMED, "interrupted while the create request was in flight")
                raise WaitCancelled(None, client_request_id=crid, submitted=True) from None
            # Other stops arrive before a send or in a backoff, and a create is retried only
            # when the server surely refused it: so no try of this one can have made a job.
            yield RecordOutcome(crid, NOT_SUBMITTED, "cancelled before the create request was sent")
            raise WaitCancelled(None, client_request_id=crid, submitted=False) from None
        except VeoError as exc:
            yield RecordOutcome(crid, UNCONFIRMED if exc.may_exist else NOT_SUBMITTED, str(exc))
            if not exc.may_exist:
                raise
            # The job may exist: look for it in the usage logs, never send it twice.
            job = yield from self._money.lost.recover(request, crid, exc, timeout)
        now = datetime.now(timezone.utc)
        known = {k: v for k, v in {**(lineage or {}), "model": request.model}.items() if k in _JOB_FIELDS}
        job = job.evolve(base_url=core.base_url, demo=core.demo, created_at=now, updated_at=now, **known)
        yield Record(job)
        if on_submit is not None:
            on_submit(job)
        return job

    def get(self, job: Job | str) -> Plan[Job]:
        """One poll of the job; its state journaled."""
        found = yield from _resolved(job)
        flow = poll_flow(
            found,
            timeout=None,
            schedule=PollSchedule(),
            path=self._core.create_path,
            once=True,
            pace=self._core.poll_budget,
        )
        try:
            result = yield from flow
        except Stopped:
            raise WaitCancelled(found) from None
        yield Record(result)
        return result

    def wait(self, job: Job | str, timeout: float | None, on_update: OnUpdate | None) -> Plan[Job]:
        """Poll until the job is done, journaling each change and a heartbeat."""
        found = yield from _resolved(job)
        if found.ok and found.video_url:
            return found
        schedule = yield from self._schedule(found)
        pending: list[Job] = []
        flow = poll_flow(
            found,
            timeout=timeout,
            schedule=schedule,
            path=self._core.create_path,
            retry=self._core.retry,
            on_update=pending.append,
            pace=self._core.poll_budget,
        )
        beat = _Heartbeat(self._core.journal, found.id)
        try:
            step = next(flow)
            while True:
                until = beat.due(step.seconds) if isinstance(step, Sleep) else None
                # A status change just seen carries the heartbeat in its own write; else one.
                if not (yield from _report(pending, on_update, until)) and until is not None:
                    yield Call(self._core.journal.watch, (found.id, until))
                step = flow.send((yield step))
        except StopIteration as done:
            yield from _report(pending, on_update)
            result: Job = done.value
            return result  # done: its status says so, the heartbeat no longer matters
        except Stopped:
            yield from beat.stop()
            raise WaitCancelled(found) from None
        except VeoError:
            yield from _report(pending, on_update)  # a failed job is journaled failed
            yield from beat.stop()  # a timeout leaves the job to whoever resumes it
            raise

    def _fetch_plan(self, job: Job, target: Path) -> Plan[Job]:
        """Save ``job``'s video at ``target``; a refused (expired) link is swapped for a
        fresh one by polling the job (``result_flow``). Returns the job with the link used.

        Each download has a part file of its own (``part_file``): two downloads of one job to
        one place each write whole, and the last atomic move wins."""
        part = part_file(target)
        try:
            job = yield from result_flow(job, part, self._core.retry, path=self._core.create_path)
        except (VeoError, Stopped):
            yield Discard(part)
            raise
        yield Commit(part, target)
        return job

    def download(self, job: Job | str, path: Any) -> Plan[Path]:
        """Stream the finished video to ``path`` (through a part file); journal where it is."""
        yield Call(self._core.output_ready, (path,))
        found = yield from _resolved(job)
        try:
            return (yield from self._save(found, path))
        except Stopped:
            raise WaitCancelled(found) from None

    def _save(self, found: Job, path: Any) -> Plan[Path]:
        # Saved before: downloaded again to where it was (the gallery, the audit and resume
        # point at that path), not under a name made again from the API's creation time.
        known = Path(found.path) if path is None and found.path else None
        if not (found.ok and found.video_url) or (found.base_url and found.base_url != self._core.base_url):
            # Not finished, or found in the journal from another session whose URL may point
            # at a server that is gone (a restarted demo emulator): ask for a fresh one.
            found = yield from self.get(found)
            if not found.ok:
                raise ValidationError("job", f"{found.id} is {found.status}, not completed; wait for it first")
        target = known or self._core.target(found, path)  # only names a path: nothing touches the disk
        found = yield from self._fetch_plan(found, target)
        yield Record(found.evolve(path=target.resolve()))
        return target

    def generate(
        self,
        request: VideoRequest,
        save_to: Any,
        timeout: float | None,
        on_update: OnUpdate | None,
        on_submit: OnUpdate | None,
        client_request_id: str | None = None,
        lineage: Mapping[str, Any] | None = None,
    ) -> Plan[Job]:
        """Submit, wait, download: the saved job. An output path that cannot be written is
        refused first, before anything is sent."""
        yield Call(self._core.output_ready, (save_to,))
        job = yield from self.submit(request, on_submit, client_request_id, lineage, timeout)
        job = yield from self.wait(job, timeout, on_update)
        path = yield from self.download(job, save_to)
        return job.evolve(path=path.resolve())


def _resolved(job: Job | str) -> Plan[Job]:
    """The job meant: a Job as it is (no step, so no thread hop on the async driver),
    anything else looked up by a ``Resolve`` step."""
    if isinstance(job, Job):
        return job
    found: Job = yield Resolve(job)
    return found


class _Heartbeat:
    """The journal's ``watched_until`` for a job this wait polls: before each sleep, "I will
    poll again before the sleep's end plus a grace", so any process can tell a job someone is
    waiting for from an orphan. Written only when the last promise would run out during this
    sleep (quick polls share one), and then in the same journal write as a status change
    just seen (the first poll's always is), else as its own local step (off the event loop)."""

    def __init__(self, journal: Journal, job_id: str) -> None:
        self.journal, self.job_id = journal, job_id
        self.holds_until = 0.0  # monotonic time the last promise runs out (0: none made)

    def due(self, seconds: float) -> datetime | None:
        """The new promise to write before sleeping ``seconds``, or None while the last holds."""
        now = time.monotonic()
        if not self.job_id or now + seconds + HEARTBEAT_GRACE / 2 <= self.holds_until:
            return None
        lease = seconds + HEARTBEAT_GRACE
        self.holds_until = now + lease
        return datetime.now(timezone.utc) + timedelta(seconds=lease)

    def stop(self) -> Plan[None]:
        """This wait ends with the job still pending: nobody here polls it any more."""
        if self.holds_until:
            yield Call(self.journal.watch, (self.job_id, None))


def _report(pending: list[Job], on_update: OnUpdate | None, watched_until: datetime | None = None) -> Plan[bool]:
    """Journal each status change the poll saw, then tell the caller; the last write also
    carries the heartbeat ``watched_until`` if one is due. True if it did."""
    carried = False
    while pending:
        update = pending.pop(0)
        carried = watched_until is not None and not pending
        yield Record(update.evolve(watched_until=watched_until) if carried else update)
        if on_update is not None:
            on_update(update)
    return carried
