"""The journal keeps every job across processes."""

from __future__ import annotations

from pathlib import Path

from veo_widgets._journal import NOT_SUBMITTED, UNCONFIRMED, Journal
from veo_widgets._models import Job, Usage


def test_a_submission_is_recorded_before_the_id_exists(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    journal.record_submission("veo-1", base_url="http://x", demo=False, request={"prompt": "p"})
    row = journal.find("veo-1")
    assert row is not None and row.status == UNCONFIRMED and row.id == "" and row.request == {"prompt": "p"}
    journal.record(Job("job-1", "queued", client_request_id="veo-1", base_url="http://x"))
    again = Journal(tmp_path / "j.sqlite3")  # another process, another day
    found = again.find("job-1")
    assert found is not None and found.client_request_id == "veo-1" and found.request == {"prompt": "p"}


def test_updates_keep_what_was_known(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    job = Job("job-2", "completed", video_url="https://x/v.mp4", usage=Usage(usd=1.0))
    journal.record(job)
    journal.record(job.evolve(path=Path("/tmp/v.mp4")))
    journal.record(job.evolve(video_url=None, usage=Usage()))  # a thinner copy does not erase
    found = journal.find("job-2")
    assert found is not None and found.video_url == "https://x/v.mp4" and found.path == Path("/tmp/v.mp4")
    assert found.usage.usd == 1.0


def test_history_is_newest_first_and_durations_by_kind(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    for n in range(3):
        journal.record_submission(f"c{n}", base_url="u", demo=n == 2, request={})
        journal.record_outcome(f"c{n}", status=NOT_SUBMITTED, error="refused")
    assert [j.client_request_id for j in journal.history()] == ["c2", "c1", "c0"]
    assert journal.history(1)[0].client_request_id == "c2"
    journal.record(Job("done", "completed"))
    assert len(journal.durations(demo=False)) == 1 and journal.durations(demo=True) == []
