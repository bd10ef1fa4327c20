"""When to poll: the duration model and the schedule built on it."""

from __future__ import annotations

import pytest

from veo_widgets._flows import simulate_polls
from veo_widgets._schedule import DurationModel, PollSchedule


def test_duration_model_learns_but_resists_outliers() -> None:
    prior = DurationModel()
    fitted = DurationModel.fit([90.0] * 20, prior)
    assert 80 < fitted.median < 92
    two = DurationModel.fit([300.0, 310.0], prior)
    assert two.median < 120  # two odd jobs do not swing it to five minutes


def test_schedule_is_sparse_early_and_dense_near_the_usual_finish() -> None:
    schedule = PollSchedule(DurationModel(60, 0.45))
    assert schedule.next_delay(0) == 2.0  # one early poll catches jobs refused at once
    early, near = schedule.interval(10), schedule.interval(60)
    assert early >= 10 and near <= 3 and early > 4 * near
    assert schedule.interval(10_000) <= 15  # capped, even for a job that never ends


@pytest.mark.parametrize("sigma", [0.25, 0.45, 0.7])
def test_schedule_keeps_its_poll_budget_and_notices_sooner(sigma: float) -> None:
    model = DurationModel(60, sigma)
    schedule = PollSchedule(model)
    durations = [model.quantile(q / 40) for q in range(1, 40)]
    ours = [simulate_polls(schedule, d) for d in durations]
    fixed_polls = [int(d // 10) + 1 for d in durations]  # the published 10 s loop
    fixed_late = sum(10 - d % 10 for d in durations) / len(durations)
    mean_late = sum(late for _, late in ours) / len(ours)
    assert sum(p for p, _ in ours) <= 3 * sum(fixed_polls)
    assert mean_late < fixed_late / 3

