"""Reading the ledger: cursor pages, the rate limit, progress, and a cache of settled pages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from veo_widgets.money._ledger import (
    Charge,
    LedgerProgress,
    account_id,
    ledger_flow,
    load_ledger_cache,
    save_ledger_cache,
)
from veo_widgets.money._reconcile import RateWindow
from veo_widgets.protocol._flows import RetryPolicy, Send

from ..helpers import drive, response

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
FAST = RetryPolicy(base=0.01, cap=0.02)


def entry(n: int, hours_ago: float, usd: float = 1.5) -> dict[str, Any]:
    at = NOW - timedelta(hours=hours_ago)
    return {
        "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "direction": "CHARGE",
        "type": "MODEL_USAGE",
        "amount": {"usd": usd, "credits": int(usd * 2_000_000)},
        "model": "google/veo-3.0-fast",
        "reference_id": f"gen-{n}",
    }


class Ledger:
    """A fake ledger: ``entries`` newest first, answered ``size`` a page with opaque cursors."""

    def __init__(self, entries: list[dict[str, Any]], size: int = 100) -> None:
        self.entries = entries
        self.size = size
        self.sent: list[Send] = []

    def __call__(self, send: Send) -> httpx.Response:
        self.sent.append(send)
        params = dict(send.params)
        first = datetime.fromisoformat(params["from"].replace("Z", "+00:00"))
        last = datetime.fromisoformat(params["to"].replace("Z", "+00:00"))
        shown = [
            e for e in self.entries if first <= datetime.fromisoformat(e["created_at"].replace("Z", "+00:00")) <= last
        ]
        start = int(params.get("cursor", "opaque-0").split("-")[1])
        page = shown[start : start + self.size]
        more = start + self.size < len(shown)
        cursor = f"opaque-{start + self.size}" if more else None
        return response(200, {"data": page, "pagination": {"next_cursor": cursor, "has_more": more}})


def test_pages_are_followed_by_their_cursor_and_progress_is_told() -> None:
    book = Ledger([entry(n, n * 2) for n in range(250)])
    seen: list[LedgerProgress] = []
    read, sends = drive(ledger_flow(NOW - timedelta(days=30), NOW, now=NOW, on_progress=seen.append, retry=FAST), book)
    assert len(read.charges) == 250 and read.pages == 3 and len(sends) == 3
    assert [dict(s.params).get("cursor") for s in sends] == [None, "opaque-100", "opaque-200"]
    assert all(dict(s.params)["limit"] == "100" and dict(s.params)["type"] == "MODEL_USAGE" for s in sends)
    assert [p.pages for p in seen] == [1, 2, 3] and seen[-1].fraction == 1.0 and 0 < seen[0].fraction < 1
    assert read.usd == pytest.approx(250 * 1.5)


def test_a_second_read_of_a_settled_window_sends_nothing() -> None:
    book = Ledger([entry(n, 24 + n) for n in range(120)])
    since, until = NOW - timedelta(days=10), NOW - timedelta(hours=12)
    first, sent = drive(ledger_flow(since, until, now=NOW, retry=FAST), book)
    assert len(sent) == 2 and first.cache is not None
    again, sent_again = drive(ledger_flow(since, until, now=NOW, cache=first.cache, retry=FAST), book)
    assert sent_again == [] and again.charges == first.charges and again.from_cache == 120


def test_only_the_unsettled_newest_part_is_asked_again() -> None:
    book = Ledger([entry(0, 0.01), *(entry(n, 24 + n) for n in range(1, 5))])
    since = NOW - timedelta(days=10)
    first, _ = drive(ledger_flow(since, NOW, now=NOW, retry=FAST), book)
    assert first.cache is not None and first.cache.end == NOW - timedelta(minutes=10)
    assert len(first.cache.charges) == 4  # the charge of a minute ago is not settled yet
    book.entries.insert(0, entry(99, 0.001))
    later = NOW + timedelta(minutes=1)
    again, sent = drive(ledger_flow(since, later, now=later, cache=first.cache, retry=FAST), book)
    assert len(sent) == 1 and dict(sent[0].params)["from"] == "2026-12-07T11:50:00.000Z"
    assert {c.generation_id for c in again.charges} == {f"gen-{n}" for n in (0, 1, 2, 3, 4, 99)}


def test_429_waits_its_retry_after_and_the_rate_window_holds() -> None:
    book = Ledger([entry(1, 1)])
    answers = [response(429, {"message": "Too Many Requests"}, {"retry-after": "3"})]
    now = [0.0]

    def answer(send: Send) -> httpx.Response:
        return answers.pop(0) if answers else book(send)

    rate = RateWindow(limit=190, per=60.0)
    read, sends = drive(ledger_flow(NOW - timedelta(days=1), NOW, now=NOW, rate=rate, retry=FAST), answer, now)
    assert len(read.charges) == 1 and len(sends) == 2 and now[0] == pytest.approx(3.0, abs=0.5)  # waited as told


def test_a_refused_read_is_the_typed_error() -> None:
    from veo_widgets import APIError

    with pytest.raises(APIError):
        drive(ledger_flow(NOW - timedelta(days=1), NOW, now=NOW, retry=FAST), [response(400, {"message": "bad"})])


def test_the_cache_file_never_holds_the_key(tmp_path: Path) -> None:
    key = "sk-SENTINEL-not-a-real-key-0123456789"
    name = account_id("https://api.aimlapi.com", key)
    book = Ledger([entry(n, 24 + n) for n in range(3)])
    read, _ = drive(ledger_flow(NOW - timedelta(days=5), NOW - timedelta(hours=1), now=NOW, retry=FAST), book)
    assert read.cache is not None
    save_ledger_cache(name, read.cache, tmp_path)
    text = "".join(p.read_text() for p in tmp_path.iterdir())
    assert key not in text and key[:8] not in name
    assert load_ledger_cache(name, tmp_path) == read.cache
    assert load_ledger_cache("other", tmp_path) is None


def test_only_charges_count() -> None:
    assert Charge.of({**entry(1, 1), "type": "PAYMENT"}) is None
    assert Charge.of({**entry(1, 1), "direction": "TOPUP"}) is None
    credits = Charge.of({**entry(1, 1), "amount": {"credits": 3_000_000}})
    assert credits is not None and credits.usd == 1.5


def test_a_window_shorter_than_a_millisecond_still_asks_for_to_after_from() -> None:
    book = Ledger([entry(1, 0)])
    read, sent = drive(ledger_flow(NOW, NOW + timedelta(microseconds=300), now=NOW, retry=FAST), book)
    params = dict(sent[0].params)
    assert params["to"] > params["from"] and [c.generation_id for c in read.charges] == ["gen-1"]
