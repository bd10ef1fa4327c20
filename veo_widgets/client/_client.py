"""``Client``: the blocking client.

It holds the collaborators of :class:`~._base.BaseClient` (core, money, plans) and a
:class:`~._drivers.SyncDriver`; every public method makes a plan and drives it. The plans
hold the logic (``_plans``: what a create does, top to bottom, is ``Plans.submit``), so the
async twin (``_aclient``) differs only in how it waits.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, overload

import httpx
from typing_extensions import Unpack

from .._config import Secret
from ..journal._store import Journal
from ..money._audit import Audit
from ..money._billing import Balance, Spend
from ..money._pricing import Estimate
from ..money._reconcile import Reconciled
from ..money._spend import SpendHistory
from ..protocol._budget import DEFAULT_MAX_POLLS_PER_SECOND
from ..protocol._flows import DEFAULT_RETRY, RetryPolicy, new_client_request_id
from ..protocol._schedule import PollSchedule
from ..schema._family import ModelList
from ..schema._images import ImageInput
from ..schema._models import Job
from ._aclient import AsyncClient
from ._base import DEFAULT_WAIT_TIMEOUT, BaseClient, GenerateOptions, OnUpdate, run_sync, with_lineage
from ._core import JobLike, PathLike
from ._drivers import SyncDriver
from ._money import AuditProgress, Since
from ._run import Run
from ._takes import take_results, takes_plan

__all__ = ["AsyncClient", "Client"]


class Client(BaseClient):
    """The blocking client.

    ``Client(api_key=None, base_url=None, *, timeout=30.0, journal=None, retry=DEFAULT_RETRY,
    legacy_paths=False, transport=None, schedule=None, budget_usd=None, max_polls_per_second=20)``;
    ``transport`` is an ``httpx.BaseTransport`` (an async-capable one lets ``generate_many``
    use it too). ``max_polls_per_second`` caps the polls of every job in flight together
    (``protocol/_budget.py``); a 429 or ``Retry-After`` on a poll holds them all back.

    >>> client = Client()                      # demo mode without AIMLAPI_KEY
    >>> job = client.generate("waves roll in", image="beach.jpg")  # doctest: +SKIP
    """

    def __init__(
        self,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout = 30.0,
        journal: Journal | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        legacy_paths: bool = False,
        transport: Any = None,
        schedule: PollSchedule | None = None,
        budget_usd: float | None = None,
        max_polls_per_second: float = DEFAULT_MAX_POLLS_PER_SECOND,
    ) -> None:
        super().__init__(
            api_key,
            base_url,
            timeout=timeout,
            journal=journal,
            retry=retry,
            legacy_paths=legacy_paths,
            transport=transport,
            schedule=schedule,
            budget_usd=budget_usd,
            max_polls_per_second=max_polls_per_second,
        )
        self._driver = SyncDriver(self._core)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._driver.close()
        self.journal.close()  # its file only: a later use (a Run still finishing) reopens it

    def submit(
        self,
        prompt: str,
        image: ImageInput | Any = None,
        *,
        on_submit: OnUpdate | None = None,
        lineage: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        **options: Unpack[GenerateOptions],
    ) -> Job:
        """Validate, then create the job. Returns at once with the job's id. ``lineage``
        (``parent_id``, ``relation``, ``take_group``, ``batch``) is journaled with the create.
        ``timeout`` bounds the usage-log lookup of a create whose answer was lost (at most
        ``client.reconcile_timeout``, which is also the default)."""
        request, found = self._driver.drive(self._plans.prepare(prompt, image, options))
        lineage = with_lineage(found, lineage)
        return self._driver.drive(self._plans.submit(request, on_submit, None, lineage, timeout))

    def get(self, job: JobLike) -> Job:
        """The job's current state (one poll); a failed job comes back with its error."""
        return self._driver.drive(self._plans.get(job))

    def wait(
        self,
        job: JobLike,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        on_update: OnUpdate | None = None,
        stop: threading.Event | None = None,
    ) -> Job:
        """Poll until the job completes; raise ``GenerationFailedError`` or
        ``GenerationTimeoutError`` (the job goes on) otherwise. ``stop`` ends the wait early."""
        return self._driver.drive(self._plans.wait(job, timeout, on_update), stop)

    def download(self, job: JobLike, path: PathLike | None = None) -> Path:
        """Stream the finished video to ``path`` (a file or a folder; default ``veo_outputs/``)."""
        return self._driver.drive(self._plans.download(job, path))

    def generate(
        self,
        prompt: str,
        image: ImageInput | Any = None,
        *,
        save_to: PathLike | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        on_update: OnUpdate | None = None,
        on_submit: OnUpdate | None = None,
        lineage: Mapping[str, Any] | None = None,
        **options: Unpack[GenerateOptions],
    ) -> Job:
        """Submit, wait, download: the returned Job's ``path`` is the saved video.

        ``timeout`` also bounds the usage-log lookup of a create whose answer was lost
        (at most ``client.reconcile_timeout``). Ctrl-C raises ``WaitCancelled``; one that
        lands while the create is in flight first lets it be answered and journaled, so the
        error names the job."""
        request, found = self._driver.drive(self._plans.prepare(prompt, image, options))
        lineage = with_lineage(found, lineage)
        return self._driver.drive(self._plans.generate(request, save_to, timeout, on_update, on_submit, None, lineage))

    def start(
        self,
        prompt: str,
        image: ImageInput | Any = None,
        *,
        save_to: PathLike | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        lineage: Mapping[str, Any] | None = None,
        **options: Unpack[GenerateOptions],
    ) -> Run:
        """Validate now (raising ``ValidationError``, or ``BudgetExceededError`` with a budget
        set), then generate on a daemon thread; returns the :class:`Run` handle at once.
        ``lineage`` (``parent_id``, ``relation``, ``take_group``, ``batch``) is journaled in
        the same write as the submission. ``timeout`` bounds the wait, and the usage-log
        lookup of a create whose answer was lost (at most ``client.reconcile_timeout``)."""
        request, found = self._driver.drive(self._plans.prepare(prompt, image, options))
        lineage = with_lineage(found, lineage)
        self._core.output_ready(save_to)  # refused here, like bad input, not on the run's thread
        self._driver.drive(self._money.admit(request))  # a budget refuses here, like bad input
        crid = new_client_request_id()

        def plan(observe: OnUpdate) -> Any:
            return self._plans.generate(request, save_to, timeout, observe, observe, crid, lineage)

        return Run(self._driver.drive, plan, self.duration_model(request.model), crid)

    def start_variations(self, prompt: str, image: Any = None, *, n: int = 4, **options: Any) -> list[Run]:
        """Start ``n`` takes of one request and return their :class:`Run` handles at once,
        in order; they share one ``take_group`` in the journal.

        Where the model takes a seed each take gets its own (``seed, seed+1, ...`` from a
        given ``seed``, else drawn at random); elsewhere they are ``n`` independent takes.
        A bad request, or a set that would pass the budget, is refused before anything is
        sent. ``save_to``, ``timeout`` and ``lineage`` are passed to each ``start``."""
        takes = self._driver.drive(takes_plan(self._plans, self._money, prompt, image, n, options))
        return [self.start(prompt, image, **take) for take in takes]

    def variations(self, prompt: str, image: Any = None, *, n: int = 4, **options: Any) -> list[Job]:
        """Generate ``n`` takes of one request and return their saved jobs, in order (see
        :meth:`start_variations`). They run together, one :class:`Run` each; every one runs
        to its end even when another fails (each is paid for), then the first error is raised."""
        outcomes: list[Job | BaseException] = []
        for run in self.start_variations(prompt, image, n=n, **options):
            try:
                outcomes.append(run.wait())
            except Exception as exc:  # raised below, once every take has ended
                outcomes.append(exc)
        return take_results(outcomes)

    def generate_many(
        self,
        items: Sequence[Mapping[str, Any]],
        *,
        concurrency: int = 4,
        save_to: PathLike | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        return_exceptions: bool = False,
    ) -> list[Any]:
        """Generate several videos, at most ``concurrency`` at once; every item is validated
        before the first is submitted. Results keep the items' order."""
        transport = self._core.transport
        if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
            raise TypeError("generate_many runs on the async client: give Client an async-capable transport")
        aclient = AsyncClient(**self._settings(), transport=transport)
        aclient.demo = self.demo
        aclient.share_money_settings(self)

        async def run() -> list[Any]:
            async with aclient:
                return await aclient.generate_many(
                    items,
                    concurrency=concurrency,
                    save_to=save_to,
                    timeout=timeout,
                    return_exceptions=return_exceptions,
                )

        return run_sync(run())

    def balance(self) -> Balance:
        """What is left on the account (``GET /v2/billing``), in US dollars."""
        return self._driver.drive(self._money.balance())

    @overload
    def spend(
        self, period: str | None = None, *, start: datetime | None = None, end: datetime | None = None
    ) -> Spend: ...
    @overload
    def spend(self, *, by: str, days: int = 30) -> SpendHistory: ...
    def spend(
        self,
        period: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        by: str | None = None,
        days: int | None = None,
    ) -> Spend:
        """What this key spent: ``period`` ``'today'`` (default), ``'month'`` (UTC), ``'24h'``,
        ``'7d'``..., or a ``start``/``end`` window of at most 92 days. With ``by="day"`` or
        ``"model"``, the last ``days`` days per day and model (a :class:`SpendHistory`)."""
        if by is None and days is None:
            return self._driver.drive(self._money.spend(period, start, end))
        return self._driver.drive(self._money.spend_history(by, days))

    def audit(self, since: Since = None, until: datetime | None = None, *, on_progress: AuditProgress = None) -> Audit:
        """Join the account's ledger with this machine's journal: charges with no video on
        disk, charges for failed jobs, double charges, charges for generations made
        elsewhere, and unconfirmed creates (settled here). ``since``: a time, a span back from
        now, or its words (``"7d"``, ``"24h"``; default 7 days); ``on_progress`` is told after
        each ledger page."""
        run = self._money.audit_run(since, until, on_progress)
        run.load()
        self._driver.drive(run.flow())
        return run.finish()

    def models(self, *, refresh: bool = False) -> ModelList:
        """Every Veo model and what it takes. ``refresh=True`` reads each model's schema from
        the catalogue (``info.docsJson``; revalidated with its ETag, kept a day in the data
        folder) and uses it from then on, in this process: a value the API added is accepted,
        one it dropped refused, and a Veo model the package has never seen can be used. A
        schema that cannot be read leaves the built-in spec, said once (``.notice``)."""
        return self._driver.drive(self._schemas.models(refresh))

    def estimate(self, request: Any = None, **options: Any) -> Estimate:
        """What a generation (or a list of them) will cost, before anything is sent:
        ``estimate(resolution="1080p")``, ``estimate(video_request)``, ``estimate([{...}, ...])``."""
        return self._driver.drive(self._money.estimate(request, options))

    def afford(self, request: Any = None, **options: Any) -> Estimate:
        """:meth:`estimate`, checked whole against today's budget: raises
        ``BudgetExceededError`` when these generations together would pass it (what a chain
        or a storyboard asks before its first create). Sends no create."""
        return self._driver.drive(self._money.afford(request, options))

    def reconcile(
        self, job_or_crid: Job | str | Sequence[Job | str] | None = None, *, timeout: float = 10.0
    ) -> list[Reconciled]:
        """Look unconfirmed creates (all of this server's, or those named) up in the usage logs. A job
        found is journaled (state ``recovered``): ``client.wait(result.generation_id)``."""
        return self._driver.drive(self._money.lost.reconcile(job_or_crid, timeout))
