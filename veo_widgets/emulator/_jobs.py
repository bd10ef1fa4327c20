"""Jobs: their timeline, the store that keeps them (in memory and on disk), and the counts.

A job's status is computed from its timeline (created, ready at, faults, how its render
went) by :func:`phase`, which changes nothing. The only stored transition is
:meth:`JobStore.settle`, called when a poll first sees a job end: it records the outcome,
opens the result file for download, and saves the job.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import secrets
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

__all__ = [
    "PENDING",
    "SPELLINGS",
    "TERMINAL",
    "EmulatorStats",
    "Job",
    "JobStore",
    "Phase",
    "RenderState",
    "Timing",
    "check_spellings",
    "phase",
    "spell",
]

PENDING = ("queued", "waiting", "active", "generating")
TERMINAL = ("completed", "complete", "error")
#: How the API's video endpoint spells each of a job's states: its Veo schema says the
#: first of each; its other models' pages and the official SDK the others (shared/API.md,
#: "Status values"). A job's stored status is always the first; ``spell`` says it otherwise.
SPELLINGS: dict[str, tuple[str, ...]] = {
    "queued": ("queued", "waiting", "pending", "starting"),
    "generating": ("generating", "active", "processing", "in_progress", "running"),
    "completed": ("completed", "complete", "succeeded", "success"),
    "error": ("error", "failed", "failure", "cancelled", "canceled", "rejected", "expired"),
}
_STATUS_FAULT = "status:"

_JOB_ERRORS: tuple[tuple[str, Any], ...] = (
    ("job_error", {"name": "ModerationError", "message": "The prompt was flagged by the safety filter"}),
    (
        "job_error_detail",
        {"detail": [{"loc": ["body", "image_url"], "msg": "Image could not be processed", "type": "value_error"}]},
    ),
    ("job_error_string", "Generation failed: internal model error"),
    ("charge_failed", {"name": "GenerationError", "message": "The video could not be delivered"}),
)


@dataclass(frozen=True)
class Timing:
    """How long jobs take: ``seconds`` fixed, or log-normal around ``median`` (clamped).

    This is the time of Veo 3 Fast; other models scale it by their own speed.
    """

    seconds: float | None = None
    median: float = 60.0
    sigma: float = 0.45
    low: float = 30.0
    high: float = 180.0

    @classmethod
    def fixed(cls, seconds: float) -> Timing:
        return cls(seconds=seconds)

    def draw(self, rng: random.Random) -> float:
        if self.seconds is not None:
            return self.seconds
        return min(self.high, max(self.low, self.median * math.exp(rng.gauss(0, self.sigma))))

    def percentile(self, z: float) -> float:
        """The job time at standard-normal quantile ``z`` (e.g. 1.2816 for p90)."""
        if self.seconds is not None:
            return self.seconds
        return min(self.high, max(self.low, self.median * math.exp(z * self.sigma)))


@dataclass
class Job:
    id: str
    body: dict[str, Any]
    client_request_id: str | None
    created: float
    ready_at: float
    faults: list[str]
    seed: int
    token: str
    status: str = "queued"
    """Stored only once the job has ended (see :meth:`JobStore.settle`)."""
    error: Any = None
    file: str | None = None
    failure: str | None = None
    """Set when the job cannot render (a missing input, a restart that lost it)."""
    source: dict[str, Any] | None = None
    """What the render is made from, as JSON: to render again after a restart."""
    cost_usd: float = 0.0
    """What the job costs when it completes."""
    settled_at: float | None = None
    input: str | None = None
    """Older state files: the saved input image (or its URL)."""

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))


_FIELDS = frozenset(f.name for f in fields(Job))


@dataclass(frozen=True)
class RenderState:
    pending: bool = False
    failure: str | None = None


@dataclass(frozen=True)
class Phase:
    status: str
    error: Any = None

    @property
    def ended(self) -> bool:
        return self.status in TERMINAL

    @property
    def succeeded(self) -> bool:
        return self.status in ("completed", "complete")


def phase(job: Job, now: float, render: RenderState) -> Phase:
    """Where ``job`` is on its timeline at ``now``, as the API would spell it. Changes nothing."""
    if job.status in TERMINAL:
        return Phase(job.status, job.error)
    legacy = "waiting_active" in job.faults
    total = job.ready_at - job.created
    if now - job.created < min(3.0, total * 0.15):
        return Phase("waiting" if legacy else "queued")
    failure = job.failure or render.failure
    if failure:
        return Phase("error", {"name": "GenerationError", "message": failure})
    if "never_finish" in job.faults or now < job.ready_at or render.pending:
        return Phase("active" if legacy else "generating")
    for kind, error in _JOB_ERRORS:
        if kind in job.faults:
            return Phase("error", error)
    if _state_of(_asked_spelling(job) or "") == "error":
        return Phase("error")  # ends as its failure spelling says, with no error object
    return Phase("complete" if "complete_status" in job.faults else "completed")


def _asked_spelling(job: Job) -> str | None:
    """The status word a ``status:<word>`` fault asked this job to be spelled with."""
    for kind in job.faults:
        if kind.startswith(_STATUS_FAULT):
            return kind[len(_STATUS_FAULT) :].strip()
    return None


def _state_of(word: str) -> str | None:
    """Which state ``word`` spells (``queued`` and ``generating`` both: ``pending``), or None."""
    for state, words in SPELLINGS.items():
        if word.lower() in words:
            return "pending" if state in ("queued", "generating") else state
    return None


def spell(job: Job, status: str, server: dict[str, str]) -> str:
    """``status`` (a stored or computed one) as the answer spells it: as the job's
    ``status:<word>`` fault asks (a pending or unknown word for every pending state), else
    as the server's ``statuses`` setting maps it, else unchanged."""
    word = _asked_spelling(job)
    if word:
        state = _state_of(word) or "pending"  # an unknown word: what a running job says
        if state == status or (state == "pending" and status in ("queued", "generating")):
            return word
    return server.get(status, status)


def check_spellings(statuses: dict[str, str]) -> dict[str, str]:
    """A server's ``statuses`` setting, checked: each key a state of :data:`SPELLINGS`, each
    value a non-empty word (any word: an unknown one is how the API's next spelling looks)."""
    for state, word in statuses.items():
        if state not in SPELLINGS:
            raise ValueError(f"statuses: {state!r} is not a state; the states are {', '.join(SPELLINGS)}")
        if not isinstance(word, str) or not word.strip():
            raise ValueError(f"statuses: the spelling of {state!r} must be a non-empty word")
        spelt = _state_of(word)
        if spelt is not None and spelt != ("pending" if state in ("queued", "generating") else state):
            raise ValueError(f"statuses: {word!r} spells another state than {state!r}")
    return dict(statuses)


@dataclass(frozen=True)
class EmulatorStats:
    """What the server has seen. ``creates_per_request`` counts creates by X-Client-Request-Id."""

    creates: int
    polls: int
    downloads: int
    rejected: int
    jobs: dict[str, dict[str, int]]
    creates_per_request: dict[str, int]
    create_attempts: int = 0
    """Create requests that passed the key check, whether or not they made a job."""
    attempts_per_request: dict[str, int] = field(default_factory=dict)
    """Such attempts by X-Client-Request-Id."""

    @property
    def duplicate_creates(self) -> dict[str, int]:
        """Client request ids whose create the server accepted more than once."""
        return {k: v for k, v in self.creates_per_request.items() if v > 1}


class JobStore:
    """The jobs, the request counts, and (with ``state_dir``) their files on disk.

    With a ``state_dir`` the disk is shared: demo mode is one API for the whole machine, so
    a job another process's emulator made (and saved) is read when asked for by id or by
    its file's token. ``adopt`` is told of each job read that way (to render it if need be).
    """

    def __init__(self, state_dir: Path | None, adopt: Callable[[Job], None] | None = None) -> None:
        self.state_dir = state_dir
        self.adopt = adopt
        self.lock = threading.RLock()
        self._jobs: dict[str, Job] = {}
        self._files: dict[str, tuple[Path, bool]] = {}
        """Each result's file by its token, and whether every link to it is dead."""
        self._counts: Counter[str] = Counter()
        self._per_job: dict[str, Counter[str]] = {}
        self._per_crid: Counter[str] = Counter()
        self._attempts: Counter[str] = Counter()

    # ------------------------------------------------------------------ jobs

    def add(self, job: Job) -> None:
        with self.lock:
            self._jobs[job.id] = job
            self._counts["create"] += 1
            self._per_job[job.id] = Counter(creates=1)
            if job.client_request_id:
                self._per_crid[job.client_request_id] += 1
        self.save(job)

    def get(self, job_id: str) -> Job | None:
        with self.lock:
            job = self._jobs.get(job_id)
        if job is None and job_id:
            job = self._read(self._job_file(job_id))
        return job

    def all(self) -> list[Job]:
        with self.lock:
            return list(self._jobs.values())

    def prices(self) -> list[float]:
        """Every job's price (what it is charged when it completes)."""
        with self.lock:
            return [job.cost_usd for job in self._jobs.values()]

    def settle(self, job: Job, outcome: Phase, now: float) -> None:
        """Record that ``job`` ended as ``outcome``: the one stored transition of a job.

        Its file is then served to signed links (``_links``); with the ``expired_url`` fault
        every link to it is refused, however fresh."""
        if not outcome.ended or job.status in TERMINAL:
            return
        with self.lock:
            job.status, job.error, job.settled_at = outcome.status, outcome.error, now
            if outcome.succeeded and "charge_no_file" not in job.faults:
                self._files[job.token] = (Path(job.file or ""), "expired_url" in job.faults)
        self.save(job)

    def result_file(self, token: str) -> tuple[Path, bool] | None:
        with self.lock:
            entry = self._files.get(token)
        if entry is None and self.state_dir is not None and (self.state_dir / "jobs").is_dir():
            # Another process's job, downloaded again from here: find it by its token.
            for path in (self.state_dir / "jobs").glob("*.json"):
                if token in path.read_text(errors="replace") and self._read(path) is not None:
                    with self.lock:
                        entry = self._files.get(token)
                    if entry is not None:
                        break
        return entry

    # ------------------------------------------------------------------ counts

    def count(self, what: str, job_id: str | None = None) -> None:
        with self.lock:
            self._counts[what] += 1
            if job_id is not None and job_id in self._per_job:
                self._per_job[job_id][what + "s"] += 1

    def count_attempt(self, client_request_id: str | None) -> None:
        with self.lock:
            self._counts["attempt"] += 1
            if client_request_id:
                self._attempts[client_request_id] += 1

    def stats(self) -> EmulatorStats:
        with self.lock:
            return EmulatorStats(
                creates=self._counts["create"],
                polls=self._counts["poll"],
                downloads=self._counts["download"],
                rejected=self._counts["rejected"],
                jobs={k: dict(v) for k, v in self._per_job.items()},
                creates_per_request=dict(self._per_crid),
                create_attempts=self._counts["attempt"],
                attempts_per_request=dict(self._attempts),
            )

    # ------------------------------------------------------------------ disk

    def _job_file(self, job_id: str) -> Path | None:
        if self.state_dir is None:
            return None
        return self.state_dir / "jobs" / (hashlib.sha1(job_id.encode()).hexdigest() + ".json")

    def _read(self, path: Path | None) -> Job | None:
        """A job saved by another process (or before a restart), now kept here too."""
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text())
            loaded = Job(**{k: v for k, v in data.items() if k in _FIELDS})
        except (OSError, ValueError, TypeError):
            return None
        with self.lock:
            if loaded.id in self._jobs:  # read by another thread meanwhile
                return self._jobs[loaded.id]
            self._jobs[loaded.id] = loaded
            self._per_job[loaded.id] = Counter()
            if loaded.status in ("completed", "complete") and loaded.file:
                self._files[loaded.token] = (Path(loaded.file), "expired_url" in loaded.faults)
        if self.adopt is not None and loaded.status not in TERMINAL:
            self.adopt(loaded)
        return loaded

    def save(self, job: Job) -> None:
        path = self._job_file(job.id)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # A unique temporary name: two processes may save the same job at once.
        tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
        with self.lock:
            text = json.dumps(asdict(job))
        tmp.write_text(text)
        tmp.replace(path)

    def load(self) -> list[Job]:
        """Read the saved jobs; returns those still to render (killed mid-render)."""
        if self.state_dir is None or not (self.state_dir / "jobs").is_dir():
            return []
        unfinished = []
        for entry in sorted((self.state_dir / "jobs").glob("*.json")):
            try:
                data = json.loads(entry.read_text())
                job = Job(**{k: v for k, v in data.items() if k in _FIELDS})
            except (OSError, ValueError, TypeError):
                continue
            self._jobs[job.id] = job
            self._per_job[job.id] = Counter()
            if job.status in ("completed", "complete") and job.file and "charge_no_file" not in job.faults:
                self._files[job.token] = (Path(job.file), "expired_url" in job.faults)
            elif job.status not in TERMINAL and job.file and not Path(job.file).exists():
                unfinished.append(job)
        return unfinished
