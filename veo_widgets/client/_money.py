"""The clients' money side: prices, the daily budget, balance and spend, and lost creates.

:class:`Money` holds a client's money settings (``budget_usd``, ``on_notice``,
``reconcile_timeout``) and writes its money rules as plans, which the client's driver runs.
The submit plan (``_plans``) asks it twice:

- :meth:`Money.admit`: a create that would pass ``budget_usd`` raises
  :class:`~..money._budget.BudgetExceededError` before anything is journaled or sent;
- :meth:`Money.recover`: a create whose outcome is unknown is looked up in the usage logs by
  its client request id (``money/_recover.py``); the job found carries on as if the create
  had answered, and one line says so (``on_notice``, else stderr and the ``veo_widgets`` log).

Lost creates (``recover``, ``reconcile``) are written in ``_lost`` and mixed in.
The clients' ``balance()``, ``spend(period)``, ``estimate(...)``, ``afford(...)`` and
``reconcile(...)`` drive its plans of the same names.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from .._errors import ValidationError
from ..money._audit_run import AuditRun
from ..money._billing import Balance, Spend, balance_flow, spend_flow, usage_query
from ..money._budget import check_budget, resolve_budget, spend_today, start_of_day
from ..money._ledger import LedgerProgress
from ..money._pricing import (
    Catalogue,
    Estimate,
    PricedRequest,
    catalogue_flow,
    estimate_usd,
    learned_of,
    load_cached,
    save_cached,
    total,
)
from ..money._spend import SpendHistory, spend_history_flow
from ..protocol._steps import Call, Plan
from ..schema._family import get_model
from ..schema._models import Job, VideoRequest
from ._core import Core
from ._lost import LostCreates

Since = datetime | timedelta | str | None
AuditProgress = Callable[[LedgerProgress], Any] | None

__all__ = ["Money", "Priced", "price_text"]

log = logging.getLogger("veo_widgets")
#: Seconds a catalogue found missing from the disk cache is not looked for there again.
MISS_KEPT = 60.0
#: What ``reconcile`` takes: a journal row or a client request id / job id, or several.
#: A budget check reads the journal; two threads checking at once would each miss the other.
_BUDGET_LOCK = threading.Lock()


@dataclass(frozen=True)
class Priced:
    """The four fields a price depends on (from a request, a journal row, or options)."""

    model: str
    resolution: str | None = None
    duration: int | None = None
    generate_audio: bool | None = None

    @classmethod
    def of(cls, item: PricedRequest | Mapping[str, Any]) -> Priced:
        if isinstance(item, Mapping):
            get = item.get
            return cls(str(get("model") or ""), get("resolution"), get("duration"), get("generate_audio"))
        return cls(item.model, item.resolution, item.duration, item.generate_audio)


def _priced_options(options: Mapping[str, Any]) -> Priced:
    """generate()'s options for any model, checked and defaulted (no prompt or media needed)."""
    spec = get_model(options.get("model"))

    def value(name: str) -> Any:
        option = spec.option(name)
        if option is None:
            return None
        given = options.get(name)
        return option.default if given is None else option.check(given, model=spec.short)

    return Priced(spec.id, value("resolution"), value("duration"), value("generate_audio"))


def _estimate_items(request: Any, options: Mapping[str, Any]) -> list[PricedRequest | Mapping[str, Any]]:
    if request is None:
        return [_priced_options(options)]
    if isinstance(request, VideoRequest):
        return [request]
    if isinstance(request, Mapping):
        return [_priced_options({**request, **options})]
    if isinstance(request, Sequence) and not isinstance(request, str):
        return [item for entry in request for item in _estimate_items(entry, options)]
    raise ValidationError("request", "estimate() takes a VideoRequest, a dict of generate()'s options, or a list")


def price_text(client: Any, request: Any, takes: int = 1) -> str:
    """What ``request`` (checked, or a dict of generate()'s options) costs, ``takes`` times,
    from the API's catalogue, as the panel, ``%%veo`` and ``veo`` say it: ``about $1.68``,
    ``about $6.72 for 4 takes``, or ``price unknown``. A price that cannot be had is said
    so, never a failed cell or command (and never a made-up number)."""
    try:
        text = str(client.estimate([request] * takes).describe())
    except Exception:
        return "price unknown"
    if takes == 1 or text.startswith("price unknown"):
        return text
    price, paren, rest = text.partition(" (")
    return f"{price} for {takes} takes" + (f"{paren}{rest}" if paren else "")


class Money:
    """A client's money settings and rules, over its core (server, key, journal, retries)."""

    def __init__(self, core: Core, budget_usd: float | None = None) -> None:
        self._core = core
        self.given_budget: float | None = None
        """The budget given (``budget_usd=`` or set), checked; None follows ``$VEO_BUDGET_USD``."""
        self.budget_usd = budget_usd
        self.reconcile_timeout = 600.0
        """Seconds a lost create is looked for in the usage logs before giving up;
        ``generate`` and ``start`` look for at most their own ``timeout`` when shorter."""
        self.logs_final_after: float | None = None
        """Seconds after a create by which its usage-log row has surely appeared (None: the API's
        ``LOGS_FINAL_AFTER``, or the emulator's lag in demo mode); ``reconcile`` closes a
        create the logs have not seen by then."""
        self.on_notice: Callable[[str], Any] | None = None
        """Told one line when a lost answer was recovered, or could not be; default: stderr."""
        self._catalogue: Catalogue | None = None
        self._missed: tuple[str, float] | None = None  # the server whose cache was not on disk, until when
        self.lost = LostCreates(core, self, notice=self._notice, known_catalogue=self._known_catalogue)
        """Creates whose answer was lost: looked up in the usage logs (``recover``, ``reconcile``)."""

    @property
    def budget_usd(self) -> float | None:
        """What this machine may spend per UTC day, in US dollars (``budget_usd=`` or
        ``$VEO_BUDGET_USD``); None for no cap."""
        return resolve_budget(self.given_budget)

    @budget_usd.setter
    def budget_usd(self, value: float | None) -> None:
        self.given_budget = resolve_budget(value) if value is not None else None

    def share(self, other: Money) -> None:
        """Take ``other``'s budget, notices, reconcile patience and logs lag (a batch's own client)."""
        self.given_budget = other.given_budget
        self.on_notice = other.on_notice
        self.reconcile_timeout = other.reconcile_timeout
        self.logs_final_after = other.logs_final_after

    def _notice(self, text: str) -> None:
        log.info(text)
        if self.on_notice is not None:
            self.on_notice(text)
        else:
            print(f"veo_widgets: {text}", file=sys.stderr)

    # ------------------------------------------------------------ what the clients drive

    def balance(self) -> Plan[Balance]:
        """What is left on the account (``GET /v2/billing``), in US dollars."""
        return balance_flow(self._core.retry)

    def spend(self, period: str | None, start: datetime | None, end: datetime | None) -> Plan[Spend]:
        """What this key spent in a period or window (checked before anything is sent)."""
        return spend_flow(usage_query(period, start=start, end=end), self._core.retry)

    def estimate(self, request: Any, options: Mapping[str, Any]) -> Plan[Estimate]:
        """What a generation (a checked request, a dict of generate()'s options, a list of
        them, or None with ``options``) will cost."""
        catalogue = yield from self.catalogue()
        return self._estimate_with(catalogue, _estimate_items(request, options))

    # ------------------------------------------------------------ prices and budget

    def catalogue(self, *, refresh: bool = False) -> Plan[Catalogue]:
        """The catalogue: from memory, the disk cache (a day), or ``GET /v1/models``."""
        cached = yield from self._known_catalogue()
        if refresh and cached is not None:
            cached = replace(cached, fetched_at=None)
        now = datetime.now(timezone.utc)
        catalogue = yield from catalogue_flow(cached, base_url=self._core.base_url, now=now, retry=self._core.retry)
        if catalogue is not cached:
            yield Call(save_cached, (catalogue,))
        self._catalogue = catalogue
        return catalogue

    def _known_catalogue(self) -> Plan[Catalogue | None]:
        """The catalogue already at hand (memory, or the disk cache read as a step), never fetched;
        a cache found missing is not looked for again for ``MISS_KEPT`` seconds."""
        held, base = self._catalogue, self._core.base_url
        if held is None or held.base_url != base:
            if self._missed is not None and self._missed[0] == base and time.monotonic() < self._missed[1]:
                return None
            held = yield Call(load_cached, (base,))
            if held is not None:
                self._catalogue = held
            else:  # every create asks: a thousand at once each read the disk in a thread
                self._missed = (base, time.monotonic() + MISS_KEPT)
        return held

    def _estimate_with(self, catalogue: Catalogue, items: Sequence[PricedRequest | Mapping[str, Any]]) -> Estimate:
        priced = [Priced.of(i) for i in items]
        usd, count, unknown = total(estimate_usd(p, catalogue) for p in priced)
        model = priced[0].model if len({p.model for p in priced}) == 1 else "several models"
        entries = [catalogue.find(p.model) for p in priced]
        simulated = self._core.demo or any(e is not None and e.simulated for e in entries)
        learned = min(learned_of(p, catalogue).jobs for p in priced) if priced else 0
        price = None if unknown == count else usd
        return Estimate(price, model, simulated=simulated, count=count, unknown=unknown, learned_from=learned)

    def _row_estimate(self, job: Job) -> float | None:
        stored = getattr(job, "estimate_usd", None)
        if isinstance(stored, (int, float)):
            return float(stored)
        catalogue = self._catalogue
        return estimate_usd(Priced.of(job.request), catalogue) if job.request and catalogue is not None else None

    def budget(self, requests: Sequence[PricedRequest]) -> Plan[list[float | None]]:
        """Each request's estimate; raises ``BudgetExceededError`` when together they would
        pass today's budget. Without a budget nothing is fetched or checked."""
        if self.budget_usd is None:
            return [None for _ in requests]
        catalogue = yield from self.catalogue()
        estimates = [estimate_usd(r, catalogue) for r in requests]
        yield Call(self._check_today, (estimates,))  # reads the journal: off the event loop
        return estimates

    def _check_today(self, estimates: Sequence[float | None]) -> None:
        """Raise ``BudgetExceededError`` unless ``estimates`` fit in what is left today
        (blocking: reads the journal; plans yield it as a ``Call``)."""
        budget = self.budget_usd
        if budget is None:
            return
        with _BUDGET_LOCK:
            now = datetime.now(timezone.utc)
            today = self._core.journal.page(0, None, since=start_of_day(now))
            spent = spend_today(today, now=now, estimate_of=self._row_estimate, demo=self._core.demo)
            check_budget(budget, spent, estimates)

    def batch(self, requests: Sequence[PricedRequest]) -> Plan[Estimate]:
        """A batch's total estimate, told before its first create; a batch that would pass
        the budget is refused whole (``BudgetExceededError``) and nothing is sent."""
        catalogue = yield from self.catalogue()
        estimate = self._estimate_with(catalogue, requests)
        yield Call(self._check_today, ([estimate_usd(r, catalogue) for r in requests],))
        self._notice(f"A batch of {estimate.count} videos, estimated at {estimate.describe()}, is starting.")
        return estimate

    def afford(self, request: Any, options: Mapping[str, Any]) -> Plan[Estimate]:
        """Several generations' total estimate, checked whole against today's budget (what a
        chain or a storyboard asks before its first create); ``BudgetExceededError`` if not."""
        items = _estimate_items(request, options)
        catalogue = yield from self.catalogue()
        estimate = self._estimate_with(catalogue, items)
        yield Call(self._check_today, ([estimate_usd(Priced.of(i), catalogue) for i in items],))
        return estimate

    def admit(self, request: VideoRequest) -> Plan[dict[str, Any]]:
        """Before a create is journaled or sent: refuse it (``BudgetExceededError``) if it
        would pass the budget; else the journal fields for its row (``estimate_usd``)."""
        (estimate,) = yield from self.budget([request])
        if estimate is None:
            catalogue = yield from self._known_catalogue()  # no budget: price it only if prices are at hand
            estimate = estimate_usd(request, catalogue) if catalogue is not None else None
        return {"estimate_usd": estimate} if estimate is not None else {}

    # ------------------------------------------------------------ lost creates

    def audit_run(self, since: Since, until: datetime | None, on_progress: AuditProgress) -> AuditRun:
        """An audit of this client's account (``money/_audit_run.py``: load, requests, finish)."""
        core = self._core
        return AuditRun.of(
            core.journal,
            core.base_url,
            core.demo,
            core.key,
            since=since,
            until=until,
            on_progress=on_progress,
            prices=self._catalogue,
            rate=self.lost.rate,
            retry=core.retry,
        )

    def spend_history(self, by: str | None, days: int | None) -> Plan[SpendHistory]:
        """Spend per day and model over the last ``days`` days (``/v2/usage/detail``)."""
        return spend_history_flow(
            by or "day", 30 if days is None else days, budget_usd=self.budget_usd, retry=self._core.retry
        )
