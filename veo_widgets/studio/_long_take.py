"""Long takes: one clip longer than 8 s, made by chaining extends, resumable link by link.

``veo.long_take("a fox runs through snow", seconds=22)`` makes a first clip of 8 s, then
extends the whole clip by 7 s twice (8 -> 15 -> 22 s); the last link's file is the long take.
Before the first link is sent, the chain's whole price is told and checked against the
budget (``client.afford``): a chain the budget cannot cover is refused whole, nothing sent.

Every link is started with the client's public ``start`` and journaled in the same write as
its create, with its parent (``relation`` ``extend``) and the chain's key for that link in
the ``batch`` column (``chain-1a2b...:2``). ``veo.resume(chain)`` (``veo resume CHAIN``)
reads those rows: a finished link is kept (downloaded again if its file is gone), a running
one is waited for, an unconfirmed create is looked up in the usage logs and never sent
again; only a link with no job yet, or whose job failed (billed nothing), is started. So a
failed link is retried alone, and no link is paid for twice.

``fallback="continue"``: a model that cannot extend, or an extend that fails twice,
continues from the last frame instead, and the take is stitched with a crossfade (said when
it happens; the plan's file records it, so a resume goes on the same way). A resume prices
the links it still has to make against the budget before sending anything.
``start_lengthen(job, links=2)`` adds links to a finished clip the same way (the gallery's
Lengthen).

The chain runs on a thread with blocking calls. With an ``AsyncClient``, each call is
handed to the client's event loop (:class:`_Bridge`), so one chain logic serves both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from .._errors import ValidationError
from ..client._client import Client
from ..schema._models import Job
from ._bridge import Bridge
from ._chain import ChainPlan, load_chain, plan_lengthen, plan_long_take
from ._links import to_make
from ._long_take_run import LinkState, LongTakeRun, notice

__all__ = [
    "LinkState",
    "LongTakeRun",
    "along_take",
    "aresume",
    "astart_long_take",
    "long_take",
    "resume",
    "start_lengthen",
    "start_long_take",
]

# ---------------------------------------------------------------- the public functions


def _default_client(client: Any) -> Any:
    return client if client is not None else Client()


def start_long_take(
    prompt: str,
    image: Any = None,
    *,
    seconds: float = 22,
    prompts: Sequence[str] | None = None,
    model: str | None = None,
    client: Any = None,
    save_to: Any = None,
    fallback: str | None = None,
    **options: Any,
) -> LongTakeRun:
    """Plan a long take of ``seconds``, tell and check its whole price, save its plan, and
    start it on a thread; returns the :class:`LongTakeRun` at once. Bad input, or a chain
    the budget cannot cover, raises here and nothing is sent. ``fallback="continue"``: if the
    model cannot extend, or an extend fails twice, the rest continues from the last frame and
    the take is stitched with a crossfade (said when it happens)."""
    client = _default_client(client)
    plan = plan_long_take(
        prompt, seconds=seconds, image=image, prompts=prompts, model=model, options=options,
        save_to=str(save_to) if save_to is not None else None, fallback=fallback,
    )  # fmt: skip
    estimate = client.afford(plan.priced())
    return _begin(client, plan, estimate, image)


def _begin(ops: Any, plan: ChainPlan, estimate: Any, image: Any) -> LongTakeRun:
    plan.save()
    notice(
        ops,
        f"Long take {plan.chain}: {plan.describe()}, estimated at {estimate.describe()}. If it stops, "
        f"veo.resume({plan.chain!r}) or `veo resume {plan.chain}` goes on from the last finished link.",
    )
    return LongTakeRun(ops, plan, estimate, image)


def long_take(prompt: str, image: Any = None, *, seconds: float = 22, **kwargs: Any) -> Job:
    """Make a clip of ``seconds`` (8, 15, 22, ... up to 148 s) by chaining extends, and
    return the final clip's job (``path``: the whole clip). See :func:`start_long_take`."""
    return start_long_take(prompt, image, seconds=seconds, **kwargs).wait()


def resume(chain: str, *, client: Any = None, image: Any = None) -> Job:
    """Go on with long take ``chain`` from its last finished link: links already made are
    not paid for again. ``image`` is needed only when the first clip was never made and its
    image was not a file or URL."""
    return resume_run(chain, client=client, image=image).wait()


def resume_run(chain: str, *, client: Any = None, image: Any = None) -> LongTakeRun:
    """:func:`resume`, started on a thread: the :class:`LongTakeRun` at once. The links it
    still has to make are priced whole against the budget first (nothing sent if refused)."""
    client = _default_client(client)
    plan = load_chain(chain)
    todo = to_make(plan, client.journal)
    estimate = client.afford(plan.priced(todo)) if todo else None
    _tell_resume(client, plan, len(todo), estimate)
    return LongTakeRun(client, plan, estimate, image)


def _tell_resume(ops: Any, plan: ChainPlan, todo: int, estimate: Any) -> None:
    price = f", estimated at {estimate.describe()}" if estimate is not None else ""
    notice(ops, f"Long take {plan.chain}: {todo} of {len(plan.links)} links still to make{price}.")


def start_lengthen(
    job: Job | str,
    *,
    links: int = 1,
    prompt: str | None = None,
    prompts: Sequence[str] | None = None,
    client: Any = None,
    save_to: Any = None,
    fallback: str | None = None,
    **options: Any,
) -> LongTakeRun:
    """Lengthen the finished clip ``job`` by ``links`` extends (7 s each), as a chain: priced
    whole and checked against the budget first, journaled link by link, resumable."""
    client = _default_client(client)
    found = client.journal.find(job) if isinstance(job, str) else job
    if found is None:
        raise ValidationError("job", f"no job {job!r} in the journal")
    plan = plan_lengthen(
        found, links=links, prompt=prompt, prompts=prompts, options=options, fallback=fallback,
        save_to=str(save_to) if save_to is not None else None,
    )  # fmt: skip
    estimate = client.afford(plan.priced())
    return _begin(client, plan, estimate, None)


async def astart_long_take(
    prompt: str,
    image: Any = None,
    *,
    client: Any,
    seconds: float = 22,
    prompts: Sequence[str] | None = None,
    model: str | None = None,
    save_to: Any = None,
    fallback: str | None = None,
    **options: Any,
) -> LongTakeRun:
    """:func:`start_long_take` for an ``AsyncClient`` (``await run`` waits for the clip)."""
    plan = plan_long_take(
        prompt, seconds=seconds, image=image, prompts=prompts, model=model, options=options,
        save_to=str(save_to) if save_to is not None else None, fallback=fallback,
    )  # fmt: skip
    estimate = await client.afford(plan.priced())
    return _begin(Bridge(client, asyncio.get_running_loop()), plan, estimate, image)


async def along_take(prompt: str, image: Any = None, *, client: Any, seconds: float = 22, **kwargs: Any) -> Job:
    """:func:`long_take` for an ``AsyncClient``."""
    run = await astart_long_take(prompt, image, client=client, seconds=seconds, **kwargs)
    job: Job = await run
    return job


async def aresume(chain: str, *, client: Any, image: Any = None) -> Job:
    """:func:`resume` for an ``AsyncClient``."""
    plan = load_chain(chain)
    todo = to_make(plan, client.journal)
    estimate = await client.afford(plan.priced(todo)) if todo else None
    bridge = Bridge(client, asyncio.get_running_loop())
    _tell_resume(bridge, plan, len(todo), estimate)
    job: Job = await LongTakeRun(bridge, plan, estimate, image)
    return job
