"""The video endpoints: create, poll and download as the API answers them, with its error shapes."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from veo_widgets.emulator import Emulator

from ..conftest import image_bytes
from ..helpers import HTTP
from .conftest import auth, body, poll, wait_done

pytestmark = pytest.mark.timeout(120)


def test_lifecycle_headers_and_usage(emulator: Emulator) -> None:
    created = HTTP.post(
        f"{emulator.url}/v2/video/generations",
        json=body(),
        headers={**auth(emulator), "X-Client-Request-Id": "veo-test.1:a"},
        timeout=30,
    )
    assert created.status_code == 200
    job = created.json()
    assert job["status"] == "queued" and ":veo-3.0-fast-generate-001" in job["id"]
    assert job["meta"]["usage"]["credits_used"] > 0 and job["meta"]["usage"]["usd_spent"] > 0
    assert created.headers["x-inference-id"] == job["id"] and created.headers["x-client-request-id"] == "veo-test.1:a"
    assert "x-aimlapi-credits-used" in created.headers
    seen = {job["status"]}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = HTTP.get(
            f"{emulator.url}/v2/video/generations",
            params={"generation_id": job["id"]},
            headers=auth(emulator),
            timeout=30,
        ).json()["status"]
        seen.add(status)
        if status == "completed":
            break
        time.sleep(0.05)
    assert seen >= {"queued", "completed"}
    assert emulator.stats.jobs[job["id"]]["creates"] == 1 and emulator.stats.jobs[job["id"]]["polls"] >= 2


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"duration": "5"}, "duration must be one of"),
        ({"aspect_ratio": "1:1"}, "aspect_ratio"),
        ({"resolution": "4K"}, "resolution"),
        ({"model": "nope"}, "model must be one of"),
        ({"prompt": ""}, "prompt"),
        ({"image_url": None}, "image_url"),
        ({"image_url": "data:image/png;base64,AAAA"}, "not a supported image"),
        ({"seed": -1}, "seed"),
    ],
)
def test_validation_errors_in_the_api_shape(emulator: Emulator, payload: dict[str, Any], words: str) -> None:
    answer = HTTP.post(f"{emulator.url}/v2/video/generations", json=body(**payload), headers=auth(emulator), timeout=30)
    assert answer.status_code == 400
    shape = answer.json()
    assert words in shape["message"] and shape["statusCode"] == "400" and shape["path"] == "/v2/video/generations"
    assert shape["requestId"] and shape["timestamp"]


def test_auth_errors_are_problem_json(emulator: Emulator) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": emulator.api_key}):
        answer = HTTP.post(f"{emulator.url}/v2/video/generations", json=body(), headers=headers, timeout=30)
        assert answer.status_code == 401 and answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["error"]["name"] == "UnauthorizedException"


def test_unknown_ids_paths_and_methods(emulator: Emulator) -> None:
    unknown = HTTP.get(
        f"{emulator.url}/v2/video/generations", params={"generation_id": "nope:x"}, headers=auth(emulator), timeout=30
    )
    assert unknown.status_code == 404 and "not found" in unknown.json()["message"]
    assert HTTP.get(f"{emulator.url}/v1/other", headers=auth(emulator), timeout=30).status_code == 404
    assert HTTP.delete(f"{emulator.url}/v2/video/generations", headers=auth(emulator), timeout=30).status_code == 405


def test_loopback_image_urls_are_fetched_others_fail_clearly(emulator: Emulator) -> None:
    url = emulator.host_asset("pic.png", image_bytes())
    ok = HTTP.post(
        f"{emulator.url}/v2/video/generations", json=body(image_url=url), headers=auth(emulator), timeout=30
    ).json()
    assert wait_done(emulator, ok["id"])["status"] == "completed"
    far = HTTP.post(
        f"{emulator.url}/v2/video/generations",
        json=body(image_url="https://example.com/cat.png"),
        headers=auth(emulator),
        timeout=30,
    ).json()
    failed = wait_done(emulator, far["id"])
    assert failed["status"] == "error" and "cannot reach the internet" in failed["error"]["message"]


def test_result_links_are_signed_for_ten_minutes_refused_after_and_fresh_at_each_poll() -> None:
    now = [time.time()]
    with Emulator(timing=0.2, clock=lambda: now[0]) as emu:
        job = HTTP.post(f"{emu.url}/v2/video/generations", json=body(), headers=auth(emu), timeout=30).json()
        url = wait_done(emu, job["id"])["video"]["url"]
        assert "X-Amz-Expires=600" in url and "X-Amz-Signature=" in url  # as the docs' links
        part = HTTP.get(url, headers={"Range": "bytes=0-99"}, timeout=30)
        assert part.status_code == 206 and len(part.content) == 100
        assert part.headers["content-range"].startswith("bytes 0-99/")
        now[0] += 599
        assert HTTP.get(url, timeout=30).status_code == 200
        now[0] += 2
        expired = HTTP.get(url, timeout=30)
        assert expired.status_code == 403 and b"Request has expired" in expired.content
        fresh = poll(emu, job["id"])["video"]["url"]
        assert fresh != url and HTTP.get(fresh, timeout=30).content[4:8] == b"ftyp"
        forged = fresh.replace("X-Amz-Expires=600", "X-Amz-Expires=999999")
        assert HTTP.get(forged, timeout=30).status_code == 403
        unsigned = fresh.split("?")[0]
        assert HTTP.get(unsigned, timeout=30).status_code == 403


def test_the_link_lifetime_is_settable_and_none_never_expires() -> None:
    now = [time.time()]
    with Emulator(timing=0.2, result_ttl=2, clock=lambda: now[0]) as emu:
        job = HTTP.post(f"{emu.url}/v2/video/generations", json=body(), headers=auth(emu), timeout=30).json()
        url = wait_done(emu, job["id"])["video"]["url"]
        assert "X-Amz-Expires=2" in url
        now[0] += 2
        assert HTTP.get(url, timeout=30).status_code == 403
        emu.result_ttl = None
        forever = poll(emu, job["id"])["video"]["url"]
        now[0] += 10**6
        assert "?" not in forever and HTTP.get(forever, timeout=30).status_code == 200


def test_id_styles() -> None:
    for style, check in (("uuid", lambda i: len(i) == 36 and ":" not in i), ("nanoid", lambda i: len(i) == 21)):
        with Emulator(timing=0.2, id_style=style) as emu:
            job = HTTP.post(f"{emu.url}/v2/video/generations", json=body(), headers=auth(emu), timeout=30).json()
            assert check(job["id"]), job["id"]


def test_an_invalid_client_request_id_is_dropped_and_the_job_still_made(emulator: Emulator) -> None:
    before = emulator.stats.creates
    answer = HTTP.post(
        f"{emulator.url}/v2/video/generations",
        json=body(),
        headers={**auth(emulator), "X-Client-Request-Id": "not valid!"},
        timeout=30,
    )
    assert answer.status_code == 200 and "x-client-request-id" not in answer.headers
    assert emulator.stats.creates == before + 1


def test_the_in_memory_transport_answers_as_the_server_does(emulator: Emulator) -> None:
    with httpx.Client(transport=emulator.transport(), base_url=emulator.url) as client:
        created = client.post(
            "/v2/video/generations", json=body(), headers={**auth(emulator), "X-Client-Request-Id": "t-1"}
        )
        assert created.status_code == 200 and created.headers["x-client-request-id"] == "t-1"
        polled = client.get(
            "/v2/video/generations", params={"generation_id": created.json()["id"]}, headers=auth(emulator)
        )
        assert polled.json()["id"] == created.json()["id"]
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(
                "/v2/video/generations",
                params={"generation_id": "x"},
                headers={**auth(emulator), "X-Emulator-Fault": "drop"},
            )


def test_each_model_takes_its_own_time_scaled_by_the_timing_setting() -> None:
    def seconds(emu: Emulator, payload: dict[str, Any]) -> float:
        answer = HTTP.post(f"{emu.url}/v2/video/generations", json=payload, headers=auth(emu), timeout=30)
        job = emu.app.jobs.get(answer.json()["id"])
        assert job is not None
        return job.ready_at - job.created

    with Emulator(timing=10) as emu:
        fast = seconds(emu, body())
        t31 = seconds(emu, {"model": "google/veo-3.1-t2v", "prompt": "x"})
        extend = seconds(
            emu, {"model": "google/veo3-1-fast-extend-video", "prompt": "x", "video_url": "http://127.0.0.1:1/v.mp4"}
        )
        assert fast == pytest.approx(10) and t31 > fast > extend
