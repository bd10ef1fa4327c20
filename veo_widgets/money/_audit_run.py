"""One audit, in three parts a client drives: ``load`` (blocking), ``flow`` (requests), ``finish`` (blocking).

``load`` reads the journal's rows around the window and the ledger cache; ``flow`` reads
the ledger (``_ledger``), settles each unconfirmed row of the window from the usage logs
(``_reconcile``) and, for charges of generations this journal lacks, asks the logs which
client request id made them; ``finish`` journals what was settled, keeps the ledger
cache, learns the charges (``_learned``) and builds the :class:`~._audit.Audit`. The
journal is named by a small Protocol: money never imports it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from .._config import Secret
from .._errors import ValidationError, VeoError
from ..protocol._flows import DEFAULT_RETRY, Outcome, RetryPolicy, Step
from ..schema._models import Job
from ._audit import Audit, PriceDrift, build_audit
from ._learned import charged_rate, learn_charge
from ._ledger import (
    SETTLE,
    LedgerCache,
    LedgerProgress,
    LedgerRead,
    Pacer,
    account_id,
    get_json,
    ledger_flow,
    load_ledger_cache,
    save_ledger_cache,
)
from ._reconcile import LOGS_PATH, Found, FoundFailed, Lookup, RateWindow, Reconciled, reconcile_flow

__all__ = ["DEFAULT_WINDOW", "AuditJournal", "AuditRun", "PriceSource", "parse_since", "price_drift", "window"]

#: An audit with no ``since`` looks this far back.
DEFAULT_WINDOW = timedelta(days=7)
#: A charge is recorded when a job completes: rows this much older than the window may own one.
LOOKBACK = timedelta(days=2)
MAX_LOGS_WINDOW = timedelta(days=92)
DRIFT = 0.20


class AuditJournal(Protocol):
    """What an audit needs of the journal."""

    def page(self, offset: int = 0, limit: int | None = 50, *, since: datetime | None = ...) -> list[Job]: ...

    def find(self, key: str) -> Job | None: ...

    def record(self, job: Job) -> None: ...

    def set_state(self, client_request_id: str, state: str) -> None: ...

    def record_outcome(self, client_request_id: str, *, status: str, error: str) -> None: ...


class PriceSource(Protocol):
    """The catalogue, as far as drift needs it."""

    def estimate(
        self, model: str, *, resolution: str | None, duration: int | None, generate_audio: bool | None
    ) -> float | None: ...


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


_SPAN = re.compile(r"^([1-9][0-9]*)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str | None) -> timedelta | datetime | None:
    """``7d``, ``24h``, ``90m``, ``2w`` (a span back from now), ``2026-12-01`` (a date, UTC), or None."""
    if text is None or not text.strip():
        return None
    match = _SPAN.match(text.strip().lower())
    if match is not None:
        return timedelta(**{_UNITS[match[2]]: int(match[1])})
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("since", f"give a span such as 7d, 24h or 90m, or a date, not {text!r}") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def window(
    since: datetime | timedelta | str | None, until: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The audit's window: ``since`` a time, a span back from now or its words (``7d``); default a week."""
    if isinstance(since, str):
        since = parse_since(since)
    end = _utc(until) if until is not None else now
    if since is None:
        start = end - DEFAULT_WINDOW
    elif isinstance(since, timedelta):
        start = now - since
    else:
        start = _utc(since)
    if start >= end:
        raise ValidationError("since", "the audit's window ends before it starts")
    return start, end


def _saved(job: Job) -> bool:
    return job.path is not None and Path(job.path).is_file()


@dataclass
class AuditRun:
    """One audit of ``[since, until]`` for the server ``base_url`` (``demo``: the emulator's)."""

    journal: AuditJournal
    base_url: str
    demo: bool
    account: str
    """The ledger cache's name for this server and key (:func:`~._ledger.account_id`)."""
    can_read: bool = True
    """False without a key: nothing can be read, and the audit says so."""
    since: datetime | timedelta | str | None = None
    until: datetime | None = None
    on_progress: Callable[[LedgerProgress], Any] | None = None
    rate: RateWindow | None = None
    retry: RetryPolicy = DEFAULT_RETRY
    settle: timedelta = SETTLE
    prices: PriceSource | None = None
    cache_folder: Path | None = None
    learn_folder: Path | None = None
    rows: list[Job] = field(default_factory=list)
    read: LedgerRead | None = None
    settled: dict[str, Reconciled] = field(default_factory=dict)
    crids: dict[str, str] = field(default_factory=dict)
    _cache: LedgerCache | None = field(default=None, init=False)
    _window: tuple[datetime, datetime] | None = field(default=None, init=False)
    _now: datetime = field(default_factory=lambda: datetime.now(timezone.utc), init=False)
    _requests: int = field(default=0, init=False)

    @classmethod
    def of(
        cls,
        journal: AuditJournal,
        base_url: str,
        demo: bool,
        key: Secret | None,
        **options: Any,
    ) -> AuditRun:
        """An audit for a client's server and key (the key names the cache; it is never kept)."""
        account = account_id(base_url, key.reveal() if key else "")
        return cls(journal, base_url, demo, account, can_read=bool(key), **options)

    # ------------------------------------------------------------------ blocking: before

    def load(self) -> None:
        """Read the journal's rows around the window and the ledger cache."""
        if not self.can_read:
            raise ValidationError("api_key", "an audit reads the account's ledger: set an API key (or use demo mode)")
        now = datetime.now(timezone.utc)
        start, end = self._window = window(self.since, self.until, now)
        rows = self.journal.page(0, None, since=start - LOOKBACK)
        self.rows = [r for r in rows if self._ours(r) and r.created_at <= end]
        self._cache = load_ledger_cache(self.account, self.cache_folder)
        self._now = now

    def _ours(self, job: Job) -> bool:
        return job.demo == self.demo and (self.demo or not job.base_url or job.base_url == self.base_url)

    # ------------------------------------------------------------------ requests

    def flow(self) -> Generator[Step, Outcome, None]:
        """Read the ledger, settle unconfirmed rows, and name the makers of unknown charges."""
        if self._window is None:
            raise RuntimeError("AuditRun.load() first")
        start, end = self._window
        rate = self.rate or RateWindow()
        self.read = yield from ledger_flow(
            start,
            end,
            now=self._now,
            cache=self._cache,
            settle=self.settle,
            rate=rate,
            retry=self.retry,
            on_progress=self.on_progress,
        )
        self._requests = self.read.pages
        for row in self.rows:
            crid = row.client_request_id
            state = str(getattr(row, "state", None) or row.status).lower()
            if crid and not row.id and state == "unconfirmed" and start <= row.created_at <= end:
                model = str((row.request or {}).get("model") or "")
                lookup = Lookup(crid, row.created_at, (model,) if model else ())
                self.settled[crid] = yield from reconcile_flow(lookup, timeout=2.0, rate=rate, retry=self.retry)
        known = {r.id for r in self.rows if r.id}
        known |= {r.generation_id for r in self.settled.values() if isinstance(r, Found)}
        unknown = {c.generation_id for c in self.read.charges if c.generation_id and c.generation_id not in known}
        if unknown:
            pacer = Pacer(rate, self.retry)
            self.crids = yield from _makers(start, end, unknown, pacer)
            self._requests += pacer.sent

    # ------------------------------------------------------------------ blocking: after

    def finish(self) -> Audit:
        """Journal what was settled, keep the cache, learn the charges, and say what was found."""
        if self.read is None or self._window is None:
            raise RuntimeError("AuditRun.flow() first")
        start, end = self._window
        rows = list(self.rows)
        known = {r.id for r in rows if r.id}
        for charge in self.read.charges:  # an older row of this machine may own the charge
            gen = charge.generation_id
            if gen and gen not in known:
                try:
                    older = self.journal.find(gen)
                except VeoError:
                    older = None
                if older is not None and older.id == gen and self._ours(older):
                    rows.append(older)
                    known.add(gen)
        self._journal_settled(rows)
        if self.read.cache is not None:
            save_ledger_cache(self.account, self.read.cache, self.cache_folder)
        self._learn(rows)
        return build_audit(
            rows,
            self.read.charges,
            since=start,
            until=end,
            saved=_saved,
            settled=self.settled,
            crids=self.crids,
            requests=self._requests,
            cached=self.read.from_cache,
            drift=self._drift(rows),
        )

    def _journal_settled(self, rows: Sequence[Job]) -> None:
        by_crid = {r.client_request_id: r for r in rows if r.client_request_id}
        for crid, result in self.settled.items():
            row = by_crid.get(crid)
            if row is None:
                continue
            if isinstance(result, Found):
                self.journal.record(row.evolve(id=result.generation_id, status="queued", base_url=self.base_url))
                self.journal.set_state(crid, "recovered")
            elif isinstance(result, FoundFailed) and result.billed_nothing:
                self.journal.record_outcome(crid, status="not_submitted", error=result.describe())

    def _learn(self, rows: Sequence[Job]) -> None:
        """The ledger's charges, the truth, for the rows whose request is known."""
        by_id = {r.id: r for r in rows if r.id}
        counted: dict[str, int] = {}
        for charge in self.read.charges if self.read else ():
            gen = charge.generation_id or ""
            counted[gen] = counted.get(gen, 0) + 1
        for charge in self.read.charges if self.read else ():
            row = by_id.get(charge.generation_id or "")
            if row is not None and row.request and counted[row.id] == 1:
                learn_charge(self.base_url, row.request, row.id, charge.usd, folder=self.learn_folder)

    def _drift(self, rows: Sequence[Job]) -> list[PriceDrift]:
        """Settings of the window's jobs charged more than 20 % away from the catalogue."""
        if self.prices is None:
            return []
        seen: dict[tuple[str, str | None, bool | None], None] = {}
        for row in rows:
            request: Mapping[str, Any] = row.request or {}
            model = request.get("model")
            if model and row.id:
                seen[(str(model), request.get("resolution"), request.get("generate_audio"))] = None
        return price_drift(self.prices, self.base_url, seen, folder=self.learn_folder)


def price_drift(
    prices: PriceSource,
    base_url: str,
    settings: Iterable[tuple[str, str | None, bool | None]],
    *,
    folder: Path | None = None,
) -> list[PriceDrift]:
    """The ``settings`` (model, resolution, audio) whose charges on ``base_url`` are more than
    20 % away from the catalogue's price per second (what the audit and ``veo doctor`` say)."""
    found = []
    for model, resolution, audio in settings:
        listed = prices.estimate(model, resolution=resolution, duration=1, generate_audio=audio)
        learned = charged_rate(base_url, model, resolution, audio, folder=folder)
        if not listed or learned is None:
            continue
        rate, jobs = learned
        if abs(rate / listed - 1) > DRIFT:
            found.append(PriceDrift(model, resolution, audio, listed, rate, jobs))
    return found


def _makers(start: datetime, end: datetime, wanted: set[str], pacer: Pacer) -> Generator[Step, Outcome, dict[str, str]]:
    """The client request id the usage logs give each generation of ``wanted``."""
    first = max(start - LOOKBACK, end - MAX_LOGS_WINDOW)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    found: dict[str, str] = {}
    offset = 0
    while len(found) < len(wanted):
        params = [
            ("start", first.strftime(stamp)),
            ("end", end.strftime(stamp)),
            ("limit", "100"),
            ("offset", str(offset)),
        ]
        try:
            body = yield from get_json(LOGS_PATH, params, pacer)
        except VeoError:
            return found  # the logs are a help here, not a must: unknown charges stay unknown
        data = body.get("data")
        rows = [r for r in data if isinstance(r, Mapping)] if isinstance(data, list) else []
        for row in rows:
            gen, crid = row.get("inference_id"), row.get("client_request_id")
            if gen in wanted and isinstance(crid, str) and crid:
                found[str(gen)] = crid
        paging = body.get("pagination")
        more = paging.get("has_more") if isinstance(paging, Mapping) else len(rows) >= 100
        if not more or not rows:
            return found
        offset += len(rows)
    return found
