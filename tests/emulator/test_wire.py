"""Requests and responses on the wire, and the API's two error shapes."""

from __future__ import annotations

import json

from veo_widgets.emulator._wire import EmuRequest, client_request_id, error_response


def test_a_request_keeps_repeated_query_names() -> None:
    request = EmuRequest.from_target("get", "/v2/logs?model=a&model=b%2Fc&status=failed", {"Authorization": "Bearer k"})
    assert request.method == "GET" and request.path == "/v2/logs"
    assert request.values("model") == ["a", "b/c"] and request.query["status"] == "failed"
    assert request.headers == {"authorization": "Bearer k"}


def test_error_bodies() -> None:
    plain = error_response(429, "Too many requests", "/v2/logs")
    shape = json.loads(plain.body)
    assert plain.status == 429 and shape["statusCode"] == "429" and shape["path"] == "/v2/logs"
    problem = error_response(401, "Invalid key", "/v2/logs")
    assert problem.headers["content-type"] == "application/problem+json"
    assert json.loads(problem.body)["error"]["name"] == "UnauthorizedException"


def test_an_invalid_client_request_id_is_dropped_silently() -> None:
    def crid(value: str) -> str | None:
        return client_request_id(EmuRequest.from_target("POST", "/", {"X-Client-Request-Id": value}))

    assert crid("veo-1.2:a_b") == "veo-1.2:a_b"
    assert crid("has space") is None and crid("x" * 129) is None
