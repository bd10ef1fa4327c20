"""The emulator behind a real HTTP server on loopback, or behind an httpx transport."""

from __future__ import annotations

import json
import os
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from ._faults import Fault
from ._jobs import EmulatorStats, Timing, check_spellings
from ._ledger import Ledger
from ._links import DEFAULT_TTL
from ._wire import MAX_BODY, EmuRequest, EmuResponse, error_response

if TYPE_CHECKING:
    from ._routes import EmulatorApp

__all__ = ["BACKLOG", "Emulator"]

FILE_CHUNK = 1 << 16
#: Connections a server's socket holds before it accepts them.
BACKLOG = 256
DRAFT_ENV = "VEO_EMULATOR_DRAFT"
"""Set to 1, emulators made without ``draft=`` render drafts (``_render.DRAFT``): test suites set it."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = BACKLOG

    def __init__(self, address: tuple[str, int], app: EmulatorApp, listen: socket.socket | None = None) -> None:
        self.app = app
        super().__init__(address, _Handler, bind_and_activate=listen is None)
        if listen is not None:  # a socket bound and listening already (the demo emulator's)
            self.socket.close()
            self.socket = listen
            self.server_address = listen.getsockname()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a pool closing its idle connections) is not an error to
        print into a test run or a notebook; anything else still is."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body leave in two sends: with Nagle's algorithm the body waited
    # for the client's delayed ACK of the headers, 40 ms an answer on a kept-alive connection.
    disable_nagle_algorithm = True
    server: _Server
    server_version = "aimlapi-emulator"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and notebooks
        pass

    def _serve(self) -> None:
        length_text = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self._reply_error(411, "Content-Length is required")
            return
        try:
            length = int(length_text) if length_text else 0
        except ValueError:
            self._reply_error(400, "Content-Length is not a number")
            return
        if length < 0 or length > MAX_BODY:
            # Refuse without reading: a huge body is never buffered.
            self._reply_error(413, f"Request body larger than {MAX_BODY} bytes")
            return
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or f"{self.server.server_address[0]!s}:{self.server.server_address[1]}"
        request = EmuRequest.from_target(self.command, self.path, dict(self.headers.items()), body, f"http://{host}")
        self._write(self.server.app.handle(request))

    def _reply_error(self, status: int, message: str) -> None:
        self.close_connection = True
        self._write(error_response(status, message, self.path.split("?", 1)[0]))

    def _write(self, response: EmuResponse) -> None:
        if response.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if response.delay > 0:
            time.sleep(response.delay)
        try:
            self.send_response(response.status)
            headers = dict(response.headers)
            if response.file is not None and response.file_range is not None:
                start, end = response.file_range
                headers["content-length"] = str(end - start + 1)
            else:
                headers["content-length"] = str(len(response.body))
            for name, value in headers.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("connection", "close")
            self.end_headers()
            if self.command == "HEAD":
                return
            if response.file is not None and response.file_range is not None:
                start, end = response.file_range
                with open(response.file, "rb") as handle:
                    handle.seek(start)
                    left = end - start + 1
                    while left > 0:
                        chunk = handle.read(min(FILE_CHUNK, left))
                        if not chunk:
                            break
                        self.wfile.write(chunk)
                        left -= len(chunk)
            else:
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve


class Emulator:
    """The AI/ML API on this machine: ``with Emulator() as emu: Client(emu.api_key, emu.url)``.

    ``timing`` is seconds per Veo 3 Fast job (a number) or a :class:`Timing`; the default is
    realistic, around a minute; other models scale it (3.1 slower, extend quicker).
    ``faults`` and :meth:`add_fault` make it misbehave on purpose; a request can also ask
    for faults with the ``X-Emulator-Fault`` header. ``log_lag`` is how many seconds a create
    takes to show in ``GET /v2/logs``; ``logs_rate_limit`` the requests a minute it allows;
    ``balance_usd`` the simulated account's starting balance (creates that do not fit are
    refused with the API's 403 "out of credits"); ``charge_factor`` what a job is really
    charged, as a multiple of the catalogue's price. The ledger (``GET
    /v2/billing/transactions``) can be made to disagree with what a client got: the job
    faults ``charge_failed``, ``charge_twice`` and ``charge_no_file``, and
    :meth:`charge_elsewhere`; ``statuses`` how answers spell each state
    (``{"completed": "succeeded", "generating": "processing"}``, any word for an unknown
    one; a ``status:<word>`` fault does it for one job). Result links are signed for
    ``result_ttl`` seconds (10 minutes, as the docs' links; None: forever) by ``clock``
    (``time.time``; a test passes one it moves) and refused with a 403 after that; each
    poll of a completed job hands out a fresh one. ``draft`` renders quick low-frame-rate
    clips of the same size, length and streams (for test suites); by default it is on when
    the environment sets ``VEO_EMULATOR_DRAFT=1``, and off otherwise (demo mode's clips).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        timing: Timing | float | None = None,
        id_style: str = "colon",
        state_dir: Path | str | None = None,
        result_ttl: float | None = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
        faults: list[Fault] | None = None,
        render_workers: int = 2,
        seed: int | None = None,
        start: bool = True,
        log_lag: float = 0.0,
        logs_rate_limit: int = 200,
        balance_usd: float = 1_000_000.0,
        charge_factor: float = 1.0,
        statuses: dict[str, str] | None = None,
        draft: bool | None = None,
        listen: socket.socket | None = None,
    ) -> None:
        from ._routes import EmulatorApp  # with the renderer: PyAV and NumPy, a second to import

        if draft is None:
            draft = os.environ.get(DRAFT_ENV, "") not in ("", "0")
        self.app = EmulatorApp(
            charge_factor=charge_factor,
            statuses=statuses,
            log_lag=log_lag,
            logs_rate_limit=logs_rate_limit,
            balance_usd=balance_usd,
            api_key=api_key,
            timing=timing,
            id_style=id_style,
            state_dir=Path(state_dir) if state_dir is not None else None,
            result_ttl=result_ttl,
            clock=clock,
            faults=faults,
            render_workers=render_workers,
            draft=draft,
            seed=seed,
        )
        self._address = (host, port)
        self._listen = listen
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        if start:
            self.start()

    def start(self) -> Emulator:
        if self._server is None:
            self._server = _Server(self._address, self.app, self._listen)
            self._listen = None
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.2},
                name="veo-emulator",
                daemon=True,
            )
            self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.app.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self._server is not None else "stopped"
        return f"Emulator({self.url!r}, {state})"

    @property
    def url(self) -> str:
        if self._server is None:
            return f"http://{self._address[0]}:{self._address[1]}"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_key(self) -> str:
        return self.app.api_key

    @property
    def stats(self) -> EmulatorStats:
        return self.app.stats

    @property
    def log_lag(self) -> float:
        """Seconds before a create shows in the usage logs; setting it applies to later creates."""
        return self.app.logs.lag

    @log_lag.setter
    def log_lag(self, seconds: float) -> None:
        self.app.logs.lag = seconds

    @property
    def result_ttl(self) -> float | None:
        """Seconds a result link lives; setting it applies to links handed out from then on."""
        return self.app.links.ttl

    @result_ttl.setter
    def result_ttl(self, seconds: float | None) -> None:
        self.app.links.ttl = seconds

    @property
    def statuses(self) -> dict[str, str]:
        """How answers spell each state; setting it applies to every answer from then on."""
        return dict(self.app.statuses)

    @statuses.setter
    def statuses(self, spellings: dict[str, str]) -> None:
        self.app.statuses = check_spellings(spellings)

    @property
    def balance(self) -> float:
        """The simulated account balance in USD, as ``GET /v2/billing`` reports it."""
        return self.app.account.balance()

    @property
    def ledger(self) -> Ledger:
        """The account's ledger: ``emu.ledger.charges()`` are what ``/v2/billing/transactions`` lists."""
        return self.app.ledger

    def charge_elsewhere(
        self, model: str = "google/veo-3.0-fast", prompt: str = "made elsewhere", **fields: Any
    ) -> str:
        """Make (and bill, once it completes) a text-to-video job as another machine or key would:
        this server's clients never journaled it. Returns its generation id."""
        body = json.dumps({"model": model, "prompt": prompt, "duration": 4, **fields}).encode()
        headers = {
            "authorization": f"Bearer {self.api_key}",
            "content-type": "application/json",
            "x-client-request-id": "elsewhere-" + secrets.token_hex(8),
        }
        from ._routes import CREATE_PATHS  # the renderer's module (PyAV), loaded with self.app already

        answer = self.app.handle(EmuRequest.from_target("POST", CREATE_PATHS[0], headers, body, self.url))
        if answer.status != 200:
            raise RuntimeError(f"the emulator refused the create: {answer.body.decode(errors='replace')}")
        return str(json.loads(answer.body)["id"])

    def add_fault(self, kind: str, *, endpoint: str = "any", times: int | None = 1, **options: Any) -> Fault:
        """Make the next ``times`` matching requests misbehave: see ``FAULT_KINDS``."""
        return self.app.add_fault(kind, endpoint=endpoint, times=times, **options)

    def clear_faults(self) -> None:
        self.app.clear_faults()

    def change_schema(self, model: str, schema: Mapping[str, Any]) -> None:
        """From now on ``model``'s ``info.docsJson`` serves ``schema`` (a request schema:
        ``{"properties": ..., "required": [...]}``, as ``family.json`` holds them), with a new
        ETag, and creates for it are checked by it: the API changed its spec."""
        self.app.family.change(model, schema)

    def add_model(self, schema: Mapping[str, Any], *, speed: float = 1.0) -> str:
        """List a Veo model the package has never seen (its id: the schema's ``model`` enum),
        with its ``docsJson``, and take creates for it as ``schema`` says; returns its id."""
        return self.app.family.add(schema, speed=speed).id

    def reset_models(self) -> None:
        """Undo :meth:`change_schema` and :meth:`add_model`: the package's family again."""
        self.app.family.reset()

    @property
    def schema_requests(self) -> list[tuple[str, int]]:
        """Each request for a model's schema so far: ``(model id, status)``, 304 when the
        client's ``If-None-Match`` still held (no body sent)."""
        return list(self.app.catalogue.schema_requests)

    def host_asset(self, name: str, data: bytes, content_type: str = "image/png") -> str:
        """Serve ``data`` from this server; returns its full URL."""
        return self.url + self.app.host_asset(name, data, content_type)

    def transport(self) -> httpx.MockTransport:
        """The same API as an in-memory transport, for fast unit tests of both clients."""
        app = self.app
        base = self.url

        def handler(request: httpx.Request) -> httpx.Response:
            emu_request = EmuRequest.from_target(
                request.method,
                request.url.raw_path.decode("ascii"),
                dict(request.headers.items()),
                request.read(),
                f"{request.url.scheme}://{request.url.netloc.decode('ascii')}" if request.url.host else base,
            )
            response = app.handle(emu_request)
            if response.drop:
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
            if response.delay > 0:
                read = (request.extensions.get("timeout") or {}).get("read")
                if read is not None and response.delay > read:
                    time.sleep(read)
                    raise httpx.ReadTimeout("The read operation timed out", request=request)
                time.sleep(response.delay)
            body = response.body
            if response.file is not None and response.file_range is not None:
                start, end = response.file_range
                with open(response.file, "rb") as handle:
                    handle.seek(start)
                    body = handle.read(end - start + 1)
            return httpx.Response(response.status, headers=response.headers, content=body)

        return httpx.MockTransport(handler)
