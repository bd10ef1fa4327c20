"""When to poll: the duration model and the schedule built on it."""

from __future__ import annotations

import pytest

from veo_widgets.protocol._flows import simulate_polls
from veo_widgets.protocol._schedule import DurationModel, PollSchedule, build_schedule


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


def test_published_percentiles_make_a_model() -> None:
    model = DurationModel.from_percentiles(70.0, p90=130.0)
    assert model.median == 70 and model.quantile(0.9) == pytest.approx(130, rel=0.02)
    assert DurationModel.from_percentiles(50.0, p75=60.0).sigma == pytest.approx(0.27, abs=0.01)
    assert DurationModel.from_percentiles(50.0).sigma == DurationModel().sigma


def test_two_phases_need_history_of_the_phase() -> None:
    assert build_schedule([60.0] * 10, []).generating is None
    phased = build_schedule([60.0] * 10, [45.0] * 10)
    assert phased.generating is not None and 44 < phased.generating.model.median < 50


def test_restarting_the_clock_when_generation_starts_notices_sooner() -> None:
    # Steady 45 s generations behind queue waits of 5 to 80 s: the total varies, the phase does not.
    jobs = [(45.0 + q, q) for q in (5, 10, 20, 35, 50, 80) for _ in range(3)]
    single = build_schedule([t for t, _ in jobs], [])
    phased = build_schedule([t for t, _ in jobs], [t - q for t, q in jobs])
    one = [simulate_polls(single, t, q) for t, q in jobs]
    two = [simulate_polls(phased, t, q) for t, q in jobs]
    late_one, late_two = (sum(late for _, late in runs) / len(runs) for runs in (one, two))
    polls_one, polls_two = (sum(polls for polls, _ in runs) for runs in (one, two))
    assert late_two < late_one / 2 and polls_two <= polls_one * 1.1


def test_a_queued_job_is_polled_only_to_see_generation_start() -> None:
    phased = build_schedule([60.0] * 10, [45.0] * 10)
    assert phased.next_delay(30, queued=True) == pytest.approx(0.1 * phased.generating.model.median)  # type: ignore[union-attr]
    assert phased.next_delay(30, generating_for=44) < phased.next_delay(30, generating_for=5)
    assert phased.next_delay(30, hint=7.0, generating_for=44) == 7.0  # Retry-After still rules
