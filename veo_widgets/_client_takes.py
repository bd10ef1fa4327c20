"""``client.start_variations(...)`` and ``client.variations(...)``: several takes of one
request, for both clients.

The takes are started with the run handle (``_studio.variations``), each journaled with
their shared ``take_group`` in the same write as its create. Before the first create the
request is validated once and the whole set is checked against the budget: a set that
would pass it is refused whole (``BudgetExceededError``) and nothing is sent.
``start_variations`` hands back the runs at once (what the panel and ``%%veo -n`` follow);
``variations`` waits for them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._models import Job
from ._money import MoneyPlans
from ._run import AsyncRun, Run

__all__ = ["AsyncTakesMethods", "TakesMethods"]

#: Arguments of ``start`` that are not part of the request.
_START_ONLY = frozenset({"save_to", "timeout", "lineage"})


class TakesMethods(MoneyPlans):
    """The blocking client's ``variations``."""

    _drive: Callable[..., Any]

    def start_variations(self, prompt: str, image: Any = None, *, n: int = 4, **options: Any) -> list[Run]:
        """Start ``n`` takes of one request and return their :class:`Run` handles at once,
        in order; they share one ``take_group`` in the journal.

        Where the model takes a seed each take gets its own (``seed, seed+1, ...`` from a
        given ``seed``, else drawn at random); elsewhere they are ``n`` independent takes.
        A bad request, or a set that would pass the budget, is refused before anything is
        sent. ``save_to``, ``timeout`` and ``lineage`` are passed to each ``start``."""
        from ._studio import take_seeds, variations  # PyAV (for last frames) only when used

        take_seeds(n)  # a bad n is refused before anything else
        create = {k: v for k, v in options.items() if k not in _START_ONLY}
        request, _ = self._drive(self._prepare_plan(prompt, image, create))
        self._drive(self._budget_plan([request] * n))
        return variations(self, prompt, n=n, image=image, **options)

    def variations(self, prompt: str, image: Any = None, *, n: int = 4, **options: Any) -> list[Job]:
        """Generate ``n`` takes of one request and return their saved jobs, in order (see
        :meth:`start_variations`). They run together, one :class:`Run` each; every one runs
        to its end even when another fails (each is paid for), then the first error is raised."""
        runs = self.start_variations(prompt, image, n=n, **options)
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

    async def start_variations(self, prompt: str, image: Any = None, *, n: int = 4, **options: Any) -> list[AsyncRun]:
        """Start ``n`` takes and return their :class:`AsyncRun` handles (see ``Client``'s)."""
        from ._studio import avariations, take_seeds

        take_seeds(n)
        create = {k: v for k, v in options.items() if k not in _START_ONLY}
        request, _ = await self._drive(self._prepare_plan(prompt, image, create))
        await self._drive(self._budget_plan([request] * n))
        return await avariations(self, prompt, n=n, image=image, **options)

    async def variations(self, prompt: str, image: Any = None, *, n: int = 4, **options: Any) -> list[Job]:
        runs = await self.start_variations(prompt, image, n=n, **options)
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
