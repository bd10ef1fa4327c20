"""Helpers shared by the test modules."""

from __future__ import annotations

import json

import httpx


def response(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=headers or {}, request=httpx.Request("GET", "http://x"))



class Holding:
    """A transport in front of ``inner`` that holds every create POST open until ``release``
    is set (``arrived`` is set when one is being held), for interrupt and cancel tests.
    ``sync()`` and ``asynchronous()`` give the transport for each client flavour."""

    def __init__(self, inner: httpx.MockTransport) -> None:
        import threading

        self.inner = inner
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.requests: list[httpx.Request] = []

    def _held(self, request: httpx.Request) -> bool:
        self.requests.append(request)
        if request.method != "POST":
            return False
        self.arrived.set()
        return True

    def sync(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            if self._held(request):
                self.release.wait(20)
            return self.inner.handler(request)  # type: ignore[no-any-return]

        return httpx.MockTransport(handler)

    def asynchronous(self) -> httpx.MockTransport:
        import asyncio

        async def handler(request: httpx.Request) -> httpx.Response:
            if self._held(request):
                for _ in range(2000):
                    if self.release.is_set():
                        break
                    await asyncio.sleep(0.01)
            return self.inner.handler(request)  # type: ignore[no-any-return]

        return httpx.MockTransport(handler)
