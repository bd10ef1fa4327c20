"""The async driver: performs a plan's steps with awaits, by the rules ``_drivers`` states
for both drivers (local steps always performed, in a worker thread here; a stop noticed
between steps; a create in flight never abandoned; no part file left behind). The
journal writes asked for in one turn of the event loop are committed together
(``_group``), and at most ``MAX_IN_FLIGHT`` requests are in httpx at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import httpx

from .._errors import VeoError, WaitCancelled
from ..protocol._download import CHUNK, Fetched, broken, complete, open_part, refusal, refused
from ..protocol._steps import (
    LOCAL_STEPS,
    Fetch,
    Plan,
    Primitive,
    Record,
    RecordOutcome,
    RecordState,
    RecordSubmission,
    Send,
    Sleep,
    Stopped,
)
from ._core import Core
from ._drivers import auth_headers, cleanup, closed_error, query_of, tls_context
from ._group import GroupWriter
from ._http11 import api_transport
from ._local import adopt, learn_from, perform_local

__all__ = ["MAX_IN_FLIGHT", "AsyncDriver"]

#: The journal writes the async driver commits together (``_group``).
GROUPED = (RecordSubmission, Record, RecordOutcome, RecordState)
#: Requests one async client has in flight at once (its connections' number). More wait
#: their turn on a semaphore, outside the transport (httpcore's pool, when a proxy is
#: set, rescans its whole queue for each request: with a thousand queued, that scan was
#: most of the client's CPU).
MAX_IN_FLIGHT = 16

T = TypeVar("T")


class AsyncDriver:
    """Performs plans with awaits; blocking local work runs in worker threads."""

    def __init__(self, core: Core) -> None:
        self._core = core
        transport = core.transport
        # Every connection kept alive: one closed after each burst must be opened again.
        limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)
        tls = tls_context()
        self._api = api_transport(transport, ssl_context=tls, max_idle=MAX_IN_FLIGHT)
        self._http = httpx.AsyncClient(
            base_url=core.base_url, timeout=core.timeout, transport=self._api, limits=limits, verify=tls
        )
        # A transport at hand (ours, or the one given) gets requests straight (``_straight``).
        self._base = str(self._http.base_url).rstrip("/") + "/"
        self._timeouts = self._http.timeout.as_dict()
        self._defaults = {name.lower(): value for name, value in self._http.headers.items()}
        self._gates: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
        self._writers: dict[asyncio.AbstractEventLoop, GroupWriter] = {}
        # Result URLs live on a CDN: this client never carries the key.
        self._files = httpx.AsyncClient(transport=transport, timeout=core.timeout, follow_redirects=True, verify=tls)

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._files.aclose()

    async def drive(self, plan: Plan[T], stop: asyncio.Event | None = None) -> T:
        """Run ``plan`` to its end and return its value; ``stop`` ends it early."""
        parts: set[Path] = set()
        interrupt: BaseException | None = None
        try:
            step = next(plan)
            while True:
                if isinstance(step, GROUPED):
                    step = plan.send(await self._writer().write(step))
                    continue
                if isinstance(step, LOCAL_STEPS):
                    step = plan.send(await asyncio.to_thread(perform_local, self._core, step, parts))
                    continue
                if interrupt is not None or (stop is not None and stop.is_set()):
                    step = plan.throw(Stopped())
                    continue
                try:
                    result, interrupt = await self._perform(step, stop, parts)
                except Stopped:
                    step = plan.throw(Stopped())
                    continue
                except asyncio.CancelledError as exc:
                    interrupt = exc  # from here on, Stopped is thrown in place of each step
                    in_flight = isinstance(step, Send) and step.must_finish  # cancelled twice
                    step = plan.throw(Stopped(in_flight=in_flight))
                    continue
                step = plan.send(result)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        except VeoError as exc:
            self._core.scrub(exc)
            if isinstance(interrupt, asyncio.CancelledError) and isinstance(exc, WaitCancelled):
                raise interrupt from exc  # a cancelled task ends cancelled, the journal right
            raise
        finally:
            cleanup(plan, parts)

    def _writer(self) -> GroupWriter:
        """This event loop's group commit (a client may be used from several loops in turn)."""
        loop = asyncio.get_running_loop()
        writer = self._writers.get(loop)
        if writer is None:
            self._writers = {known: w for known, w in self._writers.items() if not known.is_closed()}
            writer = self._writers[loop] = GroupWriter(self._core.journal, self._write, learn_from)
        return writer

    def _write(self, step: Any) -> Any:
        # A journal write touches no part file; the batch's charges are learned together.
        return perform_local(self._core, step, set(), learn=False)

    def _gate(self) -> asyncio.Semaphore:
        """This event loop's limit of requests in flight."""
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            self._gates = {known: g for known, g in self._gates.items() if not known.is_closed()}
            gate = self._gates[loop] = asyncio.Semaphore(MAX_IN_FLIGHT)
        return gate

    async def _perform(
        self, step: Primitive, stop: asyncio.Event | None, parts: set[Path]
    ) -> tuple[Any, BaseException | None]:
        if isinstance(step, Sleep):
            if stop is None:
                await asyncio.sleep(step.seconds)
                return None, None
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), step.seconds)
                raise Stopped
            return None, None
        if isinstance(step, Send):
            if step.must_finish:
                return await self._settle(step)
            return await self._send(step), None
        assert isinstance(step, Fetch)
        parts.add(step.part)
        return await self._fetch(step, stop), None

    async def _settle(self, send: Send) -> tuple[Any, BaseException | None]:
        """Send in its own task; a cancellation meanwhile waits for the answer."""
        task = asyncio.ensure_future(self._send(send))
        try:
            return await asyncio.shield(task), None
        except asyncio.CancelledError as exc:
            try:
                return await asyncio.shield(task), exc
            except asyncio.CancelledError:  # a second cancellation gives up waiting
                task.add_done_callback(lambda done: self._adopt_later(send, done))
                raise

    def _adopt_later(self, send: Send, done: asyncio.Future[Any]) -> None:
        if not done.cancelled() and done.exception() is None:
            asyncio.get_running_loop().run_in_executor(None, adopt, self._core, send, done.result())

    async def _send(self, step: Send) -> httpx.Response | httpx.TransportError:
        if self._http.is_closed:
            return closed_error(step)
        try:
            headers = {**auth_headers(self._core, step), **step.headers}
            async with self._gate():
                if self._api is None:  # behind a proxy: httpx's client and transport
                    response = await self._http.request(
                        step.method, step.path, params=query_of(step), json=step.json, headers=headers
                    )
                else:
                    response = await self._straight(self._api, step, headers)
                await response.aread()
            return response
        except httpx.TransportError as exc:
            return exc

    async def _straight(
        self, transport: httpx.AsyncBaseTransport, step: Send, headers: Mapping[str, str]
    ) -> httpx.Response:
        """``step`` sent by ``transport`` itself, with httpx's client's base URL, default
        headers and timeouts but not its layer (URL merging, cookies, redirects, hooks):
        that layer was a third of the event loop's time per poll."""
        path = step.path
        url = path if "://" in path.partition("?")[0] else self._base + path.lstrip("/")
        merged = {**self._defaults, **{name.lower(): value for name, value in headers.items()}}
        request = httpx.Request(
            step.method,
            url,
            params=query_of(step),
            headers=merged,
            json=step.json,
            extensions={"timeout": self._timeouts},
        )
        response = await transport.handle_async_request(request)
        response.request = request
        return response

    async def _fetch(self, fetch: Fetch, stop: asyncio.Event | None) -> Fetched:
        headers = {"Range": f"bytes={fetch.offset}-"} if fetch.offset else {}
        try:
            async with self._files.stream("GET", fetch.url, headers=headers) as response:
                if refused(response):
                    await response.aread()
                    return refusal(response, fetch.offset)
                out, size = open_part(response, fetch)
                start = size
                with out:
                    async for chunk in response.aiter_bytes(CHUNK):
                        out.write(chunk)
                        size += len(chunk)
                        if stop is not None and stop.is_set():
                            raise Stopped
                return Fetched(response.status_code, complete(response, size, start), size)
        except httpx.TransportError as exc:
            return broken(fetch, exc)
