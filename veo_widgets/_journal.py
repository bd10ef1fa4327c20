"""The journal: a small SQLite file that remembers every job this machine submitted.

A row is written *before* the create request leaves (keyed by its X-Client-Request-Id), so
even a kernel that dies mid-request leaves a trace; it gains the job id as soon as the API
answers, and every later status change, result URL and saved path. After a restart,
``client.wait(id)``, ``veo resume ID`` and ``veo.history()`` read it back.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ._config import data_dir
from ._models import Job, Usage

__all__ = ["Journal", "UNCONFIRMED"]

#: Status of a row whose create request may or may not have reached the server.
UNCONFIRMED = "unconfirmed"
#: Status of a row whose create request surely never reached the server (nothing billed).
NOT_SUBMITTED = "not_submitted"

_SCHEMA = """
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


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat()


class Journal:
    """The job journal at ``path`` (default: ``<data dir>/journal.sqlite3``)."""

    _lock = threading.Lock()

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else data_dir() / "journal.sqlite3"
        self._ready = False

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with sqlite3.connect(self.path, timeout=30) as db:
                    db.execute("PRAGMA journal_mode=WAL")
                    db.executescript(_SCHEMA)
                db.close()
                self._ready = True
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        try:
            with db:
                yield db
        finally:
            db.close()

    # ------------------------------------------------------------------ writes

    def record_submission(
        self, client_request_id: str, *, base_url: str, demo: bool, request: Mapping[str, Any]
    ) -> None:
        """Note a create request about to be sent."""
        now = _iso(datetime.now(timezone.utc))
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO jobs (client_request_id, base_url, demo, status, request, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (client_request_id, base_url, int(demo), UNCONFIRMED, json.dumps(dict(request), default=str), now, now),
            )

    def record_outcome(self, client_request_id: str, *, status: str, error: str) -> None:
        """A create that did not yield a job: ``NOT_SUBMITTED`` or ``UNCONFIRMED``."""
        with self._connect() as db:
            db.execute(
                "UPDATE jobs SET status = ?, error = ?, updated_at = ? WHERE client_request_id = ?",
                (status, error, _iso(datetime.now(timezone.utc)), client_request_id),
            )

    def record(self, job: Job) -> None:
        """Insert or update ``job`` (matched by client request id, then by job id)."""
        completed_after = job.elapsed if job.ok else None
        values = {
            "job_id": job.id,
            "base_url": job.base_url or "",
            "demo": int(job.demo),
            "status": job.status,
            "video_url": job.video_url,
            "path": str(job.path) if job.path else None,
            "error": job.error,
            "usage": json.dumps(job.usage.to_dict()) if job.usage else None,
            "updated_at": _iso(job.updated_at),
        }
        with self._connect() as db:
            row = None
            if job.client_request_id:
                row = db.execute(
                    "SELECT client_request_id, completed_after FROM jobs WHERE client_request_id = ?",
                    (job.client_request_id,),
                ).fetchone()
            if row is None:
                row = db.execute(
                    "SELECT client_request_id, completed_after FROM jobs WHERE job_id = ?", (job.id,)
                ).fetchone()
            if row is None:
                key = job.client_request_id or f"id:{job.id}"
                db.execute(
                    "INSERT INTO jobs (client_request_id, job_id, base_url, demo, status, request, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        key,
                        job.id,
                        values["base_url"],
                        values["demo"],
                        job.status,
                        json.dumps(dict(job.request), default=str) if job.request else None,
                        _iso(job.created_at),
                        values["updated_at"],
                    ),
                )
                row = {"client_request_id": key, "completed_after": None}
            # The first time a job is seen completed is the best measure of how long it took.
            if row["completed_after"] is None and completed_after is not None:
                values["completed_after"] = completed_after
            sets = ", ".join(
                f"{k} = COALESCE(?, {k})" if k in ("video_url", "path", "usage") else f"{k} = ?" for k in values
            )
            db.execute(
                f"UPDATE jobs SET {sets} WHERE client_request_id = ?",
                (*values.values(), row["client_request_id"]),
            )

    # ------------------------------------------------------------------ reads

    def find(self, key: str) -> Job | None:
        """The job with this id (or client request id), or None."""
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM jobs WHERE job_id = ? OR client_request_id = ? LIMIT 1", (key, key)
            ).fetchone()
        return _job(row) if row else None

    def history(self, limit: int | None = None) -> list[Job]:
        """Every job, newest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?", (-1 if limit is None else limit,)
            ).fetchall()
        return [_job(r) for r in rows]

    def durations(self, *, demo: bool, limit: int = 50) -> list[float]:
        """Seconds from creation to completion of the latest completed jobs of one kind."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT completed_after FROM jobs WHERE completed_after IS NOT NULL AND demo = ?"
                " ORDER BY created_at DESC LIMIT ?",
                (int(demo), limit),
            ).fetchall()
        return [float(r[0]) for r in rows]


def _job(row: sqlite3.Row) -> Job:
    usage = json.loads(row["usage"]) if row["usage"] else {}
    return Job(
        id=row["job_id"] or "",
        status=row["status"],
        video_url=row["video_url"],
        path=Path(row["path"]) if row["path"] else None,
        error=row["error"],
        usage=Usage(**{k: usage.get(k) for k in ("credits", "tokens", "usd")}),
        request=json.loads(row["request"]) if row["request"] else None,
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        client_request_id=None if row["client_request_id"].startswith("id:") else row["client_request_id"],
        base_url=row["base_url"] or None,
        demo=bool(row["demo"]),
    )
