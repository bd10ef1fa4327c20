"""No I/O: spend over time (``GET /v2/usage/detail``), by day and model, for the chart.

:func:`spend_history_flow` asks for the last ``days`` days grouped by ``day,model`` (UTC)
and returns a :class:`SpendHistory`: a :class:`~._billing.Spend` (the window's total)
with each day's spend per model, every day of the window present (a day with no spend is
a zero, not a gap), and the daily budget to draw as a line.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .._errors import ServerError, ValidationError
from ..protocol._flows import DEFAULT_RETRY, Outcome, RetryPolicy, Step
from ._billing import Spend
from ._ledger import Pacer, get_json
from ._reconcile import RateWindow

__all__ = ["USAGE_DETAIL_PATH", "SpendHistory", "spend_history_flow"]

USAGE_DETAIL_PATH = "/v2/usage/detail"
MAX_DAYS = 92


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


@dataclass(frozen=True)
class SpendHistory(Spend):
    """Spend per day and model over the last ``days`` days (UTC)."""

    by: str = "day"
    days: int = 30
    cells: tuple[tuple[str, str, float], ...] = ()
    """``(day, model, usd)`` for each day and model with spend, oldest first."""
    budget_usd: float | None = None
    """The daily budget (``budget_usd`` / ``$VEO_BUDGET_USD``), or None."""
    today: date | None = None

    def day_list(self) -> list[str]:
        """Every day of the window, oldest first (ISO dates)."""
        last = self.today or datetime.now(timezone.utc).date()
        return [(last - timedelta(days=n)).isoformat() for n in range(self.days - 1, -1, -1)]

    def models(self) -> list[str]:
        """The models with spend, most spent first."""
        totals: dict[str, float] = {}
        for _, model, usd in self.cells:
            totals[model] = totals.get(model, 0.0) + usd
        return sorted(totals, key=lambda m: (-totals[m], m))

    def per_day(self) -> list[tuple[str, dict[str, float]]]:
        """Each day of the window with its spend per model (empty for a day with none)."""
        table: dict[str, dict[str, float]] = {day: {} for day in self.day_list()}
        for day, model, usd in self.cells:
            if day in table:
                table[day][model] = round(table[day].get(model, 0.0) + usd, 6)
        return list(table.items())

    def totals(self) -> list[tuple[str, float]]:
        """Spend per day (``by="day"``) or per model (``by="model"``)."""
        if self.by == "model":
            totals: dict[str, float] = {}
            for _, model, usd in self.cells:
                totals[model] = round(totals.get(model, 0.0) + usd, 6)
            return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(day, round(sum(spent.values()), 6)) for day, spent in self.per_day()]

    def describe(self) -> str:
        text = f"${self.usd:,.2f} over the last {self.days} days"
        if self.requests is not None:
            text += f" ({self.requests} charged request{'' if self.requests == 1 else 's'})"
        return text


def spend_history_flow(
    by: str = "day",
    days: int = 30,
    *,
    budget_usd: float | None = None,
    rate: RateWindow | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    now: datetime | None = None,
) -> Generator[Step, Outcome, SpendHistory]:
    """The last ``days`` days of spend, grouped by day and model."""
    if by not in ("day", "model"):
        raise ValidationError("by", f"spend is grouped by 'day' or 'model', not {by!r}")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationError("days", f"give 1 to {MAX_DAYS} days (the API's window), not {days!r}")
    now = now or datetime.now(timezone.utc)
    start = datetime.combine(now.date() - timedelta(days=days - 1), datetime.min.time(), tzinfo=timezone.utc)
    params = [
        ("start", start.strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("end", now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"),  # to the millisecond: a charge just made counts
        ("group_by", "day,model"),
        ("tz", "UTC"),
    ]
    body = yield from get_json(USAGE_DETAIL_PATH, params, Pacer(rate or RateWindow(), retry))
    if not isinstance(body.get("spend"), (int, float)):
        raise ServerError("the usage detail answer has no spend", status_code=200)
    groups = body.get("groups")
    cells = []
    for group in groups if isinstance(groups, list) else []:
        if isinstance(group, Mapping) and group.get("day"):
            cells.append((str(group["day"])[:10], str(group.get("model") or "unknown"), _number(group.get("spend"))))
    requests = body.get("requests")
    return SpendHistory(
        usd=_number(body.get("spend")),
        requests=int(requests) if isinstance(requests, (int, float)) else None,
        start=str(body.get("start") or "") or None,
        end=str(body.get("end") or "") or None,
        currency=str(body.get("currency") or "USD"),
        by=by,
        days=days,
        cells=tuple(sorted(cells)),
        budget_usd=budget_usd,
        today=now.date(),
    )
