"""The emulator's core: a request handler over a job store, with no sockets.

``EmulatorApp.handle`` takes an :class:`EmuRequest` and returns an :class:`EmuResponse`;
``_server`` puts it behind a real HTTP server on loopback and ``Emulator.transport()``
behind an ``httpx.MockTransport``. Renders run on a small thread pool.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import ipaddress
import json
import math
import random
import re
import secrets
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from PIL import Image, UnidentifiedImageError

from .._models import frame_size
from ._render import render_video

__all__ = [
    "FAULT_KINDS",
    "EmuRequest",
    "EmuResponse",
    "EmulatorApp",
    "EmulatorStats",
    "Fault",
    "Timing",
]

CREATE_PATHS = ("/v2/video/generations", "/v2/generate/video/google/generation")
KNOWN_MODELS = {
    "google/veo-3.0-i2v-fast": "veo-3.0-fast-generate-001",
    "google/veo-3.0-i2v": "veo-3.0-generate-001",
    "google/veo-3.0-fast": "veo-3.0-fast-generate-001",
    "google/veo3": "veo-3.0-generate-001",
}
IMAGE_MODELS = ("google/veo-3.0-i2v-fast", "google/veo-3.0-i2v")
MAX_BODY = 25 * 1024 * 1024
CREDITS_PER_USD = 2_000_000
USD_PER_SECOND = {"google/veo-3.0-i2v-fast": 0.42, "google/veo-3.0-fast": 0.42}

#: Faults on one request's answer.
RESPONSE_FAULTS = ("429", "500", "502", "503", "504", "401", "403", "drop", "slow", "malformed")
#: Faults that shape a job's life; given on its create request.
JOB_FAULTS = (
    "job_error",  # ends in `error` with {"name", "message"}
    "job_error_detail",  # ends in `error` with {"detail": [{"loc", "msg", "type"}]}
    "job_error_string",  # ends in `error` with a plain string
    "never_finish",  # stays `generating`
    "expired_url",  # its result URL is dead on arrival
    "legacy_201",  # the create answers 201, as the older docs said
    "waiting_active",  # goes waiting -> active -> completed
    "tokens_used",  # the older usage shape: meta.usage.tokens_used
)
FAULT_KINDS = RESPONSE_FAULTS + JOB_FAULTS
#: On a create, these faults strike after the job was made: the client cannot know it was.
AFTER_CREATE = frozenset({"500", "502", "504", "drop", "slow", "malformed"})


@dataclass
class Fault:
    """A fault the server injects into the next ``times`` matching requests (None: all)."""

    kind: str
    endpoint: str = "any"
    """``create``, ``poll``, ``download`` or ``any``."""
    times: int | None = 1
    retry_after: float | None = 1.0
    """For ``429`` and ``503``: the ``Retry-After`` header (None sends none)."""
    delay: float = 35.0
    """For ``slow``: how long the answer takes."""

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; known: {', '.join(FAULT_KINDS)}")
        if self.endpoint not in ("create", "poll", "download", "any"):
            raise ValueError(f"unknown endpoint {self.endpoint!r}")


@dataclass(frozen=True)
class Timing:
    """How long jobs take: ``seconds`` fixed, or log-normal around ``median`` (clamped)."""

    seconds: float | None = None
    median: float = 60.0
    sigma: float = 0.45
    low: float = 30.0
    high: float = 180.0

    @classmethod
    def fixed(cls, seconds: float) -> Timing:
        return cls(seconds=seconds)

    def draw(self, rng: random.Random) -> float:
        if self.seconds is not None:
            return self.seconds
        return min(self.high, max(self.low, self.median * math.exp(rng.gauss(0, self.sigma))))


@dataclass
class EmuRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes = b""
    base_url: str = "http://127.0.0.1"


@dataclass
class EmuResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    file: Path | None = None
    """Serve this file's bytes ``file_range`` instead of ``body``."""
    file_range: tuple[int, int] | None = None
    fault: str | None = None
    """``drop``: close without answering; ``slow``: answer after ``delay`` seconds."""
    delay: float = 0.0


@dataclass
class _Job:
    id: str
    body: dict[str, Any]
    client_request_id: str | None
    created: float
    ready_at: float
    faults: list[str]
    seed: int
    token: str
    status: str = "queued"
    error: Any = None
    file: str | None = None
    failure: str | None = None
    """Set when rendering failed (a bad image, an unreachable URL)."""
    input: str | None = None
    """With a state dir: the saved input image (or its URL), to render again after a restart."""


@dataclass(frozen=True)
class EmulatorStats:
    """What the server has seen. ``creates_per_request`` counts creates by X-Client-Request-Id."""

    creates: int
    polls: int
    downloads: int
    rejected: int
    jobs: dict[str, dict[str, int]]
    creates_per_request: dict[str, int]

    @property
    def duplicate_creates(self) -> dict[str, int]:
        """Client request ids whose create the server accepted more than once."""
        return {k: v for k, v in self.creates_per_request.items() if v > 1}


class _Problem(Exception):
    def __init__(self, status: int, message: str, name: str = "BadRequestException") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.name = name


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class EmulatorApp:
    """The AI/ML API's video endpoints, in memory (and on disk with ``state_dir``)."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        timing: Timing | float | None = None,
        id_style: str = "colon",
        state_dir: Path | None = None,
        result_ttl: float | None = None,
        render_workers: int = 2,
        faults: list[Fault] | None = None,
        seed: int | None = None,
    ) -> None:
        self.api_key = api_key or "emu-" + secrets.token_hex(16)
        self.timing = timing if isinstance(timing, Timing) else Timing() if timing is None else Timing.fixed(timing)
        if id_style not in ("colon", "uuid", "nanoid"):
            raise ValueError("id_style is colon, uuid or nanoid")
        self.id_style = id_style
        self.result_ttl = result_ttl
        self.state_dir = state_dir
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self._jobs: dict[str, _Job] = {}
        self._files: dict[str, tuple[Path, float | None]] = {}
        self._assets: dict[str, tuple[bytes, str]] = {}
        self._faults: list[Fault] = list(faults or [])
        self._renders: dict[str, Future[None]] = {}
        self._cache: dict[str, Future[None]] = {}
        self._pool = ThreadPoolExecutor(max_workers=render_workers, thread_name_prefix="veo-emulator-render")
        self._counts: Counter[str] = Counter()
        self._per_job: dict[str, Counter[str]] = {}
        self._per_crid: Counter[str] = Counter()
        self._files_dir = (state_dir / "files") if state_dir else Path(_tempdir()) / "files"
        self._files_dir.mkdir(parents=True, exist_ok=True)
        if state_dir is not None:
            self._load()

    # ------------------------------------------------------------------ control

    def add_fault(self, kind: str, *, endpoint: str = "any", times: int | None = 1, **options: Any) -> Fault:
        fault = Fault(kind, endpoint=endpoint, times=times, **options)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def host_asset(self, name: str, data: bytes, content_type: str = "image/png") -> str:
        """Serve ``data`` at ``/assets/<name>``; returns the path (join it to the server's URL)."""
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
        with self._lock:
            self._assets[safe] = (data, content_type)
        return f"/assets/{safe}"

    @property
    def stats(self) -> EmulatorStats:
        with self._lock:
            return EmulatorStats(
                creates=self._counts["create"],
                polls=self._counts["poll"],
                downloads=self._counts["download"],
                rejected=self._counts["rejected"],
                jobs={k: dict(v) for k, v in self._per_job.items()},
                creates_per_request=dict(self._per_crid),
            )

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ handling

    def handle(self, request: EmuRequest) -> EmuResponse:
        try:
            return self._route(request)
        except _Problem as problem:
            with self._lock:
                self._counts["rejected"] += 1
            return self._error(problem.status, problem.message, request, name=problem.name)
        except Exception as exc:  # the emulator answers, it never crashes
            return self._error(500, f"internal error: {type(exc).__name__}", request, name="InternalServerError")

    def _route(self, request: EmuRequest) -> EmuResponse:
        path = request.path
        if "\x00" in path or ".." in unquote(path).split("/"):
            raise _Problem(404, f"Cannot {request.method} {path}", "NotFoundException")
        if path == "/health":
            return _json(200, {"status": "ok", "emulator": True})
        if path.startswith("/files/"):
            return self._download(request)
        if path.startswith("/assets/"):
            return self._asset(request)
        if path.rstrip("/") in CREATE_PATHS:
            if request.method == "POST":
                return self._create(request)
            if request.method == "GET":
                return self._poll(request)
            raise _Problem(405, f"Cannot {request.method} {path}", "MethodNotAllowedException")
        raise _Problem(404, f"Cannot {request.method} {path}", "NotFoundException")

    @staticmethod
    def _named_faults(request: EmuRequest) -> list[str]:
        """The faults a request asks for in its ``X-Emulator-Fault`` header."""
        return [k.strip() for k in request.headers.get("x-emulator-fault", "").split(",") if k.strip()]

    def _spend(self, fault: Fault) -> None:
        """Use up one of a server fault's ``times`` (call with the lock held)."""
        if fault.times is not None:
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)

    def _take_fault(self, endpoint: str, request: EmuRequest) -> Fault | None:
        for kind in self._named_faults(request):
            if kind in RESPONSE_FAULTS:
                return Fault(kind, endpoint=endpoint)
        with self._lock:
            for fault in self._faults:
                if fault.kind in RESPONSE_FAULTS and fault.endpoint in (endpoint, "any"):
                    self._spend(fault)
                    return fault
        return None

    def _job_faults(self, request: EmuRequest) -> list[str]:
        named = self._named_faults(request)
        unknown = [k for k in named if k not in FAULT_KINDS]
        if unknown:
            raise _Problem(400, f"unknown emulator fault {unknown[0]!r}")
        chosen = [k for k in named if k in JOB_FAULTS]
        with self._lock:
            for fault in list(self._faults):
                if fault.kind in JOB_FAULTS and fault.endpoint in ("create", "any"):
                    chosen.append(fault.kind)
                    self._spend(fault)
        return chosen

    def _fault_response(self, fault: Fault, request: EmuRequest) -> EmuResponse:
        kind = fault.kind
        if kind == "drop":
            return EmuResponse(0, fault="drop")
        if kind == "slow":
            return EmuResponse(200, fault="slow", delay=fault.delay, body=b"{}")
        if kind == "malformed":
            page = b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>"
            return EmuResponse(200, {"content-type": "text/html"}, page)
        messages = {
            "429": "Too many requests, please slow down",
            "500": "The model is under maintenance",
            "502": "Bad gateway",
            "503": "Service unavailable",
            "504": "Generation timeout",
            "401": "Invalid API key",
            "403": "Insufficient credits: top up your balance",
        }
        response = self._error(int(kind), messages[kind], request)
        if kind in ("429", "503") and fault.retry_after is not None:
            response.headers["retry-after"] = f"{fault.retry_after:g}"
        return response

    def _authorize(self, request: EmuRequest) -> None:
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip().encode(), self.api_key.encode()):
            raise _Problem(401, "Invalid or missing API key", "UnauthorizedException")

    # ------------------------------------------------------------------ create

    def _create(self, request: EmuRequest) -> EmuResponse:
        self._authorize(request)
        fault = self._take_fault("create", request)
        if fault is not None and fault.kind not in AFTER_CREATE:
            return self._fault_response(fault, request)
        ctype = request.headers.get("content-type", "")
        if "json" not in ctype:
            raise _Problem(400, "Content-Type must be application/json")
        if len(request.body) > MAX_BODY:
            raise _Problem(413, f"Request body larger than {MAX_BODY} bytes", "PayloadTooLargeException")
        try:
            body = json.loads(request.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise _Problem(400, "Unexpected token in JSON body") from None
        if not isinstance(body, dict):
            raise _Problem(400, "Body must be a JSON object")
        clean, image = _validate(body)
        job_faults = self._job_faults(request)
        crid = request.headers.get("x-client-request-id")
        if crid is not None and not re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", crid):
            raise _Problem(400, "X-Client-Request-Id must be 1-128 characters of [A-Za-z0-9._:-]")
        now = time.time()
        total = self.timing.draw(self._rng)
        seed = clean.get("seed")
        if seed is None:
            seed = self._rng.randrange(0, 2**32)
        job = _Job(
            id=self._new_id(clean["model"]),
            body=clean,
            client_request_id=crid,
            created=now,
            ready_at=now + total,
            faults=job_faults,
            seed=int(seed),
            token=secrets.token_urlsafe(18),
        )
        with self._lock:
            self._jobs[job.id] = job
            self._counts["create"] += 1
            self._per_job[job.id] = Counter(creates=1)
            if crid:
                self._per_crid[crid] += 1
        self._start_render(job, image)
        self._save(job)
        if fault is not None:  # the job exists now; the answer is what goes wrong
            return self._fault_response(fault, request)
        usage = self._usage(job)
        payload = {"id": job.id, "status": self._status(job), "meta": {"usage": usage}}
        status = 201 if "legacy_201" in job.faults else 200
        response = _json(status, payload)
        response.headers.update(self._headers(job, usage))
        return response

    def _new_id(self, model: str) -> str:
        if self.id_style == "uuid":
            return str(uuid.uuid4())
        if self.id_style == "nanoid":
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
            return "".join(secrets.choice(alphabet) for _ in range(21))
        return f"{uuid.uuid4()}:{KNOWN_MODELS.get(model, 'veo-3.0-fast-generate-001')}"

    def _usage(self, job: _Job) -> dict[str, Any]:
        usd = round(USD_PER_SECOND.get(job.body["model"], 0.75) * job.body["duration"], 4)
        if "tokens_used" in job.faults:
            return {"tokens_used": 120000}
        return {"credits_used": int(usd * CREDITS_PER_USD), "usd_spent": usd}

    def _headers(self, job: _Job, usage: dict[str, Any]) -> dict[str, str]:
        headers = {"x-inference-id": job.id}
        if "credits_used" in usage:
            headers["x-aimlapi-credits-used"] = str(usage["credits_used"])
            headers["x-aimlapi-usd-spent"] = str(usage["usd_spent"])
        return headers

    # ------------------------------------------------------------------ render

    def _start_render(self, job: _Job, image: bytes | str | None) -> None:
        width, height = frame_size(job.body["aspect_ratio"], job.body["resolution"])
        # Only what shapes the video goes into the key: the prompt does not (the emulator does
        # not read it), so a hundred prompts over one image render once.
        shape = [job.body[k] for k in ("aspect_ratio", "resolution", "duration", "generate_audio")]
        key = hashlib.sha256(
            json.dumps([shape, job.seed, image if isinstance(image, str) else None]).encode()
            + (image if isinstance(image, bytes) else b"")
        ).hexdigest()[:32]
        out = self._files_dir / f"{key}.mp4"
        job.file = str(out)
        if self.state_dir is not None and image is not None and job.input is None:
            if isinstance(image, bytes):
                saved = self.state_dir / "inputs" / f"{key}.img"
                saved.parent.mkdir(parents=True, exist_ok=True)
                saved.write_bytes(image)
                job.input = str(saved)
            else:
                job.input = image

        def work() -> None:
            if out.exists():
                return
            data = image
            if isinstance(data, str):
                data = _fetch_loopback(data)
            if data is None:
                raise _RenderFailure("the image URL could not be read")
            try:
                picture = Image.open(io.BytesIO(data))
                picture.load()
            except (UnidentifiedImageError, OSError) as exc:
                raise _RenderFailure(f"image_url: not a readable image ({exc})") from None
            tmp = out.with_name(out.name + f".{secrets.token_hex(4)}.tmp")
            render_video(
                picture,
                tmp,
                width=width,
                height=height,
                duration=job.body["duration"],
                seed=job.seed,
                audio=job.body["generate_audio"],
            )
            tmp.replace(out)

        if image is None:
            job.failure = "image_url is required for image-to-video"
            return
        with self._lock:
            future = self._cache.get(key)
            if future is None or (future.done() and future.exception() is not None):
                future = self._pool.submit(work)
                self._cache[key] = future
            self._renders[job.id] = future

    # ------------------------------------------------------------------ poll

    def _status(self, job: _Job) -> str:
        """Move the job along its timeline; return the status as the API would spell it."""
        now = time.time()
        legacy = "waiting_active" in job.faults
        if job.status in ("completed", "error"):
            return job.status
        future = self._renders.get(job.id)
        if future is not None and future.done() and future.exception() is not None:
            exc = future.exception()
            job.failure = str(exc) if isinstance(exc, _RenderFailure) else f"render failed: {exc!r}"
        total = job.ready_at - job.created
        if now - job.created < min(3.0, total * 0.15):
            job.status = "waiting" if legacy else "queued"
            return job.status
        if job.failure:
            job.status, job.error = "error", {"name": "GenerationError", "message": job.failure}
            self._save(job)
            return job.status
        if "never_finish" in job.faults or now < job.ready_at or (future is not None and not future.done()):
            job.status = "active" if legacy else "generating"
            return job.status
        for kind, error in (
            ("job_error", {"name": "ModerationError", "message": "The prompt was flagged by the safety filter"}),
            (
                "job_error_detail",
                {
                    "detail": [
                        {"loc": ["body", "image_url"], "msg": "Image could not be processed", "type": "value_error"}
                    ]
                },
            ),
            ("job_error_string", "Generation failed: internal model error"),
        ):
            if kind in job.faults:
                job.status, job.error = "error", error
                self._save(job)
                return job.status
        job.status = "completed"
        expires = time.time() + self.result_ttl if self.result_ttl is not None else None
        if "expired_url" in job.faults:
            expires = 0.0
        with self._lock:
            self._files[job.token] = (Path(job.file or ""), expires)
        self._save(job)
        return job.status

    def _poll(self, request: EmuRequest) -> EmuResponse:
        self._authorize(request)
        fault = self._take_fault("poll", request)
        if fault is not None:
            return self._fault_response(fault, request)
        job_id = request.query.get("generation_id", "")
        if not job_id:
            raise _Problem(400, "generation_id is required")
        with self._lock:
            job = self._jobs.get(job_id)
            self._counts["poll"] += 1
            if job is not None:
                self._per_job[job_id]["polls"] += 1
        if job is None:
            raise _Problem(404, f"Generation {job_id} not found", "NotFoundException")
        with self._lock:
            status = self._status(job)
        payload: dict[str, Any] = {"id": job.id, "status": status}
        usage = self._usage(job)
        if status == "completed":
            payload["video"] = {"url": f"{request.base_url}/files/{job.token}.mp4"}
            payload["meta"] = {"usage": usage}
            if "tokens_used" in job.faults:
                payload["video"]["duration"] = job.body["duration"]
                payload["duration"] = job.body["duration"]
        elif status == "error":
            payload["error"] = job.error
        response = _json(200, payload)
        response.headers.update(self._headers(job, usage) if status == "completed" else {"x-inference-id": job.id})
        return response

    # ------------------------------------------------------------------ files

    def _download(self, request: EmuRequest) -> EmuResponse:
        fault = self._take_fault("download", request)
        if fault is not None:
            return self._fault_response(fault, request)
        name = request.path[len("/files/") :]
        token = name[:-4] if name.endswith(".mp4") else name
        with self._lock:
            entry = self._files.get(token)
            self._counts["download"] += 1
        if entry is None or not entry[0].is_file():
            raise _Problem(404, "No such file", "NotFoundException")
        path, expires = entry
        if expires is not None and time.time() >= expires:
            return EmuResponse(
                403,
                {"content-type": "application/xml"},
                b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
            )
        size = path.stat().st_size
        start, end = 0, size - 1
        status = 200
        ranged = request.headers.get("range", "")
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", ranged.strip())
        if match and (match.group(1) or match.group(2)):
            if match.group(1):
                start = int(match.group(1))
                end = min(size - 1, int(match.group(2))) if match.group(2) else size - 1
            else:
                start = max(0, size - int(match.group(2)))
            if start > end or start >= size:
                return EmuResponse(416, {"content-range": f"bytes */{size}"})
            status = 206
        headers = {"content-type": "video/mp4", "accept-ranges": "bytes", "content-length": str(end - start + 1)}
        if status == 206:
            headers["content-range"] = f"bytes {start}-{end}/{size}"
        return EmuResponse(status, headers, file=path, file_range=(start, end))

    def _asset(self, request: EmuRequest) -> EmuResponse:
        name = request.path[len("/assets/") :]
        with self._lock:
            entry = self._assets.get(name)
        if entry is None:
            raise _Problem(404, "No such asset", "NotFoundException")
        return EmuResponse(200, {"content-type": entry[1]}, entry[0])

    # ------------------------------------------------------------------ errors

    def _error(self, status: int, message: str, request: EmuRequest, *, name: str | None = None) -> EmuResponse:
        request_id = str(uuid.uuid4())
        if status == 401:
            body = {
                "title": "Unauthorized",
                "status": 401,
                "message": message,
                "instance": request.path,
                "requestId": request_id,
                "timestamp": _now_iso(),
                "error": {"name": name or "UnauthorizedException", "message": message},
            }
            return EmuResponse(401, {"content-type": "application/problem+json"}, json.dumps(body).encode())
        body = {
            "message": message,
            "path": request.path,
            "requestId": request_id,
            "statusCode": str(status),
            "timestamp": _now_iso(),
        }
        return _json(status, body)

    # ------------------------------------------------------------------ persistence

    def _save(self, job: _Job) -> None:
        if self.state_dir is None:
            return
        jobs = self.state_dir / "jobs"
        jobs.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha1(job.id.encode()).hexdigest() + ".json"
        tmp = jobs / (name + ".tmp")
        tmp.write_text(json.dumps(asdict(job)))
        tmp.replace(jobs / name)

    def _load(self) -> None:
        assert self.state_dir is not None
        for entry in sorted((self.state_dir / "jobs").glob("*.json")) if (self.state_dir / "jobs").is_dir() else []:
            try:
                job = _Job(**json.loads(entry.read_text()))
            except (OSError, ValueError, TypeError):
                continue
            self._jobs[job.id] = job
            self._per_job[job.id] = Counter()
            if job.status == "completed" and job.file:
                self._files[job.token] = (Path(job.file), None)
            elif job.status not in ("completed", "error") and job.file and not Path(job.file).exists():
                # Killed mid-render (a kernel restart in demo mode): render it again.
                source: bytes | str | None = job.input
                if job.input and not job.input.startswith(("http://", "https://")):
                    source = Path(job.input).read_bytes() if Path(job.input).is_file() else None
                if source is None:
                    job.failure = "the emulator restarted while rendering and lost the input image"
                else:
                    self._start_render(job, source)


class _RenderFailure(Exception):
    pass


def _tempdir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="veo-emulator-")


def _json(status: int, payload: Any) -> EmuResponse:
    return EmuResponse(status, {"content-type": "application/json"}, json.dumps(payload).encode())


def _validate(body: dict[str, Any]) -> tuple[dict[str, Any], bytes | str | None]:
    """The API's checks; returns the normalised body and the image (bytes, or a URL)."""
    model = body.get("model")
    if model not in KNOWN_MODELS:
        raise _Problem(400, f"model must be one of: {', '.join(KNOWN_MODELS)}")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise _Problem(400, "prompt must be a non-empty string")
    duration = body.get("duration", 8)
    if isinstance(duration, bool) or duration not in (4, 6, 8):
        raise _Problem(400, "duration must be one of the following values: 4, 6, 8")
    aspect = body.get("aspect_ratio", "16:9")
    if aspect not in ("16:9", "9:16"):
        raise _Problem(400, "aspect_ratio must be one of the following values: 16:9, 9:16")
    resolution = body.get("resolution", "720P")
    if not isinstance(resolution, str) or resolution.lower() not in ("720p", "1080p"):
        raise _Problem(400, "resolution must be one of the following values: 720P, 1080P")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 4_294_967_295):
        raise _Problem(400, "seed must be an integer between 0 and 4294967295")
    for flag in ("enhance_prompt", "generate_audio"):
        if flag in body and not isinstance(body[flag], bool):
            raise _Problem(400, f"{flag} must be a boolean")
    negative = body.get("negative_prompt")
    if negative is not None and not isinstance(negative, str):
        raise _Problem(400, "negative_prompt must be a string")
    image: bytes | str | None = None
    raw = body.get("image_url")
    if model in IMAGE_MODELS or raw is not None:
        if not isinstance(raw, str) or not raw:
            raise _Problem(400, "image_url must be a URL or a base64 data URI")
        if raw.startswith("data:"):
            head, _, data = raw.partition(",")
            if ";base64" not in head:
                raise _Problem(400, "image_url: a data URI must be base64")
            try:
                image = base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                raise _Problem(400, "image_url: invalid base64") from None
            try:
                Image.open(io.BytesIO(image)).verify()
            except Exception:
                raise _Problem(400, "image_url: the data is not a supported image") from None
        elif urlsplit(raw).scheme in ("http", "https") and urlsplit(raw).hostname:
            image = raw
        else:
            raise _Problem(400, "image_url must be an http(s) URL or a base64 data URI")
    clean = {
        "model": model,
        "prompt": prompt,
        "duration": duration,
        "aspect_ratio": aspect,
        "resolution": resolution.lower(),
        "seed": seed,
        "negative_prompt": negative,
        "enhance_prompt": body.get("enhance_prompt", True),
        "generate_audio": body.get("generate_audio", True),
    }
    return clean, image


def _fetch_loopback(url: str) -> bytes:
    """Fetch an image URL, but only from this machine: the emulator has no internet."""
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise _RenderFailure(
            f"image_url: the emulator cannot reach the internet to fetch {host}; "
            "pass a local file or a data URI in demo mode"
        )
    import httpx

    try:
        response = httpx.get(url, timeout=10.0, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise _RenderFailure(f"image_url: could not fetch {url}: {exc}") from None
    if response.status_code != 200:
        raise _RenderFailure(f"image_url: fetching {url} answered HTTP {response.status_code}")
    return response.content


def parse_target(target: str) -> tuple[str, dict[str, str]]:
    """Split a request target into its path and a query dict (last value wins)."""
    parts = urlsplit(target)
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return parts.path or "/", query
