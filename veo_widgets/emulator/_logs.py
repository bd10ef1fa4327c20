"""Usage logs (``GET /v2/logs``): a row per create, found by paging and matching ids.

Each create that passes the key check leaves one row, carrying the request's
``X-Client-Request-Id``. A row appears ``lag`` seconds after its create (the logs come from
an analytics pipeline), so tests and demo mode see both "found at once" and "found later".
A create refused, or a job that ends in ``error``, is ``failed`` with zero cost; any other
is ``succeeded`` with the job's price. Also here: the window rules that ``/v2/usage``
shares, and the 200-requests-a-minute limit.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ._wire import EmuRequest, EmuResponse, Problem, iso, json_response

__all__ = ["MAX_WINDOW_DAYS", "LogBook", "LogRow", "Outcome", "RateLimit", "window"]

MAX_WINDOW_DAYS = 92
CREDITS_PER_USD = 2_000_000


def _moment(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Problem(400, f"{name} must be an ISO-8601 date-time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def window(request: EmuRequest, now: float) -> tuple[datetime, datetime]:
    """The ``period`` or ``start`` + ``end`` window of a logs or usage request (400s as documented)."""
    period, start, end = (request.query.get(k) for k in ("period", "start", "end"))
    if period is not None and (start is not None or end is not None):
        raise Problem(400, "Pass either period or start and end, not both")
    if period is not None:
        match = re.fullmatch(r"([1-9][0-9]*)([hd])", period.strip())
        if match is None:
            raise Problem(400, "period must be a positive integer followed by h or d, e.g. 24h or 7d")
        amount = int(match.group(1))
        span = timedelta(hours=amount) if match.group(2) == "h" else timedelta(days=amount)
        last = datetime.fromtimestamp(now, timezone.utc)
        first = last - span
    elif start is not None and end is not None:
        first, last = _moment(start, "start"), _moment(end, "end")
        if last < first:
            raise Problem(400, "end must not be before start")
    else:
        raise Problem(400, "A window is required: period, or both start and end")
    if last - first > timedelta(days=MAX_WINDOW_DAYS):
        raise Problem(400, f"The window may not exceed {MAX_WINDOW_DAYS} days")
    return first, last


class RateLimit:
    """At most ``limit`` requests in any ``seconds``; past it, 429."""

    def __init__(self, limit: int, seconds: float = 60.0) -> None:
        self.limit = limit
        self.seconds = seconds
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def check(self, now: float) -> None:
        with self._lock:
            while self._times and self._times[0] <= now - self.seconds:
                self._times.popleft()
            if len(self._times) >= self.limit:
                retry = self._times[0] + self.seconds - now
                raise _TooMany(max(1, round(retry)))
            self._times.append(now)


class _TooMany(Problem):
    def __init__(self, retry_after: int) -> None:
        super().__init__(429, "Too Many Requests", "ThrottlerException")
        self.headers["retry-after"] = str(retry_after)


@dataclass(frozen=True)
class LogRow:
    created: float
    visible_at: float
    model: str
    client_request_id: str | None
    request_id: str
    inference_id: str
    job_id: str | None
    """The job the create made; None when it was refused."""
    usd: float = 0.0
    """The job's price, kept here so a row outlives its job (demo state is pruned)."""


@dataclass(frozen=True)
class Outcome:
    """How a row's job stands: failed (billed nothing) or not, and its price."""

    failed: bool
    usd: float


class LogBook:
    """The rows, in memory and, with a ``state_dir``, in ``logs.jsonl`` there: a create made
    before a restart (of a demo-mode kernel) can still be found after it."""

    def __init__(self, lag: float = 0.0, rate_limit: int = 200, state_dir: Path | None = None) -> None:
        self.lag = lag
        self.limit = RateLimit(rate_limit)
        self._rows: list[LogRow] = []
        self._lock = threading.Lock()
        self._file = state_dir / "logs.jsonl" if state_dir is not None else None
        self._read_as: tuple[int, int] | None = None
        if self._file is not None and self._file.is_file():
            self._reread()
            # Rows past any window a query may ask for are dropped, so the file never only grows.
            self._file.write_text("".join(json.dumps(asdict(r)) + "\n" for r in self._rows))

    def _reread(self) -> None:
        """The rows of ``logs.jsonl``, when it changed: every process of the machine in demo
        mode appends to it, and a create made by one is found from the others."""
        if self._file is None:
            return
        try:
            stat = self._file.stat()
            if self._read_as == (stat.st_size, stat.st_mtime_ns):
                return
            lines = self._file.read_text().splitlines()
        except OSError:
            return
        oldest = time.time() - MAX_WINDOW_DAYS * 86400
        rows = []
        for line in lines:
            try:
                row = LogRow(**json.loads(line))
            except (ValueError, TypeError):
                continue  # a line another process is still writing, or damaged
            if row.created >= oldest:
                rows.append(row)
        self._rows = rows
        self._read_as = (stat.st_size, stat.st_mtime_ns)

    def record(self, model: object, client_request_id: str | None, job_id: str | None, usd: float = 0.0) -> LogRow:
        """Log a create (``job_id`` None: it was refused; ``usd`` its price). Returns the row."""
        now = time.time()
        name = model if isinstance(model, str) and model else "unknown"
        row = LogRow(
            created=now,
            visible_at=now + self.lag,
            model=name if "/" in name else f"google/{name}",
            client_request_id=client_request_id,
            request_id=str(uuid.uuid4()),
            inference_id=job_id or str(uuid.uuid4()),
            job_id=job_id,
            usd=usd,
        )
        with self._lock:
            self._rows.append(row)
            if self._file is not None:
                self._file.parent.mkdir(parents=True, exist_ok=True)
                with self._file.open("a") as handle:
                    handle.write(json.dumps(asdict(row)) + "\n")
        return row

    def rows(self) -> list[LogRow]:
        with self._lock:
            self._reread()
            return list(self._rows)

    def answer(self, request: EmuRequest, outcome: Callable[[LogRow], Outcome], key_prefix: str) -> EmuResponse:
        """``GET /v2/logs``. ``outcome`` tells how a row's job stands (read only)."""
        now = time.time()
        self.limit.check(now)
        first, last = window(request, now)
        prefix = request.query.get("key_prefix")
        if prefix is not None and prefix != key_prefix:
            raise Problem(403, "A regular key can only read its own logs", "ForbiddenException")
        models = request.values("model")
        if len(models) > 50:
            raise Problem(400, "model accepts at most 50 values")
        statuses = request.values("status")
        for status in statuses:
            if status not in ("succeeded", "failed"):
                raise Problem(400, "status must be one of the following values: succeeded, failed")
        limit = _integer(request, "limit", 50, 1, 100)
        offset = _integer(request, "offset", 0, 0, None)
        shown = []
        for row in reversed(self.rows()):
            moment = datetime.fromtimestamp(row.created, timezone.utc)
            if row.visible_at > now or not first <= moment <= last:
                continue
            if models and not any(m in (row.model, row.model.split("/", 1)[-1]) for m in models):
                continue
            state = outcome(row) if row.job_id is not None else Outcome(True, 0.0)
            status = "failed" if state.failed else "succeeded"
            if statuses and status not in statuses:
                continue
            usd = 0.0 if state.failed else state.usd
            shown.append(
                {
                    "created": iso(moment),
                    "status": status,
                    "origin": "api",
                    "model": row.model,
                    "cost": {"usd": usd, "credits": round(usd * CREDITS_PER_USD)},
                    "tokens": {"input": 0, "output": 0, "total": 0},
                    "request_id": row.request_id,
                    "inference_id": row.inference_id,
                    "client_request_id": row.client_request_id,
                }
            )
        page = shown[offset : offset + limit]
        pagination = {"limit": limit, "offset": offset, "total": len(shown), "has_more": offset + limit < len(shown)}
        return json_response(200, {"data": page, "pagination": pagination})


def _integer(request: EmuRequest, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"-?[0-9]+", raw.strip()):
        raise Problem(400, f"{name} must be an integer")
    value = int(raw)
    if value < low or (high is not None and value > high):
        raise Problem(400, f"{name} must be between {low} and {high}" if high else f"{name} must be at least {low}")
    return value
