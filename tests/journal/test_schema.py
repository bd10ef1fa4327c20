"""The journal's schema: journals from earlier releases open, migrate once, and keep working."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.journal._schema import SCHEMA_VERSION
from veo_widgets.journal._store import Journal

from ..conftest import FAST, QUICK_POLLS

# ---------------------------------------------------------------- a journal from release 0.1

#: The 0.1 release's schema, verbatim: journals in the wild were written with it.
SCHEMA_0_1 = """
CREATE TABLE IF NOT EXISTS jobs (
    client_request_id TEXT PRIMARY KEY,
    job_id TEXT UNIQUE,
    base_url TEXT NOT NULL,
    demo INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    request TEXT,
    video_url TEXT,
    path TEXT,
    error TEXT,
    usage TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    completed_after REAL
);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_at);
"""


def old_journal(path: Path, url: str) -> None:
    """A journal as 0.1 left it, written with 0.1's own SQL: a finished job, one still
    generating, and a create whose answer never came."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA_0_1)
    insert = (
        "INSERT OR REPLACE INTO jobs (client_request_id, base_url, demo, status, request, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    request = json.dumps({"prompt": "old waves", "model": "google/veo-3.0-i2v-fast", "image": "beach.jpg"})
    for crid, stamp in (("veo-old1", "2026-01-01T10:00:00+00:00"), ("veo-old2", "2026-01-02T10:00:00+00:00")):
        db.execute(insert, (crid, url, 0, "unconfirmed", request, stamp, stamp))
    db.execute(
        insert, ("veo-lost", url, 0, "unconfirmed", request, "2026-01-03T10:00:00+00:00", "2026-01-03T10:00:00+00:00")
    )
    db.execute(
        "UPDATE jobs SET job_id = ?, status = ?, video_url = ?, completed_after = ?, updated_at = ?"
        " WHERE client_request_id = ?",
        ("old-done-1", "completed", f"{url}/files/x.mp4", 61.5, "2026-01-01T10:01:01+00:00", "veo-old1"),
    )
    db.execute(
        "UPDATE jobs SET job_id = ?, status = ? WHERE client_request_id = ?",
        ("old-running-2", "generating", "veo-old2"),
    )
    db.commit()
    db.close()


def test_a_journal_from_release_0_1_opens_reads_and_migrates_once(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    old_journal(path, "http://x")
    journal = Journal(path)
    assert [j.id for j in journal.history()] == ["", "old-running-2", "old-done-1"]
    done = journal.find("old-done-1")
    assert done is not None and done.ok and done.video_url == "http://x/files/x.mp4" and done.request is not None
    assert journal.durations(demo=False) == [61.5]
    assert journal.durations(demo=False, model="google/veo-3.0-i2v-fast") == [61.5]  # model backfilled
    assert [j.client_request_id for j in journal.unconfirmed()] == ["veo-lost"]
    assert journal.row("old-done-1")["state"] == "confirmed"  # type: ignore[index]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    Journal(path).history()  # a second opening does not migrate again (it would fail)


def test_a_job_from_release_0_1_resumes_and_downloads(emulator: Emulator, image_file: Path, tmp_path: Path) -> None:
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
        job = client.submit("resume after upgrade", image=image_file, **FAST)
    path = tmp_path / "upgraded.sqlite3"
    old_journal(path, emulator.url)
    with sqlite3.connect(path) as db:  # the running job, as 0.1 recorded it
        db.execute("UPDATE jobs SET job_id = ? WHERE client_request_id = 'veo-old2'", (job.id,))
    with veo.Client(emulator.api_key, emulator.url, journal=Journal(path), schedule=QUICK_POLLS) as client:
        done = client.wait(job.id[:12], timeout=60)  # a prefix is enough
        saved = client.download(done, tmp_path / "out.mp4")
    assert done.ok and saved.exists()
    found = Journal(path).find(job.id)
    assert found is not None and found.path == saved.resolve() and found.request["prompt"] == "old waves"  # type: ignore[index]


def test_a_0_1_journal_gains_the_take_group_index_and_chooses(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    old_journal(path, "http://x")
    journal = Journal(path)
    journal.choose("old-done-1")  # no take group in 0.1: the job alone is marked
    assert journal.find("old-done-1").chosen  # type: ignore[union-attr]
    with sqlite3.connect(path) as db:
        indexes = {row[1] for row in db.execute("PRAGMA index_list(jobs)")}
    assert "jobs_take_group" in indexes


def test_a_version_2_journal_gains_the_heartbeat_and_still_resumes(tmp_path: Path) -> None:
    from veo_widgets.journal._schema import MIGRATIONS

    path = tmp_path / "journal.sqlite3"
    old_journal(path, "http://x")
    with sqlite3.connect(path) as db:  # as the release with take groups left it
        for statement in MIGRATIONS[0] + MIGRATIONS[1]:
            db.execute(statement)
        db.execute("PRAGMA user_version = 2")
    journal = Journal(path)
    running = journal.find("old-running-2")
    assert running is not None and running.status == "generating" and running.watched_until is None
    journal.watch("old-running-2", datetime(2026, 3, 1, tzinfo=timezone.utc))
    assert journal.find("old-running-2").watched_until is not None  # type: ignore[union-attr]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
