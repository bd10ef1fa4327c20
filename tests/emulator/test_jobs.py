"""Jobs: a status is read from the timeline without changing anything; an ending is stored once."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest

from veo_widgets.emulator import Timing
from veo_widgets.emulator._jobs import Job, JobStore, Phase, RenderState, phase


def make_job(**overrides: object) -> Job:
    fields: dict[str, object] = {
        "id": "job-1",
        "body": {"model": "google/veo-3.0-i2v-fast", "duration": 4},
        "client_request_id": "crid-1",
        "created": 1000.0,
        "ready_at": 1010.0,
        "faults": [],
        "seed": 1,
        "token": "tok",
        "file": "/nowhere.mp4",
    }
    fields.update(overrides)
    return Job(**fields)  # type: ignore[arg-type]


def test_the_timeline() -> None:
    job = make_job()
    assert phase(job, 1000.5, RenderState()).status == "queued"
    assert phase(job, 1005, RenderState()).status == "generating"
    assert phase(job, 1011, RenderState(pending=True)).status == "generating"  # still rendering
    assert phase(job, 1011, RenderState()) == Phase("completed")
    legacy = make_job(faults=["waiting_active"])
    assert [phase(legacy, t, RenderState()).status for t in (1000.5, 1005, 1011)] == ["waiting", "active", "completed"]
    failed = phase(job, 1005, RenderState(failure="image_url: not a readable image"))
    assert failed.status == "error" and failed.error["message"] == "image_url: not a readable image"
    assert phase(make_job(faults=["never_finish"]), 99999, RenderState()).status == "generating"
    assert (
        phase(make_job(faults=["job_error_string"]), 1011, RenderState()).error
        == "Generation failed: internal model error"
    )


def test_reading_a_status_changes_nothing() -> None:
    job = make_job()
    before = copy.deepcopy(job)
    for moment in (1000.5, 1005, 1011, 1e9):
        phase(job, moment, RenderState())
    assert job == before


def test_an_ending_is_stored_once_and_saved(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    job = make_job()
    store.add(job)
    store.settle(job, Phase("generating"), 1005)
    assert job.status == "queued" and store.result_file("tok") is None  # nothing to store yet
    store.settle(job, Phase("completed"), 1011)
    assert job.status == "completed" and store.result_file("tok") == (Path("/nowhere.mp4"), False)
    store.settle(job, Phase("error", "late"), 1012)
    assert job.status == "completed"  # an ended job stays ended
    reloaded = JobStore(tmp_path)
    reloaded.load()
    again = reloaded.get("job-1")
    assert again is not None and again.status == "completed"


def test_counts_creates_and_attempts_per_client_request_id() -> None:
    store = JobStore(None)
    store.count_attempt("a")
    store.count_attempt("a")
    store.add(make_job(client_request_id="a"))
    stats = store.stats()
    assert (stats.creates, stats.create_attempts) == (1, 2)
    assert stats.creates_per_request == {"a": 1} and stats.attempts_per_request == {"a": 2}
    assert stats.duplicate_creates == {}


def test_timing() -> None:
    assert Timing.fixed(2).draw(random.Random(1)) == 2
    timing = Timing()
    draws = [timing.draw(random.Random(i)) for i in range(200)]
    assert all(30 <= d <= 180 for d in draws)
    assert timing.percentile(0) == pytest.approx(60) and timing.percentile(1.2816) > timing.percentile(0.6745)
