"""No I/O: the create and poll conversations, written as generators.

In the style of httpx's auth flows, a flow yields a step (``_steps``), :class:`Send` ("send
this request") or :class:`Sleep` ("wait this long"), and receives the outcome: an
``httpx.Response``, the ``httpx.TransportError`` raised, or ``None`` after a sleep. The sync
and async clients each drive the same generators, so the logic exists once, and tests and
benchmarks drive it with a fake clock. A poll is an idempotent GET and is retried by
``_retry.get_flow``; the create has rules of its own, here.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Generator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from .._errors import GenerationFailedError, GenerationTimeoutError, ServerError, VeoError
from ..schema._models import Job, JobStatus, VideoRequest
from ._responses import Malformed, api_error, encode_id, parse_job, retry_after
from ._retry import DEFAULT_RETRY, ClientClosed, HeldBack, Pace, RetryPolicy, connection_error, get_flow
from ._schedule import PollSchedule
from ._steps import Outcome, Params, Send, Sleep, Step

# The step and retry types are named here too: the flows speak them (callers import them here).
__all__ = [
    "CREATE_PATH",
    "DEFAULT_RETRY",
    "LEGACY_CREATE_PATH",
    "Outcome",
    "Params",
    "RetryPolicy",
    "Send",
    "Sleep",
    "Step",
    "create_flow",
    "new_client_request_id",
    "poll_flow",
    "simulate_polls",
]

CREATE_PATH = "/v2/video/generations"
LEGACY_CREATE_PATH = "/v2/generate/video/google/generation"
#: A create answered with one of these surely was not accepted, so it may be sent again.
CREATE_SAFE_STATUS = frozenset({429, 503})


def new_client_request_id() -> str:
    """A fresh ``X-Client-Request-Id``: ``veo-`` and 24 hex digits."""
    return "veo-" + secrets.token_hex(12)


def _surely_not_sent(exc: httpx.TransportError) -> bool:
    """True when the request cannot have reached the server."""
    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol))


# --------------------------------------------------------------------------- create


def create_flow(
    request: VideoRequest,
    *,
    client_request_id: str,
    path: str = CREATE_PATH,
    retry: RetryPolicy = DEFAULT_RETRY,
) -> Generator[Step, Outcome, Job]:
    """Send the create POST; resend it only when the server surely did not accept it."""
    send = Send("POST", path, json=request.body(), headers={"X-Client-Request-Id": client_request_id}, must_finish=True)
    attempt = 0
    while True:
        attempt += 1
        outcome = yield send
        if isinstance(outcome, httpx.TransportError):
            if _surely_not_sent(outcome) and attempt < retry.attempts and not isinstance(outcome, ClientClosed):
                yield Sleep(retry.delay(attempt))
                continue
            raise connection_error(
                outcome,
                "the create request",
                may_exist=not _surely_not_sent(outcome),
                client_request_id=client_request_id,
            ) from outcome
        assert outcome is not None
        if outcome.is_success:
            blank = Job(id="", status="queued", client_request_id=client_request_id, request=request.summary())
            try:
                return parse_job(blank, outcome)
            except Malformed:
                raise ServerError(
                    "the create answer could not be read",
                    status_code=outcome.status_code,
                    may_exist=True,
                    client_request_id=client_request_id,
                ) from None
        if outcome.status_code in CREATE_SAFE_STATUS and attempt < retry.attempts:
            yield Sleep(retry.delay(attempt, retry_after(outcome.headers)))
            continue
        may_exist = outcome.status_code >= 500 and outcome.status_code not in CREATE_SAFE_STATUS
        raise api_error(outcome, may_exist=may_exist, client_request_id=client_request_id)


# --------------------------------------------------------------------------- polling


def poll_flow(
    job: Job,
    *,
    timeout: float | None,
    schedule: PollSchedule,
    path: str = CREATE_PATH,
    retry: RetryPolicy = DEFAULT_RETRY,
    on_update: Callable[[Job], Any] | None = None,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], datetime] | None = None,
    once: bool = False,
    pace: Pace | None = None,
) -> Generator[Step, Outcome, Job]:
    """Poll ``job`` until it is done (or once, with ``once``), within ``timeout`` seconds.

    ``pace`` (a ``PollBudget``) is the rate limit shared by every job's polls: each poll
    waits for its slot, and a 429 holds them all back instead of counting as a failure.

    Raises ``GenerationFailedError`` for a failed job, ``GenerationTimeoutError`` at the
    deadline, and the typed API errors that no retry can mend (401, 403, 404).
    """
    start = clock()
    deadline = None if timeout is None else start + timeout
    now_wall = wall_clock or (lambda: datetime.now(timezone.utc))
    age_at_start = max(0.0, (now_wall() - job.created_at).total_seconds())
    # Ids may hold ':' (``<uuid>:veo-3.0-fast-generate-001``): always percent-encode.
    send = Send("GET", f"{path}?generation_id={encode_id(job.id)}")
    last_status = None
    # The job's age when it was last seen queued (a job just created is queued), and the
    # estimated age at which it began generating: the midpoint of the two polls around it.
    queued_at = 0.0 if age_at_start < 5 and JobStatus.is_queued(job.status) else None
    generating_since: float | None = None
    while True:
        try:
            answer = yield from get_flow(
                send,
                _job_reader(job),
                retry=retry,
                what="polling " + job.id,
                deadline=deadline,
                clock=clock,
                pace=pace,
            )
        except HeldBack:
            raise GenerationTimeoutError(job, timeout or 0.0) from None
        except VeoError:
            if deadline is not None and clock() >= deadline:
                raise GenerationTimeoutError(job, timeout or 0.0) from None
            raise
        if isinstance(answer, httpx.Response):
            raise api_error(answer)  # no retry can mend it (401, 403, 404)
        job, hint = answer
        age = age_at_start + clock() - start
        if job.status != last_status and on_update is not None:
            on_update(job)
        last_status = job.status
        if once:
            return job
        if job.done:
            if not job.ok:
                raise GenerationFailedError(job, job.error or job.status)
            return job
        if JobStatus.is_queued(job.status):
            queued_at = age
        elif generating_since is None and queued_at is not None:
            generating_since = (queued_at + age) / 2
        running = None if generating_since is None else age - generating_since
        delay = schedule.next_delay(age, hint, generating_for=running, queued=JobStatus.is_queued(job.status))
        if deadline is not None:
            remaining = deadline - clock()
            if remaining <= 0:
                raise GenerationTimeoutError(job, timeout or 0.0)
            if delay >= remaining:
                # Poll once more right at the deadline rather than giving up early.
                delay = remaining
        yield Sleep(delay)


def _job_reader(job: Job) -> Callable[[httpx.Response], tuple[Job, float | None] | httpx.Response]:
    """A poll answer read: the job updated, with the answer's ``Retry-After``; an error answer
    as it is (``Malformed`` for an unreadable 2xx, which is retried)."""

    def read(response: httpx.Response) -> tuple[Job, float | None] | httpx.Response:
        if not response.is_success:
            return response
        return parse_job(job, response), retry_after(response.headers)

    return read


def simulate_polls(schedule: PollSchedule, duration: float, queued_for: float = 0.0) -> tuple[int, float]:
    """Drive :func:`poll_flow` on a fake clock against a job that is queued for
    ``queued_for`` seconds, then generating, and completes after ``duration`` seconds in all;
    return the polls it made and how late it noticed. No I/O, no waiting: the polling
    benchmark and the schedule's tests both measure with it."""
    now = [0.0]
    created = datetime(2026, 1, 1, tzinfo=timezone.utc)
    flow = poll_flow(
        Job(id="sim", created_at=created),
        timeout=100 * duration + 1000,
        schedule=schedule,
        clock=lambda: now[0],
        wall_clock=lambda: created + timedelta(seconds=now[0]),
    )
    request = httpx.Request("GET", "http://simulated")
    polls, step = 0, next(flow)
    try:
        while True:
            if isinstance(step, Sleep):
                now[0] += step.seconds
                step = flow.send(None)
                continue
            polls += 1
            status = "completed" if now[0] >= duration else "queued" if now[0] < queued_for else "generating"
            body: dict[str, Any] = {"id": "sim", "status": status}
            if status == "completed":  # a video URL alone now reads as a finished job
                body["video"] = {"url": "http://simulated/v.mp4"}
            step = flow.send(httpx.Response(200, json=body, request=request))
    except StopIteration:
        return polls, now[0] - duration
