"""Every status spelling, end to end: the emulator answers with it, the real client reads it.

``GET /v2/video/generations`` serves every video model of the API, and its pages spell the
same states several ways (shared/API.md, "Status values"). Whatever the spelling, a paid
video is delivered and saved, a running job is polled, a failed one fails, and a status
nobody has seen yet keeps the client polling: to the job's end, or to the caller's deadline.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator

from ..conftest import FAST, QUICK_POLLS, Flavour, probe
from ..helpers import own_emulator

pytestmark = pytest.mark.timeout(120)

SUCCESS = ["completed", "complete", "succeeded", "success", "SUCCEEDED"]
PENDING = ["queued", "waiting", "active", "generating", "pending", "processing", "in_progress", "running", "starting"]
FAILURE = ["error", "failed", "failure", "cancelled", "canceled", "rejected", "expired"]

# The module's own emulator: a job here is spelled by the fault its create takes, and a
# server-wide spelling (the last test) must not reach other modules' jobs.
_server, spelled = own_emulator("spelled", timing=0.5, seed=11)


def generate(client: Flavour, image_file: Path, tmp_path: Path, seen: list[str], **kw: Any) -> veo.Job:
    job: veo.Job = client.generate(
        "waves", image=image_file, save_to=tmp_path, on_update=lambda j: seen.append(j.status), **FAST, **kw
    )
    return job


@pytest.fixture
def spelled_client(flavour: str, spelled: Emulator) -> Any:
    client = Flavour(flavour, spelled)
    yield client
    client.close()


@pytest.fixture
def sync_client(spelled: Emulator) -> Any:
    """The sync client alone, for the long lists: both clients share every plan."""
    client = Flavour("sync", spelled)
    yield client
    client.close()


@pytest.mark.parametrize("word", SUCCESS)
def test_a_job_that_finishes_in_any_success_spelling_is_delivered_and_saved(
    spelled_client: Flavour, spelled: Emulator, image_file: Path, tmp_path: Path, word: str
) -> None:
    spelled.add_fault(f"status:{word}", endpoint="create")
    seen: list[str] = []
    job = generate(spelled_client, image_file, tmp_path, seen)
    assert job.ok and job.path is not None and probe(job.path)["duration"] == pytest.approx(4, abs=0.1)
    row = spelled_client.journal.find(job.id)
    assert row is not None and row.ok and row.path == job.path  # the journal knows it is saved


@pytest.mark.parametrize("word", PENDING)
def test_every_pending_spelling_keeps_polling_to_the_video(
    sync_client: Flavour, spelled: Emulator, image_file: Path, tmp_path: Path, word: str
) -> None:
    spelled.add_fault(f"status:{word}", endpoint="create")
    seen: list[str] = []
    job = generate(sync_client, image_file, tmp_path, seen)
    assert job.ok and job.path is not None and job.path.is_file()
    assert word in seen, seen  # the running job said so, and was polled again


@pytest.mark.parametrize("word", FAILURE)
def test_every_failure_spelling_raises_generation_failed(
    sync_client: Flavour, spelled: Emulator, image_file: Path, tmp_path: Path, word: str
) -> None:
    spelled.add_fault(f"status:{word}", endpoint="create")
    with pytest.raises(veo.GenerationFailedError) as failed:
        generate(sync_client, image_file, tmp_path, [])
    assert word in str(failed.value) and not list(tmp_path.glob("*.mp4"))
    row = sync_client.journal.find(failed.value.job.id)
    assert row is not None and row.done and not row.ok  # journaled as failed, not pending


def test_an_unknown_status_keeps_polling_until_the_job_completes_and_is_said_once(
    spelled_client: Flavour, spelled: Emulator, image_file: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="veo_widgets")
    spelled.add_fault("status:finalizing", endpoint="create")
    job = generate(spelled_client, image_file, tmp_path, [])
    assert job.ok and job.path is not None and job.path.is_file()
    polls = spelled.stats.jobs[job.id]["polls"]
    said = [r for r in caplog.records if "unknown status 'finalizing'" in r.getMessage()]
    assert len(said) == 1 and job.id in said[0].getMessage(), (polls, [r.getMessage() for r in said])


def test_an_unknown_status_ends_at_the_deadline_as_a_timeout_never_a_failure(
    spelled_client: Flavour, spelled: Emulator, image_file: Path, tmp_path: Path
) -> None:
    spelled.add_fault("status:finalizing", endpoint="create")
    spelled.add_fault("never_finish", endpoint="create")
    with pytest.raises(veo.GenerationTimeoutError) as late:
        generate(spelled_client, image_file, tmp_path, [], timeout=2.0)
    assert not isinstance(late.value, veo.GenerationFailedError)
    assert spelled.stats.jobs[late.value.job.id]["polls"] >= 2  # it kept asking
    row = spelled_client.journal.find(late.value.job.id)
    assert row is not None and not row.done  # still pending: `resume` can fetch it later


def test_a_server_wide_spelling_is_read_the_same(spelled: Emulator, image_file: Path, tmp_path: Path) -> None:
    spelled.statuses = {"queued": "pending", "generating": "processing", "completed": "succeeded"}
    try:
        with veo.Client(spelled.api_key, spelled.url, schedule=QUICK_POLLS) as client:
            seen: list[str] = []
            job = client.generate(
                "waves", image=image_file, save_to=tmp_path, on_update=lambda j: seen.append(j.status), **FAST
            )
    finally:
        spelled.statuses = {}
    assert job.ok and job.path is not None and job.path.is_file()
    assert set(seen) - {"completed"} <= {"pending", "processing"}, seen
