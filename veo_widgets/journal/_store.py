"""The journal: a small SQLite file that remembers every job this machine submitted.

A row is written *before* the create request leaves (keyed by its X-Client-Request-Id), so
even a kernel that dies mid-request leaves a trace; it gains the job id as soon as the API
answers, and every later status change, result URL and saved path. After a restart,
``client.wait(id)``, ``veo resume ID`` and ``veo.history()`` read it back.

The schema is versioned (``PRAGMA user_version``) and migrated on first use: see
``_journal_schema``. Many threads and processes may write at once: ``_journal_db`` keeps
that safe (WAL, a lock per process, short write transactions, retries while busy).
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from typing_extensions import Unpack

from .._config import data_dir
from .._errors import AmbiguousIdError, ValidationError
from ..schema._models import Job, JobStatus, Usage
from ._db import Store, alnum, retry_busy, transaction
from ._query import JobQuery, iso, where_sql
from ._schema import CONFIRMED, NOT_CREATED, NOT_SUBMITTED, RECOVERED, UNCONFIRMED

__all__ = ["CONFIRMED", "NOT_CREATED", "NOT_SUBMITTED", "RECOVERED", "UNCONFIRMED", "JobQuery", "Journal"]

T = TypeVar("T")

#: Job fields the family track adds to ``Job``; mapped to the columns of the same name.
_LINEAGE = ("model", "parent_id", "relation", "batch", "chosen")


def _now() -> str:
    return iso(datetime.now(timezone.utc))


class Journal:
    """The job journal at ``path`` (default: ``<data dir>/journal.sqlite3``).

    Every method is blocking (a write may wait for another process's, up to a minute,
    before "database is locked" is raised): the async client calls them in a worker
    thread, never on the event loop. One ``Journal`` may be shared by any number of threads.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else data_dir() / "journal.sqlite3"
        self._store = Store(self.path)
        self._together: int | None = None  # the thread whose writes share one transaction now

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def close(self) -> None:
        """Close the file now (it is also closed when the journal is garbage; the next use
        opens it again)."""
        self._store.close()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """The journal's connection, this thread's alone while the block runs."""
        with self._store.lock:
            yield self._store.connection()

    def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return retry_busy(lambda: self._once(work, write=False))

    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._together == threading.get_ident():
            return work(self._store.connection())  # inside together(): its transaction
        return retry_busy(lambda: self._once(work, write=True))

    @contextmanager
    def together(self) -> Iterator[None]:
        """Every write this thread makes in the block goes in one transaction: one commit
        (and one sync of the file) for many jobs' rows. Nothing is written if the block
        raises. Other threads' writes wait for the block's end."""
        with self._connect() as db:
            retry_busy(lambda: db.execute("BEGIN IMMEDIATE"))
            self._together = threading.get_ident()
            try:
                yield
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    with suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise
            finally:
                self._together = None

    def _once(self, work: Callable[[sqlite3.Connection], T], *, write: bool) -> T:
        with self._connect() as db, transaction(db, write=write):
            return work(db)

    # ------------------------------------------------------------------ writes

    def record_submission(
        self,
        client_request_id: str,
        *,
        base_url: str,
        demo: bool,
        request: Mapping[str, Any],
        parent_id: str | None = None,
        relation: str | None = None,
        batch: str | None = None,
        take_group: str | None = None,
        estimate_usd: float | None = None,
        retry_of: str | None = None,
    ) -> None:
        """Note a create request about to be sent (state ``unconfirmed`` until it answers)."""
        now = _now()
        self._write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO jobs (client_request_id, base_url, demo, status, request, created_at,"
                " updated_at, model, parent_id, relation, batch, take_group, estimate_usd, state, retry_of)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    client_request_id,
                    base_url,
                    int(demo),
                    UNCONFIRMED,
                    json.dumps(dict(request), default=str),
                    now,
                    now,
                    request.get("model"),
                    parent_id,
                    relation,
                    batch,
                    take_group,
                    estimate_usd,
                    UNCONFIRMED,
                    retry_of,
                ),
            )
        )

    def record_outcome(self, client_request_id: str, *, status: str, error: str) -> None:
        """A create that did not yield a job: ``NOT_SUBMITTED`` or ``UNCONFIRMED``."""
        state = NOT_CREATED if status == NOT_SUBMITTED else UNCONFIRMED
        self._write(
            lambda db: db.execute(
                # Never over a row whose job id is known (a late answer was journaled first).
                "UPDATE jobs SET status = ?, state = ?, error = ?, updated_at = ?"
                " WHERE client_request_id = ? AND (job_id IS NULL OR job_id = '')",
                (status, state, error, _now(), client_request_id),
            )
        )

    def set_state(self, client_request_id: str, state: str) -> None:
        """Record what became of a create: one of the ``state`` constants."""
        self._update("client_request_id", client_request_id, state=state)

    def choose(self, key: str) -> None:
        """Mark the job ``key`` as the chosen take and, in the same statement, every other
        take of its ``take_group`` as not chosen: one chosen take per group, whoever picks."""
        row = self._find_row(key)
        if row is None:
            raise KeyError(f"no job {key!r} in the journal")
        crid, group = row["client_request_id"], row["take_group"]
        args: tuple[Any, ...]
        if group:
            sql, args = "UPDATE jobs SET chosen = (client_request_id = ?) WHERE take_group = ?", (crid, group)
        else:
            sql, args = "UPDATE jobs SET chosen = 1 WHERE client_request_id = ?", (crid,)
        self._write(lambda db: db.execute(sql, args))

    def set_chosen(self, key: str, chosen: bool = True) -> None:
        """Mark the job ``key`` as the chosen take (see :meth:`choose`), or unmark it."""
        if chosen:
            self.choose(key)
        else:
            self._update_job(key, chosen=0)

    def watch(self, job_id: str, until: datetime | None) -> None:
        """The heartbeat of a process polling ``job_id``: it will poll again before ``until``
        (None: it stopped). ``veo history`` reads it to tell a watched job from an orphan."""
        value = iso(until) if until is not None else None
        self._write(lambda db: db.execute("UPDATE jobs SET watched_until = ? WHERE job_id = ?", (value, job_id)))

    def set_parent(self, key: str, parent_id: str | None, relation: str | None) -> None:
        """Say which job ``key`` was made from, and how (``extend``, ``rerun``, ...)."""
        self._update_job(key, parent_id=parent_id, relation=relation)

    def set_poster(self, key: str, poster: Path | str | None) -> None:
        """Where the job's poster frame is saved."""
        self._update_job(key, poster=str(poster) if poster else None)

    def _update_job(self, key: str, **values: Any) -> None:
        found = self.find(key)
        if found is None:
            raise KeyError(f"no job {key!r} in the journal")
        if found.client_request_id:
            self._update("client_request_id", found.client_request_id, **values)
        else:
            self._update("job_id", found.id, **values)

    def _update(self, column: str, key: str, **values: Any) -> None:
        sets = ", ".join(f"{name} = ?" for name in values)
        self._write(lambda db: db.execute(f"UPDATE jobs SET {sets} WHERE {column} = ?", (*values.values(), key)))

    def record(self, job: Job) -> None:
        """Insert or update ``job`` (matched by client request id, then by job id)."""
        self._write(lambda db: _record(db, job))

    # ------------------------------------------------------------------ reads

    def find(self, key: str) -> Job | None:
        """The job ``key`` names: the one lookup of a job id that every surface uses.

        In order: a job id or client request id as given; an unambiguous prefix of one; an
        unambiguous prefix of a job id spelled with letters and digits only, in any case, as
        a video's file name spells it (``abcdef12`` finds ``ab:cd-ef1234...``). Returns None
        when nothing matches; raises :class:`AmbiguousIdError` (a ``ValidationError``
        listing the candidates) when a prefix matches several jobs.
        """
        row = self._find_row(key)
        return _job(row) if row is not None else None

    def job_id(self, key: str) -> str:
        """The full job id ``key`` names (see :meth:`find`), or ``key`` as given when the
        journal does not know it (the API may: a job from another machine)."""
        key = key.strip()
        if not key:
            raise ValidationError("job", "give a job id (see history)")
        found = self.find(key)
        return found.id if found is not None and found.id else key

    def row(self, key: str) -> dict[str, Any] | None:
        """Every column of the job's row (``state``, ``estimate_usd``, ``poster``, ...)."""
        row = self._find_row(key)
        return dict(row) if row is not None else None

    def _find_row(self, key: str) -> sqlite3.Row | None:
        key = key.strip()
        if not key:
            return None
        spelled = alnum(key)

        def matches(db: sqlite3.Connection) -> list[sqlite3.Row]:
            exact: list[sqlite3.Row] = db.execute(
                "SELECT * FROM jobs WHERE job_id = ? OR client_request_id = ? LIMIT 1", (key, key)
            ).fetchall()
            if exact:
                return exact
            prefix: list[sqlite3.Row] = db.execute(
                "SELECT * FROM jobs WHERE substr(job_id, 1, ?) = ? OR substr(client_request_id, 1, ?) = ? LIMIT 50",
                (len(key), key, len(key), key),
            ).fetchall()
            if prefix or not spelled:
                return prefix
            return db.execute(
                "SELECT * FROM jobs WHERE job_id != '' AND substr(alnum(job_id), 1, ?) = ? LIMIT 50",
                (len(spelled), spelled),
            ).fetchall()

        rows = self._read(matches)
        if len(rows) > 1:
            raise AmbiguousIdError(key, [r["job_id"] or r["client_request_id"] for r in rows])
        return rows[0] if rows else None

    def find_by_path(self, path: Path | str) -> Job | None:
        """The newest job whose saved file is ``path`` (compared resolved: a relative path,
        a symlink or ``..`` name the same file), or None: what a local video came from."""
        try:
            wanted = Path(path).expanduser().resolve()
        except (OSError, RuntimeError):
            return None
        names = (wanted.name, Path(path).name)  # a prefilter; equality is decided below
        sql = "SELECT * FROM jobs WHERE instr(path, ?) > 0 OR instr(path, ?) > 0 ORDER BY created_at DESC"
        for row in self._read(lambda db: db.execute(sql, names).fetchall()):
            try:
                if Path(row["path"]).expanduser().resolve() == wanted:
                    return _job(row)
            except (OSError, RuntimeError):
                continue
        return None

    def history(self, limit: int | None = None) -> list[Job]:
        """Every job, newest first."""
        return self.page(0, limit)

    def page(self, offset: int = 0, limit: int | None = 50, **query: Unpack[JobQuery]) -> list[Job]:
        """One page of jobs, newest first, filtered (see :class:`JobQuery`)."""
        where, args = where_sql(query)
        sql = f"SELECT * FROM jobs{where} ORDER BY created_at DESC LIMIT ? OFFSET ?"
        return self._jobs(sql, (*args, -1 if limit is None else limit, offset))

    def count(self, **query: Unpack[JobQuery]) -> int:
        """How many jobs :meth:`page` would list with these filters, over all pages."""
        where, args = where_sql(query)
        return self._read(lambda db: int(db.execute(f"SELECT COUNT(*) FROM jobs{where}", args).fetchone()[0]))

    def unconfirmed(self) -> list[Job]:
        """Creates whose outcome is unknown (the answer was lost), oldest first."""
        return self._jobs("SELECT * FROM jobs WHERE state = ? ORDER BY created_at", (UNCONFIRMED,))

    def _jobs(self, sql: str, args: Sequence[Any]) -> list[Job]:
        return [_job(r) for r in self._read(lambda db: db.execute(sql, args).fetchall())]

    def durations(
        self, *, demo: bool, model: str | None = None, generating: bool = False, limit: int = 50
    ) -> list[float]:
        """Seconds the latest completed jobs of one kind took: from creation to completion, or
        with ``generating`` from the first "generating" status to completion."""
        column = "completed_after - generating_after" if generating else "completed_after"
        where = "completed_after IS NOT NULL AND demo = ?" + (" AND generating_after IS NOT NULL" if generating else "")
        args: list[Any] = [int(demo)]
        if model is not None:
            where += " AND model = ?"
            args.append(model)
        sql = f"SELECT {column} FROM jobs WHERE {where} ORDER BY created_at DESC LIMIT ?"
        return [float(r[0]) for r in self._read(lambda db: db.execute(sql, (*args, limit)).fetchall())]


def _record(db: sqlite3.Connection, job: Job) -> None:
    """``Journal.record``, inside its write transaction."""
    row = None
    if job.client_request_id:
        row = db.execute("SELECT * FROM jobs WHERE client_request_id = ?", (job.client_request_id,)).fetchone()
    if row is None and job.id:
        row = db.execute("SELECT * FROM jobs WHERE job_id = ?", (job.id,)).fetchone()
    if row is None:
        key = job.client_request_id or f"id:{job.id}"
        request = json.dumps(dict(job.request), default=str) if job.request else None
        db.execute(
            "INSERT INTO jobs (client_request_id, job_id, base_url, demo, status, request, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (key, job.id, job.base_url or "", int(job.demo), job.status, request, iso(job.created_at), _now()),
        )
        row = db.execute("SELECT * FROM jobs WHERE client_request_id = ?", (key,)).fetchone()
    values = _changes(job, row)
    sets = ", ".join(f"{name} = ?" for name in values)
    db.execute(f"UPDATE jobs SET {sets} WHERE client_request_id = ?", (*values.values(), row["client_request_id"]))


def _changes(job: Job, row: sqlite3.Row) -> dict[str, Any]:
    """The columns ``record(job)`` sets on ``row``: what the job knows, never erasing."""
    values: dict[str, Any] = {
        "job_id": job.id or row["job_id"],
        "base_url": job.base_url or row["base_url"] or "",
        "demo": int(job.demo),
        "status": job.status,
        "video_url": job.video_url or row["video_url"],
        "path": str(job.path) if job.path else row["path"],
        "error": job.error,
        "usage": json.dumps(job.usage.to_dict()) if job.usage else row["usage"],
        "updated_at": iso(job.updated_at),
    }
    if job.watched_until is not None:  # the heartbeat of the process polling it, in the same write
        values["watched_until"] = iso(job.watched_until)
    if job.id and row["state"] in (None, UNCONFIRMED, NOT_CREATED):
        values["state"] = CONFIRMED
    # The first time a job is seen generating, then completed, measures its two phases.
    generating = JobStatus.is_pending(job.status) and not JobStatus.is_queued(job.status)  # "processing" too
    if row["generating_after"] is None and generating:
        values["generating_after"] = job.elapsed
    if row["completed_after"] is None and job.ok:
        values["completed_after"] = job.elapsed
    for name in ("model", "parent_id", "relation", "batch"):
        value = getattr(job, name, None)
        if value is not None:
            values[name] = value
    if values.get("model") is None and row["model"] is None and job.request:
        values["model"] = job.request.get("model")
    return values


_JOB_FIELDS = frozenset(f.name for f in dataclasses.fields(Job))


def _job(row: sqlite3.Row) -> Job:
    usage = json.loads(row["usage"]) if row["usage"] else {}
    extra: dict[str, Any] = {}
    for name in _LINEAGE:
        if name in _JOB_FIELDS:
            extra[name] = bool(row[name]) if name == "chosen" else row[name]
    watched = row["watched_until"]
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
        watched_until=datetime.fromisoformat(watched) if watched else None,
        **extra,
    )
