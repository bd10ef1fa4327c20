"""GET /v2/logs: a row per create with our X-Client-Request-Id, found at once or later."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from veo_widgets.emulator import Emulator

from ..helpers import HTTP
from .conftest import auth, body, create, wait_done

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(timing=0.3, seed=3) as emu:
        yield emu


def logs(emu: Emulator, **params: Any) -> httpx.Response:
    return HTTP.get(f"{emu.url}/v2/logs", params={"period": "1h", **params}, headers=auth(emu), timeout=30)


def rows_for(emu: Emulator, crid: str) -> list[dict[str, Any]]:
    answer = logs(emu, limit=100)
    assert answer.status_code == 200
    return [r for r in answer.json()["data"] if r["client_request_id"] == crid]


def test_a_created_job_is_found_by_its_client_request_id(emu: Emulator) -> None:
    job = create(emu, body(), **{"X-Client-Request-Id": "find-me-1"}).json()
    (row,) = rows_for(emu, "find-me-1")
    assert row["inference_id"] == job["id"] and row["status"] == "succeeded" and row["origin"] == "api"
    assert row["model"] == "google/veo-3.0-i2v-fast" and row["cost"]["usd"] == pytest.approx(1.68)
    assert row["cost"]["credits"] == 3_360_000 and row["tokens"] == {"input": 0, "output": 0, "total": 0}
    assert row["request_id"] and datetime.fromisoformat(row["created"].replace("Z", "+00:00"))


def test_a_row_appears_only_after_the_lag(emu: Emulator) -> None:
    emu.log_lag = 4.0
    started = time.monotonic()
    create(emu, body(), **{"X-Client-Request-Id": "later-1"})
    assert rows_for(emu, "later-1") == []
    while not rows_for(emu, "later-1") and time.monotonic() - started < 30:
        time.sleep(0.25)
    assert 4.0 <= time.monotonic() - started < 30 and len(rows_for(emu, "later-1")) == 1


def test_a_lost_answer_still_leaves_a_row(emu: Emulator) -> None:
    emu.add_fault("502", endpoint="create")
    lost = create(emu, body(), **{"X-Client-Request-Id": "lost-1"})
    assert lost.status_code == 502
    (row,) = rows_for(emu, "lost-1")
    assert row["status"] == "succeeded" and emu.stats.creates_per_request["lost-1"] == 1
    assert wait_done(emu, row["inference_id"])["status"] == "completed"  # the job is real


def test_refused_and_failed_creates_are_failed_and_free(emu: Emulator) -> None:
    assert create(emu, body(duration=5), **{"X-Client-Request-Id": "bad-1"}).status_code == 400
    (refused,) = rows_for(emu, "bad-1")
    assert refused["status"] == "failed" and refused["cost"] == {"usd": 0.0, "credits": 0}
    emu.add_fault("job_error")
    job = create(emu, body(), **{"X-Client-Request-Id": "err-1"}).json()
    wait_done(emu, job["id"])
    (failed,) = rows_for(emu, "err-1")
    assert failed["status"] == "failed" and failed["cost"]["usd"] == 0 and failed["inference_id"] == job["id"]
    statuses = {r["status"] for r in logs(emu, status="failed").json()["data"]}
    assert statuses == {"failed"}


def test_newest_first_filters_and_pages(emu: Emulator) -> None:
    for i in range(5):
        create(emu, body(), **{"X-Client-Request-Id": f"page-{i}"})
    create(emu, body(model="google/veo-3.0-i2v"), **{"X-Client-Request-Id": "other-model"})
    first = logs(emu, limit=2).json()
    assert [r["client_request_id"] for r in first["data"]] == ["other-model", "page-4"]
    assert first["pagination"] == {"limit": 2, "offset": 0, "total": 6, "has_more": True}
    last = logs(emu, limit=2, offset=4).json()
    assert [r["client_request_id"] for r in last["data"]] == ["page-1", "page-0"] and not last["pagination"]["has_more"]
    by_alias = logs(emu, model="veo-3.0-i2v").json()["data"]
    assert [r["client_request_id"] for r in by_alias] == ["other-model"]
    both = HTTP.get(
        f"{emu.url}/v2/logs",
        params=[("period", "1h"), ("model", "google/veo-3.0-i2v"), ("model", "google/veo-3.0-i2v-fast")],
        headers=auth(emu),
        timeout=30,
    )
    assert both.json()["pagination"]["total"] == 6
    assert logs(emu, model="google/veo-3.0-i2v,google/veo-3.0-i2v-fast").json()["data"] == []  # one odd name


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"period": "1h", "start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"},
        {"period": "0h"},
        {"period": "93d"},
        {"period": "yesterday"},
        {"start": "2026-01-01T00:00:00Z"},
        {"start": "2026-02-01T00:00:00", "end": "2026-01-01T00:00:00"},
        {"start": "2026-01-01T00:00:00Z", "end": "2026-06-01T00:00:00Z"},
        {"period": "1h", "status": "failed,succeeded"},
        {"period": "1h", "status": "done"},
        {"period": "1h", "limit": "0"},
        {"period": "1h", "limit": "101"},
        {"period": "1h", "offset": "-1"},
    ],
)
def test_window_and_parameter_errors_are_400(emu: Emulator, params: dict[str, str]) -> None:
    answer = HTTP.get(f"{emu.url}/v2/logs", params=params, headers=auth(emu), timeout=30)
    assert answer.status_code == 400 and answer.json()["statusCode"] == "400"


def test_a_start_end_window_finds_rows_and_92_days_is_allowed(emu: Emulator) -> None:
    create(emu, body(), **{"X-Client-Request-Id": "windowed"})
    now = datetime.now(timezone.utc)
    params = {
        "start": (now - timedelta(days=92) + timedelta(minutes=2)).isoformat(),
        "end": (now + timedelta(minutes=1)).isoformat(),
    }
    answer = HTTP.get(f"{emu.url}/v2/logs", params=params, headers=auth(emu), timeout=30)
    assert [r["client_request_id"] for r in answer.json()["data"]] == ["windowed"]
    assert logs(emu, period="92d").status_code == 200


def test_needs_the_key_and_only_its_own_prefix(emu: Emulator) -> None:
    assert HTTP.get(f"{emu.url}/v2/logs", params={"period": "1h"}, timeout=30).status_code == 401
    assert logs(emu, key_prefix=emu.api_key[:8]).status_code == 200
    assert logs(emu, key_prefix="someone1").status_code == 403


def test_more_than_the_rate_limit_a_minute_is_429() -> None:
    with Emulator(timing=0.3, logs_rate_limit=5) as emu:
        codes = [logs(emu).status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]
        assert int(logs(emu).headers["retry-after"]) >= 1


@pytest.mark.parametrize("kind", ["500", "502", "504", "drop", "slow", "malformed", "hold"])
def test_every_fault_after_the_job_is_made_leaves_one_job_and_one_row(emu: Emulator, kind: str) -> None:
    emu.add_fault(kind, endpoint="create", delay=1.0)
    crid = f"after-{kind}"
    with httpx.Client(transport=emu.transport(), base_url=emu.url, timeout=0.5) as client:
        try:
            answer = client.post(
                "/v2/video/generations", json=body(), headers={**auth(emu), "X-Client-Request-Id": crid}
            )
            usable = answer.status_code == 200 and answer.headers.get("content-type") == "application/json"
            assert not (usable and answer.json().get("id")), "the answer should be lost"
        except httpx.TransportError:
            pass  # dropped, or no answer within the read timeout
    assert emu.stats.creates_per_request[crid] == 1
    (row,) = rows_for(emu, crid)
    assert row["status"] == "succeeded" and emu.stats.jobs[row["inference_id"]]["creates"] == 1


def test_rows_survive_a_restart_with_a_state_dir(tmp_path: Path) -> None:
    with Emulator(timing=0.3, state_dir=tmp_path, api_key="k1234567") as first:
        job = create(first, body(), **{"X-Client-Request-Id": "before-restart"}).json()
    with Emulator(timing=0.3, state_dir=tmp_path, api_key="k1234567") as second:
        (row,) = rows_for(second, "before-restart")
        assert row["inference_id"] == job["id"]


def test_a_refused_create_names_its_row_in_x_inference_id(emu: Emulator) -> None:
    refused = create(emu, body(duration=5), **{"X-Client-Request-Id": "chain-1"})
    (row,) = rows_for(emu, "chain-1")
    assert refused.status_code == 400 and refused.headers["x-inference-id"] == row["inference_id"]


def test_a_row_outlives_its_pruned_job(tmp_path: Path) -> None:
    with Emulator(timing=0.3, state_dir=tmp_path, api_key="k1234567") as first:
        create(first, body(), **{"X-Client-Request-Id": "pruned-1"})
    for saved in (tmp_path / "jobs").glob("*.json"):
        saved.unlink()  # demo state older than a week is pruned
    with Emulator(timing=0.3, state_dir=tmp_path, api_key="k1234567") as second:
        (row,) = rows_for(second, "pruned-1")
        assert row["status"] == "succeeded" and row["cost"]["usd"] == pytest.approx(1.68)
