"""No I/O: how long jobs take, and when to poll next.

:class:`DurationModel` is a log-normal model of job durations learned from this machine's
past jobs; :class:`PollSchedule` turns it into the wait before each poll.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["DurationModel", "PollSchedule"]


@dataclass(frozen=True)
class DurationModel:
    """How long jobs take: log-normal, median ``median`` seconds, log-spread ``sigma``.

    ``fit`` learns it from this machine's past jobs, shrunk toward the prior (about a minute,
    as the AI/ML API documents for Veo 3 Fast) so that two odd jobs do not swing it.
    """

    median: float = 60.0
    sigma: float = 0.45

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

    @property
    def cap(self) -> float:
        """The longest wait: ``max_interval``, shortened for jobs that usually finish fast."""
        return min(self.max_interval, max(1.0, 0.3 * self.model.median))

    @functools.cached_property
    def k(self) -> float:
        return _solve_k(self.model, self.budget, self.min_interval, self.cap)

    def interval(self, elapsed: float) -> float:
        return _interval(self.model, self.k, elapsed, self.min_interval, self.cap)

    def next_delay(self, elapsed: float, hint: float | None = None) -> float:
        """Seconds to sleep before the next poll of a job ``elapsed`` seconds old."""
        if hint is not None:
            return max(self.min_interval, min(hint, 300.0))
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
