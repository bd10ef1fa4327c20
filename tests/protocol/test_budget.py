"""The poll budget: every job's polls together stay under ``max_polls_per_second``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from veo_widgets.protocol._budget import PollBudget
from veo_widgets.protocol._flows import Sleep, poll_flow
from veo_widgets.protocol._schedule import PollSchedule
from veo_widgets.schema._models import Job


def test_a_burst_goes_at_once_then_one_poll_per_slot() -> None:
    budget = PollBudget(4.0, burst=2)
    waits = [budget.delay(10.0) for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.0, 0.25, 0.5, 0.75])


def test_a_429_holds_every_poll_back_until_its_retry_after() -> None:
    budget = PollBudget(100.0)
    budget.block(until=30.0)
    assert budget.delay(10.0) == pytest.approx(20.0)
    assert budget.delay(10.0) == pytest.approx(20.01)


@pytest.mark.parametrize("rate", [0, -1, float("nan"), "fast", True])
def test_a_budget_must_be_a_positive_number(rate: object) -> None:
    with pytest.raises(ValueError, match="max_polls_per_second"):
        PollBudget(rate)  # type: ignore[arg-type]


def test_jobs_sharing_a_budget_never_poll_faster_than_it_together() -> None:
    """Forty jobs, each wanting a poll every 0.4 s, on a budget of 10 a second: the polls
    of any second, across all of them, number at most the budget (plus its first burst)."""
    now = [0.0]
    created = datetime(2026, 1, 1, tzinfo=timezone.utc)
    budget = PollBudget(10.0, burst=1)
    schedule = PollSchedule(min_interval=0.4, max_interval=0.4, first_poll=0.0)
    request = httpx.Request("GET", "http://simulated")
    answer = httpx.Response(200, json={"id": "j", "status": "generating"}, request=request)
    flows = [
        poll_flow(
            Job(id=f"j{i}", created_at=created),
            timeout=None,
            schedule=schedule,
            clock=lambda: now[0],
            wall_clock=lambda: created + timedelta(seconds=now[0]),
            pace=budget,
        )
        for i in range(40)
    ]
    due = [(0.0, i) for i in range(len(flows))]
    polls: list[float] = []
    while now[0] < 20.0:
        due.sort()
        now[0], index = due.pop(0)
        step = flows[index].send(None)  # starts a fresh flow, or ends its sleep
        while not isinstance(step, Sleep):
            polls.append(now[0])
            step = flows[index].send(answer)
        due.append((now[0] + step.seconds, index))
    per_second = [sum(1 for t in polls if s <= t < s + 1) for s in range(19)]
    assert max(per_second) <= 10 + 1
    assert sum(per_second) >= 19 * 10 - 1  # and the budget is used, not wasted
