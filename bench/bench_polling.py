"""1. Polling: time from completion to notice, and polls per job, ours vs the fixed 10 s loop.

Job durations are drawn like real Veo 3 Fast (about a minute, 30 s to 3 min). Our schedule
first learns from 30 past jobs, as the journal would give it, then faces 1000 new ones.
Time is simulated (the real poll_flow generator driven by a fake clock), so this runs in
seconds and measures the schedule, not the network.
"""

from __future__ import annotations

import math
import random

from veo_widgets._flows import simulate_polls
from veo_widgets._schedule import DurationModel, PollSchedule

try:
    from ._table import table
except ImportError:
    from _table import table  # type: ignore[no-redef]


def durations(n: int, rng: random.Random, sigma: float) -> list[float]:
    return [min(180.0, max(30.0, 60.0 * math.exp(rng.gauss(0, sigma)))) for _ in range(n)]


def fixed(duration: float, every: float = 10.0) -> tuple[int, float]:
    polls = math.floor(duration / every) + 1
    return polls, polls * every - duration


def main() -> str:
    out = ""
    rows = []
    for sigma in (0.25, 0.35, 0.45):
        rng = random.Random(42)
        model = DurationModel.fit(durations(30, rng, sigma))
        schedule = PollSchedule(model)
        jobs = durations(1000, rng, sigma)
        a = [simulate_polls(schedule, d) for d in jobs]
        b = [fixed(d) for d in jobs]
        mean_a, mean_b = sum(x[1] for x in a) / len(a), sum(x[1] for x in b) / len(b)
        polls_a, polls_b = sum(x[0] for x in a) / len(a), sum(x[0] for x in b) / len(b)
        rows.append([f"sigma {sigma}", "ours", mean_a, max(x[1] for x in a), polls_a, f"{polls_a / polls_b:.2f}x"])
        rows.append([f"sigma {sigma}", "fixed 10 s", mean_b, max(x[1] for x in b), polls_b, "1x"])
    out += table(
        "Polling: seconds from completion to notice (1000 jobs, median 60 s, clamped 30..180 s)",
        ["spread", "schedule", "mean late s", "worst late s", "polls/job", "polls vs baseline"],
        rows,
    )
    return out


if __name__ == "__main__":
    main()
