"""Driving a batch file: ``run_batch(client, path, ...)``, behind ``veo batch``.

Every row is checked before anything is sent. Each row's create carries the row's key into
the journal (its ``batch`` column), so a second run of the same file looks every row up
first: a finished row is skipped (downloaded again if its file is gone), a running one is
waited for, and the unconfirmed creates are looked up in the usage logs together: one the
logs show was made is resumed, one they (final for its time) never saw is started, the rest
say when the logs will be final; a create that may exist is never sent again. Rows with no
job yet (or whose create surely never reached the API) are started. At most ``concurrency`` rows run
at once; with a ``budget``, no row starts that could take the spend past it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from functools import partial
from pathlib import Path
from typing import Any

from .._config import data_dir
from .._errors import ValidationError, VeoError, explain
from ..money._reconcile import Found, FoundFailed, NotFound, NotMade
from ..schema._models import Job, JobStatus
from ..schema._output import writable_folder
from ._batch import FILE_COLUMNS, BatchProgress, BatchRow, batch_folder, parse_batch, validate_rows, write_report
from ._studio import start_with

__all__ = ["Ledger", "run_batch"]

Progress = Callable[[BatchProgress], object]
RECONCILE_SECONDS = 10.0  # how long to look for one unconfirmed create in the usage logs
_UNCONFIRMED = "its create may have reached the API and the usage logs cannot say yet: run this batch again later"


def _slug(text: str, limit: int = 40) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].rstrip("-") or "clip"


def output_path(out: Path, row: BatchRow) -> Path:
    """``<out>/<row>-<name or prompt>.mp4``: sorted like the file, readable, unique per row."""
    return out / f"{row.row:04d}-{_slug(row.name or row.prompt)}.mp4"


class Ledger:
    """Which rows of a batch file have had a create started, and its client request id.

    One append-only file per batch file (under the data directory, so ``--out`` does not
    matter), written *before* each create is started and again once its client request id
    is known. A row marked started that has no journal row was interrupted before its
    create left (the journal row is written first), so it is started again.
    """

    def __init__(self, batch: Path) -> None:
        digest = hashlib.sha256(str(batch.resolve()).encode()).hexdigest()[:24]
        self.path = data_dir() / "batches" / f"{digest}.jsonl"
        self._lock = threading.Lock()

    def read(self) -> dict[str, str | None]:
        """Row key -> client request id (None: started, id not recorded)."""
        found: dict[str, str | None] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:  # a line cut short by a crash
                    continue
                if entry.get("abandoned"):
                    found.pop(entry["key"], None)
                else:
                    found[entry["key"]] = entry.get("crid")
        return found

    def note(self, key: str, crid: str | None = None, *, abandoned: bool = False) -> None:
        entry = {"key": key, "crid": crid} | ({"abandoned": True} if abandoned else {})
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry) + "\n")
                handle.flush()
                os.fsync(handle.fileno())


def known_job(journal: Any, row: BatchRow, crid: str | None) -> Job | None:
    """The job the journal holds for this row: by the ledger's client request id, else by
    the row's key in the journal's ``batch`` column."""
    if crid is not None:
        return journal.find(crid)  # type: ignore[no-any-return]
    for job in journal.page(0, None, text=row.prompt):
        if job.batch == row.key:
            return job  # type: ignore[no-any-return]
    return None


class _Batch:
    def __init__(
        self,
        client: Any,
        out: Path,
        progress: BatchProgress,
        budget: float | None,
        estimate: Callable[[BatchRow], float | None] | None,
        on_change: Progress | None,
        ledger: Ledger,
    ) -> None:
        self.client, self.out, self.state = client, out, progress
        self.budget, self.estimate, self.on_change = budget, estimate, on_change
        self.lock = threading.Lock()
        self.reserved: dict[str, float] = {}  # estimates of rows running now
        self.runs: dict[str, Any] = {}
        self.stopping = threading.Event()
        self.ledger = ledger

    def _typical_cost(self) -> float | None:
        """Without a price estimate: what the rows done so far cost on average."""
        costs = [r.usd for r in self.state.results.values() if r.state == "done" and r.usd is not None]
        return sum(costs) / len(costs) if costs else None

    def changed(self, key: str, **changes: Any) -> None:
        with self.lock:
            self.state.update(key, **changes)
        if self.on_change is not None:
            self.on_change(self.state)

    # ------------------------------------------------------------------ per row

    def resume(self, row: BatchRow, job: Job) -> None:
        """A job from an earlier run: wait for it if needed, and make sure its file is here."""
        self.changed(row.key, state="running", job_id=job.id, resumed=True)
        if not job.done:
            job = self.client.wait(job.id)
        self.finished(row, job)

    def start(self, row: BatchRow) -> None:
        if self.stopping.is_set():
            return
        cost = self.estimate(row) if self.estimate is not None else None
        with self.lock:
            if cost is None:
                cost = self._typical_cost()
            if self.budget is not None:
                committed = self.state.spent + sum(self.reserved.values())
                if committed + (cost or 0.0) > self.budget + 1e-9:
                    self.state.update(row.key, state="skipped", error=f"over the ${self.budget:.2f} budget")
                    return
            self.reserved[row.key] = cost or 0.0
        try:
            self.changed(row.key, state="running")
            self.ledger.note(row.key)
            try:
                run = start_with(
                    self.client,
                    row.prompt,
                    lineage={"batch": row.key},
                    save_to=output_path(self.out, row),
                    **row.options,
                )
            except BaseException:
                self.ledger.note(row.key, abandoned=True)  # start() raised: nothing was sent
                raise
            self.ledger.note(row.key, run.client_request_id)
            self.runs[row.key] = run

            def seen(r: Any) -> None:  # on the run's thread: note the id, leave callbacks to ours
                if r.job is not None:
                    with self.lock:
                        self.state.update(row.key, job_id=r.job.id)

            run.on_update(seen)
            self.finished(row, run.wait())
        finally:
            with self.lock:
                self.reserved.pop(row.key, None)
            self.runs.pop(row.key, None)

    def finished(self, row: BatchRow, job: Job) -> None:
        path = Path(job.path) if job.path else None
        if job.ok and (path is None or not path.is_file()):
            path = Path(self.client.download(job, output_path(self.out, row)))
        self.changed(row.key, state="done", job_id=job.id, path=str(path), usd=job.usage.usd, error=None)

    def attempt(self, row: BatchRow, work: Callable[[], None]) -> None:
        try:
            work()
        except VeoError as exc:
            job = getattr(exc, "job", None)
            if self.stopping.is_set():  # interrupted: the job goes on; the next run resumes it
                self.changed(row.key, state="running", error="interrupted: run the file again to resume")
                return
            state = "unconfirmed" if exc.may_exist else "failed"
            ident = job.id if isinstance(job, Job) else None
            self.changed(row.key, state=state, error=explain(exc), **({"job_id": ident} if ident else {}))


def _reconcile(client: Any, jobs: list[Job]) -> dict[str, Job | str]:
    """Unconfirmed creates looked up in the API's usage logs, all at once: by client request
    id, the job one made (to resume), ``"start"`` when none was made (the logs are final and
    never saw it, or show it failed and billed nothing), else what is still unknown."""
    if not jobs or not hasattr(client, "reconcile"):
        return {}
    try:
        results = client.reconcile([job.client_request_id for job in jobs], timeout=RECONCILE_SECONDS)
    except VeoError as exc:
        return {job.client_request_id or "": f"{_UNCONFIRMED} ({explain(exc)})" for job in jobs}
    settled: dict[str, Job | str] = {}
    for job, result in zip(jobs, results, strict=True):
        crid = job.client_request_id or ""
        if isinstance(result, Found):
            found: Job | None = client.journal.find(crid)
            settled[crid] = found if found is not None and found.id else _UNCONFIRMED
        elif isinstance(result, NotMade) or (isinstance(result, FoundFailed) and result.billed_nothing):
            settled[crid] = "start"
        elif isinstance(result, NotFound) and result.final_at is not None:
            when = result.final_at.astimezone().strftime("%H:%M")
            settled[crid] = (
                f"its create may have reached the API; the usage logs are final after {when}: run this batch again then"
            )
        else:
            settled[crid] = _UNCONFIRMED
    return settled


def _plan(
    client: Any, ledger: Ledger, rows: list[BatchRow], progress: BatchProgress, retry_failed: bool
) -> list[tuple[str, Any]]:
    """What to do with each row, from the ledger and the journal: ``("start" | "resume", ...)``.
    Rows whose create may have reached the API are looked up in the usage logs together."""
    todo: list[tuple[str, Any]] = []
    started = ledger.read()
    known = [(row, known_job(client.journal, row, started.get(row.key))) for row in rows]
    doubtful = [job for _, job in known if job is not None and job.status.lower() == "unconfirmed"]
    settled = _reconcile(client, [job for job in doubtful if job.client_request_id])
    for row, job in known:
        if job is None:
            # No journal row: the row is journaled before its create leaves, so none left.
            todo.append(("start", row))
            continue
        status = job.status.lower()
        if status == "not_submitted":  # the API surely made no job: nothing billed
            todo.append(("start", row))
        elif status == "unconfirmed":
            outcome = settled.get(job.client_request_id or "", _UNCONFIRMED)
            if outcome == "start":
                todo.append(("start", row))
            elif isinstance(outcome, Job):
                todo.append(("resume", (row, outcome)))
            else:
                progress.update(row.key, state="unconfirmed", resumed=True, error=outcome)
        elif not JobStatus.is_pending(status) and not job.ok:
            if retry_failed:
                todo.append(("start", row))
            else:
                progress.update(row.key, state="failed", job_id=job.id, error=job.error, resumed=True)
        else:
            todo.append(("resume", (row, job)))
    return todo


def _price(client: Any, row: BatchRow) -> float | None:
    """The client's estimate of a row's price (None when it cannot say)."""
    try:
        usd = client.estimate(**{k: v for k, v in row.options.items() if k not in FILE_COLUMNS}).usd
    except VeoError:
        return None
    return float(usd) if usd is not None else None


def run_batch(
    client: Any,
    path: str | Path,
    *,
    concurrency: int = 4,
    budget: float | None = None,
    out: str | Path | None = None,
    progress: Progress | None = None,
    retry_failed: bool = False,
    estimate: Callable[[BatchRow], float | None] | None = None,
) -> BatchProgress:
    """Run every row of a ``.jsonl`` / ``.csv`` batch file; resumable; returns the final counts.

    Videos go to ``out`` (default: a folder named after the file, beside it) with the
    report (``<name>.report.csv`` / ``.json``). ``progress(state)`` is called on every
    change. Ctrl-C stops waiting (the jobs go on at the API); run the file again to resume.
    """
    file = Path(path)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValidationError("concurrency", f"must be a whole number, 1 or more, not {concurrency!r}")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget < 0):
        raise ValidationError("budget", f"must be an amount in USD, not {budget!r}")
    rows, unreadable = parse_batch(file)  # every row's error is reported at once, read or checked
    validate_rows(file, rows, lambda row: client.build_request(row.prompt, **row.options), unreadable)
    target = writable_folder(Path(out) if out is not None else batch_folder(file), "out")
    state = BatchProgress.of(rows)
    if estimate is None and budget is not None and hasattr(client, "estimate"):
        estimate = partial(_price, client)
    ledger = Ledger(file)
    todo = _plan(client, ledger, rows, state, retry_failed)
    batch = _Batch(client, target, state, budget, estimate, progress, ledger)
    if progress is not None:
        progress(state)
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="veo-batch")
    futures: list[Future[None]] = []
    try:
        for kind, item in todo:
            if kind == "resume":
                futures.append(pool.submit(batch.attempt, item[0], partial(batch.resume, *item)))
            else:
                futures.append(pool.submit(batch.attempt, item, partial(batch.start, item)))
        remaining = set(futures)
        while remaining:
            finished, remaining = wait(remaining, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                future.result()  # a row's unexpected error (or a Ctrl-C in a callback) stops the batch
    except BaseException:
        batch.stopping.set()
        for run in list(batch.runs.values()):
            run.cancel()
        raise
    finally:
        pool.shutdown(wait=not batch.stopping.is_set(), cancel_futures=True)
        write_report(file, target, state)
    return state
