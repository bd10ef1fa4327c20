"""No I/O: the account's balance (``GET /v2/billing``) and spend (``GET /v2/usage``) as flows.

Both read with the Bearer key. ``/v2/billing`` answers ``{current_balance, currency}`` in
US dollars; where it is missing (404) the legacy ``/v1/billing/balance`` gives credits,
converted at the API's 2,000,000 credits to the dollar. ``/v2/usage`` takes a window, either
``period`` (``24h``, ``7d``) or ``start`` and ``end``, never both and never over 92 days;
:func:`usage_query` checks that before anything is sent, and adds two windows of our own:
``today`` and ``month`` (UTC, the periods in which key limits reset). Errors are the typed
API errors: a 403 is an :class:`~._errors.InsufficientCreditsError`.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import httpx

from .._errors import ServerError, ValidationError
from ..protocol._responses import api_error, json_object
from ..protocol._retry import DEFAULT_RETRY, RetryPolicy, get_flow
from ..protocol._steps import Outcome, Send, Step

__all__ = [
    "BILLING_PATH",
    "LEGACY_BALANCE_PATH",
    "USAGE_PATH",
    "Balance",
    "Spend",
    "balance_flow",
    "spend_flow",
    "usage_query",
]

BILLING_PATH = "/v2/billing"
LEGACY_BALANCE_PATH = "/v1/billing/balance"
USAGE_PATH = "/v2/usage"
CREDITS_PER_USD = 2_000_000
MAX_WINDOW = timedelta(days=92)
_PERIOD = re.compile(r"^([1-9][0-9]*)([hd])$")


@dataclass(frozen=True)
class Balance:
    """What is left on the account."""

    usd: float
    currency: str = "USD"
    credits: int | None = None
    """Set when read from the legacy route, which answers in credits."""

    def describe(self) -> str:
        return f"${self.usd:,.2f}" if self.currency.upper() == "USD" else f"{self.usd:,.2f} {self.currency}"


@dataclass(frozen=True)
class Spend:
    """What the calling key spent in a window (the API's analytics, not the ledger)."""

    usd: float
    requests: int | None = None
    """Charged requests (failed ones are billed nothing and not counted)."""
    start: str | None = None
    end: str | None = None
    currency: str = "USD"

    def describe(self) -> str:
        text = f"${self.usd:,.2f}"
        if self.requests is not None:
            text += f" over {self.requests} charged request{'' if self.requests == 1 else 's'}"
        if self.start and self.end:
            text += f" ({self.start} to {self.end})"
        return text


def _stamp(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def usage_query(
    period: str | None = None,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
) -> str:
    """The ``/v2/usage`` path and query; raises ``ValidationError`` for a window the API refuses."""
    now = now or datetime.now(timezone.utc)
    if period is not None and (start is not None or end is not None):
        raise ValidationError("period", "give a period or start and end, not both")
    if period is None and start is None and end is None:
        period = "today"
    pairs: list[tuple[str, str]]
    if period is not None:
        text = str(period).strip().lower()
        utc = now.astimezone(timezone.utc)
        if text in ("today", "month"):
            first = utc.replace(hour=0, minute=0, second=0, microsecond=0)
            start, end = (first if text == "today" else first.replace(day=1)), utc
        else:
            match = _PERIOD.match(text)
            if match is None:
                raise ValidationError("period", f"expected e.g. '24h', '7d', 'today' or 'month', not {period!r}")
            span = timedelta(hours=int(match[1])) if match[2] == "h" else timedelta(days=int(match[1]))
            if span > MAX_WINDOW:
                raise ValidationError("period", f"{period} is longer than the API's 92-day window")
            return f"{USAGE_PATH}?{urlencode([('period', text)])}"
    if start is None or end is None:
        raise ValidationError("start" if start is None else "end", "give both start and end, or a period")
    if end <= start:
        raise ValidationError("end", "the window ends before it starts")
    if end - start > MAX_WINDOW:
        raise ValidationError("start", "the window is longer than the API's 92 days")
    pairs = [("start", _stamp(start)), ("end", _stamp(end))]
    return f"{USAGE_PATH}?{urlencode(pairs)}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _object_or_refusal(response: httpx.Response) -> Mapping[str, Any] | httpx.Response:
    """A 2xx answer's JSON object (``Malformed``, retried, if it is not one); else the answer."""
    return json_object(response) if response.is_success else response


def _get(path: str, retry: RetryPolicy) -> Generator[Step, Outcome, Mapping[str, Any] | httpx.Response]:
    """GET ``path``, retrying what a retry can mend: the JSON object, or the error response."""
    return (yield from get_flow(Send("GET", path), _object_or_refusal, retry=retry))


def balance_flow(retry: RetryPolicy = DEFAULT_RETRY) -> Generator[Step, Outcome, Balance]:
    """The account balance in US dollars."""
    body = yield from _get(BILLING_PATH, retry)
    if isinstance(body, httpx.Response) and body.status_code == 404:
        body = yield from _get(LEGACY_BALANCE_PATH, retry)
        if isinstance(body, Mapping):
            credits = _number(body.get("balance"))
            if credits is None:
                raise ServerError("the legacy balance answer has no balance", status_code=200)
            return Balance(credits / CREDITS_PER_USD, "USD", credits=int(credits))
    if isinstance(body, httpx.Response):
        raise api_error(body)
    usd = _number(body.get("current_balance"))
    if usd is None:
        raise ServerError("the balance answer has no current_balance", status_code=200)
    return Balance(usd, str(body.get("currency") or "USD"))


def spend_flow(path: str, retry: RetryPolicy = DEFAULT_RETRY) -> Generator[Step, Outcome, Spend]:
    """What the key spent in the window of ``path`` (from :func:`usage_query`)."""
    body = yield from _get(path, retry)
    if isinstance(body, httpx.Response):
        raise api_error(body)
    usd = _number(body.get("spend"))
    if usd is None:
        raise ServerError("the usage answer has no spend", status_code=200)
    requests = _number(body.get("requests"))
    return Spend(
        usd,
        int(requests) if requests is not None else None,
        start=str(body["start"]) if body.get("start") else None,
        end=str(body["end"]) if body.get("end") else None,
        currency=str(body.get("currency") or "USD"),
    )
