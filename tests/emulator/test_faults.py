"""Faults on demand: by header for one request, or added to the server for the next few."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from veo_widgets.emulator import Emulator

from ..helpers import HTTP
from .conftest import auth, body, poll, wait_done

pytestmark = pytest.mark.timeout(120)


def test_per_request_fault_header(emulator: Emulator) -> None:
    answer = HTTP.post(
        f"{emulator.url}/v2/video/generations",
        json=body(),
        headers={**auth(emulator), "X-Emulator-Fault": "429"},
        timeout=30,
    )
    assert answer.status_code == 429 and answer.headers["retry-after"] == "1"
    legacy = HTTP.post(
        f"{emulator.url}/v2/generate/video/google/generation",
        json=body(),
        headers={**auth(emulator), "X-Emulator-Fault": "legacy_201"},
        timeout=30,
    )
    assert legacy.status_code == 201
    with pytest.raises(httpx.RemoteProtocolError):
        HTTP.get(
            f"{emulator.url}/v2/video/generations",
            params={"generation_id": "x"},
            headers={**auth(emulator), "X-Emulator-Fault": "drop"},
            timeout=30,
        )


def test_unknown_faults_are_refused(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        emulator.add_fault("gremlins")
    with pytest.raises(ValueError, match="unknown endpoint"):
        emulator.add_fault("500", endpoint="upload")
    answer = HTTP.post(
        f"{emulator.url}/v2/video/generations",
        json=body(),
        headers={**auth(emulator), "X-Emulator-Fault": "gremlins"},
        timeout=30,
    )
    assert answer.status_code == 400 and "gremlins" in answer.json()["message"]


def test_a_fault_strikes_only_as_often_as_asked(emulator: Emulator) -> None:
    emulator.add_fault("503", endpoint="create", times=2, retry_after=None)
    codes = [
        HTTP.post(f"{emulator.url}/v2/video/generations", json=body(), headers=auth(emulator), timeout=30).status_code
        for _ in range(3)
    ]
    assert codes == [503, 503, 200]


def test_hold_makes_the_job_at_once_and_answers_later(emulator: Emulator) -> None:
    emulator.add_fault("hold", endpoint="create", seconds=3)
    crid = f"held-{uuid.uuid4().hex[:8]}"  # this test's own create (the emulator is shared)
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        pending = pool.submit(
            httpx.post,
            f"{emulator.url}/v2/video/generations",
            json=body(),
            headers={**auth(emulator), "X-Client-Request-Id": crid},
            timeout=30,
        )
        deadline = time.monotonic() + 20
        while not emulator.stats.creates_per_request.get(crid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert emulator.stats.creates_per_request.get(crid) == 1 and not pending.done()  # made, not yet answered
        answer = pending.result()
    assert time.monotonic() - started >= 2.9
    assert answer.status_code == 200 and answer.json()["status"] == "queued"
    assert emulator.stats.creates_per_request[crid] == 1


def test_hold_past_the_read_timeout_through_the_transport(emulator: Emulator) -> None:
    emulator.add_fault("hold", endpoint="create", seconds=2)
    with (
        httpx.Client(transport=emulator.transport(), base_url=emulator.url, timeout=0.3) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.post("/v2/video/generations", json=body(), headers=auth(emulator))


def test_complete_status_ends_in_the_extend_pages_spelling(emulator: Emulator) -> None:
    emulator.add_fault("complete_status")
    job = HTTP.post(f"{emulator.url}/v2/video/generations", json=body(), headers=auth(emulator), timeout=30).json()
    done = wait_done(emulator, job["id"])
    assert done["status"] == "complete" and HTTP.get(done["video"]["url"], timeout=60).content[4:8] == b"ftyp"


def test_logs_billing_and_catalogue_faults_must_be_named(emulator: Emulator) -> None:
    emulator.add_fault("500", times=None)  # "any": the video endpoints only
    logs = HTTP.get(f"{emulator.url}/v2/logs", params={"period": "1h"}, headers=auth(emulator), timeout=30)
    assert logs.status_code == 200
    emulator.clear_faults()
    emulator.add_fault("503", endpoint="logs", retry_after=2)
    refused = HTTP.get(f"{emulator.url}/v2/logs", params={"period": "1h"}, headers=auth(emulator), timeout=30)
    assert refused.status_code == 503 and refused.headers["retry-after"] == "2"
    emulator.add_fault("drop", endpoint="models")
    with pytest.raises(httpx.RemoteProtocolError):
        HTTP.get(f"{emulator.url}/v1/models", timeout=30)
    emulator.add_fault("403", endpoint="billing")
    assert HTTP.get(f"{emulator.url}/v2/billing", headers=auth(emulator), timeout=30).status_code == 403
    assert HTTP.get(f"{emulator.url}/v2/billing", headers=auth(emulator), timeout=30).status_code == 200


@pytest.mark.parametrize(
    ("fault", "running", "ended"),
    [
        ("status:succeeded", "generating", "succeeded"),
        ("status:processing", "processing", "completed"),
        ("status:failed", "generating", "failed"),
        ("status:finalizing", "finalizing", "completed"),
    ],
)
def test_a_status_fault_spells_the_job_s_answers(emulator: Emulator, fault: str, running: str, ended: str) -> None:
    job = HTTP.post(
        f"{emulator.url}/v2/video/generations",
        json=body(),
        headers={**auth(emulator), "X-Emulator-Fault": f"{fault},never_finish"},
        timeout=30,
    ).json()
    assert job["status"] in ("queued", running)
    deadline = time.monotonic() + 30
    while (seen := poll(emulator, job["id"])["status"]) == "queued" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert seen == running  # still running (never_finish): its pending spelling
    other = HTTP.post(
        f"{emulator.url}/v2/video/generations",
        json=body(),
        headers={**auth(emulator), "X-Emulator-Fault": fault},
        timeout=30,
    ).json()
    done = wait_done_spelled(emulator, other["id"], ended)
    if ended == "failed":
        assert "error" not in done and "video" not in done  # a bare failure spelling
    else:
        assert done["video"]["url"]


def wait_done_spelled(emu: Emulator, job_id: str, ended: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = poll(emu, job_id)
        if answer["status"] == ended:
            return answer
        time.sleep(0.1)
    raise AssertionError(f"the job never said {ended!r}")


def test_a_server_wide_spelling_applies_to_every_answer_and_is_checked() -> None:
    with Emulator(timing=0.2, statuses={"completed": "success", "error": "failure"}) as emu:
        job = HTTP.post(f"{emu.url}/v2/video/generations", json=body(), headers=auth(emu), timeout=30).json()
        assert wait_done_spelled(emu, job["id"], "success")["video"]["url"]
        emu.statuses = {"completed": "complete"}
        assert poll(emu, job["id"])["status"] == "complete"
        with pytest.raises(ValueError, match="another state"):
            emu.statuses = {"completed": "failed"}
        with pytest.raises(ValueError, match="not a state"):
            Emulator(start=False, statuses={"done": "succeeded"})
