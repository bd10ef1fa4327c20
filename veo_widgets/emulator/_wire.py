"""What travels on the wire: requests and responses without sockets, and the API's error bodies.

``EmuRequest`` and ``EmuResponse`` are what the routes see; the HTTP server and the httpx
transport in ``_server`` translate to and from them. Error bodies come in the two shapes the
AI/ML API is known to send: NestJS's ``{message, path, requestId, statusCode, timestamp}``
and, for 401, ``application/problem+json``.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "MAX_BODY",
    "EmuRequest",
    "EmuResponse",
    "Problem",
    "client_request_id",
    "error_response",
    "iso",
    "json_body",
    "json_response",
    "now_iso",
    "problem_response",
]

#: Larger request bodies are refused (413) before they are read.
MAX_BODY = 25 * 1024 * 1024
_CRID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


@dataclass
class EmuRequest:
    method: str
    path: str
    params: list[tuple[str, str]]
    """The query string's pairs, in order; a name may repeat."""
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes = b""
    base_url: str = "http://127.0.0.1"

    @classmethod
    def from_target(
        cls, method: str, target: str, headers: dict[str, str], body: bytes = b"", base_url: str = "http://127.0.0.1"
    ) -> EmuRequest:
        """A request for ``target`` (path and query string, as on the request line)."""
        parts = urlsplit(target)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        lowered = {k.lower(): v for k, v in headers.items()}
        return cls(method.upper(), parts.path or "/", pairs, lowered, body, base_url)

    @property
    def query(self) -> dict[str, str]:
        """The query as a dict: the last value of a repeated name wins."""
        return dict(self.params)

    def values(self, name: str) -> list[str]:
        """Every value given for ``name``, in order."""
        return [v for k, v in self.params if k == name]


@dataclass
class EmuResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    file: Path | None = None
    """Serve this file's bytes ``file_range`` instead of ``body``."""
    file_range: tuple[int, int] | None = None
    drop: bool = False
    """Close the connection without answering."""
    delay: float = 0.0
    """Answer only after this many seconds (a client with a shorter read timeout gives up)."""


class Problem(Exception):
    """An error answer: raise it anywhere in a route, and ``handle`` turns it into a response."""

    def __init__(self, status: int, message: str, name: str = "BadRequestException") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.name = name
        self.headers: dict[str, str] = {}


def now_iso() -> str:
    return iso(datetime.now(timezone.utc))


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> EmuResponse:
    return EmuResponse(status, {"content-type": "application/json", **(headers or {})}, json.dumps(payload).encode())


def error_response(status: int, message: str, path: str, *, name: str | None = None) -> EmuResponse:
    """The API's error body for ``status``: problem+json for 401, NestJS's shape otherwise."""
    request_id = str(uuid.uuid4())
    if status == 401:
        body: dict[str, Any] = {
            "title": "Unauthorized",
            "status": 401,
            "message": message,
            "instance": path,
            "requestId": request_id,
            "timestamp": now_iso(),
            "error": {"name": name or "UnauthorizedException", "message": message},
        }
        return EmuResponse(401, {"content-type": "application/problem+json"}, json.dumps(body).encode())
    body = {
        "message": message,
        "path": path,
        "requestId": request_id,
        "statusCode": str(status),
        "timestamp": now_iso(),
    }
    return json_response(status, body)


def client_request_id(request: EmuRequest) -> str | None:
    """The request's ``X-Client-Request-Id`` if valid; an invalid one is silently dropped, as the API does."""
    value = request.headers.get("x-client-request-id")
    return value if value is not None and _CRID.fullmatch(value) else None


def json_body(request: EmuRequest) -> dict[str, Any]:
    """A create's JSON object, or the API's 400 (or 413 for a body past ``MAX_BODY``)."""
    if "json" not in request.headers.get("content-type", ""):
        raise Problem(400, "Content-Type must be application/json")
    if len(request.body) > MAX_BODY:
        raise Problem(413, f"Request body larger than {MAX_BODY} bytes", "PayloadTooLargeException")
    try:
        body = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Problem(400, "Unexpected token in JSON body") from None
    if not isinstance(body, dict):
        raise Problem(400, "Body must be a JSON object")
    return body


def problem_response(problem: Problem, path: str) -> EmuResponse:
    """The error answer a raised :class:`Problem` stands for, with its extra headers."""
    response = error_response(problem.status, problem.message, path, name=problem.name)
    response.headers.update(problem.headers)
    return response
