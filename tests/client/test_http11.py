"""The async client's HTTP/1.1 transport: answers read whole however they are framed, kept-alive
connections the server closed never used again, and every failure the httpx error that says
whether the request may have reached the server (the create's exactly-once rule reads it)."""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

import veo_widgets as veo
from veo_widgets.client._drivers import tls_context
from veo_widgets.client._http11 import Http11Transport, api_transport
from veo_widgets.emulator import Emulator

from ..conftest import FAST, image_bytes

pytestmark = pytest.mark.timeout(60)

Reply = Callable[[asyncio.StreamReader, asyncio.StreamWriter, bytes], Awaitable[None]]


def answer(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    head = [f"HTTP/1.1 {status}", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """One request (its head and its Content-Length body), or b"" when the client hung up."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return b""
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0
    )
    return head + await reader.readexactly(length)


class Server:
    """A loopback server that answers each request with the next of ``replies``."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = replies
        self.requests: list[bytes] = []
        self.connections = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while self.replies:
                request = await read_request(reader)
                if not request:
                    return
                self.requests.append(request)
                await self.replies.pop(0)(reader, writer, request)
                if writer.is_closing():
                    return
        finally:
            writer.close()


def reply(data: bytes, *, close: bool = False, then: asyncio.Event | None = None) -> Reply:
    async def send(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
        writer.write(data)
        await writer.drain()
        if close:
            writer.close()
            await writer.wait_closed()
        if then is not None:
            then.set()

    return send


def hang_up() -> Reply:
    """Read the request, then close without a word (a create whose answer is lost)."""
    return reply(b"", close=True)


def hold(released: asyncio.Event) -> Reply:
    async def wait(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
        await released.wait()

    return wait


@asynccontextmanager
async def serving(replies: list[Reply]) -> AsyncIterator[tuple[Server, httpx.AsyncClient]]:
    server = Server(replies)
    listener = await asyncio.start_server(server.serve, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    transport = Http11Transport(ssl_context=tls_context())
    async with listener, httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", transport=transport) as client:
        yield server, client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_answers_are_read_whole_whether_sized_chunked_or_compressed() -> None:
    chunked = b'7\r\n{"a": 1\r\n1\r\n}\r\n0\r\n\r\n'
    packed = gzip.compress(b'{"a": 3}')

    async def scenario() -> list[Any]:
        replies = [
            reply(answer(b'{"a": 0}', "Content-Type: application/json")),
            reply(answer(chunked, "Transfer-Encoding: chunked")),
            reply(answer(b"", status="204 No Content")),
            reply(answer(packed, "Content-Encoding: gzip")),
        ]
        async with serving(replies) as (server, client):
            first = (await client.post("/v2/video/generations", json={"prompt": "waves"})).json()
            second = (await client.get("/x", params={"generation_id": "a:b"})).json()
            empty = await client.get("/y")
            third = (await client.get("/z")).json()
            assert server.connections == 1  # one connection, kept alive for all four
            assert server.requests[0].endswith(b'{"prompt":"waves"}')
            assert server.requests[1].startswith(b"GET /x?generation_id=a%3Ab HTTP/1.1\r\n")
            return [first, second, (empty.status_code, empty.content), third]

    assert asyncio.run(scenario()) == [{"a": 0}, {"a": 1}, (204, b""), {"a": 3}]


def test_a_connection_the_server_closed_while_idle_is_not_used_again() -> None:
    async def scenario() -> tuple[int, int]:
        closed = asyncio.Event()
        replies = [reply(answer(b"{}"), close=True, then=closed), reply(answer(b'{"again": true}'))]
        async with serving(replies) as (server, client):
            await client.get("/first")
            await closed.wait()
            for _ in range(3):  # the loop reads the server's FIN on the idle connection
                await asyncio.sleep(0)
            again = await client.get("/second")
            return again.status_code, server.connections

    assert asyncio.run(scenario()) == (200, 2)


def test_a_server_that_hangs_up_after_the_request_is_a_protocol_error_not_a_connect_error() -> None:
    """The request may have been acted on: the create is then looked for, never resent."""

    async def scenario() -> None:
        async with serving([hang_up()]) as (server, client):
            with pytest.raises(httpx.RemoteProtocolError):
                await client.post("/v2/video/generations", json={"prompt": "waves"})
            assert len(server.requests) == 1

    asyncio.run(scenario())


def test_nothing_listening_is_a_connect_error_and_a_silent_server_a_read_timeout() -> None:
    async def scenario() -> None:
        transport = Http11Transport(ssl_context=tls_context())
        async with httpx.AsyncClient(transport=transport) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(f"http://127.0.0.1:{free_port()}/x")
        released = asyncio.Event()
        async with serving([hold(released)]) as (_, client):
            with pytest.raises(httpx.ReadTimeout):
                await client.get("/slow", timeout=httpx.Timeout(5.0, read=0.2))
            released.set()

    asyncio.run(scenario())


def test_a_request_cancelled_mid_answer_leaves_no_connection_to_reuse() -> None:
    async def scenario() -> tuple[int, int]:
        released = asyncio.Event()
        async with serving([hold(released), reply(answer(b"{}"))]) as (server, client):
            task = asyncio.ensure_future(client.get("/held"))
            while not server.requests:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            released.set()
            fresh = await client.get("/fresh")
            return fresh.status_code, server.connections

    assert asyncio.run(scenario()) == (200, 2)


def test_the_async_client_uses_it_unless_a_proxy_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    tls = tls_context()
    assert isinstance(api_transport(None, ssl_context=tls, max_idle=4), Http11Transport)
    given = httpx.MockTransport(lambda request: httpx.Response(200))
    assert api_transport(given, ssl_context=tls, max_idle=4) is given
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    assert api_transport(None, ssl_context=tls, max_idle=4) is None  # httpx's own, which honours it


def test_many_creates_and_polls_at_once_from_one_event_loop(emulator: Emulator) -> None:
    """Forty creates and their polls through the async client against the emulator: each
    answered right, each create sent once."""

    async def scenario() -> list[veo.Job]:
        async with veo.AsyncClient(emulator.api_key, emulator.url) as client:
            submits = (client.submit("waves roll in", image=image_bytes(), **FAST) for _ in range(40))
            jobs = await asyncio.gather(*submits)
            return list(await asyncio.gather(*(client.get(job) for job in jobs)))

    polled = asyncio.run(scenario())
    assert len({job.id for job in polled}) == 40 and all(job.status for job in polled)
    sent = emulator.stats.creates_per_request
    assert [sent[job.client_request_id or ""] for job in polled] == [1] * 40


def test_behind_a_proxy_setting_the_async_client_still_works(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy named in the environment keeps httpx's client and transport (here the
    emulator is in NO_PROXY, so httpx goes to it straight)."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    async def scenario() -> veo.Job:
        async with veo.AsyncClient(emulator.api_key, emulator.url) as client:
            job = await client.submit("waves roll in", image=image_bytes(), **FAST)
            return await client.get(job)

    assert asyncio.run(scenario()).id
