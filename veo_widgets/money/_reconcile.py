"""No I/O: finding a create whose answer was lost, by its ``X-Client-Request-Id``.

Every create carries our client request id, and ``GET /v2/logs`` lists each request of the
account with its ``client_request_id`` and ``inference_id`` (for an async generation, the
generation id). The logs have no filter on that id, so :func:`reconcile_flow` narrows by a
window around the create's time (never over 92 days) and by model, pages 100 rows at a time
and matches exactly on our side. The row may appear late (the logs come from an analytics
pipeline), so it looks again with backoff until its deadline. It keeps under the documented
200 requests per 60 s (a :class:`RateWindow` can be shared by several flows) and backs off
on 429, honouring ``Retry-After``.

The outcome is a value, never a guess:

- :class:`Found`: the create succeeded; ``generation_id`` is the job.
- :class:`FoundFailed`: the API says the create failed; a failed request is billed nothing,
  so it may be sent again, once, with a new client request id.
- :class:`NotFound`: no row by the deadline; says how long it looked and how to look again
  (with ``final_at``: when the logs will be final for it, so that looking then settles it).
- :class:`NotMade`: the logs are final for the create's time and hold no row: the request
  never reached the API; nothing was made or billed.
- :class:`CannotReconcile`: no key, or the logs refused us (401/403/404); the caller falls
  back to reporting the create as unconfirmed and says so.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import httpx

from .._errors import VeoError
from ..protocol._responses import Malformed, api_error, json_object
from ..protocol._retry import DEFAULT_RETRY, RetryPolicy, failure_text, get_flow
from ..protocol._steps import Outcome, Send, Sleep, Step
from ..schema._models import JobStatus
from ._reconciled import CannotReconcile, Found, FoundFailed, NotFound, NotMade, Reconciled, how_to_look_again

__all__ = [
    "LOGS_FINAL_AFTER",
    "LOGS_PATH",
    "CannotReconcile",
    "Found",
    "FoundFailed",
    "Lookup",
    "NotFound",
    "NotMade",
    "RateWindow",
    "Reconciled",
    "how_to_look_again",
    "logs_query",
    "reconcile_flow",
    "reconcile_many_flow",
    "window_query",
]

LOGS_PATH = "/v2/logs"
PAGE_SIZE = 100
MAX_WINDOW = timedelta(days=92)
#: How far either side of the create's time to look (clock skew, a row stamped late).
MARGIN = timedelta(hours=1)
MAX_PAGES = 50
MAX_MODELS = 50
#: How long after a create its usage-log row has surely appeared if it ever will. The docs do
#: not say how late the analytics pipeline may be: this is our margin, said with each result.
LOGS_FINAL_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Lookup:
    """What to look for: our id, when the create was sent, and model names to narrow by."""

    client_request_id: str
    sent_at: datetime
    models: tuple[str, ...] = ()


class RateWindow:
    """At most ``limit`` requests in any ``per`` seconds, shared by every flow that holds it."""

    def __init__(self, limit: int = 190, per: float = 60.0) -> None:
        self.limit = limit
        self.per = per
        self._sent: deque[float] = deque()
        self._blocked_until = 0.0
        self._lock = threading.Lock()

    def delay(self, now: float) -> float:
        """Seconds to wait before the next request may go (0 when it may go now)."""
        with self._lock:
            while self._sent and self._sent[0] <= now - self.per:
                self._sent.popleft()
            wait = self._blocked_until - now
            if len(self._sent) >= self.limit:
                wait = max(wait, self._sent[0] + self.per - now)
            return max(0.0, wait)

    def note(self, now: float) -> None:
        with self._lock:
            self._sent.append(now)

    def block(self, until: float) -> None:
        """After a 429: nobody sends before ``until``."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, until)


def _stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def logs_query(sent_at: datetime, models: Sequence[str] = (), *, offset: int = 0, limit: int = PAGE_SIZE) -> str:
    """The ``/v2/logs`` path and query: a ``start``/``end`` window around ``sent_at`` (within 92
    days), one ``model`` parameter per name (a comma list would be read as one name)."""
    start = _aware(sent_at) - MARGIN
    return window_query(start, min(_aware(sent_at) + MARGIN, start + MAX_WINDOW), models, offset=offset, limit=limit)


def window_query(
    start: datetime, end: datetime, models: Sequence[str] = (), *, offset: int = 0, limit: int = PAGE_SIZE
) -> str:
    """The ``/v2/logs`` path and query for the window ``start`` to ``end``."""
    pairs = [("start", _stamp(start)), ("end", _stamp(end))]
    pairs += [("model", m) for m in dict.fromkeys(models) if m][:MAX_MODELS]
    pairs += [("limit", str(limit)), ("offset", str(offset))]
    return f"{LOGS_PATH}?{urlencode(pairs)}"


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def _cost(row: Mapping[str, Any]) -> float | None:
    cost = row.get("cost")
    value = cost.get("usd") if isinstance(cost, Mapping) else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _match(rows: Sequence[Mapping[str, Any]], crid: str) -> Found | FoundFailed | None:
    """Our rows (exact id; a null id never matches): a success wins over a failure."""
    failed: FoundFailed | None = None
    for row in rows:
        if not crid or row.get("client_request_id") != crid:
            continue
        status = str(row.get("status") or "")
        inference = row.get("inference_id")
        if JobStatus.is_success(status) and isinstance(inference, str) and inference:
            return Found(crid, inference, row)
        if JobStatus.is_failure(status) and failed is None:
            failed = FoundFailed(crid, str(inference) if inference else None, _cost(row), row)
    return failed


@dataclass
class _Search:
    """State of one flow: requests sent, the last problem, the shared rate window (whose
    pace each request keeps: it is the ``Pace`` of ``get_flow``)."""

    crid: str
    deadline: float
    clock: Callable[[], float]
    rate: RateWindow
    retry: RetryPolicy
    requests: int = 0
    problem: str | None = None

    def delay(self, now: float) -> float:
        return self.rate.delay(now)

    def note(self, now: float) -> None:
        self.rate.note(now)
        self.requests += 1

    def block(self, until: float) -> None:
        self.rate.block(until)


def _page(search: _Search, path: str) -> Generator[Step, Outcome, Mapping[str, Any] | CannotReconcile | None]:
    """One page of rows; None when it cannot be had before the deadline."""

    def read(response: httpx.Response) -> Mapping[str, Any] | CannotReconcile:
        if not response.is_success:  # refused (401, 403, 404...): no retry can mend it
            error = api_error(response)
            return CannotReconcile(
                search.crid, f"GET {LOGS_PATH} answered HTTP {response.status_code}: {error.api_message}"
            )
        body = json_object(response)
        if not isinstance(body.get("data"), list):
            raise Malformed(str(body)[:200])
        return body

    try:
        page = yield from get_flow(
            Send("GET", path), read, retry=search.retry, deadline=search.deadline, clock=search.clock, pace=search
        )
    except VeoError as exc:
        search.problem = failure_text(exc, "the usage logs")
        return None
    search.problem = None
    return page


def _walk(
    search: _Search, lookup: Lookup, models: Sequence[str]
) -> Generator[Step, Outcome, Found | FoundFailed | CannotReconcile | None]:
    """Page through the window (newest first) until our row turns up or the rows end."""
    failed: FoundFailed | None = None
    for number in range(MAX_PAGES):
        body = yield from _page(search, logs_query(lookup.sent_at, models, offset=number * PAGE_SIZE))
        if body is None or isinstance(body, CannotReconcile):
            return body or failed
        rows = [r for r in body["data"] if isinstance(r, Mapping)]
        match = _match(rows, lookup.client_request_id)
        if isinstance(match, Found):
            return match
        failed = failed or match
        paging = body.get("pagination")
        more = paging.get("has_more") if isinstance(paging, Mapping) else None
        if not (more if more is not None else len(body["data"]) >= PAGE_SIZE):
            break
    return failed


def reconcile_flow(
    lookup: Lookup,
    *,
    timeout: float,
    rate: RateWindow | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    clock: Callable[[], float] = time.monotonic,
    patience: float = 30.0,
) -> Generator[Step, Outcome, Reconciled]:
    """Look for ``lookup`` in the usage logs for up to ``timeout`` seconds.

    Each round pages the window narrowed by ``lookup.models`` and, if that finds nothing (the
    logs may name the model differently), the window unnarrowed. Rounds are spaced 2, 4, 8...
    seconds apart, at most ``patience``, and one is made right at the deadline.
    """
    search = _Search(lookup.client_request_id, clock() + timeout, clock, rate or RateWindow(), retry)
    started = clock()
    passes: list[Sequence[str]] = [lookup.models, ()] if lookup.models else [()]
    round_ = 0
    while True:
        round_ += 1
        failed: FoundFailed | None = None
        for models in passes:
            result = yield from _walk(search, lookup, models)
            if isinstance(result, (Found, CannotReconcile)):
                return result
            failed = failed or result
        if failed is not None:
            return failed
        remaining = search.deadline - clock()
        if remaining <= 0:
            return NotFound(lookup.client_request_id, clock() - started, search.requests, search.problem)
        yield Sleep(min(patience, 2.0**round_, remaining))


# ---------------------------------------------------------------- several creates at once


def _windows(lookups: Sequence[Lookup]) -> list[tuple[datetime, datetime, list[Lookup]]]:
    """The lookups in as few windows as cover them all (each within 92 days): creates made
    near one another share one query."""
    windows: list[tuple[datetime, datetime, list[Lookup]]] = []
    for lookup in sorted(lookups, key=lambda item: _aware(item.sent_at)):
        start, end = _aware(lookup.sent_at) - MARGIN, _aware(lookup.sent_at) + MARGIN
        if windows and start <= windows[-1][1] and end - windows[-1][0] <= MAX_WINDOW:
            first, last, group = windows[-1]
            windows[-1] = (first, max(last, end), [*group, lookup])
        else:
            windows.append((start, end, [lookup]))
    return windows


def _sweep(
    search: _Search, start: datetime, end: datetime, wanted: set[str]
) -> Generator[Step, Outcome, dict[str, Found | FoundFailed] | CannotReconcile | None]:
    """Every page of one window (all models), matching every id wanted; None when a page
    could not be had (then nothing may be concluded from what is missing)."""
    seen: dict[str, Found | FoundFailed] = {}
    for number in range(MAX_PAGES):
        body = yield from _page(search, window_query(start, end, offset=number * PAGE_SIZE))
        if body is None or isinstance(body, CannotReconcile):
            return body
        rows = [r for r in body["data"] if isinstance(r, Mapping)]
        for crid in wanted:
            match = _match(rows, crid)
            if isinstance(match, Found) or (match is not None and crid not in seen):
                seen[crid] = match
        if all(isinstance(seen.get(crid), Found) for crid in wanted):
            break
        paging = body.get("pagination")
        more = paging.get("has_more") if isinstance(paging, Mapping) else None
        if not (more if more is not None else len(body["data"]) >= PAGE_SIZE):
            break
    return seen


def reconcile_many_flow(
    lookups: Sequence[Lookup],
    *,
    timeout: float,
    final_after: timedelta = LOGS_FINAL_AFTER,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    rate: RateWindow | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    clock: Callable[[], float] = time.monotonic,
    patience: float = 30.0,
) -> Generator[Step, Outcome, dict[str, Reconciled]]:
    """Look several creates up at once: one logs query per window (and page) a round, not
    one per create. Each ends found, found failed, :class:`NotMade` (the logs were final for
    its time, ``final_after`` past its create, when a whole window was read and held no row),
    or, at ``timeout``, :class:`NotFound` with the moment it will be final. Rounds are spaced
    as in :func:`reconcile_flow`, and end early once every create is settled."""
    search = _Search("", clock() + timeout, clock, rate or RateWindow(), retry)
    started = clock()
    results: dict[str, Reconciled] = {}
    round_ = 0
    while True:
        round_ += 1
        pending = [item for item in lookups if item.client_request_id not in results]
        for start, end, group in _windows(pending):
            moment = now()
            wanted = {item.client_request_id for item in group}
            swept = yield from _sweep(search, start, end, wanted)
            if isinstance(swept, CannotReconcile):
                results.update({crid: CannotReconcile(crid, swept.reason) for crid in wanted})
                continue
            results.update(swept or {})
            for item in group:
                final_at = _aware(item.sent_at) + final_after
                if swept is not None and item.client_request_id not in results and moment >= final_at:
                    results[item.client_request_id] = NotMade(item.client_request_id, final_at)
        pending = [item for item in lookups if item.client_request_id not in results]
        remaining = search.deadline - clock()
        if not pending or remaining <= 0:
            break
        yield Sleep(min(patience, 2.0**round_, remaining))
    for item in pending:
        crid = item.client_request_id
        final_at = _aware(item.sent_at) + final_after
        results[crid] = NotFound(crid, clock() - started, search.requests, search.problem, final_at)
    return {item.client_request_id: results[item.client_request_id] for item in lookups}
