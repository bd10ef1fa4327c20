"""The journal's schema, its versions, and the migrations between them.

Version 0 is the 0.1 release's table (kept verbatim: never edit it). Each later version is
one migration in :data:`MIGRATIONS`, applied once, in order, inside a write transaction,
so two processes opening an old journal at once migrate it once.
"""

from __future__ import annotations

import sqlite3

__all__ = ["CONFIRMED", "NOT_CREATED", "NOT_SUBMITTED", "RECOVERED", "SCHEMA_VERSION", "UNCONFIRMED", "migrate"]

#: Status (and state) of a row whose create request may or may not have reached the server.
UNCONFIRMED = "unconfirmed"
#: Status of a row whose create request surely never made a job (nothing billed).
NOT_SUBMITTED = "not_submitted"
#: Create outcomes (the ``state`` column): the API answered with a job id; the answer was
#: lost but reconciliation found the job; the API surely made no job.
CONFIRMED = "confirmed"
RECOVERED = "recovered"
NOT_CREATED = "not_created"

#: The 0.1 release's table: version 0. Never edit it; add a migration instead.
_SCHEMA_V0 = """
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

_V1_COLUMNS = (
    "model TEXT",
    "parent_id TEXT",  # the job this one was made from
    "relation TEXT",  # extend, continue, rerun, take, retry
    "batch TEXT",
    "take_group TEXT",
    "chosen INTEGER NOT NULL DEFAULT 0",
    "estimate_usd REAL",
    "state TEXT",  # unconfirmed, recovered, not_created, confirmed
    "poster TEXT",
    "retry_of TEXT",  # the client request id of the create this one re-sends
    "generating_after REAL",  # seconds from creation to the first "generating" seen
)

_V1 = [f"ALTER TABLE jobs ADD COLUMN {column}" for column in _V1_COLUMNS] + [
    "UPDATE jobs SET state = CASE WHEN job_id IS NOT NULL AND job_id != '' THEN 'confirmed'"
    " WHEN status = 'not_submitted' THEN 'not_created' ELSE 'unconfirmed' END",
    "UPDATE jobs SET model = json_extract(request, '$.model') WHERE request IS NOT NULL AND json_valid(request)",
    "CREATE INDEX IF NOT EXISTS jobs_model ON jobs (model, created_at)",
    "CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, created_at)",
    "CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state)",
    "CREATE INDEX IF NOT EXISTS jobs_batch ON jobs (batch)",
    "CREATE INDEX IF NOT EXISTS jobs_parent ON jobs (parent_id)",
]

#: Choosing a take clears its siblings: a look-up by take group.
_V2 = ["CREATE INDEX IF NOT EXISTS jobs_take_group ON jobs (take_group)"]

#: The heartbeat of whoever polls a job: it will poll again before this time (ISO, UTC).
#: Fresh, another process is waiting for the job; stale or empty, nobody is.
_V3 = ["ALTER TABLE jobs ADD COLUMN watched_until TEXT"]

#: Migration n (1-based) brings a version n-1 journal to version n.
MIGRATIONS: tuple[list[str], ...] = (_V1, _V2, _V3)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection) -> int:
    """Bring the open journal ``db`` to :data:`SCHEMA_VERSION`; return the version it had."""
    db.executescript(_SCHEMA_V0)
    db.execute("BEGIN IMMEDIATE")
    try:
        found = int(db.execute("PRAGMA user_version").fetchone()[0])
        for version in range(found, SCHEMA_VERSION):
            for statement in MIGRATIONS[version]:
                db.execute(statement)
        if found < SCHEMA_VERSION:
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return found
