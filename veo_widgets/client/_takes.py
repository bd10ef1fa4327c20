"""``client.start_variations(...)`` and ``client.variations(...)``: several takes of one
request, for both clients.

Each take is started with ``start`` and journaled with their shared ``take_group`` in the same write as its create. Before the first create the
request is validated once and the whole set is checked against the budget: a set that
would pass it is refused whole (``BudgetExceededError``) and nothing is sent.
``start_variations`` hands back the runs at once (what the panel and ``%%veo -n`` follow);
``variations`` waits for them.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any

from .._errors import ValidationError
from ..schema._family import DEFAULT_MODEL, get_model
from ..schema._models import Job
from ..schema._options import SEED_MAX
from ._money import MoneyPlans
from ._run import AsyncRun, Run

__all__ = ["AsyncTakesMethods", "TakesMethods", "take_seeds", "takes_seed"]

#: Arguments of ``start`` that are not part of the request.
_START_ONLY = frozenset({"save_to", "timeout", "lineage"})


class TakesMethods(MoneyPlans):
    """The blocking client's ``variations``."""

    _drive: Callable[..., Any]
    start: Callable[..., Run]

    def start_variations(self, prompt: str, image: Any = None, *, n: int = 4, **options: Any) -> list[Run]:
        """Start ``n`` takes of one request and return their :class:`Run` handles at once,
        in order; they share one ``take_group`` in the journal.

        Where the model takes a seed each take gets its own (``seed, seed+1, ...`` from a
        given ``seed``, else drawn at random); elsewhere they are ``n`` independent takes.
        A bad request, or a set that would pass the budget, is refused before anything is
        sent. ``save_to``, ``timeout`` and ``lineage`` are passed to each ``start``."""
        take_seeds(n)  # a bad n is refused before anything else
        create = {k: v for k, v in options.items() if k not in _START_ONLY}
        request, _ = self._drive(self._prepare_plan(prompt, image, create))
        self._drive(self._budget_plan([request] * n))
        lineage, seeds = _takes(n, options)
        return [self.start(prompt, image, lineage=lineage, **options, **seed) for seed in seeds]

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
    start: Callable[..., Any]

    async def start_variations(self, prompt: str, image: Any = None, *, n: int = 4, **options: Any) -> list[AsyncRun]:
        """Start ``n`` takes and return their :class:`AsyncRun` handles (see ``Client``'s)."""
        take_seeds(n)
        create = {k: v for k, v in options.items() if k not in _START_ONLY}
        request, _ = await self._drive(self._prepare_plan(prompt, image, create))
        await self._drive(self._budget_plan([request] * n))
        lineage, seeds = _takes(n, options)
        return [await self.start(prompt, image, lineage=lineage, **options, **seed) for seed in seeds]

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


def takes_seed(model: object = None) -> bool:
    """Whether ``model`` (None: the default) takes a seed (the 3.0 family and veo2 do; 3.1
    image models do not)."""
    return get_model(model).takes_seed


def take_seeds(n: int, seed: int | None = None, rng: random.Random | None = None) -> list[int]:
    """``n`` different seeds: ``seed, seed+1, ...`` when a seed is given (so a take can be
    made again), otherwise drawn at random."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 16:
        raise ValidationError("n", f"takes must be a whole number from 1 to 16, not {n!r}")
    if seed is not None:
        return [(seed + i) % (SEED_MAX + 1) for i in range(n)]
    draw = rng or random.SystemRandom()
    seeds: set[int] = set()
    while len(seeds) < n:
        seeds.add(draw.randint(0, SEED_MAX))
    return sorted(seeds, key=lambda s: draw.random())


def _takes(n: int, options: dict[str, Any]) -> tuple[dict[str, str | None], list[dict[str, int]]]:
    """The take group and each take's seed argument (none where the model takes no seed). A
    ``lineage`` given (a re-run's parent) is kept, with the take group added."""
    model = str(options.get("model") or DEFAULT_MODEL)
    given = options.pop("seed", None)
    seeds = [{"seed": s} for s in take_seeds(n, given)] if takes_seed(model) else [{} for _ in take_seeds(n)]
    lineage = dict(options.pop("lineage", None) or {})
    return {"relation": "take", **lineage, "take_group": f"takes-{uuid.uuid4().hex[:12]}"}, seeds
