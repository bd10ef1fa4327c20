"""The wire as ``veo doctor --live`` saw it: a recording transport, signed links' lifetimes.

:class:`Recorder` wraps the client's transport and keeps every exchange as a bug report may
show it (no key; link signatures replaced), with the status a create or poll answered and
the clock skew of each answer's ``Date``. :func:`wire_facts` sums it up for the report.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from ._doctor import clock_skew

__all__ = ["CREATE_PATHS", "Exchange", "Recorder", "kept_headers", "link_lifetime", "redacted", "wire_facts"]

CREATE_PATHS = ("/v2/video/generations", "/v2/generate/video/google/generation")
_KEPT_HEADERS = (
    "x-aimlapi-credits-used",
    "x-aimlapi-usd-spent",
    "x-inference-id",
    "x-client-request-id",
    "x-request-id",
    "retry-after",
    "date",
)
_SECRET_QUERY = ("signature", "credential", "token", "sig")
#: Query parameters that give a signed link's lifetime in seconds, and those that give its end.
_LIFETIME_QUERY = ("x-amz-expires", "x-tos-expires", "x-goog-expires")
_EXPIRY_QUERY = ("expires", "exp", "se")


@dataclass
class Exchange:
    """One request and its answer, as a bug report may show it (no key, no signature)."""

    at: float
    """Seconds since the recorder started."""
    kind: str
    """``create``, ``poll``, ``download``, ``logs`` or ``other``."""
    method: str
    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body_status: str | None = None
    video_url: str | None = None


def redacted(url: str) -> str:
    """``url`` with signatures, credentials and tokens in its query replaced."""
    parts = urlsplit(url)
    query = [
        (k, "REDACTED" if any(s in k.lower() for s in _SECRET_QUERY) else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def kept_headers(headers: httpx.Headers) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() in _KEPT_HEADERS or "ratelimit" in k.lower()}


class Recorder(httpx.BaseTransport):
    """A transport that passes every request to ``inner`` and keeps what came back."""

    def __init__(self, inner: httpx.BaseTransport, clock: Callable[[], float] = time.monotonic) -> None:
        self.inner = inner
        self.clock = clock
        self.started = clock()
        self.exchanges: list[Exchange] = []
        self.skews: list[float] = []
        """Our clock minus the server's ``Date``, measured as each answer arrived."""
        self._links: set[str] = set()
        self._lock = threading.Lock()

    def now(self) -> float:
        return self.clock() - self.started

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        path = request.url.path.rstrip("/")
        bare = str(request.url.copy_with(query=None))
        if path in CREATE_PATHS:
            kind = "create" if request.method == "POST" else "poll"
        elif bare in self._links:
            kind = "download"
        else:
            kind = "logs" if path == "/v2/logs" else "other"
        seen = Exchange(self.now(), kind, request.method, redacted(str(request.url)), response.status_code)
        seen.headers = kept_headers(response.headers)
        if kind in ("create", "poll"):
            response.read()  # a small JSON answer: kept in the response for the client too
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict):
                status = body.get("status")
                seen.body_status = status if isinstance(status, str) else None
                video = body.get("video")
                url = video.get("url") if isinstance(video, dict) else None
                if isinstance(url, str):
                    seen.video_url = redacted(url)  # the report saves every exchange: no signature in it
                    with self._lock:
                        self._links.add(str(httpx.URL(url).copy_with(query=None)))
        with self._lock:
            self.exchanges.append(seen)
            skew = clock_skew([response])
            if skew is not None:
                self.skews.append(skew)
        return response

    def close(self) -> None:
        """Nothing: the doctor closes ``inner`` once both of its clients are done."""

    def of_kind(self, kind: str) -> list[Exchange]:
        with self._lock:
            return [e for e in self.exchanges if e.kind == kind]


def link_lifetime(url: str, skew: float | None = None) -> dict[str, Any]:
    """What a signed link says of its own lifetime: ``seconds`` (from ``X-Amz-Expires`` and
    its kin), ``expires_at`` (UTC, when the link also says when it was signed, or carries
    its end as a Unix time), and ``source`` (the parameter that said it)."""
    query = {k.lower(): v for k, v in parse_qsl(urlsplit(url).query)}
    found: dict[str, Any] = {"seconds": None, "expires_at": None, "source": None}
    for name in _LIFETIME_QUERY:
        if query.get(name, "").isdigit():
            found.update(seconds=int(query[name]), source=name)
            signed = query.get(name.replace("expires", "date"), "")
            try:
                start = datetime.strptime(signed, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
            except ValueError:
                return found
            found["expires_at"] = (start + timedelta(seconds=int(query[name]))).isoformat()
            return found
    for name in _EXPIRY_QUERY:
        if query.get(name, "").isdigit():
            end = datetime.fromtimestamp(int(query[name]), timezone.utc)
            server_now = datetime.now(timezone.utc) - timedelta(seconds=skew or 0.0)
            return {"seconds": round((end - server_now).total_seconds()), "expires_at": end.isoformat(), "source": name}
    return found


def wire_facts(recorder: Recorder, created_at: float) -> dict[str, Any]:
    """Statuses, cost headers, the link and the clock, from what the transport kept."""
    creates, polls = recorder.of_kind("create"), recorder.of_kind("poll")
    ended = max((e.at for e in polls), default=created_at)
    statuses = list(dict.fromkeys(e.body_status for e in (*creates, *polls) if e.body_status is not None))
    cost = ("x-aimlapi-credits-used", "x-aimlapi-usd-spent")
    costed = [e for e in polls if any(h in e.headers for h in cost)]
    links = [e.video_url for e in polls if e.video_url]
    skews = sorted(recorder.skews)
    skew = skews[len(skews) // 2] if skews else None  # the median: one slow answer does not sway it
    downloads = recorder.of_kind("download")
    link: dict[str, Any] = {"url": None}
    if links:
        link = {"url": redacted(links[-1]), **link_lifetime(links[-1], skew)}
    link["downloads"] = [d.status for d in downloads]
    link["refused"] = any(d.status in (403, 404, 410) for d in downloads)
    return {
        "statuses_seen": statuses,
        "create": {
            "status": creates[0].status if creates else None,
            "body_status": creates[0].body_status if creates else None,
            "headers": creates[0].headers if creates else {},
        },
        "polls": {
            "count": len(polls),
            "with_cost_headers": len(costed),
            "first_with_cost_headers_status": costed[0].body_status if costed else None,
            "last_headers": polls[-1].headers if polls else {},
        },
        "link": link,
        "clock_skew_s": None if skew is None else round(skew, 1),
        "seconds_create_to_last_poll": round(ended - created_at, 2),
    }
