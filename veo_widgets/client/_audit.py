"""The clients' audit and spend over time (issue 22): small delegations to ``money/``.

``audit()`` joins the account's ledger with the journal (``money/_audit_run.py`` does the
work in three parts: load, requests, finish); ``spend(by=..., days=...)`` reads spend per
day and model from ``/v2/usage/detail`` (``money/_spend.py``); without ``by`` and
``days`` it is the window total of :class:`~._money.MoneyMethods` as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, overload

from ..money._audit import Audit
from ..money._audit_run import AuditRun
from ..money._billing import Spend
from ..money._ledger import LedgerProgress
from ..money._spend import SpendHistory, spend_history_flow
from ._money import AsyncMoneyMethods, MoneyMethods, MoneyPlans

__all__ = ["AsyncAuditMethods", "AuditMethods", "AuditPlans"]

Since = datetime | timedelta | str | None
Progress = Callable[[LedgerProgress], Any] | None


class AuditPlans(MoneyPlans):
    """What both clients' audits share: the run, made from this client's settings."""

    def _audit_run(self, since: Since, until: datetime | None, on_progress: Progress) -> AuditRun:
        return AuditRun.of(
            self.journal,
            self.base_url,
            self.demo,
            self._key,
            since=since,
            until=until,
            on_progress=on_progress,
            prices=self._catalogue,
            rate=self._logs_rate(),
            retry=self.retry,
        )


class AuditMethods(MoneyMethods, AuditPlans):
    """The blocking client's ``audit()`` and ``spend(by=..., days=...)``."""

    def audit(self, since: Since = None, until: datetime | None = None, *, on_progress: Progress = None) -> Audit:
        """Join the account's ledger with this machine's journal: charges with no video on
        disk, charges for failed jobs, double charges, charges for generations made
        elsewhere, and unconfirmed creates (settled here). ``since``: a time, a span back from
        now, or its words (``"7d"``, ``"24h"``; default 7 days); ``on_progress`` is told after
        each ledger page."""
        run = self._audit_run(since, until, on_progress)
        run.load()
        self._drive(run.flow())
        return run.finish()

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
        """What this key spent in a window (``period``, or ``start``/``end``); with ``by="day"``
        or ``"model"``, the last ``days`` days per day and model (``/v2/usage/detail``)."""
        if by is None and days is None:
            return super().spend(period, start=start, end=end)
        flow = spend_history_flow(by or "day", days or 30, budget_usd=self.budget_usd, retry=self.retry)
        return self._drive(flow)  # type: ignore[no-any-return]


class AsyncAuditMethods(AsyncMoneyMethods, AuditPlans):
    """The awaitable client's ``audit()`` and ``spend(by=..., days=...)``."""

    async def audit(self, since: Since = None, until: datetime | None = None, *, on_progress: Progress = None) -> Audit:
        """``Client.audit``, awaitable: the journal and the cache are read off the event loop."""
        run = self._audit_run(since, until, on_progress)
        await asyncio.to_thread(run.load)
        await self._drive(run.flow())
        return await asyncio.to_thread(run.finish)

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
            return await super().spend(period, start=start, end=end)
        flow = spend_history_flow(by or "day", days or 30, budget_usd=self.budget_usd, retry=self.retry)
        return await self._drive(flow)  # type: ignore[no-any-return]
