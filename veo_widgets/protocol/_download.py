"""Downloading a result: the flows (no I/O) and the helpers the drivers stream with.

:func:`download_flow` yields ``Fetch`` ("stream this URL from this byte into this part
file") and ``Sleep`` until the whole body is on disk, resuming with ``Range`` after a
broken stream. :func:`result_flow` wraps it for a job: result links are signed for a few
minutes (``X-Amz-Expires=600`` in the docs' examples), so when the file host refuses one
(401, 403, 404, 410) it polls the job once for a fresh link and tries that, a bounded
number of times. Moving the finished part file into place, or removing it, is a step of
its own (``_steps.Commit``, ``_steps.Discard``), performed by the driver.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

from .._errors import APIConnectionError, NotFoundError, ServerError, VeoError
from ..schema._models import Job
from ._flows import CREATE_PATH, poll_flow
from ._responses import api_error
from ._retry import RetryPolicy
from ._schedule import PollSchedule
from ._steps import Fetch, Send, Sleep

__all__ = ["CHUNK", "FRESH_LINKS", "Fetched", "download_flow", "result_flow"]

CHUNK = 1 << 16
#: Fresh links asked for, after the first is refused, before a download gives up.
FRESH_LINKS = 3


@dataclass(frozen=True)
class Fetched:
    """What one :class:`Fetch` got: the HTTP status, whether the body is whole, its size."""

    status: int
    complete: bool
    size: int
    error: Exception | None = None


def download_flow(url: str, part: Path, retry: RetryPolicy) -> Generator[Fetch | Sleep, Any, int]:
    """Fetch until the whole body is on disk, resuming with Range after a broken stream."""
    offset = 0
    failures = 0
    while True:
        got = yield Fetch(url, offset, part)
        assert isinstance(got, Fetched)
        if got.complete:
            return got.size
        if got.error is None and got.status in (401, 403, 404, 410):
            raise NotFoundError("the result URL has expired or is not available", status_code=got.status)
        failures += 1
        if failures >= retry.attempts:
            if isinstance(got.error, VeoError):
                raise got.error
            raise APIConnectionError(f"the download failed after {failures} tries: {got.error or got.status}")
        offset = got.size
        yield Sleep(retry.delay(failures))


def result_flow(
    job: Job,
    part: Path,
    retry: RetryPolicy,
    *,
    path: str = CREATE_PATH,
    fresh_links: int = FRESH_LINKS,
) -> Generator[Fetch | Sleep | Send, Any, Job]:
    """Download ``job``'s video into ``part``; return the job as last seen (with the link
    that worked). A refused link (expired, or never valid) means one poll of the job for a
    fresh link, then another try, at most ``fresh_links`` times; a poll that gives back the
    same link, or none, ends it at once. Raises ``NotFoundError`` saying so."""
    asked = 0
    while True:
        try:
            yield from download_flow(job.video_url or "", part, retry)
            return job
        except NotFoundError as refused_link:
            if asked >= fresh_links:
                raise NotFoundError(
                    f"the file host refused the result link of {job.id} {asked + 1} times, a fresh link each "
                    "time: each had expired, or the video is gone from the API's storage",
                    status_code=refused_link.status_code,
                ) from None
            asked += 1
            # The link expired (or was never good): the API hands out a fresh one per poll.
            fresh = yield from poll_flow(
                job.evolve(video_url=None), timeout=None, schedule=PollSchedule(), path=path, retry=retry, once=True
            )
            if not fresh.ok or not fresh.video_url or fresh.video_url == job.video_url:
                raise
            job = fresh


def refused(response: httpx.Response) -> bool:
    """True when a result response must not be written to the video file."""
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    # A proxy's error page served with a 200 must never be saved as the video.
    not_video = kind.startswith("text/") or kind in ("application/json", "application/problem+json", "application/xml")
    return response.status_code >= 400 or not_video


def refusal(response: httpx.Response, offset: int) -> Fetched:
    """The failed attempt for a refused response (its body already read)."""
    if response.status_code in (401, 403, 404, 410):
        return Fetched(response.status_code, False, offset)
    if response.status_code >= 400:
        return Fetched(response.status_code, False, offset, api_error(response))
    kind = response.headers.get("content-type", "")
    error = ServerError(f"the result URL answered {kind} in place of the video", status_code=response.status_code)
    return Fetched(response.status_code, False, offset, error)


def open_part(response: httpx.Response, fetch: Fetch) -> tuple[IO[bytes], int]:
    """The part file to write into and the byte count already in it."""
    fetch.part.parent.mkdir(parents=True, exist_ok=True)
    if response.status_code == 206:
        return open(fetch.part, "ab"), fetch.offset
    return open(fetch.part, "wb"), 0


def complete(response: httpx.Response, size: int, start: int) -> bool:
    expected = response.headers.get("content-length")
    return expected is None or size - start >= int(expected)


def broken(fetch: Fetch, exc: httpx.TransportError) -> Fetched:
    return Fetched(0, False, fetch.part.stat().st_size if fetch.part.exists() else 0, exc)
