"""The conversations: retries with backoff, and polling to a deadline."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import veo_widgets as veo
from veo_widgets.protocol._flows import RetryPolicy, Sleep, poll_flow
from veo_widgets.protocol._schedule import DurationModel, PollSchedule
from veo_widgets.schema._models import Job

from ..helpers import response


def test_backoff_grows_caps_and_honours_hints() -> None:
    policy = RetryPolicy(base=1, cap=8)
    lows = [policy.delay(n, rng=lambda: 0.0) for n in range(1, 7)]
    highs = [policy.delay(n, rng=lambda: 1.0) for n in range(1, 7)]
    assert lows == [0.5, 1, 2, 4, 4, 4] and highs == [1, 2, 4, 8, 8, 8]
    assert policy.delay(1, hint=30) == 30 and policy.delay(1, hint=1000) == 120


def test_deadline_polls_once_more_then_raises() -> None:
    schedule = PollSchedule(DurationModel(60, 0.45))
    with pytest.raises(veo.GenerationTimeoutError) as caught:
        simulate_timeout(schedule, timeout=5)
    assert caught.value.timeout == 5


def simulate_timeout(schedule: PollSchedule, timeout: float) -> None:
    now = [0.0]
    created = datetime(2026, 1, 1, tzinfo=timezone.utc)
    flow = poll_flow(
        Job(id="j", created_at=created),
        timeout=timeout,
        schedule=schedule,
        clock=lambda: now[0],
        wall_clock=lambda: created + timedelta(seconds=now[0]),
    )
    step = next(flow)
    while True:
        if isinstance(step, Sleep):
            assert now[0] + step.seconds <= timeout + 1e-9  # never sleeps past the deadline
            now[0] += step.seconds
            step = flow.send(None)
        else:
            step = flow.send(response(200, {"id": "j", "status": "generating"}))
