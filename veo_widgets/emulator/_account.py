"""The account: a simulated balance that charges lower, spend over a window, out of credits.

Everything is derived from the jobs as they stand: the balance is the starting balance
less what completed jobs cost; a job still running holds its price, and a create whose
price does not fit in what is left is refused with the API's 403.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

from ._jobs import Job, Phase
from ._logs import window
from ._wire import EmuRequest, EmuResponse, Problem, iso, json_response

__all__ = ["OUT_OF_CREDITS", "Account"]

OUT_OF_CREDITS = (
    "You've run out of credits. Please top up your balance or update your payment method to continue: "
    "https://aimlapi.com/app/billing"
)

Jobs = Callable[[], Iterable[tuple[Job, Phase]]]


class Account:
    def __init__(self, balance_usd: float, jobs: Jobs) -> None:
        self.start_balance = balance_usd
        self._jobs = jobs

    def balance(self) -> float:
        """The starting balance less every completed job's cost."""
        spent = sum(job.cost_usd for job, outcome in self._jobs() if outcome.succeeded)
        return round(self.start_balance - spent, 6)

    def check_credit(self, price: float) -> None:
        """Refuse (403) a create whose price does not fit in the balance less running jobs' holds."""
        held = sum(job.cost_usd for job, outcome in self._jobs() if not outcome.ended)
        if price > self.balance() - held + 1e-9:
            raise Problem(403, OUT_OF_CREDITS, "ForbiddenException")

    def answer_billing(self) -> EmuResponse:
        return json_response(200, {"current_balance": self.balance(), "currency": "USD"})

    def answer_usage(self, request: EmuRequest, key_prefix: str) -> EmuResponse:
        for name in ("group_by", "tz"):
            if name in request.query:
                raise Problem(400, f"property {name} should not exist: use /v2/usage/detail")
        first, last = window(request, time.time())
        prefix = request.query.get("key_prefix")
        if prefix is not None and prefix != key_prefix:
            raise Problem(403, "A regular key can only read its own usage", "ForbiddenException")
        charged = [
            job
            for job, outcome in self._jobs()
            if outcome.succeeded and first <= datetime.fromtimestamp(_charged_at(job), timezone.utc) <= last
        ]
        payload = {
            "api_key_prefix": prefix,
            "start": iso(first),
            "end": iso(last),
            "spend": round(sum(j.cost_usd for j in charged), 6),
            "currency": "USD",
            "requests": len(charged),
        }
        return json_response(200, payload)


def _charged_at(job: Job) -> float:
    """When a job's charge was recorded: when it completed."""
    return job.settled_at if job.settled_at is not None else job.ready_at
