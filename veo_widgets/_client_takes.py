"""``client.variations(...)``: several takes of one request, for both clients.

The takes are started with the run handle (``_studio.variations``), each journaled with
their shared ``take_group`` in the same write as its create. Before the first create the
request is validated once and the whole set is checked against the budget: a set that
would pass it is refused whole (``BudgetExceededError``) and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._models import Job
from ._money import MoneyPlans

__all__ = ["AsyncTakesMethods", "TakesMethods"]


class TakesMethods(MoneyPlans):
    """The blocking client's ``variations``."""

    _drive: Callable[..., Any]

    def variations(self, prompt: str, image: Any = None, *, n: int = 4, **options: Any) -> list[Job]:
        """Generate ``n`` takes of one request and return their saved jobs, in order.

        Where the model takes a seed each take gets its own (``seed, seed+1, ...`` from a
        given ``seed``, else drawn at random); elsewhere they are ``n`` independent takes.
        They run together, one :class:`Run` each; every one runs to its end even when
        another fails (each is paid for), then the first error is raised."""
        from ._studio import take_seeds, variations  # PyAV (for last frames) only when used

        take_seeds(n)  # a bad n is refused before anything else
        request, _ = self._drive(self._prepare_plan(prompt, image, options))
        self._drive(self._budget_plan([request] * n))
        runs = variations(self, prompt, n=n, image=image, **options)
        outcomes: list[Job | BaseException] = []
        for run in runs:
            try:
                outcomes.append(run.wait())
            except Exception as exc:  # raised below, once every take has ended
                outcomes.append(exc)
        return _results(outcomes)


class AsyncTakesMethods(MoneyPlans):
    """The awaitable client's ``variations`` (the same as :class:`TakesMethods`)."""

    _drive: Callable[..., Any]

    async def variations(self, prompt: str, image: Any = None, *, n: int = 4, **options: Any) -> list[Job]:
        from ._studio import avariations, take_seeds

        take_seeds(n)
        request, _ = await self._drive(self._prepare_plan(prompt, image, options))
        await self._drive(self._budget_plan([request] * n))
        runs = await avariations(self, prompt, n=n, image=image, **options)
        outcomes: list[Job | BaseException] = []
        for run in runs:
            try:
                outcomes.append(await run.wait())
            except Exception as exc:  # raised below, once every take has ended
                outcomes.append(exc)
        return _results(outcomes)


def _results(outcomes: list[Job | BaseException]) -> list[Job]:
    jobs: list[Job] = []
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
        jobs.append(outcome)
    return jobs
