"""The async client's HTTP/1.1 transport for API calls: small JSON requests and answers.

httpx's default transport (httpcore's pool over anyio) cost the async client 1.3 to 2.7 ms
of CPU per request on the project's 2-core machine (``bench/README.md``): at every request
and every response its pool walks each connection and asks each idle one, with two system
calls, whether the server has closed it. Here each origin's idle connections wait in a
stack: a request takes the most recently used one whose stream has not seen the server hang
up (the event loop already reads every open connection, so that is a flag to look at, not
a system call), or opens one. h11, the HTTP/1.1 state machine httpcore itself uses, writes
and reads the messages. The driver's gate (``MAX_IN_FLIGHT``) bounds how many connections
are open at once. Downloads, and every request when a proxy is configured, keep httpx's
own transport (``_drivers``).

Errors are httpx's, with httpx's meaning, which the create's exactly-once rule depends on
(``protocol/_flows``: a create is sent again only when it surely did not leave):
``ConnectError`` and ``ConnectTimeout`` only while the connection is being opened, before
any byte of the request is written; once one may have been, ``WriteError``,
``WriteTimeout``, ``ReadError``, ``ReadTimeout`` or ``RemoteProtocolError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import sys
import time
import urllib.request
from collections.abc import Awaitable, Iterator
from typing import Any, TypeVar

import h11
import httpx

__all__ = ["Http11Transport", "api_transport", "proxied"]

T = TypeVar("T")
Origin = tuple[bytes, bytes, int]
READ_SIZE = 1 << 16
#: asyncio's default high-water mark of a stream's write buffer.
WRITE_BUFFERED = 1 << 16
DEFAULT_PORTS = {b"http": 80, b"https": 443}


async def _within(seconds: float | None, step: Awaitable[T]) -> T:
    """``await step``, raising ``TimeoutError`` after ``seconds`` (None: no limit)."""
    if seconds is None:
        return await step
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await step
    try:  # pragma: no cover - Python 3.10, whose asyncio has a TimeoutError of its own
        return await asyncio.wait_for(step, seconds)
    except asyncio.TimeoutError:  # pragma: no cover
        raise TimeoutError from None


def proxied() -> bool:
    """True when the environment names a proxy (``HTTPS_PROXY`` and the like), which
    httpx's own transport honours."""
    return any(scheme in urllib.request.getproxies() for scheme in ("http", "https", "all"))


def api_transport(transport: Any, *, ssl_context: ssl.SSLContext, max_idle: int) -> httpx.AsyncBaseTransport | None:
    """The async driver's transport for API calls: the one given, else this module's, else
    (a proxy configured) None: httpx's own."""
    if transport is not None or proxied():
        return transport  # type: ignore[no-any-return]
    return Http11Transport(ssl_context=ssl_context, max_idle=max_idle)


class _Connection:
    """One kept-alive connection: its streams, its h11 state, when it was last used."""

    __slots__ = ("loop", "parser", "reader", "used_at", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.loop = asyncio.get_running_loop()
        self.reader, self.writer = reader, writer
        self.parser = h11.Connection(h11.CLIENT)
        self.used_at = time.monotonic()

    def usable(self, now: float, expiry: float) -> bool:
        """Still open at both ends, on this event loop, and not idle past ``expiry``."""
        return (
            self.loop is asyncio.get_running_loop()
            and not self.reader.at_eof()
            and not self.writer.is_closing()
            and now - self.used_at < expiry
        )

    def close(self) -> None:
        if self.loop.is_closed():  # its loop is gone: end the connection without it
            with contextlib.suppress(OSError):
                sock = self.writer.get_extra_info("socket")
                if sock is not None:
                    sock.shutdown(2)  # socket.SHUT_RDWR
            return
        self.writer.close()


class Http11Transport(httpx.AsyncBaseTransport):
    """An ``httpx.AsyncBaseTransport`` over asyncio streams and h11, keeping up to
    ``max_idle`` connections per origin alive for ``keepalive_expiry`` seconds."""

    def __init__(self, *, ssl_context: ssl.SSLContext, max_idle: int = 16, keepalive_expiry: float = 5.0) -> None:
        self._ssl = ssl_context
        self._max_idle = max_idle
        self._expiry = keepalive_expiry
        self._idle: dict[Origin, list[_Connection]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        scheme = request.url.raw_scheme
        if scheme not in DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{scheme.decode()}://'.")
        origin = (scheme, request.url.raw_host, request.url.port or DEFAULT_PORTS[scheme])
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        body = await request.aread()
        conn = self._take(origin) or await self._open(origin, request, timeouts.get("connect"))
        done = False
        try:
            response = await self._exchange(conn, request, body, timeouts)
            done = True
        finally:
            if done and conn.parser.our_state is h11.DONE and conn.parser.their_state is h11.DONE:
                conn.parser.start_next_cycle()
                self._give_back(origin, conn)
            else:  # an error, a cancellation, or the server closes it: never used again
                conn.close()
        return response

    async def aclose(self) -> None:
        idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    # ------------------------------------------------------------------ the pool

    def _take(self, origin: Origin) -> _Connection | None:
        conns = self._idle.get(origin)
        now = time.monotonic()
        while conns:
            conn = conns.pop()
            if conn.usable(now, self._expiry):
                return conn
            conn.close()
        return None

    def _give_back(self, origin: Origin, conn: _Connection) -> None:
        conn.used_at = time.monotonic()
        conns = self._idle.setdefault(origin, [])
        conns.append(conn)
        if len(conns) > self._max_idle:
            conns.pop(0).close()

    async def _open(self, origin: Origin, request: httpx.Request, timeout: float | None) -> _Connection:
        """A new connection: nothing of the request has left yet, so every failure here is
        a ``ConnectError`` or a ``ConnectTimeout``."""
        scheme, host, port = origin
        name = host.decode("ascii")
        tls = self._ssl if scheme == b"https" else None
        try:
            opening = asyncio.open_connection(
                name,
                port,
                ssl=tls,
                server_hostname=name if tls is not None else None,
                limit=READ_SIZE,
            )
            reader, writer = await _within(timeout, opening)
        except TimeoutError:
            raise httpx.ConnectTimeout("timed out while connecting", request=request) from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        return _Connection(reader, writer)

    # ------------------------------------------------------------------ one exchange

    async def _exchange(
        self, conn: _Connection, request: httpx.Request, body: bytes, timeouts: dict[str, float | None]
    ) -> httpx.Response:
        parser = conn.parser
        with _mapped(request, h11.LocalProtocolError, httpx.LocalProtocolError):
            head = h11.Request(method=request.method, target=request.url.raw_path, headers=request.headers.raw)
            data = parser.send(head) or b""
            if body:
                data += parser.send(h11.Data(data=body)) or b""
            data += parser.send(h11.EndOfMessage()) or b""
        with _mapped(request, OSError, httpx.WriteError), _mapped(request, TimeoutError, httpx.WriteTimeout):
            conn.writer.write(data)
            # Below the stream's high-water mark the write never pauses, so draining cannot
            # wait: no timer to set (a timer per request was a tenth of a poll's CPU).
            limit = None if len(data) < WRITE_BUFFERED else timeouts.get("write")
            await _within(limit, conn.writer.drain())
        head_in: h11.Response | None = None
        chunks: list[bytes] = []
        with _mapped(request, h11.RemoteProtocolError, httpx.RemoteProtocolError):
            while True:
                event = parser.next_event()
                if event is h11.NEED_DATA:
                    parser.receive_data(await self._read(conn, request, timeouts.get("read")))
                elif isinstance(event, h11.Response):
                    head_in = event
                elif isinstance(event, h11.Data):
                    chunks.append(bytes(event.data))
                elif isinstance(event, h11.EndOfMessage):
                    break
                elif isinstance(event, h11.ConnectionClosed):
                    raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        assert head_in is not None  # h11 gives the head before any body
        return httpx.Response(
            head_in.status_code,
            headers=list(head_in.headers),
            content=b"".join(chunks),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": bytes(head_in.reason)},
        )

    @staticmethod
    async def _read(conn: _Connection, request: httpx.Request, timeout: float | None) -> bytes:
        with _mapped(request, OSError, httpx.ReadError), _mapped(request, TimeoutError, httpx.ReadTimeout):
            return await _within(timeout, conn.reader.read(READ_SIZE))


@contextlib.contextmanager
def _mapped(request: httpx.Request, caught: type[BaseException], raised: Any) -> Iterator[None]:
    """Raise ``raised`` (an httpx error) in place of ``caught``, with its message."""
    try:
        yield
    except caught as exc:
        if isinstance(exc, httpx.HTTPError):
            raise
        raise raised(str(exc) or type(exc).__name__, request=request) from exc
