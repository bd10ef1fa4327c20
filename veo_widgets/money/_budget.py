"""A daily budget: what this machine may spend on generations per day, checked before a create.

Spend today is read from the journal: the charges the API reported for today's jobs, plus
the estimates of jobs still running (or whose create is unconfirmed: they may be billed).
A create, or a whole batch, that would pass the budget is refused with
:class:`BudgetExceededError` before any request is sent. Days are UTC days, the periods in
which the API's own key limits reset. No I/O here: the client hands in the journal's jobs.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timezone

from .._errors import BudgetExceededError, ValidationError
from ..schema._models import Job, JobStatus

__all__ = [
    "BUDGET_ENV",
    "BudgetExceededError",
    "DaySpend",
    "check_budget",
    "resolve_budget",
    "spend_today",
    "start_of_day",
]

BUDGET_ENV = "VEO_BUDGET_USD"
#: The API's conversion (its FAQ): 1 USD = 2,000,000 credits.
CREDITS_PER_USD = 2_000_000
#: Journal states and statuses whose create surely made nothing, so nothing is billed.
_NOTHING_MADE = frozenset({"not_created", "not_submitted"})
_MAYBE_MADE = frozenset({"unconfirmed"})


def resolve_budget(budget_usd: float | str | None) -> float | None:
    """The budget in dollars: ``budget_usd`` if given, else ``$VEO_BUDGET_USD``, else None."""
    value: float | str | None = budget_usd
    source = "budget_usd"
    if value is None:
        value = os.environ.get(BUDGET_ENV, "").strip() or None
        source = BUDGET_ENV
    if value is None:
        return None
    try:
        amount = float(value)
    except (TypeError, ValueError):
        raise ValidationError(source, f"a budget is an amount in US dollars, not {value!r}") from None
    if not math.isfinite(amount) or amount < 0:
        raise ValidationError(source, f"a budget must be zero or more US dollars, not {value!r}")
    return amount


def start_of_day(now: datetime) -> datetime:
    """00:00 UTC of ``now``'s UTC day."""
    day = now.astimezone(timezone.utc).date()
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


@dataclass(frozen=True)
class DaySpend:
    """Today's money, in US dollars."""

    charged: float = 0.0
    """What the API reported for today's jobs (or, where it did not, their estimates)."""
    running: float = 0.0
    """Estimates of today's jobs still running, or whose create is unconfirmed."""
    unknown: int = 0
    """Today's jobs that may cost money but whose cost is unknown (not counted above)."""

    @property
    def total(self) -> float:
        return self.charged + self.running

    def describe(self) -> str:
        text = f"${self.total:.2f} today"
        if self.running:
            text += f" (${self.running:.2f} of it still running)"
        if self.unknown:
            text += f", plus {self.unknown} job{'s' if self.unknown > 1 else ''} of unknown price"
        return text


def spend_today(
    jobs: Iterable[Job],
    *,
    now: datetime,
    estimate_of: Callable[[Job], float | None],
    demo: bool | None = None,
) -> DaySpend:
    """Today's spend from the journal's ``jobs``; ``estimate_of`` prices a job with no charge.
    With ``demo`` given, only jobs of that kind count (simulated money is not real money)."""
    since = start_of_day(now)
    charged = running = 0.0
    unknown = 0
    for job in jobs:
        if job.created_at < since or (demo is not None and job.demo != demo):
            continue
        state = str(getattr(job, "state", None) or job.status).lower()
        if state in _NOTHING_MADE or job.status.lower() in _NOTHING_MADE:
            continue
        if job.usage.usd is not None or job.usage.credits is not None:
            charged += job.usage.usd if job.usage.usd is not None else (job.usage.credits or 0) / CREDITS_PER_USD
            continue
        pending = state in _MAYBE_MADE or JobStatus.is_pending(job.status)
        if not pending and not JobStatus.is_success(job.status):
            continue  # failed: a failed generation is billed nothing
        guess = estimate_of(job)
        if guess is None:
            unknown += 1
        elif pending:
            running += guess
        else:
            charged += guess
    return DaySpend(round(charged, 6), round(running, 6), unknown)


def check_budget(budget: float | None, spent: DaySpend, estimates: Sequence[float | None]) -> None:
    """Raise :class:`BudgetExceededError` unless every request of ``estimates`` fits in what is
    left of ``budget`` today. No budget: nothing to check."""
    if budget is None or not estimates:
        return
    count = len(estimates)
    if any(e is None for e in estimates):
        raise BudgetExceededError(budget=budget, spent=spent.total, estimate=None, count=count)
    cost = sum(e for e in estimates if e is not None)
    if spent.total + cost > budget + 1e-9:
        raise BudgetExceededError(budget=budget, spent=spent.total, estimate=cost, count=count)
