"""The two drivers: perform a plan's steps with blocking calls, or with awaits.

Both follow the same rules:

- Local steps (journal writes, committing or discarding a part file) are always performed,
  even after a stop; the async driver performs them in a worker thread, off the event loop.
- A stop (the caller's event) is noticed before a network step begins, during a sleep and
  between the chunks of a download; ``Stopped`` (``protocol/_steps``) is thrown into the plan,
  which turns it into ``WaitCancelled`` with the journal right.
- A ``Send(must_finish=True)`` (the create) is never abandoned once it may have left: a
  Ctrl-C (sync) or a task cancellation (async) that arrives while it is in flight waits for
  its answer, lets the plan journal the job, then stops the plan. A second Ctrl-C gives up
  waiting (the journal row stays ``unconfirmed``, which is the truth).
- Every plan is closed in ``finally`` and any part file it left is removed, so an interrupt
  never leaves a ``.part`` behind or cleanup to the garbage collector.
"""

from __future__ import annotations

import functools
import ssl
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import httpx

from .._errors import VeoError, WaitCancelled
from ..protocol._download import CHUNK, Fetched, broken, complete, open_part, refusal, refused
from ..protocol._retry import ClientClosed
from ..protocol._steps import (
    LOCAL_STEPS,
    Fetch,
    Plan,
    Primitive,
    Send,
    Sleep,
    Stopped,
)
from ._core import Core
from ._local import adopt, perform_local

__all__ = ["SyncDriver", "auth_headers", "cleanup", "closed_error", "query_of", "tls_context"]


T = TypeVar("T")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings every client of this process shares: httpx's defaults (certifi's CA
    bundle), loaded once. Loading the bundle is most of what making a client costs (about
    50 ms for each of its two connections), and a notebook or a test suite makes many."""
    return httpx.create_ssl_context()


def query_of(step: Send) -> httpx.QueryParams | None:
    """``Send.params`` as httpx takes them: pairs keep repeated names (``model=a&model=b``)."""
    if not step.params:
        return None
    pairs: list[tuple[str, str | int | float | bool | None]]
    pairs = list(step.params.items()) if isinstance(step.params, Mapping) else list(step.params)
    return httpx.QueryParams(pairs)


def auth_headers(core: Core, step: Send) -> dict[str, str]:
    return core.headers() if step.auth else {"Accept": "application/json"}


def closed_error(step: Send) -> ClientClosed:
    """The client was closed (a batch stopping under its rows): nothing left this machine,
    so a create is journaled ``not_submitted``, never ``unconfirmed``."""
    request = httpx.Request(step.method, step.path)
    return ClientClosed("the client has been closed; the request was not sent", request=request)


def cleanup(plan: Plan[Any], parts: set[Path]) -> None:
    plan.close()
    for part in parts:
        part.unlink(missing_ok=True)


class SyncDriver:
    """Performs plans with blocking httpx calls on the calling thread."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self._lock = threading.Lock()
        self._clients: tuple[httpx.Client, httpx.Client] | None = None
        self._closed = False

    def _open(self) -> tuple[httpx.Client, httpx.Client]:
        """The API's client and the files' one, made on first use: httpx loads its transport
        then (httpcore, and trio where it is installed), not while a panel's cell runs."""
        with self._lock:
            if self._clients is None:
                core, tls = self._core, tls_context()
                api = httpx.Client(base_url=core.base_url, timeout=core.timeout, transport=core.transport, verify=tls)
                # Result URLs live on a CDN: this client never carries the key.
                files = httpx.Client(transport=core.transport, timeout=core.timeout, follow_redirects=True, verify=tls)
                self._clients = (api, files)
                if self._closed:  # closed before its first request: it stays closed
                    api.close()
                    files.close()
            return self._clients

    @property
    def _http(self) -> httpx.Client:
        return self._open()[0]

    @property
    def _files(self) -> httpx.Client:
        return self._open()[1]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for client in self._clients or ():
                client.close()

    def drive(self, plan: Plan[T], stop: threading.Event | None = None) -> T:
        """Run ``plan`` to its end and return its value; ``stop`` ends it early."""
        parts: set[Path] = set()
        settled: list[Any] = []  # a create's answer, kept even if Ctrl-C lands as it returns
        interrupt: BaseException | None = None
        try:
            step = next(plan)
            while True:
                if isinstance(step, LOCAL_STEPS):
                    step = plan.send(perform_local(self._core, step, parts))
                    continue
                if interrupt is not None or (stop is not None and stop.is_set()):
                    step = plan.throw(Stopped())
                    continue
                try:
                    result, interrupt = self._perform(step, stop, parts, settled)
                except Stopped:
                    step = plan.throw(Stopped())
                    continue
                except KeyboardInterrupt as exc:
                    interrupt = exc  # from here on, Stopped is thrown in place of each step
                    if not settled:
                        in_flight = isinstance(step, Send) and step.must_finish
                        step = plan.throw(Stopped(in_flight=in_flight))
                        continue
                    result = settled[0]
                settled.clear()
                step = plan.send(result)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        except VeoError as exc:
            self._core.scrub(exc)
            if interrupt is not None and isinstance(exc, WaitCancelled):
                raise exc from interrupt
            raise
        finally:
            cleanup(plan, parts)

    def _perform(
        self, step: Primitive, stop: threading.Event | None, parts: set[Path], settled: list[Any]
    ) -> tuple[Any, BaseException | None]:
        if isinstance(step, Sleep):
            if stop is None:
                time.sleep(step.seconds)
            elif stop.wait(step.seconds):
                raise Stopped
            return None, None
        if isinstance(step, Send):
            if step.must_finish:
                return self._settle(step, settled)
            return self._send(step), None
        assert isinstance(step, Fetch)
        parts.add(step.part)
        return self._fetch(step, stop), None

    def _settle(self, send: Send, settled: list[Any]) -> tuple[Any, BaseException | None]:
        """Send on a helper thread; a Ctrl-C meanwhile waits for the answer (a second gives up)."""
        answered, abandoned = threading.Event(), threading.Event()

        def send_it() -> None:
            try:
                settled.append(self._send(send))
            finally:
                answered.set()
            if abandoned.is_set():
                adopt(self._core, send, settled[0])

        interrupt: BaseException | None = None
        try:
            # Not Thread.join: on 3.11 a join interrupted by Ctrl-C reports the thread finished.
            threading.Thread(target=send_it, name="veo-create", daemon=True).start()
        except KeyboardInterrupt as exc:  # start() waits for the thread: it is sending
            interrupt = exc
        while not answered.is_set():
            try:
                answered.wait(0.1)  # timed: a Ctrl-C is noticed at once, the second one too
            except KeyboardInterrupt as exc:
                if interrupt is not None:
                    abandoned.set()  # the helper journals the answer when it comes
                    if answered.is_set() and settled:
                        adopt(self._core, send, settled[0])
                    raise
                interrupt = exc
        return settled[0], interrupt

    def _send(self, step: Send) -> httpx.Response | httpx.TransportError:
        if self._http.is_closed:  # httpx's RuntimeError would leave a create "unconfirmed"
            return closed_error(step)
        try:
            headers = {**auth_headers(self._core, step), **step.headers}
            response = self._http.request(
                step.method, step.path, params=query_of(step), json=step.json, headers=headers
            )
            response.read()
            return response
        except httpx.TransportError as exc:
            return exc

    def _fetch(self, fetch: Fetch, stop: threading.Event | None) -> Fetched:
        headers = {"Range": f"bytes={fetch.offset}-"} if fetch.offset else {}
        try:
            with self._files.stream("GET", fetch.url, headers=headers) as response:
                if refused(response):
                    response.read()
                    return refusal(response, fetch.offset)
                out, size = open_part(response, fetch)
                start = size
                with out:
                    for chunk in response.iter_bytes(CHUNK):
                        out.write(chunk)
                        size += len(chunk)
                        if stop is not None and stop.is_set():
                            raise Stopped
                return Fetched(response.status_code, complete(response, size, start), size)
        except httpx.TransportError as exc:
            return broken(fetch, exc)
