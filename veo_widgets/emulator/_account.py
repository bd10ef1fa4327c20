"""The account: a simulated balance that charges lower, and out of credits.

Everything is derived from the jobs as they stand: the balance is the starting balance
less what the ledger (``_ledger``) charged; a job still running holds its price, and a
create whose price does not fit in what is left is refused with the API's 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ._jobs import Job, Phase
from ._ledger import Ledger
from ._wire import EmuResponse, Problem, json_response

__all__ = ["OUT_OF_CREDITS", "Account"]

OUT_OF_CREDITS = (
    "You've run out of credits. Please top up your balance or update your payment method to continue: "
    "https://aimlapi.com/app/billing"
)

Jobs = Callable[[], Iterable[tuple[Job, Phase]]]
#: Room left for rounding when the quick check below decides alone.
_MARGIN = 0.001


class Account:
    """``prices`` (optional) gives every job's price, cheaply: no job can take more than
    twice its price from the balance (charged twice, the ``charge_twice`` fault), so a create
    that fits even then is let through without working out where each job stands."""

    def __init__(
        self,
        balance_usd: float,
        jobs: Jobs,
        ledger: Ledger | None = None,
        prices: Callable[[], Iterable[float]] | None = None,
    ) -> None:
        self.start_balance = balance_usd
        self._jobs = jobs
        self._prices = prices
        self.ledger = ledger if ledger is not None else Ledger(balance_usd, jobs)

    def balance(self) -> float:
        """The starting balance less every charge in the ledger."""
        return round(self.start_balance - self.ledger.charged_usd(), 6)

    def check_credit(self, price: float) -> None:
        """Refuse (403) a create whose price does not fit in the balance less running jobs' holds.

        Every create asks, so the exact check (each job's phase, the whole ledger: a
        thousand creates made it quadratic) is done only when the account is nearly spent."""
        if self._prices is not None and price <= self.start_balance - 2 * sum(self._prices()) - _MARGIN:
            return
        held = sum(job.cost_usd for job, outcome in self._jobs() if not outcome.ended)
        if price > self.balance() - held + 1e-9:
            raise Problem(403, OUT_OF_CREDITS, "ForbiddenException")

    def answer_billing(self) -> EmuResponse:
        return json_response(200, {"current_balance": self.balance(), "currency": "USD"})
