"""The client, on both flavours: submit, wait, download, retries, errors, the journal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.protocol import _flows as flows

from ..conftest import FAST, SENTINEL_KEY, Counting, Flavour, image_bytes, probe

pytestmark = pytest.mark.timeout(120)


def creates(client: Flavour) -> list[httpx.Request]:
    return [r for r in client.requests if r.method == "POST"]


def test_generate_saves_a_playable_video(client: Flavour, image_file: Path, tmp_path: Path) -> None:
    updates: list[str] = []
    job = client.generate("waves roll in", image=image_file, on_update=lambda j: updates.append(j.status), **FAST)
    assert job.ok and job.path is not None and job.path.exists()
    assert job.path.parent == tmp_path / "out"  # VEO_OUTPUT_DIR, not the working directory
    info = probe(job.path)
    assert (info["video_codec"], info["width"], info["height"], info["audio_codec"]) == ("h264", 1280, 720, "aac")
    assert info["duration"] == pytest.approx(4, abs=0.1)
    assert updates[-1] == "completed" and "generating" in updates
    assert job.usage.usd is not None and job.usage.credits is not None


def test_submit_returns_an_id_at_once_and_journals_it(client: Flavour, image_file: Path) -> None:
    job = client.submit("a slow pan", image=image_file, **FAST)
    assert job.id and not job.done and job.client_request_id
    found = veo.history()[0]
    assert found.id == job.id and found.request is not None and found.request["prompt"] == "a slow pan"
    assert len(creates(client)) == 1
    assert creates(client)[0].headers["x-client-request-id"] == job.client_request_id


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("prompt", {"prompt": "   "}),
        ("aspect_ratio", {"aspect_ratio": "4:3"}),
        ("resolution", {"resolution": "4k"}),
        ("model", {"model": "google/veo-3.0-fast"}),
        ("duration", {"duration": 5}),
        ("duration", {"duration": "8"}),
        ("seed", {"seed": 2**32}),
        ("seed", {"seed": -1}),
        ("image", {"image": "missing.png"}),
        ("image", {"image": b"not an image"}),
        ("image", {"image": None}),
        ("resolution", {"resolution": "1080p", "duration": 4}),
    ],
)
def test_bad_input_is_refused_before_any_request(
    client: Flavour, image_file: Path, field: str, kwargs: dict[str, object]
) -> None:
    args: dict[str, object] = {"prompt": "a cat", "image": image_file, **kwargs}
    with pytest.raises(veo.ValidationError) as caught:
        client.submit(**args)
    assert caught.value.field == field
    assert client.requests == []


def test_resolution_case_and_uppercase_wire_form(client: Flavour, image_file: Path) -> None:
    client.submit("a cat", image=image_file, resolution="720P", **FAST)
    body = json.loads(creates(client)[0].content)
    assert body["resolution"] == "720P" and body["duration"] == 4 and body["image_url"].startswith("data:image/")


@pytest.mark.parametrize("id_style", ["colon", "uuid", "nanoid"])
def test_every_id_form_polls(flavour: str, image_file: Path, id_style: str) -> None:
    with Emulator(timing=0.2, id_style=id_style) as emu:
        client = Flavour(flavour, emu)
        try:
            job = client.wait(client.submit("x", image=image_file, **FAST), timeout=60)
        finally:
            client.close()
    assert job.ok
    poll = next(r for r in client.requests if r.method == "GET")
    if id_style == "colon":
        assert ":" in job.id and "%3A" in poll.url.raw_path.decode()


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("job_error", "ModerationError: The prompt was flagged"),
        ("job_error_detail", "body.image_url: Image could not be processed"),
        ("job_error_string", "Generation failed: internal model error"),
    ],
)
def test_failed_job_raises_with_the_api_reason(
    client: Flavour, emulator: Emulator, image_file: Path, fault: str, reason: str
) -> None:
    emulator.add_fault(fault)
    job = client.submit("x", image=image_file, **FAST)
    with pytest.raises(veo.GenerationFailedError) as caught:
        client.wait(job, timeout=60)
    assert reason in caught.value.reason and caught.value.job.status == "error"
    assert veo.history()[0].status == "error"
    assert client.get(job.id).status == "error"  # get reports, it does not raise


def test_older_variants_are_understood(client: Flavour, emulator: Emulator, image_file: Path) -> None:
    seen: list[str] = []
    emulator.add_fault("legacy_201")
    emulator.add_fault("waiting_active")
    emulator.add_fault("tokens_used")
    job = client.generate("x", image=image_file, on_update=lambda j: seen.append(j.status), **FAST)
    assert job.ok and job.path is not None
    assert {"waiting", "active"} & set(seen) and job.usage.tokens == 120000  # which one a poll sees depends on timing


def test_legacy_vendor_paths(make_client: Callable[..., Flavour], image_file: Path) -> None:
    client = make_client(legacy_paths=True)
    job = client.generate("x", image=image_file, **FAST)
    assert job.ok
    assert {r.url.path for r in client.requests if "files" not in r.url.path} == {
        "/v2/generate/video/google/generation"
    }


# ---------------------------------------------------------------- retries


@pytest.mark.parametrize("status", ["429", "503"])
def test_create_is_retried_when_surely_not_accepted(
    client: Flavour, emulator: Emulator, image_file: Path, status: str
) -> None:
    emulator.add_fault(status, endpoint="create", times=2, retry_after=0)
    job = client.submit("x", image=image_file, **FAST)
    assert len(creates(client)) == 3
    # The server made the job exactly once, for the one request id we sent three times.
    assert emulator.stats.creates_per_request[job.client_request_id] == 1


@pytest.mark.parametrize("fault", ["500", "502", "504", "drop", "slow", "malformed"])
def test_create_that_may_have_landed_is_never_resent(
    make_client: Callable[..., Flavour], emulator: Emulator, image_file: Path, fault: str
) -> None:
    client = make_client(timeout=0.5)
    emulator.add_fault(fault, endpoint="create", delay=2.0)
    before = emulator.stats.creates
    job = client.submit("x", image=image_file, **FAST)
    assert len(creates(client)) == 1
    assert emulator.stats.creates == before + 1  # the server did make a job, once
    # Its answer was lost: the job was found in the usage logs by its client request id.
    assert job.id and job.client_request_id and emulator.stats.creates_per_request[job.client_request_id] == 1
    row = veo.history()[0]
    assert row.id == job.id and row.client_request_id == job.client_request_id


def test_connection_refused_before_sending_is_retried(
    make_client: Callable[..., Flavour], emulator: Emulator, image_file: Path
) -> None:
    inner = emulator.transport()
    refusals = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and len(refusals) < 2:
            refusals.append(request)
            raise httpx.ConnectError("connection refused", request=request)
        return inner.handler(request)  # type: ignore[no-any-return]

    client = make_client(transport=httpx.MockTransport(handler))
    job = client.submit("x", image=image_file, **FAST)
    assert job.id and len(refusals) == 2
    assert emulator.stats.creates_per_request[job.client_request_id] == 1


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "504", "drop", "malformed"])
def test_polls_survive_transient_faults(client: Flavour, emulator: Emulator, image_file: Path, fault: str) -> None:
    job = client.submit("x", image=image_file, **FAST)
    emulator.add_fault(fault, endpoint="poll", times=2, retry_after=0)
    assert client.wait(job, timeout=60).ok


def test_download_is_retried(client: Flavour, emulator: Emulator, image_file: Path, tmp_path: Path) -> None:
    job = client.wait(client.submit("x", image=image_file, **FAST), timeout=60)
    emulator.add_fault("502", endpoint="download")
    path = client.download(job, tmp_path / "retry.mp4")
    assert path == tmp_path / "retry.mp4"  # under the test's folder, never the current one
    assert probe(path)["duration"] == pytest.approx(4, abs=0.1)


def test_a_lost_file_is_downloaded_again_to_where_it_was(
    client: Flavour, emulator: Emulator, image_file: Path, tmp_path: Path
) -> None:
    """Downloading a saved job again (the gallery's and the audit's "Download again") puts the
    file back where it was saved, the path the journal and the gallery know, not a new name."""
    job = client.generate("x", image=image_file, save_to=tmp_path / "kept" / "mine.mp4", **FAST)
    assert job.path == tmp_path / "kept" / "mine.mp4"
    job.path.unlink()
    assert client.download(job.id) == job.path and probe(job.path)["duration"] == pytest.approx(4, abs=0.1)


def test_expired_result_url_is_a_clear_error(client: Flavour, emulator: Emulator, image_file: Path) -> None:
    emulator.add_fault("expired_url")
    job = client.wait(client.submit("x", image=image_file, **FAST), timeout=60)
    with pytest.raises(veo.NotFoundError, match="expired"):
        client.download(job)


def test_giving_up_after_persistent_poll_errors(client: Flavour, emulator: Emulator, image_file: Path) -> None:
    job = client.submit("x", image=image_file, **FAST)
    emulator.add_fault("500", endpoint="poll", times=None)
    with pytest.raises(veo.ServerError):
        client.wait(job, timeout=60)


# ---------------------------------------------------------------- errors


def test_wrong_key_is_an_authentication_error_without_the_key(
    flavour: str, emulator: Emulator, image_file: Path
) -> None:
    client = Flavour(flavour, emulator, api_key=SENTINEL_KEY)
    try:
        with pytest.raises(veo.AuthenticationError) as caught:
            client.submit("x", image=image_file, **FAST)
    finally:
        client.close()
    assert "AIMLAPI_KEY" in str(caught.value) and caught.value.status_code == 401
    assert SENTINEL_KEY not in str(caught.value) and SENTINEL_KEY not in repr(client.client)
    assert veo.history()[0].status == "not_submitted"


@pytest.mark.parametrize(("fault", "error"), [("403", veo.InsufficientCreditsError), ("401", veo.AuthenticationError)])
def test_account_errors_are_typed(
    client: Flavour, emulator: Emulator, image_file: Path, fault: str, error: type
) -> None:
    emulator.add_fault(fault, endpoint="create")
    with pytest.raises(error) as caught:
        client.submit("x", image=image_file, **FAST)
    assert caught.value.request_id and not caught.value.may_exist
    assert len(creates(client)) == 1


def test_unknown_id_is_not_found(client: Flavour) -> None:
    with pytest.raises(veo.NotFoundError) as caught:
        client.wait("no-such-id", timeout=5)
    assert caught.value.status_code == 404 and "not found" in str(caught.value)


def test_rate_limit_error_carries_retry_after(
    make_client: Callable[..., Flavour], emulator: Emulator, image_file: Path
) -> None:
    client = make_client(retry=flows.RetryPolicy(attempts=1))
    emulator.add_fault("429", endpoint="create", retry_after=7)
    with pytest.raises(veo.RateLimitError) as caught:
        client.submit("x", image=image_file, **FAST)
    assert caught.value.retry_after == 7


# ---------------------------------------------------------------- waiting and resuming


def test_deadline_raises_a_resumable_timeout(client: Flavour, emulator: Emulator, image_file: Path) -> None:
    emulator.add_fault("never_finish")
    job = client.submit("x", image=image_file, **FAST)
    with pytest.raises(TimeoutError) as caught:
        client.wait(job, timeout=0.6)
    assert isinstance(caught.value, veo.GenerationTimeoutError) and caught.value.job_id == job.id
    assert job.id in str(caught.value)


def test_a_new_client_resumes_by_id_from_the_journal(
    make_client: Callable[..., Flavour], image_file: Path, tmp_path: Path
) -> None:
    first = make_client()
    job_id = first.submit("resume me", image=image_file, **FAST).id
    first.close()
    second = make_client()  # as after a kernel restart: nothing in memory but the id
    done = second.wait(job_id, timeout=60)
    assert done.ok and done.request is not None and done.request["prompt"] == "resume me"
    path = second.download(job_id)
    assert path.exists() and "resume-me" in path.name
    assert veo.history()[0].path == path.resolve()


def test_generate_many_keeps_order_and_bounds_concurrency(client: Flavour, emulator: Emulator, tmp_path: Path) -> None:
    items = [{"prompt": f"shot {i}", "image": image_bytes(color=(i * 60, 80, 90)), **FAST} for i in range(3)]
    results = client.generate_many(items, concurrency=2, save_to=tmp_path / "gallery/")
    assert [r.request["prompt"] for r in results] == ["shot 0", "shot 1", "shot 2"]
    assert len({r.batch for r in results}) == 1 and results[0].batch  # one batch, in the journal too
    assert veo.Journal().count() == 3 and {j.batch for j in veo.history()} == {results[0].batch}
    assert all(r.path.exists() and r.path.parent == tmp_path / "gallery" for r in results)


def test_generate_many_validates_every_item_first(client: Flavour, image_file: Path) -> None:
    items = [{"prompt": "ok", "image": image_file}, {"prompt": "bad", "image": image_file, "duration": 7}]
    with pytest.raises(veo.ValidationError) as caught:
        client.generate_many(items)
    assert caught.value.field == "items[1].duration"
    assert client.requests == []


def test_lineage_is_journaled_with_the_create_before_it_is_sent(
    make_client: Callable[..., Flavour], emulator: Emulator, image_file: Path
) -> None:
    at_create: list[dict[str, object] | None] = []

    def look(request: httpx.Request) -> None:
        if request.method == "POST":  # the row as it stands while the create is in flight
            at_create.append(veo.Journal().row(request.headers["x-client-request-id"]))

    client = make_client(transport=Counting(emulator, before=look))
    lineage = {"parent_id": "gen-parent", "relation": "continue", "take_group": "takes-1", "batch": "row-3"}
    job = client.submit("the next shot", image=image_file, lineage=lineage, **FAST)
    (row,) = at_create
    assert row is not None and {k: row[k] for k in lineage} == lineage
    assert (job.parent_id, job.relation, job.batch) == ("gen-parent", "continue", "row-3")
    assert [j.id for j in veo.Journal().page(batch="row-3")] == [job.id] and veo.Journal().count(batch="row-9") == 0
    with pytest.raises(veo.ValidationError, match="lineage"):
        client.submit("the next shot", image=image_file, lineage={"parent": "gen-parent"}, **FAST)
    assert len(creates(client)) == 1
