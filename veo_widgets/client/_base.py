"""What both clients are made of, and the settings they share.

A client holds a :class:`~._core.Core` (settings, the key, the journal, validation), its
:class:`~._money.Money` (prices, the budget, lost creates), the :class:`~._plans.Plans` of
every operation over those two, and a driver that runs the plans: ``Client`` a blocking
one, ``AsyncClient`` an awaitable one (``_drivers``). :class:`BaseClient` builds the first
three and exposes the settings; each client adds its driver and its public methods, each of
which makes a plan and drives it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypedDict, TypeVar

import httpx

from .._config import DEMO_NOTICE, Secret
from .._errors import ValidationError
from ..journal._store import Journal
from ..protocol._budget import DEFAULT_MAX_POLLS_PER_SECOND
from ..protocol._flows import DEFAULT_RETRY, RetryPolicy
from ..protocol._schedule import DurationModel, PollSchedule
from ..schema._images import ImageInput
from ..schema._models import Job, VideoRequest
from ._core import Core
from ._money import Money
from ._plans import Plans
from ._schemas import Schemas

__all__ = [
    "DEFAULT_WAIT_TIMEOUT",
    "BaseClient",
    "GenerateOptions",
    "OnUpdate",
    "run_sync",
    "split_item",
    "with_lineage",
]

OnUpdate = Callable[[Job], Any]
T = TypeVar("T")

DEFAULT_WAIT_TIMEOUT = 600.0
LINEAGE_KEYS = frozenset({"parent_id", "relation", "take_group", "batch"})


class GenerateOptions(TypedDict, total=False):
    """The model, its other inputs and its options, for every generating method (all
    optional; which of them a model takes is in ``veo.models()``, and anything else is a
    ``ValidationError`` naming the model)."""

    model: str
    last_image: Any
    """The last frame (first-and-last-frame models): like ``image``."""
    reference_images: Sequence[Any]
    """Reference images (paths, bytes, PIL images, URLs), prepared like ``image``."""
    video: Any
    """The video to extend: a finished ``Job``, a local MP4 or a URL (read before sending, to
    check it: ``VEO_UNCHECKED_VIDEO_URLS=1`` sends one this machine cannot read)."""
    aspect_ratio: str
    resolution: str
    duration: int
    negative_prompt: str | None
    seed: int | None
    enhance_prompt: bool
    generate_audio: bool
    auto_fix: bool
    provider: str
    person_generation: str


class BaseClient:
    """The collaborators and settings both clients share (see ``Client`` for the arguments)."""

    def __init__(
        self,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout = 30.0,
        journal: Journal | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        legacy_paths: bool = False,
        transport: Any = None,
        schedule: PollSchedule | None = None,
        budget_usd: float | None = None,
        max_polls_per_second: float = DEFAULT_MAX_POLLS_PER_SECOND,
    ) -> None:
        self._core = Core(
            api_key,
            base_url,
            timeout=timeout,
            journal=journal,
            retry=retry,
            legacy_paths=legacy_paths,
            transport=transport,
            schedule=schedule,
            max_polls_per_second=max_polls_per_second,
        )
        self._money = Money(self._core, budget_usd)
        self._plans = Plans(self._core, self._money)
        self._schemas = Schemas(self._core, self._money)

    def __repr__(self) -> str:
        mode = "demo" if self.demo else "live"
        key = "set" if self._core.key else "missing"
        return f"{type(self).__name__}({self.base_url!r}, {mode}, key {key})"

    @property
    def base_url(self) -> str:
        """The API's address (the local emulator's in demo mode)."""
        return self._core.base_url

    @property
    def demo(self) -> bool:
        """True in demo mode: no key, the local emulator, simulated prices."""
        return self._core.demo

    @demo.setter
    def demo(self, value: bool) -> None:
        self._core.demo = value

    @property
    def demo_notice(self) -> str:
        """The demo-mode notice for a surface to show once ("" with a key); never printed here."""
        return DEMO_NOTICE if self.demo else ""

    @property
    def journal(self) -> Journal:
        """The record of every job (``veo.Journal``), written before each create is sent."""
        return self._core.journal

    @property
    def retry(self) -> RetryPolicy:
        """How failed requests are retried."""
        return self._core.retry

    @property
    def has_key(self) -> bool:
        """True when the client has an API key (it is never shown)."""
        return bool(self._core.key)

    @property
    def max_polls_per_second(self) -> float:
        """The most polls a second this client sends across every job in flight (settable:
        the jobs already waiting follow the new figure from their next poll)."""
        return self._core.poll_budget.rate

    @max_polls_per_second.setter
    def max_polls_per_second(self, value: float) -> None:
        try:
            self._core.poll_budget.rate = value
        except ValueError as exc:
            raise ValidationError("max_polls_per_second", str(exc)) from None

    @property
    def budget_usd(self) -> float | None:
        """What this machine may spend per UTC day, in US dollars (``budget_usd=`` or
        ``$VEO_BUDGET_USD``); None for no cap."""
        return self._money.budget_usd

    @budget_usd.setter
    def budget_usd(self, value: float | None) -> None:
        self._money.budget_usd = value

    @property
    def on_notice(self) -> Callable[[str], Any] | None:
        """Told one line when a lost create answer was recovered, or could not be, and
        when a batch starts; None: stderr."""
        return self._money.on_notice

    @on_notice.setter
    def on_notice(self, value: Callable[[str], Any] | None) -> None:
        self._money.on_notice = value

    @property
    def reconcile_timeout(self) -> float:
        """Seconds a lost create is looked for in the usage logs before giving up;
        ``generate`` and ``start`` look for at most their own ``timeout`` when shorter."""
        return self._money.reconcile_timeout

    @reconcile_timeout.setter
    def reconcile_timeout(self, value: float) -> None:
        self._money.reconcile_timeout = value

    @property
    def logs_final_after(self) -> float | None:
        """Seconds after a create by which its usage-log row has surely appeared (None: the
        API's, or the emulator's lag in demo mode); ``reconcile`` closes a create the logs
        have not seen by then as never made."""
        return self._money.logs_final_after

    @logs_final_after.setter
    def logs_final_after(self, value: float | None) -> None:
        self._money.logs_final_after = value

    def share_money_settings(self, other: BaseClient) -> None:
        """Take ``other``'s budget, notices and reconcile patience (a batch's own client)."""
        self._money.share(other._money)

    def build_request(self, prompt: object, image: ImageInput | Any = None, **options: Any) -> VideoRequest:
        """Validate everything for the chosen model and prepare its inputs (``image``,
        ``last_image``, ``reference_images``, ``video``): raises ``ValidationError``, sends
        nothing. Reads and scales images, so the async client calls it in a thread."""
        return self._core.build_request(prompt, image, **options)

    def duration_model(self, model: str | None = None) -> DurationModel:
        """How long jobs take here: learned from this machine's past jobs (of ``model``, if
        given), from the API's published percentiles for it, or a default. Reads the journal."""
        return self._core.duration_model(model)

    def _settings(self) -> dict[str, Any]:
        """The constructor arguments that make another client talk to the same place."""
        return {**self._core.settings(), "budget_usd": self._money.given_budget}


def split_item(index: int, item: object) -> tuple[Any, Any, dict[str, Any], dict[str, Any]]:
    """A batch item's prompt, image, create options, and per-item ``save_to``/``timeout``."""
    if not isinstance(item, Mapping):
        raise ValidationError(f"items[{index}]", "each item is a dict of generate()'s arguments")
    args = dict(item)
    if "prompt" not in args:
        raise ValidationError(f"items[{index}].prompt", "is required")
    prompt, image = args.pop("prompt"), args.pop("image", None)
    extra = {k: args.pop(k) for k in ("save_to", "timeout") if k in args}
    return prompt, image, args, extra


def with_lineage(found: dict[str, Any], lineage: Mapping[str, Any] | None) -> dict[str, Any]:
    """The lineage the request implies (an extended Job), overlaid with the caller's."""
    given = dict(lineage or {})
    unknown = sorted(set(given) - LINEAGE_KEYS)
    if unknown:
        raise ValidationError("lineage", f"takes {', '.join(sorted(LINEAGE_KEYS))}, not {', '.join(unknown)}")
    return {**found, **{k: v for k, v in given.items() if v is not None}}


def run_sync(coro: Awaitable[T]) -> T:
    """Run a coroutine to completion from synchronous code, even inside a running loop.

    In a notebook the kernel's loop is already running, so ``asyncio.run`` refuses. There
    we call ``nest_asyncio.apply()``, lazily, at the first such call: it patches asyncio
    process-wide (every event loop, from then on, may be re-entered), not just that loop.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_as_coroutine(coro))
    import nest_asyncio  # patches asyncio process-wide: only once a loop is running here

    nest_asyncio.apply(loop)
    return loop.run_until_complete(coro)


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable
