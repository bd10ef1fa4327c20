"""No I/O: reading the API's answers in all their known variants, and mapping errors to types.

Everything here takes an ``httpx.Response`` (or a piece of one) and returns a value: a
:class:`~._models.Job` updated from a create or poll answer, a :class:`~._models.Usage`, the
typed :class:`~._errors.APIError` for an error answer, or a ``Retry-After`` in seconds.
"""

from __future__ import annotations

import email.utils
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import httpx

from .._errors import (
    APIError,
    AuthenticationError,
    InsufficientCreditsError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from ..schema._models import Job, JobStatus, Usage
from ._schedule import DurationModel

#: A published median shorter than this measures the submit call, not the generation.
MIN_PUBLISHED_SECONDS = 5.0

_log = logging.getLogger("veo_widgets")

__all__ = [
    "MIN_PUBLISHED_SECONDS",
    "Malformed",
    "api_error",
    "encode_id",
    "json_body",
    "json_object",
    "parse_error_reason",
    "parse_job",
    "parse_metrics",
    "parse_usage",
    "retry_after",
]


class Malformed(Exception):
    """A 2xx answer whose body is not the JSON object we expect."""


def json_body(response: httpx.Response) -> Any:
    """The answer's JSON (``Malformed`` when it is not JSON)."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        raise Malformed(response.text[:200]) from None


def json_object(response: httpx.Response) -> Mapping[str, Any]:
    """The answer's JSON object (``Malformed`` when it is anything else)."""
    body = json_body(response)
    if not isinstance(body, Mapping):
        raise Malformed(str(body)[:200])
    return body


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
    """``job`` updated from a create or poll answer (raises ``Malformed`` when unreadable)."""
    payload = json_body(response)
    if not isinstance(payload, Mapping):
        raise Malformed(str(payload)[:200])
    job_id = payload.get("id") or payload.get("generation_id") or response.headers.get("x-inference-id") or job.id
    if not job_id:
        raise Malformed("no generation id in the answer")
    status = payload.get("status")
    status = str(status) if status is not None else job.status
    error = parse_error_reason(payload.get("error"))
    video_url = _video_url(payload)
    if JobStatus.is_success(status) or (video_url and error is None and not JobStatus.is_failure(status)):
        status = "completed"  # every spelling of a finished, paid video is delivered as one
    elif error is not None:
        status = status if JobStatus.is_failure(status) else "error"  # an error object ends the job
    elif JobStatus.is_failure(status):
        error = f"the API reported status {status!r} without a reason"
    elif not JobStatus.is_pending(status):
        # An unknown status is never a failure: the job may be paid and finishing. Keep polling.
        _say_unknown(str(job_id), status)
        status = job.status if JobStatus.is_pending(job.status) else "queued"
    return job.evolve(
        id=str(job_id),
        status=status,
        video_url=video_url or job.video_url,
        error=error,
        usage=parse_usage(payload, response.headers).merged(job.usage),
        updated_at=datetime.now(timezone.utc),
    )


#: Jobs already told about, with the unknown status each was seen in: said once per job
#: (and again only for another unknown spelling), never on every poll. Bounded: the oldest
#: entries are forgotten first.
_TOLD: OrderedDict[str, str] = OrderedDict()
_TOLD_MAX = 1024
_TOLD_LOCK = threading.Lock()


def _say_unknown(job_id: str, status: str) -> None:
    with _TOLD_LOCK:
        if _TOLD.get(job_id) == status:
            return
        _TOLD[job_id] = status
        _TOLD.move_to_end(job_id)
        while len(_TOLD) > _TOLD_MAX:
            _TOLD.popitem(last=False)
    _log.warning(
        "job %s: unknown status %r from the API; still polling until the job ends or the wait's deadline",
        job_id,
        status,
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
        return InsufficientCreditsError(
            f"{message}. The account may be out of credits (top it up), or the key's spend limit reached "
            "(key limits reset at 00:00 UTC, or raise the limit); then retry.",
            **kwargs,
        )
    if code == 404:
        return NotFoundError(message, **kwargs)
    if code == 429:
        return RateLimitError(message, retry_after=retry_after(response.headers), **kwargs)
    if code >= 500:
        return ServerError(message, **kwargs)
    return APIError(message, **kwargs)


def encode_id(job_id: str) -> str:
    """The id as a query value (``:`` and friends escaped)."""
    return quote(job_id, safe="")


def parse_metrics(response: httpx.Response, alias: str) -> DurationModel | None:
    """The duration model ``GET /models/metrics?aliases=<alias>`` publishes for ``alias``.

    None when the answer is an error or unreadable, the model is absent (no successful
    request in the window), it has no ``duration_ms``, or the median is too short to be a
    whole generation (the docs do not say whether it times the submit call or the job).
    """
    if not response.is_success:
        return None
    try:
        payload = json_body(response)
    except Malformed:
        return None
    models = payload.get("models") if isinstance(payload, Mapping) else None
    for entry in models if isinstance(models, list) else []:
        if not isinstance(entry, Mapping) or entry.get("alias") != alias:
            continue
        metrics = entry.get("metrics")
        duration = metrics.get("duration_ms") if isinstance(metrics, Mapping) else None
        if not isinstance(duration, Mapping):
            return None
        p50, p75, p90 = (_float(duration.get(k)) for k in ("p50", "p75", "p90"))
        if p50 is None or p50 / 1000 < MIN_PUBLISHED_SECONDS:
            return None
        return DurationModel.from_percentiles(
            p50 / 1000, None if p75 is None else p75 / 1000, None if p90 is None else p90 / 1000
        )
    return None
