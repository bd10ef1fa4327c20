"""No I/O: the steps, and the create and poll conversations written as generators.

In the style of httpx's auth flows, a flow yields a step, :class:`Send` ("send this
request") or :class:`Sleep` ("wait this long"), and receives the outcome: an
``httpx.Response``, the ``httpx.TransportError`` raised, or ``None`` after a sleep. The sync
and async clients each drive the same generators, so the logic exists once, and tests and
benchmarks drive it with a fake clock.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from .._errors import (
    APIConnectionError,
    GenerationFailedError,
    GenerationTimeoutError,
    ServerError,
)
from ..schema._models import Job, JobStatus, VideoRequest
from ._responses import Malformed, api_error, encode_id, parse_job, retry_after
from ._schedule import PollSchedule

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
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
#: A create answered with one of these surely was not accepted, so it may be sent again.
CREATE_SAFE_STATUS = frozenset({429, 503})


Params = Mapping[str, str] | Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Send:
    """Ask the driver to send a request and send back the outcome.

    ``params`` go in the query string; a sequence of pairs may repeat a name
    (``[("model", "a"), ("model", "b")]``). ``must_finish`` marks a request whose answer
    must not be abandoned once it may have left (the create): a cancel or an interrupt
    that arrives while it is in flight waits for the answer, so the job gets journaled.
    """

    method: str
    path: str
    params: Params = field(default_factory=dict)
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    must_finish: bool = False
    auth: bool = True
    """False for the API's public endpoints (model metrics, the catalogue): no key is sent."""


@dataclass(frozen=True)
class Sleep:
    """Ask the driver to wait; it sends back ``None``."""

    seconds: float


Step = Send | Sleep
Outcome = httpx.Response | httpx.TransportError | None


def new_client_request_id() -> str:
    """A fresh ``X-Client-Request-Id``: ``veo-`` and 24 hex digits."""
    return "veo-" + secrets.token_hex(12)


# --------------------------------------------------------------------------- retries


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with jitter, honouring ``Retry-After``."""

    attempts: int = 6
    """Tries in a row, the first included, before giving up."""
    base: float = 0.5
    cap: float = 20.0
    max_retry_after: float = 120.0

    def delay(self, attempt: int, hint: float | None = None, rng: Callable[[], float] = random.random) -> float:
        """Seconds before try number ``attempt + 1`` (``attempt`` counts from 1)."""
        ceiling = min(self.cap, self.base * 2.0 ** (attempt - 1))
        jittered = ceiling / 2 + rng() * ceiling / 2
        if hint is not None and hint > 0:
            return min(hint, self.max_retry_after)
        return jittered


DEFAULT_RETRY = RetryPolicy()


def _retryable(outcome: Outcome) -> bool:
    if isinstance(outcome, httpx.TransportError):
        return True
    return outcome is not None and outcome.status_code in RETRYABLE_STATUS


def _surely_not_sent(exc: httpx.TransportError) -> bool:
    """True when the request cannot have reached the server."""
    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol))


def _connection_error(exc: httpx.TransportError, what: str, **kwargs: Any) -> APIConnectionError:
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    return APIConnectionError(f"{what} {kind}: {type(exc).__name__}: {exc}", **kwargs)


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
            if _surely_not_sent(outcome) and attempt < retry.attempts:
                yield Sleep(retry.delay(attempt))
                continue
            raise _connection_error(
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
) -> Generator[Step, Outcome, Job]:
    """Poll ``job`` until it is done (or once, with ``once``), within ``timeout`` seconds.

    Raises ``GenerationFailedError`` for a failed job, ``GenerationTimeoutError`` at the
    deadline, and the typed API errors that no retry can mend (401, 403, 404).
    """
    start = clock()
    deadline = None if timeout is None else start + timeout
    now_wall = wall_clock or (lambda: datetime.now(timezone.utc))
    age_at_start = max(0.0, (now_wall() - job.created_at).total_seconds())
    # Ids may hold ':' (``<uuid>:veo-3.0-fast-generate-001``): always percent-encode.
    send = Send("GET", f"{path}?generation_id={encode_id(job.id)}")
    failures = 0
    last_status = None
    # The job's age when it was last seen queued (a job just created is queued), and the
    # estimated age at which it began generating: the midpoint of the two polls around it.
    queued_at = 0.0 if age_at_start < 5 and JobStatus.is_queued(job.status) else None
    generating_since: float | None = None
    while True:
        outcome = yield send
        age = age_at_start + clock() - start
        hint: float | None = None
        error: Exception | None = None
        if isinstance(outcome, httpx.TransportError):
            error = _connection_error(outcome, "polling " + job.id)
        elif outcome is not None and outcome.is_success:
            try:
                job = parse_job(job, outcome)
                hint = retry_after(outcome.headers)
            except Malformed:
                error = ServerError("the status answer could not be read", status_code=outcome.status_code)
        elif outcome is not None:
            error = api_error(outcome)
            if not _retryable(outcome):
                raise error
            hint = retry_after(outcome.headers)
        if error is None:
            failures = 0
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
        else:
            failures += 1
            if failures >= retry.attempts:
                raise error
            delay = retry.delay(failures, hint)
        if deadline is not None:
            remaining = deadline - clock()
            if remaining <= 0:
                raise GenerationTimeoutError(job, timeout or 0.0)
            if delay >= remaining:
                # Poll once more right at the deadline rather than giving up early.
                delay = remaining
        yield Sleep(delay)


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
            body = {"id": "sim", "status": status, "video": {"url": "http://simulated/v.mp4"}}
            step = flow.send(httpx.Response(200, json=body, request=request))
    except StopIteration:
        return polls, now[0] - duration
