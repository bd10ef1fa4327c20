"""What `veo doctor --live` reads off the wire: a signed link's lifetime, and no secret kept."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone

import httpx

from veo_widgets.views._doctor_wire import Recorder, link_lifetime, redacted, wire_facts

SIGNED = (
    "https://cdn.example/generations/x.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261208"
    "&X-Amz-Date=20261208T010000Z&X-Amz-Expires=600&X-Amz-Signature=abcdef0123"
)


def test_an_amz_link_says_ten_minutes_and_when_they_end() -> None:
    seen = link_lifetime(SIGNED)
    assert seen == {"seconds": 600, "source": "x-amz-expires", "expires_at": "2026-12-08T01:10:00+00:00"}


def test_a_tos_link_and_an_expiry_time_are_read_too() -> None:
    assert link_lifetime("https://cdn.example/a.mp4?X-Tos-Expires=86400")["seconds"] == 86400
    end = int(datetime(2030, 1, 1, tzinfo=timezone.utc).timestamp())
    seen = link_lifetime(f"https://cdn.example/a.mp4?Expires={end}")
    assert seen["source"] == "expires" and seen["expires_at"] == "2030-01-01T00:00:00+00:00" and seen["seconds"] > 0


def test_a_link_that_says_nothing_has_no_lifetime() -> None:
    assert link_lifetime("https://cdn.example/a.mp4")["seconds"] is None


def test_signatures_and_credentials_never_reach_a_report() -> None:
    shown = redacted(SIGNED)
    assert "abcdef0123" not in shown and "AKIA" not in shown and "X-Amz-Expires=600" in shown


def test_the_recorder_keeps_statuses_and_cost_headers_and_drops_the_key() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        body = {"id": "j1", "status": "succeeded", "video": {"url": SIGNED}}
        return httpx.Response(
            200, json=body, headers={"x-aimlapi-usd-spent": "0.4", "date": "Tue, 08 Dec 2026 01:00:00 GMT"}
        )

    recorder = Recorder(httpx.MockTransport(answer))
    with httpx.Client(transport=recorder, headers={"Authorization": "Bearer sk-secret"}) as http:
        assert http.get("https://api.example/v2/video/generations", params={"generation_id": "j1"}).json()["id"] == "j1"
    (seen,) = recorder.exchanges
    assert (seen.kind, seen.body_status, seen.headers["x-aimlapi-usd-spent"]) == ("poll", "succeeded", "0.4")
    assert seen.video_url == redacted(SIGNED) and "sk-secret" not in repr(seen) and len(recorder.skews) == 1


def test_the_exchanges_a_report_saves_hold_no_link_signature_and_the_link_still_says_its_lifetime() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "j1", "status": "completed", "video": {"url": SIGNED}})

    recorder = Recorder(httpx.MockTransport(answer))
    with httpx.Client(transport=recorder) as http:
        http.get("https://api.example/v2/video/generations", params={"generation_id": "j1"})
    saved = json.dumps([asdict(e) for e in recorder.exchanges])  # as live_run puts them in the report
    assert "abcdef0123" not in saved and "AKIA" not in saved and "X-Amz-Signature=REDACTED" in saved
    link = wire_facts(recorder, created_at=0.0)["link"]
    assert (link["seconds"], link["source"]) == (600, "x-amz-expires") and "abcdef0123" not in link["url"]
