"""The emulator's request handler: routing, the key check, and the video endpoints.

``EmulatorApp.handle`` takes an :class:`EmuRequest` and returns an :class:`EmuResponse`;
``_server`` puts it behind a real HTTP server on loopback and behind an httpx transport.
Faults come from ``_faults``, jobs and their timeline from ``_jobs``, the per-model checks
from ``_specs``, a new job and its usage from ``_new_job``, the videos from ``_renders``.
"""

from __future__ import annotations

import random
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ._account import Account
from ._catalogue import SCHEMA_PREFIX, Catalogue, charge_usd
from ._extend import checked_video
from ._faults import AFTER_CREATE, Fault, FaultBook, fault_response
from ._files import serve_file
from ._jobs import EmulatorStats, Job, JobStore, Phase, Timing, check_spellings, phase, spell
from ._ledger import Ledger
from ._links import DEFAULT_TTL, LinkSigner
from ._logs import LogBook, LogRow, Outcome
from ._new_job import cost_headers, new_job, usage_of
from ._renders import Renderer, fetch_loopback
from ._specs import Accepted, WireFamily, validate
from ._usage import Request, answer_usage, answer_usage_detail
from ._wire import (
    EmuRequest,
    EmuResponse,
    Problem,
    client_request_id,
    error_response,
    json_body,
    json_response,
    problem_response,
)

__all__ = ["CREATE_PATHS", "EmulatorApp"]

CREATE_PATHS = ("/v2/video/generations", "/v2/generate/video/google/generation")
CATALOGUE_PATHS = ("/v1/models", "/models", "/api/v1/models")
ACCOUNT_PATHS = ("/v2/logs", "/v2/billing", "/v2/usage", "/v2/billing/transactions", "/v2/usage/detail")


class EmulatorApp:
    """The AI/ML API's video endpoints, in memory (and on disk with ``state_dir``)."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        timing: Timing | float | None = None,
        id_style: str = "colon",
        state_dir: Path | None = None,
        result_ttl: float | None = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
        render_workers: int = 2,
        draft: bool = False,
        faults: list[Fault] | None = None,
        seed: int | None = None,
        log_lag: float = 0.0,
        logs_rate_limit: int = 200,
        balance_usd: float = 1_000_000.0,
        charge_factor: float = 1.0,
        statuses: dict[str, str] | None = None,
    ) -> None:
        self.api_key = api_key or "emu-" + secrets.token_hex(16)
        self.timing = timing if isinstance(timing, Timing) else Timing() if timing is None else Timing.fixed(timing)
        if id_style not in ("colon", "uuid", "nanoid"):
            raise ValueError("id_style is colon, uuid or nanoid")
        self.id_style = id_style
        self.links = LinkSigner(result_ttl, clock)
        """Signs each poll's result link for ``result_ttl`` seconds by ``clock``, and judges it."""
        self.statuses = check_spellings(statuses or {})
        """How answers spell each state (``{"completed": "succeeded"}``); see ``_jobs.SPELLINGS``."""
        self.state_dir = state_dir
        self.faults = FaultBook(faults)
        self.jobs = JobStore(state_dir, adopt=self._adopt)
        files = (state_dir / "files") if state_dir else Path(tempfile.mkdtemp(prefix="veo-emulator-")) / "files"
        self.renderer = Renderer(files, state_dir, render_workers, draft=draft)
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._assets: dict[str, tuple[bytes, str]] = {}
        self.logs = LogBook(log_lag, logs_rate_limit, state_dir)
        self.family = WireFamily()  # the models it serves: change a schema, or add one, to test a refresh
        self.catalogue = Catalogue(self.timing, self.family)
        self.charge_factor = charge_factor
        """What a job is charged, as a multiple of the catalogue's price (estimates learn it)."""
        self.ledger = Ledger(balance_usd, self._outcomes, logs_rate_limit)
        self.account = Account(balance_usd, self._outcomes, self.ledger, self.jobs.prices)
        for job in self.jobs.load():
            self.renderer.resume(job)

    # ------------------------------------------------------------------ control

    def add_fault(self, kind: str, *, endpoint: str = "any", times: int | None = 1, **options: Any) -> Fault:
        return self.faults.add(Fault(kind, endpoint=endpoint, times=times, **options))

    def clear_faults(self) -> None:
        self.faults.clear()

    def host_asset(self, name: str, data: bytes, content_type: str = "image/png") -> str:
        """Serve ``data`` at ``/assets/<name>``; returns the path (join it to the server's URL)."""
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
        with self.jobs.lock:
            self._assets[safe] = (data, content_type)
        return f"/assets/{safe}"

    @property
    def stats(self) -> EmulatorStats:
        return self.jobs.stats()

    def close(self) -> None:
        self.renderer.close()

    def _outcomes(self) -> list[tuple[Job, Phase]]:
        """Every job with where it stands now. Reads only."""
        now = time.time()
        return [(job, phase(job, now, self.renderer.state(job))) for job in self.jobs.all()]

    def _adopt(self, job: Job) -> None:
        """A job another process made (demo state is shared): render it here if its video is
        not on disk yet (that process may have ended mid-render)."""
        if job.file and not Path(job.file).exists():
            self.renderer.resume(job)

    def _log_outcome(self, row: LogRow) -> Outcome:
        job = self.jobs.get(row.job_id or "")
        if job is None:  # pruned from demo state: it was made, and cost what the row says
            return Outcome(failed=False, usd=row.usd)
        outcome = phase(job, time.time(), self.renderer.state(job))
        return Outcome(failed=outcome.status == "error", usd=job.cost_usd)

    # ------------------------------------------------------------------ handling

    def handle(self, request: EmuRequest) -> EmuResponse:
        """Answer ``request`` as the API would; never raises."""
        try:
            response = self._route(request)
        except Problem as problem:
            self.jobs.count("rejected")
            response = problem_response(problem, request.path)
        except Exception as exc:  # the emulator answers, it never crashes
            response = error_response(500, f"internal error: {type(exc).__name__}", request.path, name="Internal")
        crid = client_request_id(request)
        if crid is not None and not response.drop:
            response.headers["x-client-request-id"] = crid
        return response

    def _route(self, request: EmuRequest) -> EmuResponse:
        path = request.path
        if "\x00" in path or ".." in unquote(path).split("/"):
            raise Problem(404, f"Cannot {request.method} {path}", "NotFoundException")
        if path == "/health":
            return json_response(200, {"status": "ok", "emulator": True})
        if path.startswith("/files/"):
            return self._download(request)
        if path.startswith("/assets/"):
            return self._asset(request)
        if request.method == "GET" and self._public_get(path):
            return self._public(request)
        if request.method == "GET" and path.rstrip("/") in ACCOUNT_PATHS:
            return self._account_get(request)
        if path.rstrip("/") in CREATE_PATHS:
            if request.method == "POST":
                return self._create(request)
            if request.method == "GET":
                return self._poll(request)
            raise Problem(405, f"Cannot {request.method} {path}", "MethodNotAllowedException")
        raise Problem(404, f"Cannot {request.method} {path}", "NotFoundException")

    @staticmethod
    def _public_get(path: str) -> bool:
        return path.rstrip("/") in (*CATALOGUE_PATHS, "/models/metrics") or path.startswith(("/model/", SCHEMA_PREFIX))

    def _faulty(self, endpoint: str, request: EmuRequest, answer: Callable[[], EmuResponse]) -> EmuResponse:
        """``answer()``, unless a fault on ``endpoint`` spoils it (``hold`` delays it)."""
        fault = self.faults.take_response(endpoint, request)
        if fault is None:
            return answer()
        return fault_response(fault, request, answer() if fault.kind == "hold" else None)

    def _public(self, request: EmuRequest) -> EmuResponse:
        if request.path.startswith(SCHEMA_PREFIX):  # info.docsJson: each model's schema
            return self._faulty("schemas", request, lambda: self.catalogue.answer_schema(request))
        return self._faulty("models", request, lambda: self._public_answer(request))

    def _public_answer(self, request: EmuRequest) -> EmuResponse:
        """The routes that need no key: the catalogue, one model, the metrics (and schemas)."""
        path = request.path.rstrip("/")
        if path == "/models/metrics":
            return self.catalogue.answer_metrics(request)
        if path in CATALOGUE_PATHS:
            return self.catalogue.answer_list(request)
        return self.catalogue.answer_one(request)

    def _account_get(self, request: EmuRequest) -> EmuResponse:
        self.authorize(request)
        path = request.path.rstrip("/")
        if path == "/v2/logs":
            return self._faulty("logs", request, lambda: self.logs.answer(request, self._log_outcome, self.api_key[:8]))
        if path == "/v2/billing":
            return self._faulty("billing", request, self.account.answer_billing)
        if path == "/v2/billing/transactions":
            return self._faulty("billing", request, lambda: self.ledger.answer(request))
        if path == "/v2/usage/detail":
            answer = lambda: answer_usage_detail(request, self.ledger.charges, self._requests, self.api_key[:8])  # noqa: E731
            return self._faulty("billing", request, answer)
        return self._faulty("billing", request, lambda: answer_usage(request, self.ledger.charges, self.api_key[:8]))

    def _requests(self) -> list[Request]:
        """The usage logs' rows as spend counts them (a refused create, or a failed job: failed)."""
        rows = self.logs.rows()
        return [Request(r.created, r.model, r.job_id is None or self._log_outcome(r).failed) for r in rows]

    def authorize(self, request: EmuRequest) -> None:
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip().encode(), self.api_key.encode()):
            raise Problem(401, "Invalid or missing API key", "UnauthorizedException")

    # ------------------------------------------------------------------ create

    def _create(self, request: EmuRequest) -> EmuResponse:
        """A create: every one past the key check leaves a row in the usage logs."""
        self.authorize(request)
        crid = client_request_id(request)
        self.jobs.count_attempt(crid)
        made: list[Job] = []
        seen: dict[str, object] = {}
        try:
            response = self._create_job(request, crid, made, seen)
        except Problem as problem:
            self.jobs.count("rejected")
            response = problem_response(problem, request.path)
        job = made[0] if made else None
        row = self.logs.record(seen.get("model"), crid, job.id if job else None, job.cost_usd if job else 0.0)
        if not response.drop:  # the id chain: this header is the row's inference_id
            response.headers.setdefault("x-inference-id", row.inference_id)
        return response

    def _create_job(
        self, request: EmuRequest, crid: str | None, made: list[Job], seen: dict[str, object]
    ) -> EmuResponse:
        """Make the job; ``made`` and ``seen`` tell the caller what got made and which model was asked for."""
        raw = json_body(request)
        seen["model"] = raw.get("model")
        fault = self.faults.take_response("create", request)
        if fault is not None and fault.kind not in AFTER_CREATE:
            return fault_response(fault, request)
        accepted = validate(raw, self.family)
        if accepted.mode == "extend" and accepted.video is not None:
            accepted.video = checked_video(accepted.video, accepted.body.get("provider"), fetch_loopback)
        self.account.check_credit(charge_usd(accepted.spec, accepted.body))
        job_faults = self.faults.take_job(request)
        job = self._make_job(accepted, crid, job_faults)
        self.jobs.add(job)
        made.append(job)
        now = time.time()
        outcome = phase(job, now, self.renderer.state(job))
        self.jobs.settle(job, outcome, now)  # only when a job ends at once
        usage = usage_of(job)
        status = 201 if "legacy_201" in job.faults else 200
        spelt = spell(job, outcome.status, self.statuses)
        answer = json_response(status, {"id": job.id, "status": spelt, "meta": {"usage": usage}})
        answer.headers.update(cost_headers(job, usage))
        if fault is not None:  # the job exists now; the answer is what goes wrong
            return fault_response(fault, request, answer)
        return answer

    def _make_job(self, accepted: Accepted, crid: str | None, faults: list[str]) -> Job:
        with self._rng_lock:
            run_time = self.timing.draw(self._rng) * accepted.spec.speed
            seed = accepted.body["seed"] if accepted.body["seed"] is not None else self._rng.randrange(0, 2**32)
        job, shape = new_job(
            accepted,
            crid,
            faults,
            run_time=run_time,
            seed=int(seed),
            id_style=self.id_style,
            charge_factor=self.charge_factor,
        )
        self.renderer.start(job, shape, accepted.images, accepted.video)
        return job

    # ------------------------------------------------------------------ poll

    def _poll(self, request: EmuRequest) -> EmuResponse:
        self.authorize(request)
        fault = self.faults.take_response("poll", request)
        if fault is not None and fault.kind != "hold":
            return fault_response(fault, request)
        job_id = request.query.get("generation_id", "")
        if not job_id:
            raise Problem(400, "generation_id is required")
        job = self.jobs.get(job_id)
        self.jobs.count("poll", job_id)
        if job is None:
            raise Problem(404, f"Generation {job_id} not found", "NotFoundException")
        now = time.time()
        outcome = phase(job, now, self.renderer.state(job))
        self.jobs.settle(job, outcome, now)  # the stored transition, once
        payload: dict[str, Any] = {"id": job.id, "status": spell(job, outcome.status, self.statuses)}
        headers = {"x-inference-id": job.id}
        if outcome.succeeded:
            usage = usage_of(job)
            payload["video"] = {"url": self.links.link(request.base_url, job.token)}  # fresh at each poll
            payload["meta"] = {"usage": usage}
            if "tokens_used" in job.faults:
                payload["video"]["duration"] = job.body["duration"]
                payload["duration"] = job.body["duration"]
            headers = cost_headers(job, usage)
        elif outcome.status == "error" and outcome.error is not None:
            payload["error"] = outcome.error
        answer = json_response(200, payload, headers)
        return fault_response(fault, request, answer) if fault is not None else answer

    # ------------------------------------------------------------------ files

    def _download(self, request: EmuRequest) -> EmuResponse:
        fault = self.faults.take_response("download", request)
        if fault is not None and fault.kind != "hold":
            return fault_response(fault, request)
        name = request.path[len("/files/") :]
        token = name[:-4] if name.endswith(".mp4") else name
        entry = self.jobs.result_file(token)
        self.jobs.count("download")
        if entry is None or not entry[0].is_file():
            raise Problem(404, "No such file", "NotFoundException")
        path, dead = entry
        refusal = "Request has expired" if dead else self.links.refusal(token, request.query)
        answer = serve_file(path, request.headers.get("range", ""), refusal)
        return fault_response(fault, request, answer) if fault is not None else answer

    def _asset(self, request: EmuRequest) -> EmuResponse:
        name = request.path[len("/assets/") :]
        with self.jobs.lock:
            entry = self._assets.get(name)
        if entry is None:
            raise Problem(404, "No such asset", "NotFoundException")
        return EmuResponse(200, {"content-type": entry[1]}, entry[0])
