"""``client.start_variations(...)`` and ``client.variations(...)``: several takes of one
request, for both clients.

Before the first create :func:`takes_plan` validates the request once and checks the whole
set against the budget: a set that would pass it is refused whole (``BudgetExceededError``)
and nothing is sent. It hands back each take's ``start`` arguments: the client starts each
take, journaled with their shared ``take_group`` in the same write as its create.
``start_variations`` hands back the runs at once (what the panel and ``%%veo -n`` follow);
``variations`` waits for them (:func:`take_results`).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from typing import Any

from .._errors import ValidationError
from ..protocol._steps import Plan
from ..schema._family import DEFAULT_MODEL, get_model
from ..schema._models import Job
from ..schema._options import SEED_MAX
from ._money import Money
from ._plans import Plans

__all__ = ["take_results", "take_seeds", "takes_plan", "takes_seed"]

#: Arguments of ``start`` that are not part of the request.
_START_ONLY = frozenset({"save_to", "timeout", "lineage"})


def takes_plan(
    plans: Plans, money: Money, prompt: object, image: Any, n: int, options: dict[str, Any]
) -> Plan[list[dict[str, Any]]]:
    """Validate ``n`` takes of one request and check the set against the budget; then the
    keyword arguments of each take's ``start`` (its seed, the shared ``take_group``).

    Where the model takes a seed each take gets its own (``seed, seed+1, ...`` from a given
    ``seed``, else drawn at random); elsewhere they are ``n`` independent takes.
    ``save_to``, ``timeout`` and ``lineage`` are passed to each ``start``."""
    take_seeds(n)  # a bad n is refused before anything else
    create = {k: v for k, v in options.items() if k not in _START_ONLY}
    request, _ = yield from plans.prepare(prompt, image, create)
    yield from money.budget([request] * n)
    options = dict(options)
    lineage, seeds = _takes(n, options)
    return [{**options, "lineage": lineage, **seed} for seed in seeds]


def take_results(outcomes: Sequence[Job | BaseException]) -> list[Job]:
    """The saved takes, in order; or the first take's error (once every take has ended)."""
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
