"""Waiting per model: the client learns from this machine's jobs of a model, and before it
has them, from the API's published percentiles (GET /models/metrics, no key)."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

import veo_widgets as veo
from veo_widgets.schema._models import Job

from ..conftest import FAST
from ..helpers import HTTP

pytestmark = pytest.mark.timeout(60)
MODEL = "google/veo-3.0-i2v-fast"


class FakeAPI:
    """Answers create, poll and metrics; every job completes at its first poll."""

    def __init__(self, metrics: Any = None, metrics_status: int = 200) -> None:
        self.requests: list[httpx.Request] = []
        self.metrics = metrics
        self.metrics_status = metrics_status
        self.url = f"http://api-{secrets.token_hex(4)}.test"  # the metrics cache is per server

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/models/metrics":
            return httpx.Response(self.metrics_status, json=self.metrics)
        if request.method == "POST":
            return httpx.Response(200, json={"id": f"gen-{len(self.requests)}", "status": "queued"})
        if request.url.path.endswith(".mp4"):
            return httpx.Response(200, content=b"\0" * 100, headers={"content-type": "video/mp4"})
        job_id = request.url.params["generation_id"]
        body = {"id": job_id, "status": "completed", "video": {"url": f"{self.url}/v.mp4"}}
        return httpx.Response(200, json=body)

    def metric_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == "/models/metrics"]


def published(p50: float, p90: float) -> dict[str, Any]:
    entry = {"alias": MODEL, "endpoint": "/v2/video/generations", "metrics": {"duration_ms": {"p50": p50, "p90": p90}}}
    return {"window_seconds": 300, "models": [entry]}


def test_published_percentiles_start_the_model_and_are_asked_for_once(image_file: Path) -> None:
    api = FakeAPI(published(95_000, 180_000))
    with veo.Client("k", api.url, transport=httpx.MockTransport(api.handle)) as client:
        for _ in range(2):
            client.generate("x", image=image_file, **FAST)
        learned = client.duration_model(MODEL)
    (asked,) = api.metric_requests()  # cached: one request for two jobs
    assert asked.url.params.get_list("aliases") == [MODEL] and list(asked.url.params) == ["aliases"]
    assert "authorization" not in asked.headers  # a public endpoint never gets the key
    # The published 95 s (the two instant jobs are too short to count as durations).
    assert learned.median == 95.0 and learned.quantile(0.9) == pytest.approx(180, rel=0.02)


@pytest.mark.parametrize(
    ("metrics", "status"),
    [
        (published(900, 1500), 200),  # too short to be a whole generation: the submit call
        ({"window_seconds": 300, "models": []}, 200),  # no successful request in the window
        ({"error": "bad"}, 400),
        ("<html>", 200),
    ],
)
def test_unusable_metrics_fall_back_to_the_default(image_file: Path, metrics: Any, status: int) -> None:
    api = FakeAPI(metrics, status)
    with veo.Client("k", api.url, transport=httpx.MockTransport(api.handle)) as client:
        job = client.generate("x", image=image_file, **FAST)
        assert job.ok
        assert client.duration_model(MODEL).median > 30  # the default prior, not 0.9 s


def test_each_model_learns_from_its_own_jobs(tmp_path: Path) -> None:
    journal = veo.Journal(tmp_path / "j.sqlite3")
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    for n, (model, seconds) in enumerate([("google/veo-3.0-i2v-fast", 40.0), ("google/veo-3.1-i2v", 150.0)] * 6):
        when = start + timedelta(minutes=n)
        job = Job(
            f"j{n}",
            "completed",
            request={"model": model},
            created_at=when,
            updated_at=when + timedelta(seconds=seconds),
        )
        journal.record(job)
    api = FakeAPI()
    with veo.Client("k", api.url, journal=journal, transport=httpx.MockTransport(api.handle)) as client:
        fast, slow = client.duration_model("google/veo-3.0-i2v-fast"), client.duration_model("google/veo-3.1-i2v")
    assert fast.median < 60 < 100 < slow.median


def test_the_async_client_asks_too(image_file: Path) -> None:
    api = FakeAPI(published(70_000, 120_000))

    async def scenario() -> None:
        async with veo.AsyncClient("k", api.url, transport=httpx.MockTransport(api.handle)) as client:
            await client.generate("x", image=image_file, **FAST)

    asyncio.run(scenario())
    assert len(api.metric_requests()) == 1 and json.loads(api.requests[0].content)["model"] == MODEL


def test_demo_emulator_metrics_start_the_model(image_file: Path) -> None:
    from veo_widgets.emulator import Emulator

    with Emulator(timing=20.0, seed=3) as emu:
        transport = httpx.MockTransport(emu.transport().handler)
        with veo.Client(emu.api_key, emu.url, transport=transport) as client:
            job = client.submit("x", image=image_file, model="veo-3.1-i2v", duration=4)
            with pytest.raises(veo.GenerationTimeoutError):
                client.wait(job, timeout=0.2)  # polling began: the schedule was made
            learned = client.duration_model(job.model)
        answer = HTTP.get(f"{emu.url}/models/metrics", params={"aliases": job.model}, timeout=30).json()
    p50 = answer["models"][0]["metrics"]["duration_ms"]["p50"] / 1000
    assert job.model == "google/veo-3.1-i2v" and p50 > 10
    assert learned.median == pytest.approx(p50, rel=0.01)  # the emulator's own timing for 3.1
