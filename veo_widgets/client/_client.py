"""``Client`` and ``AsyncClient``: the same methods, one set of logic.

Every operation is a plan (``_plans``); each client is a driver (``_drivers``) that performs
its steps, one with blocking calls, the other with awaits. The journal's bookkeeping,
validation and retry decisions never exist twice; this module holds only the public
methods, which build a plan and drive it.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypedDict, TypeVar

import httpx
from typing_extensions import Unpack

from .._errors import ValidationError
from ..protocol._flows import new_client_request_id
from ..schema._images import ImageInput
from ..schema._models import Job
from ._audit import AsyncAuditMethods, AuditMethods
from ._core import JobLike, PathLike, _Core
from ._drivers import AsyncDriver, SyncDriver
from ._run import AsyncRun, Run
from ._takes import AsyncTakesMethods, TakesMethods

__all__ = ["AsyncClient", "Client", "GenerateOptions", "JobLike", "OnUpdate"]

OnUpdate = Callable[[Job], Any]
T = TypeVar("T")

DEFAULT_WAIT_TIMEOUT = 600.0


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
    """The video to extend: a finished ``Job``, a local MP4 or a URL."""
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


def _split_item(index: int, item: object) -> tuple[Any, Any, dict[str, Any], dict[str, Any]]:
    """A batch item's prompt, image, create options, and per-item ``save_to``/``timeout``."""
    if not isinstance(item, Mapping):
        raise ValidationError(f"items[{index}]", "each item is a dict of generate()'s arguments")
    args = dict(item)
    if "prompt" not in args:
        raise ValidationError(f"items[{index}].prompt", "is required")
    prompt, image = args.pop("prompt"), args.pop("image", None)
    extra = {k: args.pop(k) for k in ("save_to", "timeout") if k in args}
    return prompt, image, args, extra


LINEAGE_KEYS = frozenset({"parent_id", "relation", "take_group", "batch"})


def _with_lineage(found: dict[str, Any], lineage: Mapping[str, Any] | None) -> dict[str, Any]:
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
    import nest_asyncio

    nest_asyncio.apply(loop)
    return loop.run_until_complete(coro)


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


class Client(SyncDriver, TakesMethods, AuditMethods, _Core):
    """The blocking client.

    ``Client(api_key=None, base_url=None, *, timeout=30.0, journal=None, retry=DEFAULT_RETRY,
    legacy_paths=False, transport=None, schedule=None)``; ``transport`` is an
    ``httpx.BaseTransport`` (an async-capable one lets ``generate_many`` use it too).

    >>> client = Client()                      # demo mode without AIMLAPI_KEY
    >>> job = client.generate("waves roll in", image="beach.jpg")  # doctest: +SKIP
    """

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
        self._files.close()
        self.journal.close()  # its file only: a later use (a Run still finishing) reopens it

    def submit(
        self,
        prompt: str,
        image: ImageInput | Any = None,
        *,
        on_submit: OnUpdate | None = None,
        lineage: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        **options: Unpack[GenerateOptions],
    ) -> Job:
        """Validate, then create the job. Returns at once with the job's id. ``lineage``
        (``parent_id``, ``relation``, ``take_group``, ``batch``) is journaled with the create.
        ``timeout`` bounds the usage-log lookup of a create whose answer was lost (at most
        ``client.reconcile_timeout``, which is also the default)."""
        request, found = self._drive(self._prepare_plan(prompt, image, options))
        lineage = _with_lineage(found, lineage)
        return self._drive(self._submit_plan(request, on_submit, None, lineage, timeout))

    def get(self, job: JobLike) -> Job:
        """The job's current state (one poll); a failed job comes back with its error."""
        return self._drive(self._get_plan(job))

    def wait(
        self,
        job: JobLike,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        on_update: OnUpdate | None = None,
        stop: threading.Event | None = None,
    ) -> Job:
        """Poll until the job completes; raise ``GenerationFailedError`` or
        ``GenerationTimeoutError`` (the job goes on) otherwise. ``stop`` ends the wait early."""
        return self._drive(self._wait_plan(job, timeout, on_update), stop)

    def download(self, job: JobLike, path: PathLike | None = None) -> Path:
        """Stream the finished video to ``path`` (a file or a folder; default ``veo_outputs/``)."""
        return self._drive(self._download_plan(job, path))

    def generate(
        self,
        prompt: str,
        image: ImageInput | Any = None,
        *,
        save_to: PathLike | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        on_update: OnUpdate | None = None,
        on_submit: OnUpdate | None = None,
        lineage: Mapping[str, Any] | None = None,
        **options: Unpack[GenerateOptions],
    ) -> Job:
        """Submit, wait, download: the returned Job's ``path`` is the saved video.

        ``timeout`` also bounds the usage-log lookup of a create whose answer was lost
        (at most ``client.reconcile_timeout``). Ctrl-C raises ``WaitCancelled``; one that
        lands while the create is in flight first lets it be answered and journaled, so the
        error names the job."""
        request, found = self._drive(self._prepare_plan(prompt, image, options))
        plan = self._generate_plan(request, save_to, timeout, on_update, on_submit, None, _with_lineage(found, lineage))
        return self._drive(plan)

    def start(
        self,
        prompt: str,
        image: ImageInput | Any = None,
        *,
        save_to: PathLike | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        lineage: Mapping[str, Any] | None = None,
        **options: Unpack[GenerateOptions],
    ) -> Run:
        """Validate now (raising ``ValidationError``, or ``BudgetExceededError`` with a budget
        set), then generate on a daemon thread; returns the :class:`Run` handle at once.
        ``lineage`` (``parent_id``, ``relation``, ``take_group``, ``batch``) is journaled in
        the same write as the submission. ``timeout`` bounds the wait, and the usage-log
        lookup of a create whose answer was lost (at most ``client.reconcile_timeout``)."""
        request, found = self._drive(self._prepare_plan(prompt, image, options))
        lineage = _with_lineage(found, lineage)
        self._drive(self._before_create(request))  # a budget refuses here, like bad input
        crid = new_client_request_id()

        def plan(run: Run) -> Any:
            return self._generate_plan(request, save_to, timeout, run._observe, run._observe, crid, lineage)

        return Run(self, plan, self.duration_model(request.model), crid)

    def generate_many(
        self,
        items: Sequence[Mapping[str, Any]],
        *,
        concurrency: int = 4,
        save_to: PathLike | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        return_exceptions: bool = False,
    ) -> list[Any]:
        """Generate several videos, at most ``concurrency`` at once; every item is validated
        before the first is submitted. Results keep the items' order."""
        transport = self._transport
        if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
            raise TypeError("generate_many runs on the async client: give Client an async-capable transport")
        aclient = AsyncClient(**self._settings(), transport=transport)
        aclient.demo = self.demo
        aclient.share_money_settings(self)

        async def run() -> list[Any]:
            async with aclient:
                return await aclient.generate_many(
                    items,
                    concurrency=concurrency,
                    save_to=save_to,
                    timeout=timeout,
                    return_exceptions=return_exceptions,
                )

        return run_sync(run())


class AsyncClient(AsyncDriver, AsyncTakesMethods, AsyncAuditMethods, _Core):
    """The awaitable client: the same methods as :class:`Client`.

    Takes the same arguments as :class:`Client`; ``transport`` is an ``httpx.AsyncBaseTransport``.

    >>> async with AsyncClient() as client:                          # doctest: +SKIP
    ...     job = await client.generate("waves roll in", image="beach.jpg")
    """

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._files.aclose()
        await asyncio.to_thread(self.journal.close)  # it may wait for a writer: off the loop

    async def submit(
        self,
        prompt: str,
        image: ImageInput | Any = None,
        *,
        on_submit: OnUpdate | None = None,
        lineage: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        **options: Unpack[GenerateOptions],
    ) -> Job:
        """Validate, then create the job. Returns at once with the job's id; ``timeout`` as
        for the sync client."""
        request, found = await self._drive(self._prepare_plan(prompt, image, options))
        lineage = _with_lineage(found, lineage)
        return await self._drive(self._submit_plan(request, on_submit, None, lineage, timeout))

    async def get(self, job: JobLike) -> Job:
        return await self._drive(self._get_plan(job))

    async def wait(
        self,
        job: JobLike,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        on_update: OnUpdate | None = None,
        stop: asyncio.Event | None = None,
    ) -> Job:
        return await self._drive(self._wait_plan(job, timeout, on_update), stop)

    async def download(self, job: JobLike, path: PathLike | None = None) -> Path:
        return await self._drive(self._download_plan(job, path))

    async def generate(
        self,
        prompt: str,
        image: ImageInput | Any = None,
        *,
        save_to: PathLike | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        on_update: OnUpdate | None = None,
        on_submit: OnUpdate | None = None,
        lineage: Mapping[str, Any] | None = None,
        **options: Unpack[GenerateOptions],
    ) -> Job:
        request, found = await self._drive(self._prepare_plan(prompt, image, options))
        plan = self._generate_plan(request, save_to, timeout, on_update, on_submit, None, _with_lineage(found, lineage))
        return await self._drive(plan)

    async def start(
        self,
        prompt: str,
        image: ImageInput | Any = None,
        *,
        save_to: PathLike | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        lineage: Mapping[str, Any] | None = None,
        **options: Unpack[GenerateOptions],
    ) -> AsyncRun:
        """Validate now (raising ``ValidationError``, or ``BudgetExceededError`` with a budget
        set), then generate in a task; returns the :class:`AsyncRun` handle at once (``await
        run`` or ``await run.wait()``)."""
        request, found = await self._drive(self._prepare_plan(prompt, image, options))
        lineage = _with_lineage(found, lineage)
        await self._drive(self._before_create(request))  # a budget refuses here, like bad input
        model = await asyncio.to_thread(self.duration_model, request.model)
        crid = new_client_request_id()

        def plan(run: AsyncRun) -> Any:
            return self._generate_plan(request, save_to, timeout, run._observe, run._observe, crid, lineage)

        return AsyncRun(self, plan, model, crid)

    async def _prepare_items(self, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Validate every item of a batch before any of them is submitted."""
        out = []
        for index, item in enumerate(items):
            prompt, image, options, extra = _split_item(index, item)
            try:
                request, lineage = await self._drive(self._prepare_plan(prompt, image, options))
            except ValidationError as exc:
                raise exc.within(f"items[{index}]") from None
            except TypeError as exc:
                raise ValidationError(f"items[{index}]", str(exc)) from None
            out.append({"request": request, "lineage": lineage, **extra})
        return out

    async def generate_many(
        self,
        items: Sequence[Mapping[str, Any]],
        *,
        concurrency: int = 4,
        save_to: PathLike | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        return_exceptions: bool = False,
    ) -> list[Any]:
        if concurrency < 1:
            raise ValidationError("concurrency", "must be at least 1")
        prepared = await self._prepare_items(items)
        await self._drive(self._batch_plan([item["request"] for item in prepared]))  # its estimate; refused whole
        if save_to is not None:
            # Several videos: ``save_to`` is always a folder, never one file overwritten N times.
            Path(save_to).expanduser().mkdir(parents=True, exist_ok=True)
        gate = asyncio.Semaphore(concurrency)
        batch = "batch-" + secrets.token_hex(6)  # the journal groups the batch's jobs by it

        async def one(item: dict[str, Any]) -> Job:
            async with gate:
                plan = self._generate_plan(
                    item["request"],
                    item.get("save_to", save_to),
                    item.get("timeout", timeout),
                    None,
                    None,
                    None,
                    {**item["lineage"], "batch": batch},
                )
                return await self._drive(plan)

        # Every job runs to its end even when another fails: each one is paid for.
        results = await asyncio.gather(*(one(item) for item in prepared), return_exceptions=True)
        if not return_exceptions:
            for result in results:
                if isinstance(result, BaseException):
                    raise result
        return list(results)
