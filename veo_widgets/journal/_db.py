"""The journal's SQLite file, safe with many writers at once.

- WAL mode: a reader in another process never waits for a writer, and a commit appends
  to the log. (In one process, reads and writes share the kept connection and take turns
  under the lock below.)
- One connection per ``Journal``, kept open (opening a WAL database and closing its last
  connection each cost a sync and a checkpoint: far more than the write itself).
- One lock per file per process: threads take turns at once instead of polling SQLite's
  lock, so a thousand threads of one kernel never see "database is locked".
- Writes are short ``BEGIN IMMEDIATE`` transactions (the write lock is taken first, where
  SQLite's busy handler waits for another *process*, never upgraded from a read halfway).
- Whatever still answers "busy" or "locked" (another process holding the file longer,
  a WAL being recovered) is tried again with a growing, jittered pause, for
  :data:`RETRY_FOR` seconds at most; then the error is raised, never swallowed.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

from ._schema import migrate

__all__ = ["BUSY_TIMEOUT", "RETRY_FOR", "Store", "alnum", "retry_busy", "transaction"]

T = TypeVar("T")

#: Seconds SQLite's own busy handler waits for another process, per attempt.
BUSY_TIMEOUT = 10.0
#: Seconds a read or write keeps trying while the file answers "busy" or "locked".
RETRY_FOR = 60.0

_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_locks: dict[tuple[int, str], threading.RLock] = {}
_locks_guard = threading.Lock()
#: Connections a forked child inherited: never used there, and never closed (closing one
#: could checkpoint or unlock on the parent's behalf).
_inherited: list[sqlite3.Connection] = []


def is_busy(exc: sqlite3.OperationalError) -> bool:
    """True for "database is locked" / "busy": another connection has the file just now."""
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def retry_busy(attempt: Callable[[], T], *, retry_for: float | None = None) -> T:
    """``attempt()``, again after a short pause while it fails as busy, for ``retry_for``
    seconds (default :data:`RETRY_FOR`)."""
    deadline = time.monotonic() + (RETRY_FOR if retry_for is None else retry_for)
    pause = 0.005
    while True:
        try:
            return attempt()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause * random.uniform(0.5, 1.5))
        pause = min(pause * 2, 0.25)


@contextmanager
def transaction(db: sqlite3.Connection, *, write: bool) -> Iterator[None]:
    """A write transaction that holds the write lock from its first statement (reads run
    as they are: WAL gives each statement a consistent snapshot)."""
    if not write:
        yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # never leave the kept connection inside a transaction
            with suppress(sqlite3.Error):
                db.execute("ROLLBACK")
        raise


def _after_fork() -> None:
    global _locks_guard
    _locks_guard = threading.Lock()  # another thread may have held it at the fork


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _process_lock(path: Path) -> threading.RLock:
    key = (os.getpid(), str(path.resolve()))
    with _locks_guard:
        lock = _locks.get(key)
        if lock is None:
            lock = _locks[key] = threading.RLock()
        return lock


class Store:
    """One journal file's connection in this process, and the lock that shares it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._lock: threading.RLock | None = None
        self._lock_pid = 0
        self._closer: weakref.finalize[[], Store] | None = None

    @property
    def lock(self) -> threading.RLock:
        """This file's lock in this process (a forked child gets its own)."""
        if self._lock is None or self._lock_pid != os.getpid():
            self._lock, self._lock_pid = _process_lock(self.path), os.getpid()
        return self._lock

    def connection(self) -> sqlite3.Connection:
        """The open connection (opened, in WAL mode and migrated, on first use); call it
        holding :attr:`lock`."""
        if self._db is not None and self._pid == os.getpid():
            return self._db
        if self._db is not None and self._closer is not None:  # inherited through fork
            self._closer.detach()
            _inherited.append(self._db)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        try:
            retry_busy(lambda: _prepare(db))
        except BaseException:
            db.close()
            raise
        db.row_factory = sqlite3.Row
        db.create_function("alnum", 1, alnum, deterministic=True)  # job ids as file names spell them
        self._db, self._pid = db, os.getpid()
        self._closer = weakref.finalize(self, db.close)
        return db

    def close(self) -> None:
        """Close the connection (the next use opens it again)."""
        with self.lock:
            if self._closer is not None and self._pid == os.getpid():
                self._closer()
            self._db = self._closer = None


def alnum(text: str | None) -> str:
    """``text`` with letters and digits only, lower case: how a video's file name spells its
    job id ("ab:cd-EF12" is "abcdef12"); the journal's SQL calls it as ``alnum(column)``."""
    return "".join(ch for ch in text or "" if ch.isalnum()).lower()


def _prepare(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    migrate(db)
