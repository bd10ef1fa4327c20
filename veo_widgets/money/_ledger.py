"""No I/O: reading the account's ledger (``GET /v2/billing/transactions``), page by page, cached.

The ledger is what was really charged: a ``MODEL_USAGE`` charge per billed generation, its
``reference_id`` the generation id (a failed request has no entry). :func:`ledger_flow`
reads the charges of a window newest first, 100 a page, following the opaque
``next_cursor`` verbatim, under the documented 200 requests a minute (a shared
:class:`RateWindow`; a 429 waits its ``Retry-After``), telling ``on_progress`` after each
page how far back it has reached.

A charge is recorded once a job has completed and never changes after, so the part of a
window older than a few minutes (``settle``) is settled: :class:`LedgerCache` keeps it
(on disk, one file per server and key, never the key itself) and a second read of the same
window asks only for what is newer than what the cache covers.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from .._config import data_dir
from .._errors import APIConnectionError
from ..protocol._flows import DEFAULT_RETRY, Outcome, RetryPolicy, Send, Sleep, Step
from ..protocol._responses import api_error, retry_after
from ._reconcile import RateWindow

__all__ = [
    "SETTLE",
    "TRANSACTIONS_PATH",
    "Charge",
    "LedgerCache",
    "LedgerProgress",
    "LedgerRead",
    "Pacer",
    "account_id",
    "get_json",
    "ledger_flow",
    "load_ledger_cache",
    "save_ledger_cache",
]

TRANSACTIONS_PATH = "/v2/billing/transactions"
PAGE_SIZE = 100
#: Charges older than this are settled: no new one can appear among them.
SETTLE = timedelta(minutes=10)
CREDITS_PER_USD = 2_000_000


def _stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Charge:
    """One ``MODEL_USAGE`` charge of the ledger."""

    generation_id: str | None
    usd: float
    at: datetime
    model: str | None = None

    @classmethod
    def of(cls, entry: Mapping[str, Any]) -> Charge | None:
        """The charge an entry records, or None for anything else (a top-up, a refund)."""
        if entry.get("type") != "MODEL_USAGE" or entry.get("direction") != "CHARGE":
            return None
        amount = entry.get("amount")
        at = _moment(entry.get("created_at"))
        if not isinstance(amount, Mapping) or at is None:
            return None
        usd = amount.get("usd")
        if not isinstance(usd, (int, float)) or isinstance(usd, bool):
            credits = amount.get("credits")
            if not isinstance(credits, (int, float)) or isinstance(credits, bool):
                return None
            usd = credits / CREDITS_PER_USD
        ref = entry.get("reference_id")
        model = entry.get("model")
        return cls(str(ref) if ref else None, float(usd), at, str(model) if model else None)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.generation_id, "usd": self.usd, "at": self.at.isoformat(), "model": self.model}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Charge:
        at = _moment(data["at"])
        if at is None:
            raise ValueError("a cached charge has no time")
        return cls(data.get("id"), float(data["usd"]), at, data.get("model"))


@dataclass(frozen=True)
class LedgerCache:
    """The settled charges of ``[start, end)``: a read inside it needs no request."""

    start: datetime
    end: datetime
    charges: tuple[Charge, ...] = ()

    def covers(self, since: datetime) -> bool:
        return self.start <= since <= self.end


@dataclass(frozen=True)
class LedgerProgress:
    """How far a read has got: ``pages`` read, ``charges`` seen, back to ``reached``."""

    pages: int
    charges: int
    reached: datetime
    start: datetime
    end: datetime

    @property
    def fraction(self) -> float:
        span = (self.end - self.start).total_seconds()
        return 1.0 if span <= 0 else min(1.0, max(0.0, (self.end - self.reached).total_seconds() / span))


@dataclass(frozen=True)
class LedgerRead:
    """The charges of a window (newest first), how many pages it took, and what to cache."""

    charges: tuple[Charge, ...]
    pages: int
    cache: LedgerCache | None
    from_cache: int = 0
    """How many of ``charges`` came from the cache, without a request."""

    @property
    def usd(self) -> float:
        return round(sum(c.usd for c in self.charges), 6)


@dataclass
class Pacer:
    """The pace of one read: the shared rate window, the retry policy, and how many were sent."""

    rate: RateWindow
    retry: RetryPolicy
    clock: Callable[[], float] = time.monotonic
    sent: int = field(default=0)


def get_json(path: str, params: list[tuple[str, str]], pacer: Pacer) -> Generator[Step, Outcome, Mapping[str, Any]]:
    """GET a JSON object under the rate window; 429 waits (``Retry-After``), 5xx and lost
    connections are retried, anything else is the typed API error."""
    failures = limited = 0
    while True:
        wait = pacer.rate.delay(pacer.clock())
        if wait > 0:
            yield Sleep(wait)
        pacer.rate.note(pacer.clock())
        pacer.sent += 1
        outcome = yield Send("GET", path, params)
        hint: float | None = None
        if isinstance(outcome, httpx.Response):
            if outcome.is_success:
                try:
                    body = outcome.json()
                except ValueError:
                    body = None
                if isinstance(body, Mapping):
                    return body
                error: Exception = APIConnectionError(f"GET {path} answered something unreadable")
            elif outcome.status_code == 429:
                limited += 1
                pause = retry_after(outcome.headers)
                pacer.rate.block(pacer.clock() + (pause if pause is not None else pacer.retry.delay(limited)))
                if limited < 20:
                    continue
                error = api_error(outcome)
            elif outcome.status_code >= 500:
                error = api_error(outcome)
                hint = retry_after(outcome.headers)
            else:
                raise api_error(outcome)
        else:
            error = APIConnectionError(f"GET {path} failed: {type(outcome).__name__}: {outcome}")
        failures += 1
        if failures >= pacer.retry.attempts:
            raise error
        yield Sleep(pacer.retry.delay(failures, hint))


def _read(
    start: datetime, end: datetime, pacer: Pacer, on_progress: Callable[[LedgerProgress], Any] | None
) -> Generator[Step, Outcome, list[Charge]]:
    """Every charge of ``[start, end]``, newest first."""
    base = [
        ("type", "MODEL_USAGE"),
        ("direction", "CHARGE"),
        ("from", _stamp(start)),
        # Stamps are to the millisecond: one more keeps ``to`` after ``from`` (the API's rule) in a
        # window shorter than that; the charges are kept to ``[start, end]`` here anyway.
        ("to", _stamp(end + timedelta(milliseconds=1))),
        ("limit", str(PAGE_SIZE)),
    ]
    charges: list[Charge] = []
    cursor: str | None = None
    pages = 0
    while True:
        body = yield from get_json(TRANSACTIONS_PATH, base + ([("cursor", cursor)] if cursor else []), pacer)
        pages += 1
        data = body.get("data")
        for entry in data if isinstance(data, list) else []:
            charge = Charge.of(entry) if isinstance(entry, Mapping) else None
            if charge is not None and start <= charge.at <= end:
                charges.append(charge)
        paging = body.get("pagination")
        cursor = paging.get("next_cursor") if isinstance(paging, Mapping) else None
        more = bool(paging.get("has_more", cursor is not None)) if isinstance(paging, Mapping) else False
        if on_progress is not None:
            reached = charges[-1].at if charges and more else start
            on_progress(LedgerProgress(pages, len(charges), reached, start, end))
        if not (more and isinstance(cursor, str) and cursor):
            return charges


def ledger_flow(
    since: datetime,
    until: datetime,
    *,
    now: datetime,
    cache: LedgerCache | None = None,
    settle: timedelta = SETTLE,
    rate: RateWindow | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    on_progress: Callable[[LedgerProgress], Any] | None = None,
) -> Generator[Step, Outcome, LedgerRead]:
    """The charges of ``[since, until]``; what ``cache`` already settled is not asked again."""
    pacer = Pacer(rate or RateWindow(), retry)
    horizon = now - settle
    cached: list[Charge] = []
    fetch_from = since
    if cache is not None and cache.covers(since):
        cached = [c for c in cache.charges if since <= c.at < cache.end and c.at <= until]
        fetch_from = cache.end
    fresh: list[Charge] = []
    if fetch_from < until:
        fresh = yield from _read(fetch_from, until, pacer, on_progress)
    elif on_progress is not None:
        on_progress(LedgerProgress(0, len(cached), since, since, until))
    settled_end = max(min(until, horizon), fetch_from)
    keep = [c for c in fresh if c.at < settled_end]
    if cache is not None and cache.covers(since):
        new_cache = LedgerCache(cache.start, max(cache.end, settled_end), (*keep, *cache.charges))
    else:
        new_cache = LedgerCache(since, settled_end, tuple(keep))
    charges = sorted([*fresh, *cached], key=lambda c: c.at, reverse=True)
    return LedgerRead(tuple(charges), pacer.sent, new_cache, from_cache=len(cached))


# --------------------------------------------------------------------------- the cache on disk


def account_id(base_url: str, key: str) -> str:
    """A name for the server and key's cache file that does not reveal the key."""
    return hashlib.sha256(f"{base_url.rstrip('/')}\n{key}".encode()).hexdigest()[:24]


def _cache_file(account: str, folder: Path | None) -> Path:
    return (folder or data_dir() / "ledger") / f"{account}.json"


def load_ledger_cache(account: str, folder: Path | None = None) -> LedgerCache | None:
    """The settled charges read before for this account, or None (blocking: reads a file)."""
    try:
        data = json.loads(_cache_file(account, folder).read_text())
        start, end = _moment(data["start"]), _moment(data["end"])
        if start is None or end is None:
            return None
        return LedgerCache(start, end, tuple(Charge.from_json(c) for c in data["charges"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_ledger_cache(account: str, cache: LedgerCache, folder: Path | None = None) -> None:
    """Keep ``cache`` for the next read (blocking: writes a file, atomically)."""
    path = _cache_file(account, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "start": cache.start.isoformat(),
        "end": cache.end.isoformat(),
        "charges": [c.to_json() for c in cache.charges],
    }
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload))
    tmp.replace(path)
