"""9. Journal: many writers at once, and one writer alone.

Every generation writes its journal row three times (the submission, the job id, the end)
and reads past durations to plan its polls. A panel or ``veo batch`` may run hundreds of
them on threads, and two kernels may share the journal. Measured here, for the journal as
it is and, as the baseline in the same run, the journal as 0.1 to 0.3 wrote it: a new
connection per call (the last one to close checkpoints the WAL), Python's deferred
transactions, and SQLite's own 30 s wait as the only defence against "database is locked".

- many writers: ``THREADS`` threads in this process and 2 processes of ``THREADS // 10``
  threads each, started together, ``JOBS_EACH`` jobs per thread;
- one writer: ``SOLO`` jobs from one thread, nothing else running.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import veo_widgets as veo
from veo_widgets.journal._store import Journal
from veo_widgets.schema._models import Job

try:
    from ._table import table
except ImportError:
    from _table import table  # type: ignore[no-redef]

T = TypeVar("T")

THREADS = int(os.environ.get("BENCH_JOURNAL_THREADS", "1000"))
JOBS_EACH = int(os.environ.get("BENCH_JOURNAL_JOBS", "3"))
SOLO = 200
DEADLINE = 240.0


class OpenPerCall(Journal):
    """The baseline: the journal before the many-writers fix (a connection opened and
    closed per call, deferred transactions, SQLite's 30 s busy wait, no retries)."""

    def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return self._per_call(work)

    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return self._per_call(work)

    def _per_call(self, work: Callable[[sqlite3.Connection], T]) -> T:
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        try:
            with db:
                return work(db)
        finally:
            db.close()


KINDS: dict[str, type[Journal]] = {"ours": Journal, "baseline": OpenPerCall}


def one_job(journal: Journal, key: str) -> int:
    """A generation's journal traffic; returns the writes it made."""
    journal.record_submission(key, base_url="u", demo=True, request={"prompt": key})
    journal.record(Job("id-" + key, "queued", client_request_id=key, base_url="u", demo=True))
    journal.durations(demo=True)
    journal.record(Job("id-" + key, "completed", client_request_id=key, base_url="u", demo=True))
    return 3


def writers(kind: str, path: Path, tag: str, threads: int, jobs: int) -> tuple[int, list[str]]:
    """``threads`` threads, started together, each journaling ``jobs`` jobs: (writes, errors)."""
    journal = KINDS[kind](path)
    errors: list[str] = []
    done = [0]
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def one(t: int) -> None:
        start.wait()
        for j in range(jobs):
            try:
                writes = one_job(journal, f"{tag}-{t}-{j}")
            except Exception as exc:  # counted: the point of the benchmark
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            with lock:
                done[0] += writes

    workers = [threading.Thread(target=one, args=(t,), daemon=True) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(DEADLINE)
    return done[0], errors


def many(kind: str, folder: Path) -> dict[str, Any]:
    path = folder / f"{kind}-many.sqlite3"
    Journal(path).history()  # created and migrated first, by either kind
    here = str(Path(veo.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([here, str(Path(__file__).parent)])}
    script = "import sys, bench_journal as b; w, e = b.writers(*sys.argv[1:4], int(sys.argv[4]), b.JOBS_EACH); print(w, len(e))"
    others = max(1, THREADS // 10)
    started = time.perf_counter()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, kind, str(path), f"p{n}", str(others)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    writes, errors = writers(kind, path, "here", THREADS, JOBS_EACH)
    failed = len(errors)
    for child in children:
        out, _ = child.communicate(timeout=DEADLINE)
        child_writes, child_failed = (int(x) for x in out.split())
        writes, failed = writes + child_writes, failed + child_failed
    wall = time.perf_counter() - started
    if errors:
        print(f"{kind}: {failed} jobs failed, first: {errors[0]}", file=sys.stderr)
    return {"writes": writes, "of": 3 * JOBS_EACH * (THREADS + 2 * others), "failed": failed, "wall": wall}


def solo(kind: str, folder: Path) -> float:
    """Milliseconds per journal call (3 writes and a read per job) from one thread."""
    path = folder / f"{kind}-solo.sqlite3"
    journal = KINDS[kind](path)
    Journal(path).history()
    started = time.perf_counter()
    for j in range(SOLO):
        one_job(journal, f"solo-{j}")
    return 1000 * (time.perf_counter() - started) / (4 * SOLO)


def main() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows: list[list[object]] = []
        for kind, label in (("ours", "ours (kept connection, lock, retries)"), ("baseline", "baseline: open per call")):
            crowd = many(kind, folder)
            rows.append(
                [
                    label,
                    f"{crowd['writes']}/{crowd['of']}",
                    crowd["failed"],
                    crowd["wall"],
                    solo(kind, folder),
                ]
            )
    return str(
        table(
            f"Journal: {THREADS:,} threads + 2 processes x {max(1, THREADS // 10)} threads, {JOBS_EACH} jobs each;"
            f" then one thread, {SOLO} jobs",
            ["journal", "writes kept", "jobs failed", "many writers wall s", "one writer ms/call"],
            rows,
        )
    )


if __name__ == "__main__":
    main()
