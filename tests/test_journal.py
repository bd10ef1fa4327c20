"""The journal keeps every job across processes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import veo_widgets as veo
from veo_widgets import _journal_db as journal_db
from veo_widgets._errors import AmbiguousIdError
from veo_widgets._journal import NOT_SUBMITTED, RECOVERED, UNCONFIRMED, Journal
from veo_widgets._journal_schema import SCHEMA_VERSION
from veo_widgets._models import Job, Usage
from veo_widgets.emulator import Emulator

from .conftest import FAST, QUICK_POLLS


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


# ---------------------------------------------------------------- reads for a gallery


def filled(tmp_path: Path, n: int = 30) -> Journal:
    journal = Journal(tmp_path / "j.sqlite3")
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    for i in range(n):
        model = "google/veo-3.1-fast" if i % 3 == 0 else "google/veo-3.0-i2v-fast"
        when = start + timedelta(hours=i)
        journal.record(
            Job(
                f"job-{i:03d}",
                "completed" if i % 2 else "error",
                request={"prompt": f"shot {i} of the {'sea' if i % 5 == 0 else 'hills'}", "model": model},
                created_at=when,
                updated_at=when + timedelta(seconds=60),
            )
        )
    return journal


def test_pages_are_newest_first_and_filtered(tmp_path: Path) -> None:
    journal = filled(tmp_path)
    first, second = journal.page(0, 10), journal.page(10, 10)
    assert [j.id for j in first][:2] == ["job-029", "job-028"] and second[0].id == "job-019"
    assert journal.count() == 30
    sea = journal.page(0, 100, text="SEA")
    assert {j.id for j in sea} == {f"job-{i:03d}" for i in range(0, 30, 5)} and journal.count(text="sea") == 6
    fast31 = journal.page(0, 100, model="google/veo-3.1-fast", status="completed")
    assert {j.id for j in fast31} == {f"job-{i:03d}" for i in range(30) if i % 3 == 0 and i % 2}
    both = journal.count(model=["google/veo-3.1-fast", "google/veo-3.0-i2v-fast"])
    assert both == 30
    window = journal.page(
        0, 100, since=datetime(2026, 3, 1, 5, tzinfo=timezone.utc), until=datetime(2026, 3, 1, 8, tzinfo=timezone.utc)
    )
    assert [j.id for j in window] == ["job-007", "job-006", "job-005"]


def test_find_takes_an_unambiguous_prefix(tmp_path: Path) -> None:
    journal = filled(tmp_path, 12)
    journal.record(Job("3f2a9c1e-77:veo-3.0-fast-generate-001", "queued", client_request_id="veo-77aa"))
    assert journal.find("job-011").id == "job-011"  # type: ignore[union-attr]
    assert journal.find("3f2a").id == "3f2a9c1e-77:veo-3.0-fast-generate-001"  # type: ignore[union-attr]
    assert journal.find("veo-77").id.startswith("3f2a")  # type: ignore[union-attr]
    with pytest.raises(AmbiguousIdError) as caught:
        journal.find("job-01")
    assert sorted(caught.value.candidates) == ["job-010", "job-011"] and caught.value.field == "job"
    assert journal.find("nothing-like-it") is None


def test_lineage_choice_and_poster_are_kept(tmp_path: Path) -> None:
    journal = filled(tmp_path, 3)
    journal.set_parent("job-002", "job-001", "extend")
    journal.set_chosen("job-002")
    journal.set_poster("job-002", tmp_path / "p.jpg")
    journal.record(Job("job-002", "completed"))  # a later update does not erase them
    row = journal.row("job-002")
    assert row is not None
    assert (row["parent_id"], row["relation"], row["chosen"], row["poster"]) == (
        "job-001",
        "extend",
        1,
        str(tmp_path / "p.jpg"),
    )
    journal.set_chosen("job-002", False)
    assert journal.row("job-002")["chosen"] == 0  # type: ignore[index]
    with pytest.raises(KeyError):
        journal.set_chosen("no-such-job")


def test_submission_fields_and_states(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    journal.record_submission(
        "veo-a", base_url="u", demo=False, request={"prompt": "p", "model": "m"}, batch="b1", estimate_usd=3.2
    )
    journal.record_submission("veo-b", base_url="u", demo=False, request={"prompt": "q"}, retry_of="veo-a")
    journal.record_outcome("veo-a", status=NOT_SUBMITTED, error="refused")
    row = journal.row("veo-a")
    assert row is not None and (row["state"], row["batch"], row["estimate_usd"], row["model"]) == (
        "not_created",
        "b1",
        3.2,
        "m",
    )
    assert journal.row("veo-b")["retry_of"] == "veo-a"  # type: ignore[index]
    assert [j.client_request_id for j in journal.unconfirmed()] == ["veo-b"]
    journal.set_state("veo-b", RECOVERED)
    journal.record(Job("found-b", "queued", client_request_id="veo-b"))
    assert journal.row("veo-b")["state"] == RECOVERED and journal.unconfirmed() == []  # type: ignore[index]


def test_two_phase_durations(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    job = Job("two-phase", "queued", request={"model": "m"}, created_at=start, updated_at=start)
    journal.record(job)
    journal.record(job.evolve(status="generating", updated_at=start + timedelta(seconds=20)))
    journal.record(job.evolve(status="generating", updated_at=start + timedelta(seconds=40)))
    journal.record(job.evolve(status="completed", updated_at=start + timedelta(seconds=90)))
    assert journal.durations(demo=False, model="m") == [90.0]
    assert journal.durations(demo=False, model="m", generating=True) == [70.0]
    assert journal.durations(demo=False, model="other") == []


# ---------------------------------------------------------------- many writers at once

#: One writer process: ``threads`` threads, each recording ``writes`` jobs (a submission,
#: then its job id, then completion), as a panel's generations do. SQLite's own wait for
#: the file is cut to 50 ms, so every longer wait is the journal's lock and retries.
WRITER = """
import sys, threading
from veo_widgets import _journal_db
from veo_widgets._journal import Journal
from veo_widgets._models import Job

def write(journal, tag, threads, writes, errors):
    def one(t):
        for w in range(writes):
            key = f"{tag}-{t}-{w}"
            try:
                journal.record_submission(key, base_url="u", demo=True, request={"prompt": key})
                journal.record(Job("id-" + key, "queued", client_request_id=key, base_url="u", demo=True))
                journal.record(Job("id-" + key, "completed", client_request_id=key, base_url="u", demo=True))
            except Exception as exc:
                errors.append(repr(exc))
    workers = [threading.Thread(target=one, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

if __name__ == "__main__":
    _journal_db.BUSY_TIMEOUT = 0.05
    errors = []
    write(Journal(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), errors)
    print(len(errors), errors[:1])
"""


def writer_env() -> dict[str, str]:
    """The environment for a child that imports this very checkout of veo_widgets."""
    here = str(Path(veo.__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([here, os.environ.get("PYTHONPATH", "")])}


def test_many_threads_and_two_processes_write_at_once_and_every_row_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_db, "BUSY_TIMEOUT", 0.05)
    path = tmp_path / "busy.sqlite3"
    Journal(path).history()  # created and migrated, as a first panel would
    children = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), f"p{n}", "8", "50"],
            env=writer_env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    namespace: dict[str, Any] = {}
    exec(compile(WRITER, "writer", "exec"), namespace)
    errors: list[str] = []
    namespace["write"](Journal(path), "here", 16, 50, errors)
    outputs = [child.communicate(timeout=240)[0].strip() for child in children]
    assert errors == [] and outputs == ["0 []", "0 []"]
    journal = Journal(path)
    assert journal.count() == 16 * 50 + 2 * 8 * 50
    assert journal.count(status="completed") == journal.count()
    keys = {job.client_request_id for job in journal.history()}
    assert {f"here-{t}-{w}" for t in range(16) for w in range(50)} <= keys
    assert {f"p{n}-{t}-{w}" for n in range(2) for t in range(8) for w in range(50)} <= keys
    journal.close()  # closed now; the next call opens it again
    assert journal.count() == 16 * 50 + 2 * 8 * 50


def hold_write_lock(path: Path, seconds: float) -> threading.Thread:
    """Another program takes the journal's write lock and keeps it ``seconds``."""
    taken = threading.Event()

    def hold() -> None:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(seconds)
        db.execute("COMMIT")
        db.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert taken.wait(10)
    return thread


def test_a_write_waits_for_another_program_holding_the_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal_db, "BUSY_TIMEOUT", 0.01)  # SQLite gives up at once: the retries wait
    path = tmp_path / "held.sqlite3"
    Journal(path).history()
    holder = hold_write_lock(path, 0.8)
    started = time.monotonic()
    Journal(path).record_submission("veo-late", base_url="u", demo=True, request={"prompt": "p"})
    assert time.monotonic() - started >= 0.5
    holder.join()
    assert Journal(path).find("veo-late") is not None


def test_a_journal_held_too_long_says_database_is_locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal_db, "BUSY_TIMEOUT", 0.01)
    monkeypatch.setattr(journal_db, "RETRY_FOR", 0.3)
    path = tmp_path / "stuck.sqlite3"
    Journal(path).history()
    holder = hold_write_lock(path, 1.0)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        Journal(path).record_submission("veo-stuck", base_url="u", demo=True, request={"prompt": "p"})
    assert time.monotonic() - started < 0.9  # bounded: it gives up, it does not hang
    holder.join()


def takes_journal(tmp_path: Path, group: str = "takes-abc", n: int = 3) -> Journal:
    """``n`` takes of one request, as ``variations`` journals them, all completed."""
    journal = Journal(tmp_path / "j.sqlite3")
    for i in range(n):
        crid = f"veo-{group}-{i}"
        journal.record_submission(
            crid, base_url="u", demo=True, request={"prompt": "p", "seed": i}, relation="take", take_group=group
        )
        journal.record(Job(f"{group}-job-{i}", "completed", client_request_id=crid))
    return journal


def test_choosing_a_take_clears_its_siblings_and_no_other_group(tmp_path: Path) -> None:
    journal = takes_journal(tmp_path)
    for i in range(2):  # another request's takes, one of them chosen
        journal.record_submission(f"veo-other-{i}", base_url="u", demo=True, request={"prompt": "q"}, take_group="g2")
        journal.record(Job(f"other-{i}", "completed", client_request_id=f"veo-other-{i}"))
    journal.choose("other-1")
    journal.choose("takes-abc-job-0")
    journal.choose("takes-abc-job-2")  # changing one's mind: still one chosen take per group

    def chosen() -> dict[str, bool]:
        return {job.id: job.chosen for job in journal.history()}

    assert chosen() == {
        "takes-abc-job-0": False,
        "takes-abc-job-1": False,
        "takes-abc-job-2": True,
        "other-0": False,
        "other-1": True,
    }
    journal.set_chosen("takes-abc-job-1")  # the older spelling clears the siblings too
    assert [chosen()[f"takes-abc-job-{i}"] for i in range(3)] == [False, True, False]
    journal.record(Job("lone", "completed"))  # a job of no group is simply marked
    journal.choose("lone")
    assert chosen()["lone"] and chosen()["other-1"]
    with pytest.raises(KeyError):
        journal.choose("no-such-job")


def test_a_0_1_journal_gains_the_take_group_index_and_chooses(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    old_journal(path, "http://x")
    journal = Journal(path)
    journal.choose("old-done-1")  # no take group in 0.1: the job alone is marked
    assert journal.find("old-done-1").chosen  # type: ignore[union-attr]
    with sqlite3.connect(path) as db:
        indexes = {row[1] for row in db.execute("PRAGMA index_list(jobs)")}
    assert "jobs_take_group" in indexes


def test_a_saved_file_is_found_by_its_resolved_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    saved = tmp_path / "out" / "veo-abc.mp4"
    saved.parent.mkdir()
    saved.write_bytes(b"mp4")
    journal.record(Job("job-saved", "completed", path=saved.resolve()))
    journal.record(Job("job-elsewhere", "completed", path=tmp_path / "other" / "veo-abc.mp4"))
    monkeypatch.chdir(tmp_path / "out")
    for given in (saved, "veo-abc.mp4", "../out/./veo-abc.mp4", str(saved)):
        found = journal.find_by_path(given)
        assert found is not None and found.id == "job-saved", given
    assert journal.find_by_path(tmp_path / "veo-abc.mp4") is None  # same name, another file


def test_text_search_reads_prompts_and_id_prefixes_not_file_names(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    image = "/home/me/examples/lighthouse.jpg"
    journal.record(Job("abc123-one", "completed", request={"prompt": "one", "image": image}))
    journal.record(Job("def456-two", "completed", request={"prompt": "The LIGHTHOUSE beam", "image": image}))
    assert [j.id for j in journal.page(0, 10, text="lighthouse")] == ["def456-two"]  # not "one" by its image
    assert journal.count(text="abc1") == 1 and journal.count(text="123") == 0  # an id's start, not its middle


def test_a_heartbeat_is_kept_and_cleared(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    journal.record(Job("job-1", "generating"))
    until = datetime(2026, 3, 1, 12, 0, 30, tzinfo=timezone.utc)
    journal.watch("job-1", until)
    assert journal.find("job-1").watched_until == until  # type: ignore[union-attr]
    journal.watch("job-1", None)
    assert journal.find("job-1").watched_until is None  # type: ignore[union-attr]


def test_a_version_2_journal_gains_the_heartbeat_and_still_resumes(tmp_path: Path) -> None:
    from veo_widgets._journal_schema import MIGRATIONS

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
