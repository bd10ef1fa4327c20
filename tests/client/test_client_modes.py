"""Every mode of the Veo family through the client, sync and async: text, image, first and
last frame, reference images and extend; through submit, start, generate, generate_many, the
journal and resume. That each mode's video plays (codec, size, length, sound, and an
extension's parent) is checked once, for every model, in tests/family/test_client.py."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.schema._family import get_model

from ..conftest import QUICK_POLLS, Flavour, image_bytes

pytestmark = pytest.mark.timeout(180)

RED, BLUE = image_bytes(color=(200, 30, 30)), image_bytes(color=(30, 30, 200))
MODES: dict[str, tuple[str, dict[str, Any], set[str]]] = {
    # mode: (model, inputs, wire fields the create must carry)
    "text": ("veo-3.1-fast-t2v", {}, set()),
    "image": ("veo-3-fast-i2v", {"image": RED}, {"image_url"}),
    "first-last": ("veo-3.1-fast-first-last", {"image": RED, "last_image": BLUE}, {"image_url", "last_image_url"}),
    "reference": ("veo-3.1-reference", {"reference_images": [RED, BLUE]}, {"image_urls"}),
}


def create_body(client: Flavour) -> dict[str, Any]:
    body: dict[str, Any] = json.loads([r for r in client.requests if r.method == "POST"][-1].content)
    return body


def short(model: str) -> dict[str, Any]:
    """The quickest options the model takes (shorter renders)."""
    spec = get_model(model)
    duration = spec.option("duration")
    return {"duration": min(duration.choices)} if duration is not None and duration.choices else {}


@pytest.mark.parametrize("mode", list(MODES))
def test_each_mode_is_submitted_with_its_fields_and_journaled_with_its_model(client: Flavour, mode: str) -> None:
    model, inputs, fields = MODES[mode]
    job = client.submit(f"a {mode} shot", model=model, **inputs, **short(model))
    assert job.id and job.model == get_model(model).id  # the emulator checked the body against the spec
    body = create_body(client)
    assert fields <= set(body) and body["model"] == get_model(model).id
    assert ("image_url" in body) == ("image" in inputs)
    row = veo.history()[0]
    assert row.id == job.id and row.model == body["model"]


def test_a_model_that_takes_no_image_refuses_one_before_sending(client: Flavour) -> None:
    with pytest.raises(veo.ValidationError) as caught:
        client.generate("x", image=RED, model="veo-3.1-fast-t2v")
    assert "image" in caught.value.reason and client.requests == []


def parent_video(client: Flavour) -> Any:
    return client.generate("the first shot", model="veo-3-fast-i2v", image=RED, duration=4, seed=1)


def test_extend_a_finished_job_remembers_its_parent(client: Flavour, tmp_path: Path) -> None:
    parent = parent_video(client)
    child = client.submit("and then it rains", model="veo-3.1-fast-extend", video=parent)
    assert child.parent_id == parent.id and child.relation == "extend"
    assert create_body(client)["video_url"].startswith("data:video/mp4")  # its saved file, as a data URI
    row = veo.Journal().row(child.id)
    assert row is not None and (row["parent_id"], row["relation"]) == (parent.id, "extend")


def test_extend_a_saved_file_by_its_path_remembers_its_parent(
    client: Flavour, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = parent_video(client)
    assert parent.path is not None
    monkeypatch.chdir(parent.path.parent)
    for given in (str(parent.path), parent.path.name, Path(".") / parent.path.name):  # as typed, or relative
        child = client.submit("and then it rains", model="veo-3.1-fast-extend", video=given)
        assert (child.parent_id, child.relation) == (parent.id, "extend"), given
        row = veo.Journal().row(child.id)
        assert row is not None and (row["parent_id"], row["relation"]) == (parent.id, "extend")
    stranger = tmp_path / "not-ours.mp4"  # an MP4 no job of this machine saved: no parent
    stranger.write_bytes(parent.path.read_bytes())
    child = client.submit("and then it snows", model="veo-3.1-fast-extend", video=stranger)
    assert child.parent_id is None and child.relation is None


def test_extend_a_job_whose_file_is_gone_asks_for_a_fresh_url(client: Flavour) -> None:
    parent = parent_video(client)
    assert parent.path is not None
    parent.path.unlink()
    polls_before = len([r for r in client.requests if r.method == "GET"])
    child = client.submit("more", model="veo-3.1-fast-extend", video=parent)
    assert len([r for r in client.requests if r.method == "GET"]) == polls_before + 1  # one poll for the URL
    assert create_body(client)["video_url"].startswith("http")
    assert child.parent_id == parent.id


def test_extend_refuses_a_job_that_is_not_finished(client: Flavour, emulator: Emulator) -> None:
    emulator.add_fault("never_finish")
    parent = client.submit("slow", model="veo-3.1-fast-t2v", **short("veo-3.1-fast-t2v"))
    creates = len([r for r in client.requests if r.method == "POST"])
    with pytest.raises(veo.ValidationError) as caught:
        client.submit("more", model="veo-3.1-fast-extend", video=parent)
    assert caught.value.field == "video" and len([r for r in client.requests if r.method == "POST"]) == creates


def test_start_and_resume_with_a_new_client(make_client: Callable[..., Flavour], flavour: str) -> None:
    first = make_client()
    model, inputs, _ = MODES["first-last"]
    if flavour == "sync":
        run = first.client.start("a handle", model=model, **inputs, **short(model))
        while run.job is None and not run.done:
            time.sleep(0.02)
        job = run.job
        run.cancel()
        with pytest.raises(veo.WaitCancelled):
            run.wait(30)  # stopped: no poll of it outlives this test
    else:
        job = first.submit("a handle", model=model, **inputs, **short(model))
    assert job is not None
    second = make_client()  # after a restart: the journal knows the model
    found = second.get(job.id[:10])
    assert found.id == job.id and found.model == get_model(model).id


def test_generate_many_mixes_modes(client: Flavour, tmp_path: Path) -> None:
    modes = ["text", "image", "first-last"]
    items = [
        {"prompt": f"{mode} in a batch", "model": MODES[mode][0], **MODES[mode][1], **short(MODES[mode][0])}
        for mode in modes
    ]
    jobs = client.generate_many(items, save_to=tmp_path / "batch")
    assert [j.model for j in jobs] == [get_model(MODES[m][0]).id for m in modes]


def test_generate_many_validates_every_mode_first(client: Flavour) -> None:
    items = [{"prompt": "ok", "model": "veo-3.1-fast-t2v"}, {"prompt": "no frames", "model": "veo-3.1-fast-first-last"}]
    with pytest.raises(veo.ValidationError) as caught:
        client.generate_many(items)
    assert caught.value.field.startswith("items[1].") and client.requests == []


def test_async_run_extends(emulator: Emulator) -> None:
    async def scenario() -> tuple[Any, Any]:
        transport = httpx.MockTransport(emulator.transport().handler)
        async with veo.AsyncClient(emulator.api_key, emulator.url, transport=transport, schedule=QUICK_POLLS) as client:
            parent = await client.generate("first", model="veo-3-fast-i2v", image=RED, duration=4, seed=1)
            run = await client.start("then", model="veo-3.1-fast-extend", video=parent)
            while run.job is None and not run.done:
                await asyncio.sleep(0.02)
            run.cancel()
            return parent, run.job

    parent, child = asyncio.run(scenario())
    assert child is not None and child.parent_id == parent.id and child.relation == "extend"
