"""Everything about talking to the API that is not I/O.

Requests are built and responses parsed here, errors mapped to types, and the two
long-running conversations (create with safe retries, poll until done) are written as
generators in the style of httpx's auth flows: they yield :class:`Send` or :class:`Sleep`
and receive the outcome (an ``httpx.Response`` or the ``httpx.TransportError`` raised).
The sync and async clients each drive the same generators, so the logic exists once, and
tests and benchmarks can drive it with a fake clock.
"""

from __future__ import annotations

import email.utils
import functools
import json
import math
import random
import secrets
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import httpx

from ._errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    GenerationFailedError,
    GenerationTimeoutError,
    InsufficientCreditsError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from ._models import Job, JobStatus, Usage, VideoRequest

__all__ = [
    "CREATE_PATH",
    "LEGACY_CREATE_PATH",
    "DurationModel",
    "Outcome",
    "PollSchedule",
    "RetryPolicy",
    "Send",
    "Sleep",
    "Step",
    "api_error",
    "create_flow",
    "new_client_request_id",
    "parse_job",
    "poll_flow",
    "simulate_polls",
]

CREATE_PATH = "/v2/video/generations"
LEGACY_CREATE_PATH = "/v2/generate/video/google/generation"
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
#: A create answered with one of these surely was not accepted, so it may be sent again.
CREATE_SAFE_STATUS = frozenset({429, 503})


@dataclass(frozen=True)
class Send:
    """Ask the driver to send a request and send back the outcome."""

    method: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sleep:
    """Ask the driver to wait; it sends back ``None``."""

    seconds: float


Step = Send | Sleep
Outcome = httpx.Response | httpx.TransportError | None


def new_client_request_id() -> str:
    """A fresh ``X-Client-Request-Id``: ``veo-`` and 24 hex digits."""
    return "veo-" + secrets.token_hex(12)


# --------------------------------------------------------------------------- parsing


class _Malformed(Exception):
    """A 2xx answer whose body is not the JSON object we expect."""


def _json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        raise _Malformed(response.text[:200]) from None


def _int(value: Any) -> int | None:
    try:
        return int(float(value)) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def parse_usage(payload: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Usage:
    """``meta.usage`` in either schema, with the credit headers filling gaps."""
    meta = payload.get("meta")
    found_usage = meta.get("usage") if isinstance(meta, Mapping) else None
    if not isinstance(found_usage, Mapping):
        found_usage = payload.get("usage")
    usage: Mapping[str, Any] = found_usage if isinstance(found_usage, Mapping) else {}
    found = Usage(
        credits=_int(usage.get("credits_used")),
        tokens=_int(usage.get("tokens_used")),
        usd=_float(usage.get("usd_spent")),
    )
    if headers is not None:
        found = found.merged(
            Usage(credits=_int(headers.get("x-aimlapi-credits-used")), usd=_float(headers.get("x-aimlapi-usd-spent")))
        )
    return found


def parse_error_reason(error: Any) -> str | None:
    """The failure reason in any of the shapes seen: ``{name, message}``,
    ``{detail: [{loc, msg, type}]}``, or a plain string."""
    if error is None or error == "" or error == {}:
        return None
    if isinstance(error, str):
        return error
    if isinstance(error, Mapping):
        detail = error.get("detail")
        if isinstance(detail, list) and detail:
            parts = []
            for item in detail:
                if isinstance(item, Mapping):
                    loc = item.get("loc")
                    where = ".".join(str(p) for p in loc) if isinstance(loc, list) else ""
                    msg = str(item.get("msg") or item.get("message") or item)
                    parts.append(f"{where}: {msg}" if where else msg)
                else:
                    parts.append(str(item))
            return "; ".join(parts)
        if isinstance(detail, str):
            return detail
        message = error.get("message") or error.get("msg")
        name = error.get("name") or error.get("type") or error.get("code")
        if message and name:
            return f"{name}: {message}"
        if message or name:
            return str(message or name)
    return json.dumps(error, default=str)[:500]


def _video_url(payload: Mapping[str, Any]) -> str | None:
    video = payload.get("video")
    if isinstance(video, list) and video:
        video = video[0]
    if isinstance(video, Mapping):
        url = video.get("url")
        return str(url) if url else None
    if isinstance(video, str) and video:
        return video
    for key in ("video_url", "url", "output"):
        value = payload.get(key)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    return None


def parse_job(job: Job, response: httpx.Response) -> Job:
    """``job`` updated from a create or poll answer (raises ``_Malformed`` when unreadable)."""
    payload = _json_body(response)
    if not isinstance(payload, Mapping):
        raise _Malformed(str(payload)[:200])
    job_id = payload.get("id") or payload.get("generation_id") or response.headers.get("x-inference-id") or job.id
    if not job_id:
        raise _Malformed("no generation id in the answer")
    status = payload.get("status")
    status = str(status) if status is not None else job.status
    error = parse_error_reason(payload.get("error"))
    if not JobStatus.is_pending(status) and not JobStatus.is_success(status) and error is None:
        error = f"the API reported status {status!r} without a reason"
    return job.evolve(
        id=str(job_id),
        status=status,
        video_url=_video_url(payload) or job.video_url,
        error=error,
        usage=parse_usage(payload, response.headers).merged(job.usage),
        updated_at=datetime.now(timezone.utc),
    )


def retry_after(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` in seconds (either form), or None."""
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def api_error(response: httpx.Response, *, may_exist: bool = False, client_request_id: str | None = None) -> APIError:
    """The typed error for an HTTP error answer, in either documented body shape."""
    code = response.status_code
    message = ""
    request_id = response.headers.get("x-request-id") or response.headers.get("x-inference-id")
    body: Any
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        body = response.text[:500]
    if isinstance(body, Mapping):
        inner = body.get("error")
        message = str(body.get("message") or "")
        if isinstance(inner, Mapping) and inner.get("message") and not message:
            message = str(inner["message"])
        if not message:
            message = (
                parse_error_reason(inner) or parse_error_reason(body.get("detail")) or str(body.get("title") or "")
            )
        request_id = str(body.get("requestId") or body.get("request_id") or request_id or "") or None
    elif isinstance(body, str) and body.strip() and not body.lstrip().startswith("<"):
        message = body.strip()[:200]
    if not message:
        message = response.reason_phrase or "error"
    kwargs: dict[str, Any] = {
        "status_code": code,
        "request_id": request_id,
        "body": body,
        "may_exist": may_exist,
        "client_request_id": client_request_id,
    }
    if code == 401:
        return AuthenticationError(
            f"{message}. Set the AIMLAPI_KEY environment variable (or pass api_key=...) to a valid "
            "AI/ML API key; without one, veo_widgets runs in demo mode.",
            **kwargs,
        )
    if code == 402 or code == 403:
        return InsufficientCreditsError(f"{message}. The account is out of credits: top it up, then retry.", **kwargs)
    if code == 404:
        return NotFoundError(message, **kwargs)
    if code == 429:
        return RateLimitError(message, retry_after=retry_after(response.headers), **kwargs)
    if code >= 500:
        return ServerError(message, **kwargs)
    return APIError(message, **kwargs)


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
    send = Send("POST", path, json=request.body(), headers={"X-Client-Request-Id": client_request_id})
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
            except _Malformed:
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


# --------------------------------------------------------------------------- poll schedule


@dataclass(frozen=True)
class DurationModel:
    """How long jobs take: log-normal, median ``median`` seconds, log-spread ``sigma``.

    ``fit`` learns it from this machine's past jobs, shrunk toward the prior (about a minute,
    as the AI/ML API documents for Veo 3 Fast) so that two odd jobs do not swing it.
    """

    median: float = 60.0
    sigma: float = 0.45

    @classmethod
    def fit(cls, samples: Iterable[float], prior: DurationModel | None = None, weight: float = 4.0) -> DurationModel:
        prior = prior or cls()
        logs = [math.log(s) for s in samples if s and s > 0.5]
        if not logs:
            return prior
        n = len(logs)
        mu0 = math.log(prior.median)
        mu = (weight * mu0 + sum(logs)) / (weight + n)
        var = (weight * prior.sigma**2 + sum((x - mu) ** 2 for x in logs)) / (weight + n)
        return cls(median=round(math.exp(mu), 3), sigma=round(max(0.08, min(1.5, math.sqrt(var))), 3))

    def cdf(self, t: float) -> float:
        if t <= 0:
            return 0.0
        return 0.5 * math.erfc(-(math.log(t / self.median)) / (self.sigma * math.sqrt(2)))

    def pdf(self, t: float) -> float:
        if t <= 0:
            return 0.0
        z = math.log(t / self.median) / self.sigma
        return math.exp(-0.5 * z * z) / (t * self.sigma * math.sqrt(2 * math.pi))

    def quantile(self, p: float) -> float:
        # Bisection on the CDF keeps this free of scipy.
        lo, hi = 0.0, self.median * math.exp(8 * self.sigma)
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if self.cdf(mid) < p else (lo, mid)
        return (lo + hi) / 2

    def progress(self, elapsed: float) -> float:
        """An honest progress estimate in 0..0.97 for a job running ``elapsed`` seconds."""
        return min(0.97, self.cdf(elapsed) * 0.5 + min(1.0, elapsed / self.quantile(0.9)) * 0.5)


@dataclass(frozen=True)
class PollSchedule:
    """When to poll next, given how long the job has run.

    The wait between polls is ``k / sqrt(hazard(t))``: the minimiser of the expected delay
    between completion and notice for a given expected number of polls (a Lagrange argument:
    the cost of an interval grows with the chance of finishing in it, its polls with the
    chance of still running). So it is sparse while completion is unlikely, dense around the
    usual finish, and ``k`` is chosen so that a job costs about ``budget`` times the polls of
    the published fixed 10 s loop. One early poll catches jobs refused at once.
    """

    model: DurationModel = DurationModel()
    budget: float = 2.75
    min_interval: float = 0.4
    max_interval: float = 15.0
    first_poll: float = 2.0

    @property
    def cap(self) -> float:
        """The longest wait: ``max_interval``, shortened for jobs that usually finish fast."""
        return min(self.max_interval, max(1.0, 0.3 * self.model.median))

    @functools.cached_property
    def k(self) -> float:
        return _solve_k(self.model, self.budget, self.min_interval, self.cap)

    def interval(self, elapsed: float) -> float:
        return _interval(self.model, self.k, elapsed, self.min_interval, self.cap)

    def next_delay(self, elapsed: float, hint: float | None = None) -> float:
        """Seconds to sleep before the next poll of a job ``elapsed`` seconds old."""
        if hint is not None:
            return max(self.min_interval, min(hint, 300.0))
        if elapsed < self.first_poll:
            return self.first_poll - elapsed
        return self.interval(elapsed)


def _interval(model: DurationModel, k: float, t: float, lo: float, hi: float) -> float:
    survival = 1.0 - model.cdf(t)
    density = model.pdf(t)
    if density <= 0 or survival <= 1e-12:
        return hi
    return max(lo, min(hi, k * math.sqrt(survival / density)))


@functools.lru_cache(maxsize=64)
def _solve_k(model: DurationModel, budget: float, lo: float, hi: float) -> float:
    step = max(0.05, model.median / 400)
    horizon = model.quantile(0.9995)
    grid = [step * (i + 0.5) for i in range(int(horizon / step) + 1)]
    survival = [1.0 - model.cdf(t) for t in grid]
    mean_duration = sum(survival) * step
    target = budget * (mean_duration / 10.0 + 0.5)

    def expected_polls(k: float) -> float:
        return 1.0 + sum(s * step / _interval(model, k, t, lo, hi) for t, s in zip(grid, survival, strict=True))

    k_lo, k_hi = 1e-3, 100.0
    for _ in range(50):
        mid = math.sqrt(k_lo * k_hi)
        k_lo, k_hi = (mid, k_hi) if expected_polls(mid) > target else (k_lo, mid)
    return k_hi


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
    while True:
        outcome = yield send
        hint: float | None = None
        error: Exception | None = None
        if isinstance(outcome, httpx.TransportError):
            error = _connection_error(outcome, "polling " + job.id)
        elif outcome is not None and outcome.is_success:
            try:
                job = parse_job(job, outcome)
                hint = retry_after(outcome.headers)
            except _Malformed:
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
            delay = schedule.next_delay(age_at_start + clock() - start, hint)
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


def simulate_polls(schedule: PollSchedule, duration: float) -> tuple[int, float]:
    """Drive :func:`poll_flow` on a fake clock against a job that completes after
    ``duration`` seconds; return the polls it made and how late it noticed. No I/O, no waiting:
    the polling benchmark and the schedule's tests both measure with it."""
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
            status = "completed" if now[0] >= duration else "generating"
            body = {"id": "sim", "status": status, "video": {"url": "http://simulated/v.mp4"}}
            step = flow.send(httpx.Response(200, json=body, request=request))
    except StopIteration:
        return polls, now[0] - duration


def encode_id(job_id: str) -> str:
    """The id as a query value (``:`` and friends escaped)."""
    return quote(job_id, safe="")
