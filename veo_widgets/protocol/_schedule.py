"""No I/O: how long jobs take, and when to poll next.

:class:`DurationModel` is a log-normal model of job durations learned from this machine's
past jobs; :class:`PollSchedule` turns it into the wait before each poll.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["DurationModel", "PollSchedule", "build_schedule"]

#: While queued, poll every this share of the generating phase's median.
QUEUE_POLL_SHARE = 0.1
#: The generating phase's poll budget (against a 10 s loop over that phase alone), and the
#: least spread its model is given: its start is known only to within a queued poll.
GENERATING_BUDGET = 3.6
GENERATING_MIN_SIGMA = 0.2


@dataclass(frozen=True)
class DurationModel:
    """How long jobs take: log-normal, median ``median`` seconds, log-spread ``sigma``.

    ``fit`` learns it from this machine's past jobs, shrunk toward the prior (about a minute,
    as the AI/ML API documents for Veo 3 Fast) so that two odd jobs do not swing it.
    """

    median: float = 60.0
    sigma: float = 0.45

    @classmethod
    def from_percentiles(cls, p50: float, p75: float | None = None, p90: float | None = None) -> DurationModel:
        """The log-normal with these published percentiles (seconds); the spread from p90,
        else p75, else the default."""
        sigma = cls.sigma
        if p90 is not None and p90 > p50:
            sigma = math.log(p90 / p50) / 1.2816
        elif p75 is not None and p75 > p50:
            sigma = math.log(p75 / p50) / 0.6745
        return cls(median=round(p50, 3), sigma=round(max(0.1, min(1.0, sigma)), 3))

    @classmethod
    def fit(cls, samples: Iterable[float], prior: DurationModel | None = None, weight: float = 4.0) -> DurationModel:
        prior = prior or cls()
        logs = [math.log(s) for s in samples if s and s > 0.5]
        if not logs:
            return prior
        n = len(logs)
        mu0 = math.log(prior.median)
        mu = (weight * mu0 + sum(logs)) / (weight + n)
        var = (weight * prior.sigma**2 + sum((x - mu) ** 2 for x in logs)) / (weight + n)
        return cls(median=round(math.exp(mu), 3), sigma=round(max(0.08, min(1.5, math.sqrt(var))), 3))

    def cdf(self, t: float) -> float:
        if t <= 0:
            return 0.0
        return 0.5 * math.erfc(-(math.log(t / self.median)) / (self.sigma * math.sqrt(2)))

    def pdf(self, t: float) -> float:
        if t <= 0:
            return 0.0
        z = math.log(t / self.median) / self.sigma
        return math.exp(-0.5 * z * z) / (t * self.sigma * math.sqrt(2 * math.pi))

    def quantile(self, p: float) -> float:
        # Bisection on the CDF keeps this free of scipy.
        lo, hi = 0.0, self.median * math.exp(8 * self.sigma)
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if self.cdf(mid) < p else (lo, mid)
        return (lo + hi) / 2

    def progress(self, elapsed: float) -> float:
        """An honest progress estimate in 0..0.97 for a job running ``elapsed`` seconds."""
        return min(0.97, self.cdf(elapsed) * 0.5 + min(1.0, elapsed / self.quantile(0.9)) * 0.5)


@dataclass(frozen=True)
class PollSchedule:
    """When to poll next, given how long the job has run.

    The wait between polls is ``k / sqrt(hazard(t))``: the minimiser of the expected delay
    between completion and notice for a given expected number of polls (a Lagrange argument:
    the cost of an interval grows with the chance of finishing in it, its polls with the
    chance of still running). So it is sparse while completion is unlikely, dense around the
    usual finish, and ``k`` is chosen so that a job costs about ``budget`` times the polls of
    the published fixed 10 s loop. One early poll catches jobs refused at once.
    """

    model: DurationModel = DurationModel()
    budget: float = 2.75
    min_interval: float = 0.4
    max_interval: float = 15.0
    first_poll: float = 2.0
    generating: PollSchedule | None = None
    """The schedule for a job seen generating, on a clock restarted when it started to:
    where the queue wait varies more than the generation, that predicts the end better."""

    @property
    def queue_poll(self) -> float:
        """The wait between polls of a queued job, once the generating phase is modelled."""
        phase = self.generating.model.median if self.generating is not None else self.model.median
        return max(self.min_interval, min(self.max_interval, QUEUE_POLL_SHARE * phase))

    @property
    def cap(self) -> float:
        """The longest wait: ``max_interval``, shortened for jobs that usually finish fast."""
        return min(self.max_interval, max(1.0, 0.3 * self.model.median))

    @functools.cached_property
    def k(self) -> float:
        return _solve_k(self.model, self.budget, self.min_interval, self.cap)

    def interval(self, elapsed: float) -> float:
        return _interval(self.model, self.k, elapsed, self.min_interval, self.cap)

    def next_delay(
        self, elapsed: float, hint: float | None = None, generating_for: float | None = None, queued: bool = False
    ) -> float:
        """Seconds to sleep before the next poll of a job ``elapsed`` seconds old, which has
        been generating for ``generating_for`` seconds (None: not seen generating) or is
        still ``queued``."""
        if hint is not None:
            return max(self.min_interval, min(hint, 300.0))
        if self.generating is not None:
            if generating_for is not None:
                return self.generating.interval(generating_for)
            if queued and elapsed >= self.first_poll:
                # A queued job cannot finish before it has generated: poll only often enough
                # to see generation start, which restarts the clock.
                return self.queue_poll
        if elapsed < self.first_poll:
            return self.first_poll - elapsed
        return self.interval(elapsed)


def _interval(model: DurationModel, k: float, t: float, lo: float, hi: float) -> float:
    survival = 1.0 - model.cdf(t)
    density = model.pdf(t)
    if density <= 0 or survival <= 1e-12:
        return hi
    return max(lo, min(hi, k * math.sqrt(survival / density)))


@functools.lru_cache(maxsize=64)
def _solve_k(model: DurationModel, budget: float, lo: float, hi: float) -> float:
    step = max(0.05, model.median / 400)
    horizon = model.quantile(0.9995)
    grid = [step * (i + 0.5) for i in range(int(horizon / step) + 1)]
    survival = [1.0 - model.cdf(t) for t in grid]
    mean_duration = sum(survival) * step
    target = budget * (mean_duration / 10.0 + 0.5)

    def expected_polls(k: float) -> float:
        return 1.0 + sum(s * step / _interval(model, k, t, lo, hi) for t, s in zip(grid, survival, strict=True))

    k_lo, k_hi = 1e-3, 100.0
    for _ in range(50):
        mid = math.sqrt(k_lo * k_hi)
        k_lo, k_hi = (mid, k_hi) if expected_polls(mid) > target else (k_lo, mid)
    return k_hi


def build_schedule(
    total: list[float], generating: list[float], prior: DurationModel | None = None, *, enough: int = 3
) -> PollSchedule:
    """The schedule for a model: its past jobs' durations (``total``: creation to completion;
    ``generating``: from the first "generating" to completion) shrunk toward ``prior`` (the
    API's published percentiles, or a default). The generating phase gets its own schedule
    once ``enough`` jobs measured it."""
    model = DurationModel.fit(total, prior=prior)
    phase = None
    if len(generating) >= enough:
        fitted = DurationModel.fit(generating, prior=model)
        fitted = DurationModel(fitted.median, max(fitted.sigma, GENERATING_MIN_SIGMA))
        phase = PollSchedule(fitted, budget=GENERATING_BUDGET, first_poll=0.0)
    return PollSchedule(model, generating=phase)
