"""No I/O: the poll budget, a rate limit every job's polls share.

A thousand jobs each polled every few seconds is hundreds of requests a second, and the
API's limits for polls are not published. :class:`PollBudget` keeps the total under
``rate`` polls a second (a short burst of ``burst`` allowed): each poll reserves the next
free slot when it is due, so polls go in the order their schedules made them due, and a
job whose schedule asks for a poll later than another's waits behind it. A 429 (with its
``Retry-After``) holds every job back. It is the :class:`~._retry.Pace` that
``_flows.poll_flow`` hands to ``_retry.get_flow``.
"""

from __future__ import annotations

import threading

__all__ = ["DEFAULT_MAX_POLLS_PER_SECOND", "PollBudget"]

#: Polls a second across every job of one client, unless it is told otherwise: 1,200 a
#: minute, six times the usage logs' documented 200, yet enough for a hundred jobs of a
#: minute each at their full schedule (about 18 polls each over a minute and a half).
DEFAULT_MAX_POLLS_PER_SECOND = 20.0


class PollBudget:
    """At most ``rate`` polls a second, shared by every job (and thread) of one client."""

    def __init__(self, rate: float = DEFAULT_MAX_POLLS_PER_SECOND, burst: float | None = None) -> None:
        self._burst = burst
        self.rate = rate
        self._next = float("-inf")  # the time the next slot is free, on the flows' clock
        self._held_until = float("-inf")
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PollBudget({self.rate:g}/s)"

    @property
    def rate(self) -> float:
        """Polls a second at most (settable, also while jobs are in flight)."""
        return self._rate

    @rate.setter
    def rate(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"max_polls_per_second must be a number above 0, not {value!r}")
        self._rate = float(value)
        self.burst = max(1.0, self._rate if self._burst is None else self._burst)

    def delay(self, now: float) -> float:
        """Reserve the next free slot; the seconds to wait for it (0: now)."""
        with self._lock:
            # A generic cell rate: a slot frees every 1/rate s, and up to ``burst`` unused
            # slots of the past may be taken at once.
            start = max(self._next, now - (self.burst - 1) / self.rate, self._held_until)
            self._next = start + 1.0 / self.rate
            return max(0.0, start - now)

    def note(self, now: float) -> None:
        """A poll goes now (its slot was reserved by :meth:`delay`)."""

    def block(self, until: float) -> None:
        """A 429 came: no poll goes before ``until``."""
        with self._lock:
            self._held_until = max(self._held_until, until)
            self._next = max(self._next, until)
