"""Helpers shared by the test modules."""

from __future__ import annotations

import json

import httpx


def response(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=headers or {}, request=httpx.Request("GET", "http://x"))

