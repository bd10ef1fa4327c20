"""Balance and spend, driven with fake responses."""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime, timedelta, timezone
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import veo_widgets as veo
from veo_widgets.money._billing import Balance, Spend, balance_flow, spend_flow, usage_query
from veo_widgets.protocol._flows import Outcome, RetryPolicy, Step

from .. import helpers
from ..helpers import response

T = TypeVar("T")
NOW = datetime(2026, 11, 29, 23, 12, 5, tzinfo=timezone.utc)
OUT_OF_CREDITS = {
    "message": "You've run out of credits. Please top up your balance or update your payment method to continue",
    "statusCode": "403",
}


def drive(flow: Generator[Step, Outcome, T], answers: list[Outcome]) -> tuple[T, list[str]]:
    """The flow's value and the paths it read (every one a GET: money is only looked at)."""
    value, sends = helpers.drive(flow, answers)
    assert all(send.method == "GET" for send in sends)
    return value, [send.path for send in sends]


def test_balance_in_dollars() -> None:
    balance, paths = drive(balance_flow(), [response(200, {"current_balance": 42.5, "currency": "USD"})])
    assert paths == ["/v2/billing"] and balance == Balance(42.5) and balance.describe() == "$42.50"


def test_balance_falls_back_to_the_legacy_route_in_credits() -> None:
    answers: list[Outcome] = [
        response(404, {"message": "Cannot GET /v2/billing"}),
        response(200, {"balance": 10_000_000, "lowBalance": False}),
    ]
    balance, paths = drive(balance_flow(), answers)
    assert paths == ["/v2/billing", "/v1/billing/balance"]
    assert balance.usd == 5.0 and balance.credits == 10_000_000


def test_out_of_credits_is_a_typed_error_saying_what_to_do() -> None:
    with pytest.raises(veo.InsufficientCreditsError) as caught:
        drive(balance_flow(), [response(403, OUT_OF_CREDITS)])
    assert "top it up" in str(caught.value)
    with pytest.raises(veo.InsufficientCreditsError):
        drive(spend_flow(usage_query("7d")), [response(403, {"message": "API key limit reached"})])


def test_a_bad_key_is_an_authentication_error() -> None:
    with pytest.raises(veo.AuthenticationError):
        drive(balance_flow(), [response(401, {"message": "Invalid key"})])


def test_busy_servers_and_drops_are_retried_then_reported() -> None:
    request = httpx.Request("GET", "http://x")
    answers: list[Outcome] = [
        response(429, {"message": "slow"}, {"Retry-After": "1"}),
        httpx.ReadTimeout("slow", request=request),
        response(200, {"current_balance": "3.5"}),
    ]
    balance, paths = drive(balance_flow(), answers)
    assert balance.usd == 3.5 and len(paths) == 3
    with pytest.raises(veo.ServerError):
        drive(balance_flow(RetryPolicy(attempts=2)), [response(502, b"<html/>"), response(500, b"")])


def test_spend_over_a_period() -> None:
    body = {
        "api_key_prefix": None,
        "start": "2026-11-22T23:12:05Z",
        "end": "2026-11-29T23:12:05Z",
        "spend": 12.8,
        "currency": "USD",
        "requests": 4,
    }
    spend, paths = drive(spend_flow(usage_query("7d")), [response(200, body)])
    assert paths == ["/v2/usage?period=7d"]
    assert spend == Spend(12.8, 4, "2026-11-22T23:12:05Z", "2026-11-29T23:12:05Z")
    assert spend.describe().startswith("$12.80 over 4 charged requests")


def window(path: str) -> dict[str, list[str]]:
    url = urlsplit(path)
    assert url.path == "/v2/usage"
    return parse_qs(url.query)


def test_windows_are_period_xor_start_and_end() -> None:
    assert window(usage_query("today", now=NOW)) == {"start": ["2026-11-29T00:00:00Z"], "end": ["2026-11-29T23:12:05Z"]}
    assert window(usage_query(now=NOW))["start"] == ["2026-11-29T00:00:00Z"]
    assert window(usage_query("month", now=NOW))["start"] == ["2026-11-01T00:00:00Z"]
    assert window(usage_query(start=NOW - timedelta(days=2), end=NOW)) == {
        "start": ["2026-11-27T23:12:05Z"],
        "end": ["2026-11-29T23:12:05Z"],
    }
    assert window(usage_query("24H")) == {"period": ["24h"]}


@pytest.mark.parametrize(
    ("period", "start", "end", "field"),
    [
        ("7d", NOW - timedelta(days=1), NOW, "period"),  # both
        ("0d", None, None, "period"),
        ("7 days", None, None, "period"),
        ("7d,24h", None, None, "period"),
        ("93d", None, None, "period"),
        (None, NOW, None, "end"),
        (None, NOW, NOW - timedelta(hours=1), "end"),
        (None, NOW - timedelta(days=93), NOW, "start"),
    ],
)
def test_windows_the_api_refuses_are_caught_before_sending(
    period: str | None, start: datetime | None, end: datetime | None, field: str
) -> None:
    with pytest.raises(veo.ValidationError) as caught:
        usage_query(period, start=start, end=end, now=NOW)
    assert caught.value.field == field
