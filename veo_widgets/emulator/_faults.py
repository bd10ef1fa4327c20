"""Faults on demand: which kinds exist, which requests they strike, and the answers they give.

A fault is added to the server (``Emulator.add_fault``) for the next ``times`` matching
requests, or asked for by one request in its ``X-Emulator-Fault`` header. Response faults
spoil one answer; job faults shape the life of the job a create makes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ._wire import EmuRequest, EmuResponse, Problem, error_response

__all__ = [
    "AFTER_CREATE",
    "ALL_FAULTS",
    "FAULT_KINDS",
    "JOB_FAULTS",
    "MORE_FAULTS",
    "RESPONSE_FAULTS",
    "STATUS_FAULT",
    "Fault",
    "FaultBook",
    "fault_response",
]

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
#: The fault matrix every client is tested against.
FAULT_KINDS = RESPONSE_FAULTS + JOB_FAULTS
#: Later additions, kept out of ``FAULT_KINDS`` so that matrix stays what it was:
#: ``hold`` answers truly but only after ``delay`` seconds (on a create: the job is made at
#: once, its answer waits: for interrupt tests); ``complete_status`` ends a job in
#: ``complete``, the spelling of the extend pages' prose. The ``charge_*`` faults make the
#: ledger disagree with what the client got (see ``_ledger``): something for an audit to find.
MORE_FAULTS = ("hold", "complete_status", "charge_failed", "charge_twice", "charge_no_file")
#: ``status:<word>`` (a job fault) spells the job's status ``<word>``: a success spelling
#: (``status:succeeded``) ends it so, a failure spelling (``status:failed``) ends it so with
#: no error object, and a pending or unknown one (``status:processing``,
#: ``status:finalizing``) is what it says while it runs, before it completes.
STATUS_FAULT = "status:"
ALL_FAULTS = FAULT_KINDS + MORE_FAULTS
_ANSWER_FAULTS = (*RESPONSE_FAULTS, "hold")
_LIFE_FAULTS = (*JOB_FAULTS, "complete_status", "charge_failed", "charge_twice", "charge_no_file")


def _known(kind: str) -> bool:
    return kind in ALL_FAULTS or _spelling(kind)


def _spelling(kind: str) -> bool:
    return kind.startswith(STATUS_FAULT) and bool(kind[len(STATUS_FAULT) :].strip())


def _shapes_life(kind: str) -> bool:
    return kind in _LIFE_FAULTS or _spelling(kind)


#: On a create, these faults strike after the job was made: the client cannot know it was.
AFTER_CREATE = frozenset({"500", "502", "504", "drop", "slow", "malformed", "hold"})
#: ``any`` strikes the video endpoints only; the others must be named.
VIDEO_ENDPOINTS = ("create", "poll", "download")
ENDPOINTS = (*VIDEO_ENDPOINTS, "logs", "billing", "models", "schemas", "any")

_MESSAGES = {
    "429": "Too many requests, please slow down",
    "500": "The model is under maintenance",
    "502": "Bad gateway",
    "503": "Service unavailable",
    "504": "Generation timeout",
    "401": "Invalid API key",
    "403": "You've run out of credits. Please top up your balance or update your payment method to continue",
}


@dataclass
class Fault:
    """A fault the server injects into the next ``times`` matching requests (None: all)."""

    kind: str
    endpoint: str = "any"
    """``create``, ``poll``, ``download`` or ``any`` of those three; or ``logs`` (``/v2/logs``),
    ``billing`` (``/v2/billing``, ``/v2/usage``), ``models`` (the catalogue and metrics)."""
    times: int | None = 1
    retry_after: float | None = 1.0
    """For ``429`` and ``503``: the ``Retry-After`` header (None sends none)."""
    delay: float = 35.0
    """For ``slow`` and ``hold``: how long the answer takes."""
    seconds: float | None = None
    """Another name for ``delay``: ``add_fault("hold", seconds=3)``."""

    def __post_init__(self) -> None:
        if not _known(self.kind):
            known = ", ".join((*ALL_FAULTS, STATUS_FAULT + "<word>"))
            raise ValueError(f"unknown fault {self.kind!r}; known: {known}")
        if self.endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {self.endpoint!r}")
        if self.seconds is not None:
            self.delay = self.seconds


class FaultBook:
    """The server's pending faults. Taking a fault spends one of its uses."""

    def __init__(self, faults: list[Fault] | None = None) -> None:
        self._lock = threading.Lock()
        self._faults = list(faults or [])

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take_response(self, endpoint: str, request: EmuRequest) -> Fault | None:
        """The fault that spoils this request's answer, if any."""
        for kind in named_faults(request):
            if kind in _ANSWER_FAULTS:
                return Fault(kind, endpoint=endpoint)
        with self._lock:
            for fault in self._faults:
                strikes = fault.endpoint == endpoint or (fault.endpoint == "any" and endpoint in VIDEO_ENDPOINTS)
                if fault.kind in _ANSWER_FAULTS and strikes:
                    self._spend(fault)
                    return fault
        return None

    def take_job(self, request: EmuRequest) -> list[str]:
        """The job faults a create gives its job (header ones first)."""
        named = named_faults(request)
        unknown = [k for k in named if not _known(k)]
        if unknown:
            raise Problem(400, f"unknown emulator fault {unknown[0]!r}")
        chosen = [k for k in named if _shapes_life(k)]
        with self._lock:
            for fault in list(self._faults):
                if _shapes_life(fault.kind) and fault.endpoint in ("create", "any"):
                    chosen.append(fault.kind)
                    self._spend(fault)
        return chosen

    def _spend(self, fault: Fault) -> None:
        """Use up one of a fault's ``times`` (call with the lock held)."""
        if fault.times is not None:
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)


def named_faults(request: EmuRequest) -> list[str]:
    """The faults a request asks for in its ``X-Emulator-Fault`` header."""
    return [k.strip() for k in request.headers.get("x-emulator-fault", "").split(",") if k.strip()]


def fault_response(fault: Fault, request: EmuRequest, answer: EmuResponse | None = None) -> EmuResponse:
    """The answer ``fault`` gives instead of (or, for ``hold``, after a delay with) ``answer``."""
    kind = fault.kind
    if kind == "hold":
        held = answer if answer is not None else EmuResponse(200, {"content-type": "application/json"}, b"{}")
        held.delay = fault.delay
        return held
    if kind == "drop":
        return EmuResponse(0, drop=True)
    if kind == "slow":
        return EmuResponse(200, {"content-type": "application/json"}, b"{}", delay=fault.delay)
    if kind == "malformed":
        page = b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>"
        return EmuResponse(200, {"content-type": "text/html"}, page)
    response = error_response(int(kind), _MESSAGES[kind], request.path)
    if kind in ("429", "503") and fault.retry_after is not None:
        response.headers["retry-after"] = f"{fault.retry_after:g}"
    return response
