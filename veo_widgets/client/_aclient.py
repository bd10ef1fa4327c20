"""``AsyncClient``: the awaitable twin of ``Client`` (``_client``), over an async driver.

The same collaborators (core, money, plans: :class:`~._base.BaseClient`) and the same
methods; each awaits its plan on an :class:`~._drivers.AsyncDriver`, which runs blocking
local work (the journal, images) in worker threads.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, overload

import httpx
from typing_extensions import Unpack

from .._config import Secret
from .._errors import ValidationError
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
from ..schema._output import writable_folder
from ._adriver import AsyncDriver
from ._base import DEFAULT_WAIT_TIMEOUT, BaseClient, GenerateOptions, OnUpdate, split_item, with_lineage
from ._core import JobLike, PathLike
from ._money import AuditProgress, Since
from ._run import AsyncRun
from ._takes import take_results, takes_plan

__all__ = ["AsyncClient"]


class AsyncClient(BaseClient):
    """The awaitable client: the same methods as :class:`Client`.

    Takes the same arguments as :class:`Client`; ``transport`` is an ``httpx.AsyncBaseTransport``.

    >>> async with AsyncClient() as client:                          # doctest: +SKIP
    ...     job = await client.generate("waves roll in", image="beach.jpg")
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
        self._driver = AsyncDriver(self._core)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._driver.aclose()
        await asyncio.to_thread(self.journal.close)  # it may wait for a writer: off the loop

    async def submit(
        self,
        prompt: str,
        image: ImageInput | Any = None,
        *,
        on_submit: OnUpdate | None = None,
        lineage: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        **options: Unpack[GenerateOptions],
    ) -> Job:
        """Validate, then create the job. Returns at once with the job's id; ``timeout`` as
        for the sync client."""
        request, found = await self._driver.drive(self._plans.prepare(prompt, image, options))
        lineage = with_lineage(found, lineage)
        return await self._driver.drive(self._plans.submit(request, on_submit, None, lineage, timeout))

    async def get(self, job: JobLike) -> Job:
        return await self._driver.drive(self._plans.get(job))

    async def wait(
        self,
        job: JobLike,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        on_update: OnUpdate | None = None,
        stop: asyncio.Event | None = None,
    ) -> Job:
        return await self._driver.drive(self._plans.wait(job, timeout, on_update), stop)

    async def download(self, job: JobLike, path: PathLike | None = None) -> Path:
        return await self._driver.drive(self._plans.download(job, path))

    async def generate(
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
        request, found = await self._driver.drive(self._plans.prepare(prompt, image, options))
        lineage = with_lineage(found, lineage)
        plan = self._plans.generate(request, save_to, timeout, on_update, on_submit, None, lineage)
        return await self._driver.drive(plan)

    async def start(
        self,
        prompt: str,
        image: ImageInput | Any = None,
        *,
        save_to: PathLike | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        lineage: Mapping[str, Any] | None = None,
        **options: Unpack[GenerateOptions],
    ) -> AsyncRun:
        """Validate now (raising ``ValidationError``, or ``BudgetExceededError`` with a budget
        set), then generate in a task; returns the :class:`AsyncRun` handle at once (``await
        run`` or ``await run.wait()``)."""
        request, found = await self._driver.drive(self._plans.prepare(prompt, image, options))
        lineage = with_lineage(found, lineage)
        await asyncio.to_thread(self._core.output_ready, save_to)  # refused here, like bad input
        await self._driver.drive(self._money.admit(request))  # a budget refuses here, like bad input
        model = await asyncio.to_thread(self.duration_model, request.model)
        crid = new_client_request_id()

        def plan(observe: OnUpdate) -> Any:
            return self._plans.generate(request, save_to, timeout, observe, observe, crid, lineage)

        return AsyncRun(self._driver.drive, plan, model, crid)

    async def start_variations(self, prompt: str, image: Any = None, *, n: int = 4, **options: Any) -> list[AsyncRun]:
        """Start ``n`` takes and return their :class:`AsyncRun` handles (see ``Client``'s)."""
        takes = await self._driver.drive(takes_plan(self._plans, self._money, prompt, image, n, options))
        return [await self.start(prompt, image, **take) for take in takes]

    async def variations(self, prompt: str, image: Any = None, *, n: int = 4, **options: Any) -> list[Job]:
        outcomes: list[Job | BaseException] = []
        for run in await self.start_variations(prompt, image, n=n, **options):
            try:
                outcomes.append(await run.wait())
            except Exception as exc:  # raised below, once every take has ended
                outcomes.append(exc)
        return take_results(outcomes)

    async def _prepare_items(self, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Validate every item of a batch before any of them is submitted."""
        out = []
        for index, item in enumerate(items):
            prompt, image, options, extra = split_item(index, item)
            try:
                request, lineage = await self._driver.drive(self._plans.prepare(prompt, image, options))
            except ValidationError as exc:
                raise exc.within(f"items[{index}]") from None
            except TypeError as exc:
                raise ValidationError(f"items[{index}]", str(exc)) from None
            out.append({"request": request, "lineage": lineage, **extra})
        return out

    async def generate_many(
        self,
        items: Sequence[Mapping[str, Any]],
        *,
        concurrency: int = 4,
        save_to: PathLike | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        return_exceptions: bool = False,
    ) -> list[Any]:
        if concurrency < 1:
            raise ValidationError("concurrency", "must be at least 1")
        prepared = await self._prepare_items(items)
        # The batch's estimate is told; a batch over the budget is refused whole.
        await self._driver.drive(self._money.batch([item["request"] for item in prepared]))
        # Several videos: ``save_to`` is always a folder, never one file overwritten N times.
        # Every path is checked (made, or refused) before the first create leaves.
        if save_to is not None:
            await asyncio.to_thread(writable_folder, save_to, "save_to")
        for item in prepared:
            if item.get("save_to") is not None:
                await asyncio.to_thread(self._core.output_ready, item["save_to"])
        gate = asyncio.Semaphore(concurrency)
        batch = "batch-" + secrets.token_hex(6)  # the journal groups the batch's jobs by it

        async def one(item: dict[str, Any]) -> Job:
            async with gate:
                plan = self._plans.generate(
                    item["request"],
                    item.get("save_to", save_to),
                    item.get("timeout", timeout),
                    None,
                    None,
                    None,
                    {**item["lineage"], "batch": batch},
                )
                return await self._driver.drive(plan)

        # Every job runs to its end even when another fails: each one is paid for.
        results = await asyncio.gather(*(one(item) for item in prepared), return_exceptions=True)
        if not return_exceptions:
            for result in results:
                if isinstance(result, BaseException):
                    raise result
        return list(results)

    async def balance(self) -> Balance:
        return await self._driver.drive(self._money.balance())

    @overload
    async def spend(
        self, period: str | None = None, *, start: datetime | None = None, end: datetime | None = None
    ) -> Spend: ...
    @overload
    async def spend(self, *, by: str, days: int = 30) -> SpendHistory: ...
    async def spend(
        self,
        period: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        by: str | None = None,
        days: int | None = None,
    ) -> Spend:
        """``Client.spend``, awaitable."""
        if by is None and days is None:
            return await self._driver.drive(self._money.spend(period, start, end))
        return await self._driver.drive(self._money.spend_history(by, days))

    async def audit(
        self, since: Since = None, until: datetime | None = None, *, on_progress: AuditProgress = None
    ) -> Audit:
        """``Client.audit``, awaitable: the journal and the cache are read off the event loop."""
        run = self._money.audit_run(since, until, on_progress)
        await asyncio.to_thread(run.load)
        await self._driver.drive(run.flow())
        return await asyncio.to_thread(run.finish)

    async def models(self, *, refresh: bool = False) -> ModelList:
        """``Client.models``, awaitable: the schema files are read and written off the event loop."""
        return await self._driver.drive(self._schemas.models(refresh))

    async def estimate(self, request: Any = None, **options: Any) -> Estimate:
        return await self._driver.drive(self._money.estimate(request, options))

    async def afford(self, request: Any = None, **options: Any) -> Estimate:
        """``Client.afford``, awaitable."""
        return await self._driver.drive(self._money.afford(request, options))

    async def reconcile(
        self, job_or_crid: Job | str | Sequence[Job | str] | None = None, *, timeout: float = 10.0
    ) -> list[Reconciled]:
        return await self._driver.drive(self._money.lost.reconcile(job_or_crid, timeout))
