"""Every operation, written once, as a *plan*; and the steps a plan asks its driver to do.

A plan is a generator that composes the protocol's flows with ``yield from``. Besides the
network steps (``Send``, ``Sleep``, ``Fetch``) it yields *local* steps for everything that
touches the disk: :class:`RecordSubmission`, :class:`RecordOutcome`, :class:`Record` (the
journal), ``Commit`` and ``Discard`` (the part file). A plan never writes SQLite or moves a
file itself, so the async driver can do that work off the event loop, and a driver that is
interrupted cleans up what the plan left (see ``_drivers``).

When the caller stops (a stop event, ``Run.cancel()``, Ctrl-C), the driver throws
:class:`Stopped` into the plan at the next network step it has not begun; plans turn it into
:class:`~._errors.WaitCancelled`, with the journal right.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from ._download import Commit, Discard, Fetch, download_flow
from ._errors import APIConnectionError, NotFoundError, ValidationError, VeoError, WaitCancelled
from ._flows import RetryPolicy, Send, Sleep, create_flow, new_client_request_id, poll_flow
from ._journal import NOT_SUBMITTED, UNCONFIRMED, Journal
from ._models import Job, VideoRequest
from ._schedule import PollSchedule

__all__ = [
    "LOCAL_STEPS",
    "Plan",
    "Plans",
    "Record",
    "RecordOutcome",
    "RecordSubmission",
    "Stopped",
    "perform_local",
]

T = TypeVar("T")
OnUpdate = Callable[[Job], Any]


@dataclass(frozen=True)
class RecordSubmission:
    """Journal a create request about to be sent (``fields``: lineage, batch, estimate)."""

    client_request_id: str
    base_url: str
    demo: bool
    request: Mapping[str, Any]
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordOutcome:
    """Journal a create that yielded no job: ``NOT_SUBMITTED`` or ``UNCONFIRMED``."""

    client_request_id: str
    status: str
    error: str


@dataclass(frozen=True)
class Record:
    """Journal what is now known of ``job``."""

    job: Job


@dataclass(frozen=True)
class Resolve:
    """Look ``job`` up (a Job, an id, a prefix, a client request id); the driver sends back a Job."""

    job: Job | str


@dataclass(frozen=True)
class Learn:
    """Ask for the poll schedule, learned from the journal; the driver sends back a PollSchedule."""


Local = RecordSubmission | RecordOutcome | Record | Commit | Discard | Resolve | Learn
LOCAL_STEPS = (RecordSubmission, RecordOutcome, Record, Commit, Discard, Resolve, Learn)
Primitive = Send | Sleep | Fetch | Local
Plan = Generator[Primitive, Any, T]


class Stopped(Exception):
    """Thrown into a plan in place of a network step the caller stopped before it began.

    ``in_flight`` is True in the one case where the step may have left without its answer
    (a second Ctrl-C while a create was in flight): its outcome is then unknown.
    """

    def __init__(self, *, in_flight: bool = False) -> None:
        super().__init__("stopped")
        self.in_flight = in_flight


def perform_local(plans: Plans, step: Local, parts: set[Path]) -> Any:
    """Do one local step (blocking: the async driver calls this in a worker thread).

    ``parts`` is the driver's set of part files still on disk; a commit or discard takes
    its file off the set, and the driver removes whatever is left when the plan ends.
    """
    journal = plans.journal
    if isinstance(step, Resolve):
        return plans._resolve(step.job)
    if isinstance(step, Learn):
        return plans._schedule()
    if isinstance(step, RecordSubmission):
        journal.record_submission(
            step.client_request_id, base_url=step.base_url, demo=step.demo, request=step.request, **step.fields
        )
    elif isinstance(step, RecordOutcome):
        journal.record_outcome(step.client_request_id, status=step.status, error=step.error)
    elif isinstance(step, Record):
        journal.record(step.job)
    elif isinstance(step, Commit):
        step.part.replace(step.target)
        parts.discard(step.part)
    else:
        step.part.unlink(missing_ok=True)
        parts.discard(step.part)
    return None


class Plans:
    """The plans of every operation, over what a client knows (its journal, server, policy).

    A subclass provides ``base_url``, ``demo``, ``journal``, ``retry``, ``_create_path``,
    ``_headers()``, ``_schedule()``, ``_resolve(job)`` and ``_target(job, path)``.
    """

    base_url: str
    demo: bool
    journal: Journal
    retry: RetryPolicy
    _create_path: str

    def _headers(self) -> dict[str, str]:
        raise NotImplementedError

    def _schedule(self) -> PollSchedule:
        raise NotImplementedError

    def _resolve(self, job: Job | str) -> Job:
        raise NotImplementedError

    def _target(self, job: Job, path: Any) -> Path:
        raise NotImplementedError

    def _scrub(self, exc: BaseException) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------ hooks for money

    def _before_create(self, request: VideoRequest) -> Plan[None]:
        """Runs before a create is journaled or sent; raise here to refuse it (a budget)."""
        return
        yield  # a generator: a hook may send requests of its own

    def _lost_answer(self, request: VideoRequest, client_request_id: str, error: VeoError) -> Plan[Job | None]:
        """The create may have made a job but its answer was lost (``error.may_exist``);
        the row is journaled ``unconfirmed``. Return the job if it can be found
        (reconciliation), or None to raise ``error``."""
        return None
        yield  # a generator: reconciliation sends requests

    # ------------------------------------------------------------ plans

    def _submit_plan(
        self,
        request: VideoRequest,
        on_submit: OnUpdate | None = None,
        client_request_id: str | None = None,
        lineage: Mapping[str, Any] | None = None,
    ) -> Plan[Job]:
        self._headers()  # a missing key is reported before anything is journaled or sent
        yield from self._before_create(request)
        crid = client_request_id or new_client_request_id()
        yield RecordSubmission(crid, self.base_url, self.demo, request.summary(), dict(lineage or {}))
        try:
            job = yield from create_flow(request, client_request_id=crid, path=self._create_path, retry=self.retry)
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
            found = yield from self._lost_answer(request, crid, exc)
            if found is None:
                raise
            job = found
        now = datetime.now(timezone.utc)
        job = job.evolve(base_url=self.base_url, demo=self.demo, created_at=now, updated_at=now)
        yield Record(job)
        if on_submit is not None:
            on_submit(job)
        return job

    def _get_plan(self, job: Job | str) -> Plan[Job]:
        found: Job = yield Resolve(job)
        schedule: PollSchedule = yield Learn()
        flow = poll_flow(found, timeout=None, schedule=schedule, path=self._create_path, once=True)
        try:
            result = yield from flow
        except Stopped:
            raise WaitCancelled(found) from None
        yield Record(result)
        return result

    def _wait_plan(self, job: Job | str, timeout: float | None, on_update: OnUpdate | None) -> Plan[Job]:
        found: Job = yield Resolve(job)
        if found.ok and found.video_url:
            return found
        schedule: PollSchedule = yield Learn()
        pending: list[Job] = []
        flow = poll_flow(
            found,
            timeout=timeout,
            schedule=schedule,
            path=self._create_path,
            retry=self.retry,
            on_update=pending.append,
        )
        try:
            step = next(flow)
            while True:
                yield from _report(pending, on_update)
                step = flow.send((yield step))
        except StopIteration as done:
            yield from _report(pending, on_update)
            result: Job = done.value
            return result
        except Stopped:
            raise WaitCancelled(found) from None
        except VeoError:
            yield from _report(pending, on_update)  # a failed job is journaled failed
            raise

    def _fetch_plan(self, url: str, target: Path) -> Plan[None]:
        part = target.with_name(target.name + ".part")
        try:
            yield from download_flow(url, part, self.retry)
        except (VeoError, Stopped):
            yield Discard(part)
            raise
        yield Commit(part, target)

    def _download_plan(self, job: Job | str, path: Any) -> Plan[Path]:
        found: Job = yield Resolve(job)
        try:
            return (yield from self._download(found, path))
        except Stopped:
            raise WaitCancelled(found) from None

    def _download(self, found: Job, path: Any) -> Plan[Path]:
        if not (found.ok and found.video_url) or (found.base_url and found.base_url != self.base_url):
            # Not finished, or found in the journal from another session whose URL may point
            # at a server that is gone (a restarted demo emulator): ask for a fresh one.
            found = yield from self._get_plan(found)
            if not found.ok:
                raise ValidationError("job", f"{found.id} is {found.status}, not completed; wait for it first")
        target = self._target(found, path)  # only names a path: nothing touches the disk
        try:
            yield from self._fetch_plan(found.video_url or "", target)
        except (NotFoundError, APIConnectionError):
            # The URL may have expired: the API may hand out a fresh one; try that once.
            fresh = yield from self._get_plan(found.evolve(video_url=None))
            if not fresh.video_url or fresh.video_url == found.video_url:
                raise
            found = fresh
            yield from self._fetch_plan(found.video_url or "", target)
        yield Record(found.evolve(path=target.resolve()))
        return target

    def _generate_plan(
        self,
        request: VideoRequest,
        save_to: Any,
        timeout: float | None,
        on_update: OnUpdate | None,
        on_submit: OnUpdate | None,
        client_request_id: str | None = None,
    ) -> Plan[Job]:
        job = yield from self._submit_plan(request, on_submit, client_request_id)
        job = yield from self._wait_plan(job, timeout, on_update)
        path = yield from self._download_plan(job, save_to)
        return job.evolve(path=path.resolve())


def _report(pending: list[Job], on_update: OnUpdate | None) -> Plan[None]:
    """Journal each status change the poll saw, then tell the caller."""
    while pending:
        update = pending.pop(0)
        yield Record(update)
        if on_update is not None:
            on_update(update)
