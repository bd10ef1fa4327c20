"""The clients' money side: prices, the daily budget, balance and spend, and lost creates.

:class:`MoneyPlans` fills the two hooks the submit plan leaves for money (``_plans.Plans``):

- ``_before_create``: a create that would pass ``budget_usd`` raises
  :class:`~._budget.BudgetExceededError` before anything is journaled or sent;
- ``_lost_answer``: a create whose outcome is unknown is looked up in the usage logs by its
  client request id (:mod:`._recover`); the job found carries on as if the create had
  answered, and one line says so (``on_notice``, else stderr and the ``veo_widgets`` log).

:class:`MoneyMethods` and :class:`AsyncMoneyMethods` add ``balance()``, ``spend(period)``,
``estimate(...)``, ``afford(...)`` and ``reconcile(job_or_crid=None)`` to each client.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from .._config import Secret
from .._errors import ValidationError, VeoError, WaitCancelled
from ..journal._store import NOT_SUBMITTED, RECOVERED
from ..money._billing import Balance, Spend, balance_flow, spend_flow, usage_query
from ..money._budget import check_budget, resolve_budget, spend_today, start_of_day
from ..money._pricing import (
    Catalogue,
    Estimate,
    PricedRequest,
    catalogue_flow,
    estimate_usd,
    load_cached,
    save_cached,
    total,
)
from ..money._reconcile import CannotReconcile, Found, FoundFailed, Lookup, RateWindow, Reconciled, reconcile_flow
from ..money._recover import recover_flow
from ..protocol._flows import create_flow, new_client_request_id
from ..schema._family import get_model
from ..schema._models import Job, VideoRequest
from ._plans import Plans
from ._steps import Call, Plan, Record, RecordOutcome, RecordState, RecordSubmission, Stopped

__all__ = ["AsyncMoneyMethods", "MoneyMethods", "MoneyPlans", "Priced", "price_text"]

log = logging.getLogger("veo_widgets")
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


class MoneyPlans(Plans):
    """The money plans and hooks; the client core supplies the settings."""

    _key: Secret | None
    #: Seconds a lost create is looked for in the usage logs before giving up; ``generate``
    #: and ``start`` look for at most their own ``timeout`` when that is shorter.
    reconcile_timeout: float = 600.0
    #: Told one line when a lost answer was recovered, or could not be; default: stderr.
    on_notice: Callable[[str], Any] | None = None
    _budget_arg: float | None = None
    _catalogue: Catalogue | None = None
    _rate: RateWindow | None = None

    @property
    def budget_usd(self) -> float | None:
        """What this machine may spend per UTC day, in US dollars (``budget_usd=`` or
        ``$VEO_BUDGET_USD``); None for no cap."""
        return resolve_budget(self._budget_arg)

    @budget_usd.setter
    def budget_usd(self, value: float | None) -> None:
        self._budget_arg = resolve_budget(value) if value is not None else None

    def share_money_settings(self, other: MoneyPlans) -> None:
        """Take ``other``'s budget, notices and reconcile patience (a batch's own client)."""
        self._budget_arg = other._budget_arg
        self.on_notice = other.on_notice
        self.reconcile_timeout = other.reconcile_timeout

    def _notice(self, text: str) -> None:
        log.info(text)
        if self.on_notice is not None:
            self.on_notice(text)
        else:
            print(f"veo_widgets: {text}", file=sys.stderr)

    # ------------------------------------------------------------ prices and budget

    def _catalogue_plan(self, *, refresh: bool = False) -> Plan[Catalogue]:
        """The catalogue: from memory, the disk cache (a day), or ``GET /v1/models``."""
        cached = yield from self._known_catalogue()
        if refresh and cached is not None:
            cached = replace(cached, fetched_at=None)
        now = datetime.now(timezone.utc)
        catalogue = yield from catalogue_flow(cached, base_url=self.base_url, now=now, retry=self.retry)
        if catalogue is not cached:
            yield Call(save_cached, (catalogue,))
        self._catalogue = catalogue
        return catalogue

    def _known_catalogue(self) -> Plan[Catalogue | None]:
        """The catalogue already at hand (memory, or the disk cache read as a step), never fetched."""
        held = self._catalogue
        if held is None or held.base_url != self.base_url:
            held = yield Call(load_cached, (self.base_url,))
            if held is not None:
                self._catalogue = held
        return held

    def _estimate_plan(self, items: Sequence[PricedRequest | Mapping[str, Any]]) -> Plan[Estimate]:
        catalogue = yield from self._catalogue_plan()
        return self._estimate_with(catalogue, items)

    def _estimate_with(self, catalogue: Catalogue, items: Sequence[PricedRequest | Mapping[str, Any]]) -> Estimate:
        priced = [Priced.of(i) for i in items]
        usd, count, unknown = total(estimate_usd(p, catalogue) for p in priced)
        model = priced[0].model if len({p.model for p in priced}) == 1 else "several models"
        entries = [catalogue.find(p.model) for p in priced]
        simulated = self.demo or any(e is not None and e.simulated for e in entries)
        return Estimate(None if unknown == count else usd, model, simulated=simulated, count=count, unknown=unknown)

    def _row_estimate(self, job: Job) -> float | None:
        stored = getattr(job, "estimate_usd", None)
        if isinstance(stored, (int, float)):
            return float(stored)
        catalogue = self._catalogue
        return estimate_usd(Priced.of(job.request), catalogue) if job.request and catalogue is not None else None

    def _budget_plan(self, requests: Sequence[PricedRequest]) -> Plan[list[float | None]]:
        """Each request's estimate; raises ``BudgetExceededError`` when together they would
        pass today's budget. Without a budget nothing is fetched or checked."""
        if self.budget_usd is None:
            return [None for _ in requests]
        catalogue = yield from self._catalogue_plan()
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
            today = self.journal.page(0, None, since=start_of_day(now))
            spent = spend_today(today, now=now, estimate_of=self._row_estimate, demo=self.demo)
            check_budget(budget, spent, estimates)

    def _batch_plan(self, requests: Sequence[PricedRequest]) -> Plan[Estimate]:
        """A batch's total estimate, told before its first create; a batch that would pass
        the budget is refused whole (``BudgetExceededError``) and nothing is sent."""
        catalogue = yield from self._catalogue_plan()
        estimate = self._estimate_with(catalogue, requests)
        yield Call(self._check_today, ([estimate_usd(r, catalogue) for r in requests],))
        self._notice(f"A batch of {estimate.count} videos, estimated at {estimate.describe()}, is starting.")
        return estimate

    def _afford_plan(self, items: Sequence[PricedRequest | Mapping[str, Any]]) -> Plan[Estimate]:
        """Several generations' total estimate, checked whole against today's budget."""
        catalogue = yield from self._catalogue_plan()
        estimate = self._estimate_with(catalogue, items)
        yield Call(self._check_today, ([estimate_usd(Priced.of(i), catalogue) for i in items],))
        return estimate

    def _before_create(self, request: VideoRequest) -> Plan[Mapping[str, Any] | None]:
        """Refuse a create that would pass the budget; journal its estimate with its row."""
        (estimate,) = yield from self._budget_plan([request])
        if estimate is None:
            catalogue = yield from self._known_catalogue()  # no budget: price it only if prices are at hand
            estimate = estimate_usd(request, catalogue) if catalogue is not None else None
        return {"estimate_usd": estimate} if estimate is not None else {}

    # ------------------------------------------------------------ lost creates

    def _logs_rate(self) -> RateWindow:
        if self._rate is None:
            self._rate = RateWindow()
        return self._rate

    def _names(self, model: str) -> Plan[tuple[str, ...]]:
        catalogue = yield from self._known_catalogue()
        return catalogue.names_for(model) if catalogue is not None else (model,)

    def _lost_answer(
        self, request: VideoRequest, client_request_id: str, error: VeoError, timeout: float | None = None
    ) -> Plan[Job | None]:
        patience = self.reconcile_timeout if timeout is None else min(timeout, self.reconcile_timeout)
        sent_at = datetime.now(timezone.utc)
        names = yield from self._names(request.model)

        def create(crid: str) -> Plan[Job]:
            return create_flow(request, client_request_id=crid, path=self._create_path, retry=self.retry)

        def resend(old: str, new: str) -> Plan[None]:
            yield RecordOutcome(old, NOT_SUBMITTED, f"the API logged it failed, billed nothing; sent again as {new}")
            yield RecordSubmission(new, self.base_url, self.demo, request.summary(), {"retry_of": old})

        def outcome(crid: str, result: Reconciled) -> Plan[None]:
            if isinstance(result, Found):
                yield RecordState(crid, RECOVERED)
            self._notice(result.describe())

        try:
            job = yield from recover_flow(
                error,
                client_request_id,
                create=create,
                lookup=lambda crid: Lookup(crid, sent_at, names),
                timeout=patience,
                rate=self._logs_rate(),
                new_id=new_client_request_id,
                before_resend=resend,
                on_outcome=outcome,
                can_reconcile=bool(self._key),
            )
        except Stopped:
            raise WaitCancelled(None, client_request_id=client_request_id, submitted=True) from None
        return job.evolve(request=request.summary())

    def _reconcile_plan(self, which: Job | str | None, timeout: float) -> Plan[list[Reconciled]]:
        """Look up every unconfirmed create of this server (or the one named) in the logs."""
        results: list[Reconciled] = []
        rows: list[Job] = yield Call(self._unconfirmed, (which,))
        for row in rows:
            crid = row.client_request_id or ""
            if row.id:  # already known (a named row whose create answered): nothing to look up
                results.append(Found(crid, row.id))
                continue
            if not self._key:
                results.append(CannotReconcile(crid, "no API key to read them with"))
                continue
            model = str((row.request or {}).get("model") or "")
            names = (yield from self._names(model)) if model else ()
            lookup = Lookup(crid, row.created_at, names)
            result = yield from reconcile_flow(lookup, timeout=timeout, rate=self._logs_rate())
            if isinstance(result, Found):
                yield Record(
                    row.evolve(id=result.generation_id, status="queued", base_url=row.base_url or self.base_url)
                )
                yield RecordState(crid, RECOVERED)
            elif isinstance(result, FoundFailed) and result.billed_nothing:
                yield RecordOutcome(crid, NOT_SUBMITTED, result.describe())
            results.append(result)
        return results

    def _unconfirmed(self, which: Job | str | None) -> list[Job]:
        if which is not None:
            key = (which.client_request_id or which.id) if isinstance(which, Job) else str(which).strip()
            found = self.journal.find(key) if key else None
            if found is None or not found.client_request_id:
                raise ValidationError("job", f"no create with client request id or job id {key!r} in the journal")
            return [found]
        return [
            job
            for job in self.journal.unconfirmed()
            if job.client_request_id and job.demo == self.demo and (self.demo or job.base_url == self.base_url)
        ]


class MoneyMethods(MoneyPlans):
    """The blocking client's money methods."""

    _drive: Callable[..., Any]

    def balance(self) -> Balance:
        """What is left on the account (``GET /v2/billing``), in US dollars."""
        return self._drive(balance_flow(self.retry))  # type: ignore[no-any-return]

    def spend(self, period: str | None = None, *, start: datetime | None = None, end: datetime | None = None) -> Spend:
        """What this key spent: ``period`` ``'today'`` (default), ``'month'`` (UTC), ``'24h'``,
        ``'7d'``..., or a ``start``/``end`` window of at most 92 days."""
        path = usage_query(period, start=start, end=end)
        return self._drive(spend_flow(path, self.retry))  # type: ignore[no-any-return]

    def estimate(self, request: Any = None, **options: Any) -> Estimate:
        """What a generation (or a list of them) will cost, before anything is sent:
        ``estimate(resolution="1080p")``, ``estimate(video_request)``, ``estimate([{...}, ...])``."""
        return self._drive(self._estimate_plan(_estimate_items(request, options)))  # type: ignore[no-any-return]

    def afford(self, request: Any = None, **options: Any) -> Estimate:
        """:meth:`estimate`, checked whole against today's budget: raises
        ``BudgetExceededError`` when these generations together would pass it (what a chain
        or a storyboard asks before its first create). Sends no create."""
        return self._drive(self._afford_plan(_estimate_items(request, options)))  # type: ignore[no-any-return]

    def reconcile(self, job_or_crid: Job | str | None = None, *, timeout: float = 10.0) -> list[Reconciled]:
        """Look unconfirmed creates (all of this server's, or one) up in the usage logs. A job
        found is journaled (state ``recovered``): ``client.wait(result.generation_id)``."""
        return self._drive(self._reconcile_plan(job_or_crid, timeout))  # type: ignore[no-any-return]


class AsyncMoneyMethods(MoneyPlans):
    """The awaitable client's money methods (the same as :class:`MoneyMethods`)."""

    _drive: Callable[..., Any]

    async def balance(self) -> Balance:
        return await self._drive(balance_flow(self.retry))  # type: ignore[no-any-return]

    async def spend(
        self, period: str | None = None, *, start: datetime | None = None, end: datetime | None = None
    ) -> Spend:
        path = usage_query(period, start=start, end=end)
        return await self._drive(spend_flow(path, self.retry))  # type: ignore[no-any-return]

    async def estimate(self, request: Any = None, **options: Any) -> Estimate:
        return await self._drive(self._estimate_plan(_estimate_items(request, options)))  # type: ignore[no-any-return]

    async def afford(self, request: Any = None, **options: Any) -> Estimate:
        return await self._drive(self._afford_plan(_estimate_items(request, options)))  # type: ignore[no-any-return]

    async def reconcile(self, job_or_crid: Job | str | None = None, *, timeout: float = 10.0) -> list[Reconciled]:
        return await self._drive(self._reconcile_plan(job_or_crid, timeout))  # type: ignore[no-any-return]
