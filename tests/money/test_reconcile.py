"""Finding a create whose answer was lost in the usage logs, driven on a fake clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from veo_widgets.money._reconcile import (
    CannotReconcile,
    Found,
    FoundFailed,
    Lookup,
    NotFound,
    NotMade,
    RateWindow,
    Reconciled,
    reconcile_flow,
    reconcile_many_flow,
)
from veo_widgets.protocol._flows import Outcome, Send

from ..helpers import drive, response

SENT = datetime(2026, 11, 29, 23, 0, 0, tzinfo=timezone.utc)
CRID = "veo-0123456789abcdef01234567"
MODEL = "google/veo-3.0-i2v-fast"


def row(
    crid: str | None,
    *,
    status: str = "succeeded",
    inference: str = "gen-1",
    model: str = MODEL,
    at: datetime = SENT,
    usd: float = 3.2,
) -> dict[str, Any]:
    return {
        "created": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "status": status,
        "origin": "api",
        "model": model,
        "cost": {"usd": usd if status == "succeeded" else 0, "credits": 0},
        "tokens": {"input": 0, "output": 0, "total": 0},
        "request_id": "r-" + inference,
        "inference_id": inference,
        "client_request_id": crid,
    }


class FakeLogs:
    """``GET /v2/logs`` as documented: window rules, exact model filter, paging, newest first.
    A row becomes visible ``lag`` seconds after the fake clock starts."""

    def __init__(self, rows: list[tuple[float, dict[str, Any]]], now: list[float]) -> None:
        self.rows = [(lag, datetime.fromisoformat(r["created"].replace("Z", "+00:00")), r) for lag, r in rows]
        self.now = now
        self.sends: list[tuple[float, dict[str, list[str]]]] = []
        self.answers: list[Callable[[], Outcome] | None] = []

    def __call__(self, send: Send) -> Outcome:
        url = urlsplit(send.path)
        assert send.method == "GET" and url.path == "/v2/logs"
        query = parse_qs(url.query)
        self.sends.append((self.now[0], query))
        if self.answers:
            special = self.answers.pop(0)
            if special is not None:
                return special()
        assert ("period" in query) != ("start" in query and "end" in query), "period XOR start+end"
        start = datetime.fromisoformat(query["start"][0].replace("Z", "+00:00"))
        end = datetime.fromisoformat(query["end"][0].replace("Z", "+00:00"))
        assert start < end and end - start <= timedelta(days=92)
        limit, offset = int(query["limit"][0]), int(query["offset"][0])
        assert 1 <= limit <= 100
        models = query.get("model")
        visible = [
            r
            for lag, at, r in self.rows
            if self.now[0] >= lag and start <= at <= end and (not models or r["model"] in models)
        ]
        visible.sort(key=lambda r: r["created"], reverse=True)
        page = visible[offset : offset + limit]
        paging = {"limit": limit, "offset": offset, "total": len(visible), "has_more": offset + limit < len(visible)}
        return response(200, {"data": page, "pagination": paging})


def once(outcome: Outcome) -> Callable[[], Outcome]:
    return lambda: outcome


def run(
    logs: FakeLogs,
    now: list[float],
    *,
    timeout: float = 300,
    models: tuple[str, ...] = (MODEL,),
    rate: RateWindow | None = None,
) -> Reconciled:
    flow = reconcile_flow(Lookup(CRID, SENT, models), timeout=timeout, clock=lambda: now[0], rate=rate)
    return drive(flow, logs, now)[0]


def noise(count: int, *, start: int = 0) -> list[tuple[float, dict[str, Any]]]:
    return [
        (0.0, row(f"other-{i}", inference=f"g{i}", at=SENT + timedelta(seconds=i % 600)))
        for i in range(start, start + count)
    ]


def test_finds_the_job_on_a_later_page_by_exact_id() -> None:
    now = [0.0]
    rows = [
        *noise(250),
        (0.0, row(None, inference="nulled")),
        (0.0, row(CRID + "x", inference="near")),
        (0.0, row(CRID, inference="the-job", at=SENT - timedelta(seconds=1))),
    ]
    logs = FakeLogs(rows, now)
    result = run(logs, now)
    assert isinstance(result, Found) and result.generation_id == "the-job"
    assert "recovered the-job" in result.describe()
    offsets = [q["offset"][0] for _, q in logs.sends]
    assert offsets == ["0", "100", "200"]
    assert all(q["model"] == [MODEL] and q["limit"] == ["100"] for _, q in logs.sends)


def test_a_null_id_never_matches() -> None:
    now = [0.0]
    logs = FakeLogs([(0.0, row(None, inference="someone-elses"))], now)
    flow = reconcile_flow(Lookup("", SENT), timeout=5, clock=lambda: now[0])
    assert isinstance(drive(flow, logs, now)[0], NotFound)


def test_a_lagging_row_is_found_by_looking_again() -> None:
    now = [0.0]
    logs = FakeLogs([*noise(5), (75.0, row(CRID, inference="late"))], now)
    result = run(logs, now, timeout=300)
    assert isinstance(result, Found) and result.generation_id == "late"
    assert 75 <= now[0] < 75 + 31  # found within one spacing of appearing
    times = [t for t, _ in logs.sends]
    assert len(times) < 40 and times == sorted(times)


def test_the_logs_naming_the_model_differently_do_not_hide_the_row() -> None:
    now = [0.0]
    logs = FakeLogs([(0.0, row(CRID, inference="aliased", model="google/veo-3.0-fast-generate-001"))], now)
    result = run(logs, now)
    assert isinstance(result, Found) and result.generation_id == "aliased"
    assert [q.get("model") for _, q in logs.sends] == [[MODEL], None]


def test_not_found_by_the_deadline_says_what_is_known() -> None:
    now = [0.0]
    logs = FakeLogs(noise(3), now)
    result = run(logs, now, timeout=120)
    assert isinstance(result, NotFound)
    assert now[0] == 120  # one last look right at the deadline, never past it
    text = result.describe()
    assert CRID in text and "2 min 0 s" in text and f"{result.requests} requests" in text
    assert f"client.reconcile('{CRID}')" in text and f"veo reconcile {CRID}" in text
    assert f"%veo reconcile {CRID}" in text


def test_a_failed_create_was_billed_nothing() -> None:
    now = [0.0]
    logs = FakeLogs([(0.0, row(CRID, status="failed", inference="dead"))], now)
    result = run(logs, now)
    assert isinstance(result, FoundFailed) and result.billed_nothing and result.inference_id == "dead"
    assert "billed nothing" in result.describe()


def test_a_success_wins_over_a_failed_row_for_the_same_id() -> None:
    now = [0.0]
    rows = [
        (0.0, row(CRID, status="failed", inference="x", at=SENT)),
        (0.0, row(CRID, inference="ok", at=SENT + timedelta(seconds=1))),
    ]
    result = run(FakeLogs(rows, now), now)
    assert isinstance(result, Found) and result.generation_id == "ok"


def test_refused_logs_mean_cannot_reconcile() -> None:
    for code in (401, 403, 404):
        now = [0.0]
        logs = FakeLogs([(0.0, row(CRID))], now)
        logs.answers = [once(response(code, {"message": "nope", "statusCode": str(code)}))]
        result = run(logs, now)
        assert isinstance(result, CannotReconcile) and f"HTTP {code}" in result.reason
        assert len(logs.sends) == 1  # refused: no retrying a request that cannot work
        assert "unknown" in result.describe() and CRID in result.describe()


def test_429_waits_for_retry_after_then_finds() -> None:
    now = [0.0]
    logs = FakeLogs([(0.0, row(CRID, inference="patient"))], now)
    logs.answers = [lambda: response(429, {"message": "slow down"}, {"Retry-After": "17"})]
    result = run(logs, now)
    assert isinstance(result, Found)
    assert [t for t, _ in logs.sends] == [0.0, 17.0]


def test_server_errors_and_drops_are_retried() -> None:
    now = [0.0]
    logs = FakeLogs([(0.0, row(CRID, inference="steady"))], now)
    request = httpx.Request("GET", "http://x")
    logs.answers = [
        lambda: response(502, b"<html>bad gateway</html>"),
        lambda: httpx.ReadError("reset", request=request),
        lambda: response(200, b"not json"),
    ]
    assert isinstance(run(logs, now), Found)
    assert len(logs.sends) == 4


def test_never_more_than_200_requests_in_60_seconds() -> None:
    now = [0.0]
    logs = FakeLogs(noise(6000), now)  # a busy hour: 50 pages narrowed and 50 not, per round
    rate = RateWindow()
    result = run(logs, now, timeout=150, rate=rate)
    assert isinstance(result, NotFound)
    times = [t for t, _ in logs.sends]
    assert len(times) > 200
    assert max(sum(1 for u in times if t <= u < t + 60) for t in times) <= 200


def many(logs: FakeLogs, now: list[float], lookups: list[Lookup], *, timeout: float = 10) -> dict[str, Reconciled]:
    """``reconcile_many_flow`` with the wall clock moving with the fake one, from ``SENT``."""
    flow = reconcile_many_flow(
        lookups,
        timeout=timeout,
        final_after=timedelta(seconds=5),
        now=lambda: SENT + timedelta(seconds=now[0]),
        clock=lambda: now[0],
    )
    return drive(flow, logs, now)[0]


def test_eight_lost_creates_are_settled_with_one_query_a_round() -> None:
    # Issue 21: `veo reconcile` took 81 s for 8 rows (a lookup, and its waits, per row) and
    # still said each "may exist". Now one query covers every create of a time window.
    now = [0.0]
    made = [f"made-{i}" for i in range(4)]
    never = [f"never-{i}" for i in range(4)]
    rows = [(1.5, row(crid, inference=f"job-{crid}", at=SENT)) for crid in made]  # lagging rows
    logs = FakeLogs([*noise(30), *rows], now)
    lookups = [Lookup(crid, SENT + timedelta(seconds=i / 4)) for i, crid in enumerate(made + never)]
    results = many(logs, now, lookups)
    assert [type(results[c]) for c in made] == [Found] * 4
    assert {results[c].generation_id for c in made} == {f"job-{c}" for c in made}  # type: ignore[union-attr]
    assert [type(results[c]) for c in never] == [NotMade] * 4
    assert all("nothing was billed" in results[c].describe() for c in never)
    times = [at for at, _ in logs.sends]
    assert len(times) == len(set(times)) <= 4  # one query per round: the window holds them all
    assert now[0] <= 10


def test_a_create_the_logs_may_still_show_is_unknown_with_the_time_they_are_final() -> None:
    now = [0.0]
    logs = FakeLogs(noise(3), now)
    flow = reconcile_many_flow(
        [Lookup(CRID, SENT)],
        timeout=4,
        final_after=timedelta(minutes=15),
        now=lambda: SENT + timedelta(seconds=now[0]),
        clock=lambda: now[0],
    )
    (result,) = drive(flow, logs, now)[0].values()
    assert isinstance(result, NotFound) and result.final_at == SENT + timedelta(minutes=15)
    assert "Still unknown: the logs are final after" in result.describe()


def test_nothing_is_closed_when_the_logs_could_not_be_read() -> None:
    now = [0.0]
    logs = FakeLogs([], now)
    logs.answers = [once(response(503, {"message": "busy"}))] * 200
    results = many(logs, now, [Lookup(CRID, SENT - timedelta(hours=2))], timeout=6)
    assert isinstance(results[CRID], NotFound)  # never NotMade: the logs were not seen


def test_creates_months_apart_are_looked_up_in_their_own_windows() -> None:
    now = [0.0]
    old = SENT - timedelta(days=200)
    logs = FakeLogs([(0.0, row("old", inference="job-old", at=old)), (0.0, row("new", inference="job-new"))], now)
    results = many(logs, now, [Lookup("old", old), Lookup("new", SENT)])
    assert isinstance(results["old"], Found) and isinstance(results["new"], Found)
    assert len(logs.sends) == 2
