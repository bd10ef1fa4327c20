"""The journal's SQLite file: many writers at once, and a file held by another program."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import veo_widgets as veo
from veo_widgets.journal import _db as journal_db
from veo_widgets.journal._store import Journal

# ---------------------------------------------------------------- many writers at once

#: One writer process: ``threads`` threads, each recording ``writes`` jobs (a submission,
#: then its job id, then completion), as a panel's generations do. SQLite's own wait for
#: the file is cut to 50 ms, so every longer wait is the journal's lock and retries.
WRITER = """
import sys, threading
from veo_widgets.journal import _db as _journal_db
from veo_widgets.journal._store import Journal
from veo_widgets.schema._models import Job

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


def hold_write_lock(path: Path, seconds: float, released: list[float] | None = None) -> threading.Thread:
    """Another program takes the journal's write lock and keeps it ``seconds``; the moment it
    lets go is appended to ``released``."""
    taken = threading.Event()

    def hold() -> None:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(seconds)
        if released is not None:
            released.append(time.monotonic())
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
    released: list[float] = []
    holder = hold_write_lock(path, 0.8, released)
    Journal(path).record_submission("veo-late", base_url="u", demo=True, request={"prompt": "p"})
    written = time.monotonic()
    assert released and written >= released[0]  # it waited for the lock, and then wrote
    holder.join()
    assert Journal(path).find("veo-late") is not None


def test_a_journal_held_too_long_says_database_is_locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal_db, "BUSY_TIMEOUT", 0.01)
    monkeypatch.setattr(journal_db, "RETRY_FOR", 0.3)
    path = tmp_path / "stuck.sqlite3"
    Journal(path).history()
    holder = hold_write_lock(path, 5.0)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        Journal(path).record_submission("veo-stuck", base_url="u", demo=True, request={"prompt": "p"})
    assert time.monotonic() - started < 4.0  # bounded: it gives up after RETRY_FOR, it does not hang
    holder.join()
