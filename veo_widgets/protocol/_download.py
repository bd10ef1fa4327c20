"""Downloading a result: the flow (no I/O) and the helpers the drivers stream with.

:func:`download_flow` yields ``Fetch`` ("stream this URL from this byte into this part
file") and ``Sleep`` until the whole body is on disk, resuming with ``Range`` after a
broken stream. Moving the finished part file into place, or removing it, is a step of its
own (``_steps.Commit``, ``_steps.Discard``), performed by the driver.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

from .._errors import APIConnectionError, NotFoundError, ServerError, VeoError
from ._responses import api_error
from ._retry import RetryPolicy
from ._steps import Fetch, Sleep

__all__ = ["CHUNK", "Fetched", "download_flow"]

CHUNK = 1 << 16


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
