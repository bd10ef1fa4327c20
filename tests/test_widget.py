"""The panel, driven as a person would: fill the form, click, watch, play."""

from __future__ import annotations

import html
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.widget import Panel

from .conftest import QUICK_POLLS, SENTINEL_KEY, image_bytes

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def panel_client(emulator: Emulator) -> Iterator[veo.Client]:
    client = veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS)
    yield client
    client.close()


def make(client: veo.Client, image: object, **kwargs: object) -> Panel:
    return Panel(prompt="the lighthouse beam sweeps", image=image, duration=4, seed=1, client=client, **kwargs)


def statuses_of(panel: Panel) -> list[str]:
    return [card.children[0].children[1].value.split('data-status="')[1].split('"')[0] for card in panel.jobs.children]


def played(panel: Panel) -> str:
    return "".join(o["data"].get("text/html", "") for o in panel.player.outputs)


def test_click_generates_in_the_background_and_plays(panel_client: veo.Client, image_file: Path) -> None:
    panel = make(panel_client, image_file)
    seen: list[str] = []
    panel.on_complete(lambda job: seen.append(job.id))
    started = time.monotonic()
    panel.generate_button.click()
    assert time.monotonic() - started < 2.0  # the click returns; work goes on in a thread
    assert panel.status in ("submitting", "queued", "generating")
    job = panel.wait(timeout=60)
    assert job.ok and job.path is not None and job.path.exists()
    assert panel.status == "completed" and panel.result == job and seen == [job.id]
    assert statuses_of(panel) == ["completed"]
    shown = played(panel)
    assert "<video" in shown and job.path.name in shown and "download" in shown
    assert job.id in panel.jobs.children[0].children[1].value  # the job id is shown
    assert len(panel.history.children) == 1


def test_live_status_moves_while_the_caller_does_other_work(panel_client: veo.Client, image_file: Path) -> None:
    panel = make(panel_client, image_file)
    panel.generate()
    seen = set()
    progress = []
    deadline = time.monotonic() + 60
    while panel.status != "completed" and time.monotonic() < deadline:
        seen.add(panel.status)
        card = panel.jobs.children[0]
        progress.append(card.children[0].children[3].value)
        time.sleep(0.05)
    assert panel.status == "completed"
    assert {"queued", "generating"} <= seen
    assert max(progress) > 0  # the bar moved before completion


def test_validation_errors_are_one_sentence_and_send_nothing(
    panel_client: veo.Client, emulator: Emulator, image_file: Path
) -> None:
    before = emulator.stats.creates
    panel = make(panel_client, image_file)
    panel.prompt.value = "  "
    panel.generate_button.click()
    assert panel.status == "error" and "Check the prompt" in panel.form_message.value
    assert "Traceback" not in panel.form_message.value
    with pytest.raises(veo.ValidationError):
        panel.wait(timeout=1)
    panel.prompt.value = "ok"
    panel.seed.value = "twelve"
    panel._last_click = 0
    panel.generate_button.click()
    assert "Check the seed" in panel.form_message.value
    assert emulator.stats.creates == before


def test_failed_generation_shows_what_to_do(panel_client: veo.Client, emulator: Emulator, image_file: Path) -> None:
    emulator.add_fault("job_error")
    panel = make(panel_client, image_file)
    panel.generate()
    with pytest.raises(veo.GenerationFailedError):
        panel.wait(timeout=60)
    message = panel.jobs.children[0].children[2].value
    assert "Veo could not make this video" in message and "try another prompt" in message
    assert panel.status == "error" and panel.result is None


def test_double_click_submits_once(panel_client: veo.Client, emulator: Emulator, image_file: Path) -> None:
    before = emulator.stats.creates
    panel = make(panel_client, image_file)
    panel.generate_button.click()
    panel.generate_button.click()
    panel.wait(timeout=60)
    assert emulator.stats.creates == before + 1 and len(panel.jobs.children) == 1


def test_several_generations_run_at_once(panel_client: veo.Client, image_file: Path) -> None:
    panel = make(panel_client, image_file)
    panel.generate()
    panel.seed.value = "2"
    panel.generate()
    first, second = panel._runs
    assert second.done.wait(60) and first.done.wait(60)
    assert statuses_of(panel) == ["completed", "completed"]
    assert first.job is not None and second.job is not None and first.job.id != second.job.id
    assert len(panel.history.children) == 2
    panel.history.children[0].click()  # play the first one again
    assert first.job.path is not None and first.job.path.name in played(panel)


def test_cancel_stops_waiting_and_says_the_job_may_complete(
    panel_client: veo.Client, emulator: Emulator, image_file: Path
) -> None:
    emulator.add_fault("never_finish")
    panel = make(panel_client, image_file)
    panel.generate()
    deadline = time.monotonic() + 10
    while panel._runs[-1].job is None and time.monotonic() < deadline:
        time.sleep(0.02)
    panel.cancel_button.click()
    with pytest.raises(veo.WaitCancelled) as caught:
        panel.wait(timeout=10)
    job_id = caught.value.job_id
    message = panel.jobs.children[0].children[2].value
    assert panel.status == "cancelled" and "may still" in message and job_id in message and "veo resume" in message
    assert veo.history()[0].id == job_id  # still findable


def test_typed_key_is_cleared_at_once_and_never_in_state(panel_client: veo.Client, image_file: Path) -> None:
    panel = make(panel_client, image_file)
    panel.api_key.value = SENTINEL_KEY
    assert panel.api_key.value == ""
    assert panel.client._key is not None and panel.client._key.reveal() == SENTINEL_KEY
    import json

    state = json.dumps(panel.get_manager_state(drop_defaults=False), default=str)
    assert SENTINEL_KEY not in state and SENTINEL_KEY not in repr(panel)


def test_upload_previews_and_does_not_keep_bytes_in_state(panel_client: veo.Client) -> None:
    panel = Panel(client=panel_client)
    big = image_bytes((4000, 3000), "JPEG")
    upload = {
        "name": "photo.jpg",
        "type": "image/jpeg",
        "size": len(big),
        "content": memoryview(big),
        "last_modified": datetime.now(timezone.utc),
    }
    panel.upload.value = (upload,)
    assert panel.upload.value == ()
    assert 0 < len(panel.preview.value) < 30_000 and "photo.jpg" in panel.image_note.value
    assert "sent as" in panel.image_note.value


def test_bad_path_is_explained_under_the_image(panel_client: veo.Client) -> None:
    panel = Panel(client=panel_client)
    panel.image_path.value = "/no/such/picture.png"
    assert "no such file" in panel.image_note.value


def test_show_code_mirrors_the_form(panel_client: veo.Client, image_file: Path) -> None:
    panel = make(panel_client, image_file, aspect_ratio="9:16")
    panel.show_code.value = True
    code = panel.code_text()
    assert "client.generate(" in code and "aspect_ratio='9:16'" in code and "duration=4" in code
    assert str(image_file) in code and "seed=1" in code
    compile(code, "<show code>", "exec")
    panel.resolution.value = "1080p"
    assert "resolution='1080p'" in html.unescape(panel.code.value)


def test_demo_banner(monkeypatch: pytest.MonkeyPatch) -> None:
    panel = Panel()
    assert panel.client.demo and "demo mode" in panel.banner.value


def test_embed_puts_the_bytes_in_the_output(panel_client: veo.Client, image_file: Path) -> None:
    panel = make(panel_client, image_file, embed=True)
    panel.generate()
    panel.wait(timeout=60)
    assert "data:video/mp4;base64," in played(panel)


def test_a_video_saved_outside_the_notebook_folder_is_embedded(
    panel_client: veo.Client, image_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook_dir = tmp_path / "work"
    notebook_dir.mkdir()
    monkeypatch.chdir(notebook_dir)  # the kernel's folder; VEO_OUTPUT_DIR points elsewhere
    panel = make(panel_client, image_file)
    panel.generate()
    job = panel.wait(timeout=60)
    assert job.path is not None and not job.path.is_relative_to(notebook_dir)
    assert "data:video/mp4;base64," in played(panel)


def test_a_video_in_the_notebook_folder_is_linked_not_embedded(
    panel_client: veo.Client, image_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    panel = make(panel_client, image_file, save_to=tmp_path / "clips/")
    panel.generate()
    job = panel.wait(timeout=60)
    assert job.path is not None and 'src="clips/' in played(panel) and "base64" not in played(panel)
