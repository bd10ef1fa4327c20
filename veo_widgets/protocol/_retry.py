"""No I/O: the one retry rule for idempotent requests (GETs), and the backoff it sleeps.

:func:`get_flow` sends a request that may be sent any number of times (reading a job's
status, the balance, the catalogue, the usage logs) until it has an answer no retry can
change. What is retried, and only that: a request that never got an answer, an HTTP status
in :data:`RETRYABLE_STATUS`, and a 2xx answer that could not be read. A create is never sent
with it: its own rules are in ``_flows.create_flow`` (re-sent only when the server surely did
not take it).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import httpx

from .._errors import APIConnectionError, APIError, ServerError, VeoError
from ._responses import Malformed, api_error, retry_after
from ._steps import Outcome, Send, Sleep, Step

__all__ = [
    "DEFAULT_RETRY",
    "RETRYABLE_STATUS",
    "ClientClosed",
    "HeldBack",
    "Pace",
    "RetryPolicy",
    "connection_error",
    "failure_text",
    "get_flow",
]

T = TypeVar("T")

#: The statuses a retry can mend: busy, or a server or gateway that failed this once.
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


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


class Pace(Protocol):
    """A rate limit shared by several flows (the usage logs': so many requests a minute)."""

    def delay(self, now: float) -> float:
        """Seconds to wait before the next request may go (0: now)."""
        ...

    def note(self, now: float) -> None:
        """A request goes now."""
        ...

    def block(self, until: float) -> None:
        """A 429 came: nobody sends before ``until``."""
        ...


class HeldBack(VeoError):
    """A shared rate limit would hold the next try past the deadline."""


class ClientClosed(httpx.ConnectError):
    """A driver's answer to a ``Send`` after its client was closed: nothing left this machine,
    and no retry can change that, so no flow waits to try again."""


def connection_error(exc: httpx.TransportError, what: str, **kwargs: Any) -> APIConnectionError:
    """The typed error for a request that got no answer (caused by ``exc``)."""
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    error = APIConnectionError(f"{what} {kind}: {type(exc).__name__}: {exc}", **kwargs)
    error.__cause__ = exc
    return error


def failure_text(error: VeoError, what: str) -> str:
    """A few words on why ``what`` (``"the usage logs"``) could not be had, from the error
    :func:`get_flow` raised."""
    if isinstance(error, APIConnectionError):
        return f"{what} could not be reached ({type(error.__cause__).__name__})"
    if isinstance(error, HeldBack):
        return f"the rate limit of {what}"
    if isinstance(error, APIError) and error.status_code < 300:
        return f"{what} answered something unreadable"
    if isinstance(error, APIError):
        return f"{what} answered HTTP {error.status_code}"
    return f"{what}: {error.message}"


def get_flow(
    send: Send,
    read: Callable[[httpx.Response], T],
    *,
    retry: RetryPolicy = DEFAULT_RETRY,
    what: str | None = None,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    pace: Pace | None = None,
) -> Generator[Step, Outcome, T]:
    """Send ``send`` (an idempotent request) until it has an answer no retry can change, and
    return ``read(answer)``.

    ``read`` is given every answer whose status is not in :data:`RETRYABLE_STATUS`, errors
    included (it decides what a 404 means); it raises ``Malformed`` for a 2xx answer it cannot
    read, which is retried. After ``retry.attempts`` tries in a row, or at ``deadline`` (on
    ``clock``; the last try is made right at it, never after), the last failure is raised as
    a typed error: ``APIConnectionError``, the status's ``APIError``, or a ``ServerError`` for
    an unreadable answer. ``what`` names the request in those errors (default ``GET /path``).

    With a shared ``pace``, each try waits its turn, and a 429 holds the pace back (for its
    ``Retry-After``) instead of counting as a failure: several flows share one limit (give
    a ``deadline`` with it, as 429s alone never end the tries).
    """
    what = what or f"{send.method} {send.path.split('?')[0]}"
    failures = limited = 0
    error: VeoError | None = None
    while True:
        if pace is not None:
            wait = pace.delay(clock())
            if wait > 0:
                if deadline is not None and clock() + wait > deadline:
                    raise error or HeldBack(f"{what} was held back by the rate limit until past its deadline")
                yield Sleep(wait)
            pace.note(clock())
        outcome = yield send
        hint: float | None = None
        if isinstance(outcome, ClientClosed):
            raise connection_error(outcome, what)
        if isinstance(outcome, httpx.TransportError):
            error = connection_error(outcome, what)
        elif outcome is None:
            raise TypeError(f"{what}: the driver answered a Send with None")
        elif outcome.status_code in RETRYABLE_STATUS:
            error, hint = api_error(outcome), retry_after(outcome.headers)
            if pace is not None and outcome.status_code == 429:
                limited += 1
                pace.block(clock() + (hint if hint is not None else retry.delay(limited)))
                continue  # the pace holds the next try back; a 429 is not a failure here
        else:
            try:
                return read(outcome)
            except Malformed:
                error = ServerError(f"{what} answered something unreadable", status_code=outcome.status_code)
        failures += 1
        if failures >= retry.attempts:
            raise error
        delay = retry.delay(failures, hint)
        if deadline is not None:
            remaining = deadline - clock()
            if remaining <= 0:
                raise error
            delay = min(delay, remaining)  # one more try right at the deadline
        yield Sleep(delay)
