"""The daily budget: today's spend from the journal, and refusals before anything is sent."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import veo_widgets as veo
from veo_widgets.money._budget import BudgetExceededError, DaySpend, check_budget, resolve_budget, spend_today
from veo_widgets.schema._models import Job, Usage

NOW = datetime(2026, 11, 29, 23, 0, tzinfo=timezone.utc)


def job(
    status: str,
    *,
    usd: float | None = None,
    credits: int | None = None,
    hours_ago: float = 1,
    demo: bool = False,
    estimate: float | None = 3.2,
) -> Job:
    when = NOW - timedelta(hours=hours_ago)
    return Job(
        id=f"{status}-{hours_ago}-{usd}",
        status=status,
        usage=Usage(usd=usd, credits=credits),
        created_at=when,
        updated_at=when,
        demo=demo,
        request={"estimate": estimate},
    )


def estimate_of(found: Job) -> float | None:
    value = (found.request or {}).get("estimate")
    return float(value) if value is not None else None


def test_spend_today_counts_charges_and_running_estimates() -> None:
    jobs = [
        job("completed", usd=3.12),
        job("completed", credits=6_400_000),  # 2,000,000 credits to the dollar
        job("generating"),  # no charge yet: its estimate
        job("unconfirmed"),  # the create may have made a job: counted
        job("error"),  # a failed generation is billed nothing
        job("not_submitted"),  # never reached the server
        job("completed", usd=50.0, hours_ago=24),  # yesterday (UTC)
        job("completed", usd=9.0, demo=True),  # simulated money
        job("queued", estimate=None),
    ]
    spent = spend_today(jobs, now=NOW, estimate_of=estimate_of, demo=False)
    assert spent.charged == pytest.approx(3.12 + 3.2)
    assert spent.running == pytest.approx(6.4)
    assert spent.unknown == 1 and spent.total == pytest.approx(12.72)
    assert spent.describe() == "$12.72 today ($6.40 of it still running), plus 1 job of unknown price"


def test_the_day_starts_at_midnight_utc() -> None:
    early = datetime(2026, 11, 30, 0, 30, tzinfo=timezone.utc)
    late_yesterday = job("completed", usd=1.0, hours_ago=-0.5)  # 23:30 UTC on the 29th
    just_today = job("completed", usd=2.0, hours_ago=-70 / 60)  # 00:10 UTC on the 30th
    assert spend_today([late_yesterday, just_today], now=early, estimate_of=estimate_of).charged == 2.0


def test_a_job_that_would_pass_the_budget_is_refused_with_the_numbers() -> None:
    with pytest.raises(BudgetExceededError) as caught:
        check_budget(10.0, DaySpend(charged=5.0, running=3.2), [3.2])
    error = caught.value
    assert isinstance(error, veo.VeoError)
    assert error.budget == 10.0 and error.spent == pytest.approx(8.2) and error.estimate == 3.2
    text = str(error)
    assert "$10.00" in text and "$8.20" in text and "$3.20" in text and "nothing was sent" in text


def test_a_job_that_fits_passes() -> None:
    check_budget(10.0, DaySpend(charged=3.6), [3.2, 3.2])
    check_budget(None, DaySpend(charged=1e9), [None])


def test_a_batch_is_refused_whole() -> None:
    with pytest.raises(BudgetExceededError) as caught:
        check_budget(10.0, DaySpend(), [3.2, 3.2, 3.2, 3.2])
    assert caught.value.count == 4 and caught.value.estimate == pytest.approx(12.8)
    assert "this batch of 4 jobs" in str(caught.value)


def test_an_unknown_price_under_a_budget_is_not_sent() -> None:
    with pytest.raises(BudgetExceededError) as caught:
        check_budget(100.0, DaySpend(), [3.2, None])
    assert caught.value.estimate is None and "price of this batch of 2 jobs is unknown" in str(caught.value)


def test_budget_from_argument_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VEO_BUDGET_USD", raising=False)
    assert resolve_budget(None) is None
    monkeypatch.setenv("VEO_BUDGET_USD", "25")
    assert resolve_budget(None) == 25.0 and resolve_budget(5) == 5.0
    monkeypatch.setenv("VEO_BUDGET_USD", "lots")
    with pytest.raises(veo.ValidationError, match="VEO_BUDGET_USD"):
        resolve_budget(None)
    with pytest.raises(veo.ValidationError, match="budget_usd"):
        resolve_budget(-1)
