"""``Client`` and ``AsyncClient``: the same methods, one set of logic.

Every operation (submit, get, wait, download, generate) is written once, in ``_Core``, as a
*plan*: a generator that composes the protocol's flows with ``yield from`` and yields only
three primitive steps, :class:`~._flows.Send`, :class:`~._flows.Sleep` and
:class:`_Fetch` (one attempt at streaming a result to disk). Each client is a driver that
performs those steps, one with blocking calls, the other with awaits; the journal's
bookkeeping, validation and retry decisions never exist twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, TypedDict, TypeVar

import httpx
from typing_extensions import Unpack

from ._config import DEMO_NOTICE, Secret, Settings, output_dir
from ._errors import (
    APIConnectionError,
    AuthenticationError,
    NotFoundError,
    ServerError,
    ValidationError,
    VeoError,
    WaitCancelled,
)
from ._flows import (
    CREATE_PATH,
    DEFAULT_RETRY,
    LEGACY_CREATE_PATH,
    RetryPolicy,
    Send,
    Sleep,
    create_flow,
    new_client_request_id,
    poll_flow,
)
from ._images import ImageInput, prepare_image
from ._journal import NOT_SUBMITTED, UNCONFIRMED, Journal
from ._models import Job, VideoRequest, validate_options
from ._responses import api_error
from ._schedule import DurationModel, PollSchedule

__all__ = ["AsyncClient", "Client", "GenerateOptions", "JobLike", "OnUpdate"]

JobLike = Job | str
OnUpdate = Callable[[Job], Any]
PathLike = str | os.PathLike[str]
T = TypeVar("T")

DEFAULT_WAIT_TIMEOUT = 600.0
CHUNK = 1 << 16
_demo_announced = False


class GenerateOptions(TypedDict, total=False):
    """The create options every generating method takes (all optional)."""

    aspect_ratio: str
    resolution: str
    duration: int
    negative_prompt: str | None
    seed: int | None
    enhance_prompt: bool
    generate_audio: bool
    model: str


def _announce_demo() -> None:
    global _demo_announced
    if not _demo_announced:
        _demo_announced = True
        print(f"veo_widgets {DEMO_NOTICE}", file=sys.stderr)


def _slug(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "video"


# --------------------------------------------------------------------------- downloads


@dataclass(frozen=True)
class _Fetch:
    """One download attempt: GET ``url`` from byte ``offset``, appending to ``part``."""

    url: str
    offset: int
    part: Path


@dataclass(frozen=True)
class _Fetched:
    status: int
    complete: bool
    size: int
    error: Exception | None = None


Primitive = Send | Sleep | _Fetch
Plan = Generator[Primitive, Any, T]


def _download_flow(url: str, part: Path, retry: RetryPolicy) -> Generator[_Fetch | Sleep, Any, int]:
    """Fetch until the whole body is on disk, resuming with Range after a broken stream."""
    offset = 0
    failures = 0
    while True:
        got = yield _Fetch(url, offset, part)
        assert isinstance(got, _Fetched)
        if got.complete:
            return got.size
        if got.error is None and got.status in (401, 403, 404, 410):
            raise NotFoundError("the result URL has expired or is not available", status_code=got.status)
        failures += 1
        if failures >= retry.attempts:
            if isinstance(got.error, VeoError):
                raise got.error
            raise APIConnectionError(f"the download failed after {failures} tries: {got.error or got.status}")
        offset = got.size
        yield Sleep(retry.delay(failures))


def _refused(response: httpx.Response) -> bool:
    """True when a result response must not be written to the video file."""
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    # A proxy's error page served with a 200 must never be saved as the video.
    not_video = kind.startswith("text/") or kind in ("application/json", "application/problem+json", "application/xml")
    return response.status_code >= 400 or not_video


def _refusal(response: httpx.Response, offset: int) -> _Fetched:
    """The failed attempt for a refused response (its body already read)."""
    if response.status_code in (401, 403, 404, 410):
        return _Fetched(response.status_code, False, offset)
    if response.status_code >= 400:
        return _Fetched(response.status_code, False, offset, api_error(response))
    kind = response.headers.get("content-type", "")
    error = ServerError(f"the result URL answered {kind} in place of the video", status_code=response.status_code)
    return _Fetched(response.status_code, False, offset, error)


def _open_part(response: httpx.Response, fetch: _Fetch) -> tuple[IO[bytes], int]:
    """The part file to write into and the byte count already in it."""
    if response.status_code == 206:
        return open(fetch.part, "ab"), fetch.offset
    return open(fetch.part, "wb"), 0


def _complete(response: httpx.Response, size: int, start: int) -> bool:
    expected = response.headers.get("content-length")
    return expected is None or size - start >= int(expected)


def _broken(fetch: _Fetch, exc: httpx.TransportError) -> _Fetched:
    return _Fetched(0, False, fetch.part.stat().st_size if fetch.part.exists() else 0, exc)


class _Stopped(Exception):
    """Thrown into a plan when the caller's stop event is set during a Sleep."""


# --------------------------------------------------------------------------- the core


class _Core:
    """Settings, validation, the journal's bookkeeping, and every operation as a plan."""

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
    ) -> None:
        settings = Settings.resolve(api_key, base_url)
        self.demo = settings.demo
        if self.demo and transport is None:
            from .emulator import demo_emulator

            emulator = demo_emulator()
            settings = Settings(base_url=emulator.url, api_key=Secret(emulator.api_key), demo=True)
            _announce_demo()
        self.base_url = settings.base_url
        self._key = settings.api_key
        self.journal = journal or Journal()
        self.retry = retry
        self._create_path = LEGACY_CREATE_PATH if legacy_paths else CREATE_PATH
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout, connect=10.0)
        self._transport = transport
        self._fixed_schedule = schedule

    def __repr__(self) -> str:
        mode = "demo" if self.demo else "live"
        key = "set" if self._key else "missing"
        return f"{type(self).__name__}({self.base_url!r}, {mode}, key {key})"

    # ------------------------------------------------------------ helpers

    def _headers(self) -> dict[str, str]:
        if not self._key:
            raise AuthenticationError(
                "no API key. Set the AIMLAPI_KEY environment variable (or pass api_key=...); "
                "or unset VEO_DEMO=0 to use demo mode",
                status_code=401,
            )
        return {"Authorization": f"Bearer {self._key.reveal()}", "Accept": "application/json"}

    def _scrub(self, exc: BaseException) -> None:
        """Make sure no error text carries the key, whatever a server echoed."""
        if not self._key:
            return
        secret = self._key.reveal()
        if any(secret in str(a) for a in exc.args):
            exc.args = tuple(str(a).replace(secret, "[redacted]") for a in exc.args)
            if isinstance(exc, VeoError):
                exc.message = exc.message.replace(secret, "[redacted]")

    def build_request(self, prompt: object, image: ImageInput | Any, **options: Any) -> VideoRequest:
        """Validate everything and prepare the image: raises ``ValidationError``, sends nothing."""
        fields = validate_options(**options)
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValidationError("prompt", "write what should happen in the video")
        prepared = prepare_image(image, aspect_ratio=fields["aspect_ratio"], resolution=fields["resolution"])
        return VideoRequest(prompt=prompt.strip(), image=prepared.value, image_source=prepared.source, **fields)

    def _resolve(self, job: JobLike) -> Job:
        if isinstance(job, Job):
            return job
        if not isinstance(job, str) or not job.strip():
            raise ValidationError("job", f"expected a Job or a generation id, not {job!r}")
        found = self.journal.find(job.strip())
        if found is not None and found.id:
            return found
        if found is not None:
            raise ValidationError(
                "job",
                f"{job} is a create request whose answer never arrived ({found.status}); "
                "it has no generation id to poll",
            )
        return Job(id=job.strip(), status="queued", base_url=self.base_url, demo=self.demo)

    def duration_model(self) -> DurationModel:
        """How long jobs take here, learned from this machine's past jobs of the same kind."""
        prior = DurationModel()
        if self.demo:
            # Demo jobs take VEO_DEMO_SECONDS plus a few seconds of rendering.
            prior = DurationModel(median=float(os.environ.get("VEO_DEMO_SECONDS", "12")) + 4.0, sigma=0.35)
        return DurationModel.fit(self.journal.durations(demo=self.demo), prior=prior)

    def _schedule(self) -> PollSchedule:
        return self._fixed_schedule or PollSchedule(self.duration_model())

    def _target(self, job: Job, path: PathLike | None) -> Path:
        if path is not None:
            target = Path(path).expanduser()
            # A folder: one that exists, ends with a slash, or has no suffix ("clips").
            if target.is_dir() or str(path).endswith(("/", os.sep)) or not target.suffix:
                return target / self._filename(job)
            return target
        return output_dir() / self._filename(job)

    @staticmethod
    def _filename(job: Job) -> str:
        prompt = str((job.request or {}).get("prompt") or "video")
        stamp = job.created_at.astimezone().strftime("%Y%m%d-%H%M%S")
        short = re.sub(r"[^A-Za-z0-9]", "", job.id)[:8] or "job"
        return f"{stamp}_{_slug(prompt)}_{short}.mp4"

    # ------------------------------------------------------------ plans

    def _submit_plan(self, request: VideoRequest, on_submit: OnUpdate | None) -> Plan[Job]:
        self._headers()  # a missing key is reported before anything is journaled or sent
        crid = new_client_request_id()
        self.journal.record_submission(crid, base_url=self.base_url, demo=self.demo, request=request.summary())
        try:
            job = yield from create_flow(request, client_request_id=crid, path=self._create_path, retry=self.retry)
        except VeoError as exc:
            status = UNCONFIRMED if exc.may_exist else NOT_SUBMITTED
            self.journal.record_outcome(crid, status=status, error=str(exc))
            raise
        now = datetime.now(timezone.utc)
        job = job.evolve(base_url=self.base_url, demo=self.demo, created_at=now, updated_at=now)
        self.journal.record(job)
        if on_submit is not None:
            on_submit(job)
        return job

    def _get_plan(self, job: JobLike) -> Plan[Job]:
        found = self._resolve(job)
        flow = poll_flow(found, timeout=None, schedule=self._schedule(), path=self._create_path, once=True)
        result = yield from flow
        self.journal.record(result)
        return result

    def _wait_plan(self, job: JobLike, timeout: float | None, on_update: OnUpdate | None) -> Plan[Job]:
        found = self._resolve(job)
        if found.ok and found.video_url:
            return found

        def observe(update: Job) -> None:
            self.journal.record(update)
            if on_update is not None:
                on_update(update)

        flow = poll_flow(
            found,
            timeout=timeout,
            schedule=self._schedule(),
            path=self._create_path,
            retry=self.retry,
            on_update=observe,
        )
        try:
            return (yield from flow)
        except _Stopped:
            raise WaitCancelled(found) from None

    def _fetch_plan(self, url: str, target: Path) -> Plan[None]:
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        try:
            yield from _download_flow(url, part, self.retry)
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)

    def _download_plan(self, job: JobLike, path: PathLike | None) -> Plan[Path]:
        found = self._resolve(job)
        if not (found.ok and found.video_url) or (found.base_url and found.base_url != self.base_url):
            # Not finished, or found in the journal from another session whose URL may point
            # at a server that is gone (a restarted demo emulator): ask for a fresh one.
            found = yield from self._get_plan(found)
            if not found.ok:
                raise ValidationError("job", f"{found.id} is {found.status}, not completed; wait for it first")
        target = self._target(found, path)
        try:
            yield from self._fetch_plan(found.video_url or "", target)
        except (NotFoundError, APIConnectionError):
            # The URL may have expired: the API may hand out a fresh one; try that once.
            fresh = yield from self._get_plan(found.evolve(video_url=None))
            if not fresh.video_url or fresh.video_url == found.video_url:
                raise
            found = fresh
            yield from self._fetch_plan(found.video_url or "", target)
        self.journal.record(found.evolve(path=target.resolve()))
        return target

    def _generate_plan(
        self,
        request: VideoRequest,
        save_to: PathLike | None,
        timeout: float | None,
        on_update: OnUpdate | None,
        on_submit: OnUpdate | None,
    ) -> Plan[Job]:
        job = yield from self._submit_plan(request, on_submit)
        try:
            job = yield from self._wait_plan(job, timeout, on_update)
            path = yield from self._download_plan(job, save_to)
        except _Stopped:
            raise WaitCancelled(job) from None
        return job.evolve(path=path.resolve())


def _prepare_items(core: _Core, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validate every item of a batch before any of them is submitted."""
    out = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ValidationError(f"items[{index}]", "each item is a dict of generate()'s arguments")
        args = dict(item)
        try:
            prompt = args.pop("prompt")
            image = args.pop("image")
        except KeyError as missing:
            raise ValidationError(f"items[{index}].{missing.args[0]}", "is required") from None
        extra: dict[str, Any] = {k: args.pop(k) for k in ("save_to", "timeout") if k in args}
        try:
            request = core.build_request(prompt, image, **args)
        except ValidationError as exc:
            raise ValidationError(f"items[{index}].{exc.field}", str(exc).split(": ", 1)[-1]) from None
        except TypeError as exc:
            raise ValidationError(f"items[{index}]", str(exc)) from None
        entry: dict[str, Any] = {"request": request}
        entry.update(extra)
        out.append(entry)
    return out


def run_sync(coro: Awaitable[T]) -> T:
    """Run a coroutine to completion from synchronous code, even inside a running loop.

    In a notebook the kernel's loop is already running, so ``asyncio.run`` refuses; there we
    apply nest_asyncio (once, lazily, only to that loop) and let it run the coroutine.
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


# --------------------------------------------------------------------------- the drivers


class Client(_Core):
    """The blocking client.

    >>> client = Client()                      # demo mode without AIMLAPI_KEY
    >>> job = client.generate("waves roll in", image="beach.jpg")  # doctest: +SKIP
    """

    def __init__(
        self,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout = 30.0,
        journal: Journal | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        legacy_paths: bool = False,
        transport: httpx.BaseTransport | None = None,
        schedule: PollSchedule | None = None,
    ) -> None:
        super().__init__(
            api_key,
            base_url,
            timeout=timeout,
            journal=journal,
            retry=retry,
            legacy_paths=legacy_paths,
            transport=transport,
            schedule=schedule,
        )
        self._http = httpx.Client(base_url=self.base_url, timeout=self._timeout, transport=transport)
        # Result URLs live on a CDN: this client never carries the key.
        self._files = httpx.Client(transport=transport, timeout=self._timeout, follow_redirects=True)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
        self._files.close()

    def _drive(self, plan: Plan[T], stop: threading.Event | None = None) -> T:
        try:
            step = next(plan)
            while True:
                try:
                    result = self._perform(step, stop)
                except _Stopped as stopped:
                    step = plan.throw(stopped)
                    continue
                step = plan.send(result)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        except VeoError as exc:
            self._scrub(exc)
            raise

    def _perform(self, step: Primitive, stop: threading.Event | None) -> Any:
        if isinstance(step, Sleep):
            if stop is None:
                time.sleep(step.seconds)
            elif stop.wait(step.seconds):
                raise _Stopped
            return None
        if isinstance(step, Send):
            try:
                headers = {**self._headers(), **step.headers}
                response = self._http.request(step.method, step.path, json=step.json, headers=headers)
                response.read()
                return response
            except httpx.TransportError as exc:
                return exc
        return self._fetch(step)

    def _fetch(self, fetch: _Fetch) -> _Fetched:
        headers = {"Range": f"bytes={fetch.offset}-"} if fetch.offset else {}
        try:
            with self._files.stream("GET", fetch.url, headers=headers) as response:
                if _refused(response):
                    response.read()
                    return _refusal(response, fetch.offset)
                out, size = _open_part(response, fetch)
                start = size
                with out:
                    for chunk in response.iter_bytes(CHUNK):
                        out.write(chunk)
                        size += len(chunk)
                return _Fetched(response.status_code, _complete(response, size, start), size)
        except httpx.TransportError as exc:
            return _broken(fetch, exc)

    # ------------------------------------------------------------ the API

    def submit(
        self,
        prompt: str,
        image: ImageInput | Any = None,
        *,
        on_submit: OnUpdate | None = None,
        **options: Unpack[GenerateOptions],
    ) -> Job:
        """Validate, then create the job. Returns at once with the job's id."""
        return self._submit(self.build_request(prompt, image, **options), on_submit)

    def _submit(self, request: VideoRequest, on_submit: OnUpdate | None = None) -> Job:
        return self._drive(self._submit_plan(request, on_submit))

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

    def _fetch_to(self, url: str, target: Path) -> None:
        self._drive(self._fetch_plan(url, target))

    def generate(
        self,
        prompt: str,
        image: ImageInput | Any = None,
        *,
        save_to: PathLike | None = None,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        on_update: OnUpdate | None = None,
        on_submit: OnUpdate | None = None,
        **options: Unpack[GenerateOptions],
    ) -> Job:
        """Submit, wait, download: the returned Job's ``path`` is the saved video."""
        request = self.build_request(prompt, image, **options)
        return self._generate(request, save_to=save_to, timeout=timeout, on_update=on_update, on_submit=on_submit)

    def _generate(
        self,
        request: VideoRequest,
        *,
        save_to: PathLike | None,
        timeout: float | None,
        on_update: OnUpdate | None = None,
        on_submit: OnUpdate | None = None,
        stop: threading.Event | None = None,
    ) -> Job:
        return self._drive(self._generate_plan(request, save_to, timeout, on_update, on_submit), stop)

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
        aclient = AsyncClient(
            self._key,
            self.base_url,
            timeout=self._timeout,
            journal=self.journal,
            retry=self.retry,
            legacy_paths=self._create_path == LEGACY_CREATE_PATH,
            transport=transport,
            schedule=self._fixed_schedule,
        )
        aclient.demo = self.demo

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


class AsyncClient(_Core):
    """The awaitable client: the same methods as :class:`Client`.

    >>> async with AsyncClient() as client:                          # doctest: +SKIP
    ...     job = await client.generate("waves roll in", image="beach.jpg")
    """

    def __init__(
        self,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout = 30.0,
        journal: Journal | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        legacy_paths: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        schedule: PollSchedule | None = None,
    ) -> None:
        super().__init__(
            api_key,
            base_url,
            timeout=timeout,
            journal=journal,
            retry=retry,
            legacy_paths=legacy_paths,
            transport=transport,
            schedule=schedule,
        )
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._http = httpx.AsyncClient(
            base_url=self.base_url, timeout=self._timeout, transport=transport, limits=limits
        )
        self._files = httpx.AsyncClient(transport=transport, timeout=self._timeout, follow_redirects=True)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._files.aclose()

    async def _drive(self, plan: Plan[T], stop: asyncio.Event | None = None) -> T:
        try:
            step = next(plan)
            while True:
                try:
                    result = await self._perform(step, stop)
                except _Stopped as stopped:
                    step = plan.throw(stopped)
                    continue
                step = plan.send(result)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        except VeoError as exc:
            self._scrub(exc)
            raise

    async def _perform(self, step: Primitive, stop: asyncio.Event | None) -> Any:
        if isinstance(step, Sleep):
            if stop is None:
                await asyncio.sleep(step.seconds)
                return None
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), step.seconds)
                raise _Stopped
            return None
        if isinstance(step, Send):
            try:
                headers = {**self._headers(), **step.headers}
                response = await self._http.request(step.method, step.path, json=step.json, headers=headers)
                await response.aread()
                return response
            except httpx.TransportError as exc:
                return exc
        return await self._fetch(step)

    async def _fetch(self, fetch: _Fetch) -> _Fetched:
        headers = {"Range": f"bytes={fetch.offset}-"} if fetch.offset else {}
        try:
            async with self._files.stream("GET", fetch.url, headers=headers) as response:
                if _refused(response):
                    await response.aread()
                    return _refusal(response, fetch.offset)
                out, size = _open_part(response, fetch)
                start = size
                with out:
                    async for chunk in response.aiter_bytes(CHUNK):
                        out.write(chunk)
                        size += len(chunk)
                return _Fetched(response.status_code, _complete(response, size, start), size)
        except httpx.TransportError as exc:
            return _broken(fetch, exc)

    # ------------------------------------------------------------ the API

    async def submit(
        self,
        prompt: str,
        image: ImageInput | Any = None,
        *,
        on_submit: OnUpdate | None = None,
        **options: Unpack[GenerateOptions],
    ) -> Job:
        """Validate, then create the job. Returns at once with the job's id."""
        # Decoding and scaling a photo takes tens of milliseconds: not on the event loop.
        request = await asyncio.to_thread(self.build_request, prompt, image, **options)
        return await self._drive(self._submit_plan(request, on_submit))

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
        **options: Unpack[GenerateOptions],
    ) -> Job:
        request = await asyncio.to_thread(self.build_request, prompt, image, **options)
        return await self._drive(self._generate_plan(request, save_to, timeout, on_update, on_submit))

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
        prepared = await asyncio.to_thread(_prepare_items, self, items)
        if save_to is not None:
            # Several videos: ``save_to`` is always a folder, never one file overwritten N times.
            Path(save_to).expanduser().mkdir(parents=True, exist_ok=True)
        gate = asyncio.Semaphore(concurrency)

        async def one(item: dict[str, Any]) -> Job:
            async with gate:
                plan = self._generate_plan(
                    item["request"], item.get("save_to", save_to), item.get("timeout", timeout), None, None
                )
                return await self._drive(plan)

        # Every job runs to its end even when another fails: each one is paid for.
        results = await asyncio.gather(*(one(item) for item in prepared), return_exceptions=True)
        if not return_exceptions:
            for result in results:
                if isinstance(result, BaseException):
                    raise result
        return list(results)
