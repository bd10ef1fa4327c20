"""The panel, driven as a person would: fill the form, click, watch, play."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.widget import Panel

pytestmark = pytest.mark.timeout(120)


def make(client: veo.Client, image: object, **kwargs: object) -> Panel:
    return Panel(prompt="the lighthouse beam sweeps", image=image, duration=4, seed=1, client=client, **kwargs)


def statuses_of(panel: Panel) -> list[str]:
    """What each card's badge says, as a person reads it."""
    return [card.badge.value.split('data-status="')[1].split('"')[0] for card in panel.cards]


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
    assert job.id in panel.cards[0].ident.value  # the job id is shown
    assert len(panel.history.children) == 1


def test_live_status_moves_while_the_caller_does_other_work(panel_client: veo.Client, image_file: Path) -> None:
    panel = make(panel_client, image_file)
    panel.generate()
    seen = set()
    progress = []
    deadline = time.monotonic() + 60
    while panel.status != "completed" and time.monotonic() < deadline:
        seen.add(panel.status)
        progress.append(panel.cards[0].bar.value)
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
    message = panel.cards[0].message.value
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
    first, second = panel.cards
    assert second.done.wait(60) and first.done.wait(60)
    assert statuses_of(panel) == ["completed", "completed"]
    assert first.job is not None and second.job is not None and first.job.id != second.job.id
    assert len(panel.history.children) == 2
    panel.history.children[0].click()  # play the first one again
    assert first.job.path is not None and first.job.path.name in played(panel)


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


def test_the_saved_view_is_a_static_summary(panel_client: veo.Client, image_file: Path) -> None:
    panel = make(panel_client, image_file)
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # live where widgets run
    assert "Run the cell to use the panel" in bundle["text/html"] and "not live" in bundle["text/html"]
    assert "the lighthouse beam sweeps" in bundle["text/html"]
    panel.generate()
    job = panel.wait(timeout=60)
    summary = panel._repr_mimebundle_()["text/html"]
    assert "data:image/jpeg;base64," in summary and str(job.path) in summary  # the last clip's poster
    for claim in ("key", "billed", "generating"):
        assert claim not in summary.lower()


def test_one_demo_notice_and_no_stderr_line(capsys: pytest.CaptureFixture[str]) -> None:
    panel = Panel()
    assert panel.client.demo and panel.banner.value.count("demo mode") == 1
    assert "demo mode" not in capsys.readouterr().err


def test_ctrl_enter_and_accessible_names(panel_client: veo.Client) -> None:
    panel = Panel(client=panel_client)
    assert "veo-generate" in panel.generate_button._dom_classes
    assert "veo-prompt" in panel.prompt._dom_classes and "Ctrl+Enter" in panel.prompt.placeholder
    assert "keydown" in panel._style.value  # the listener that presses Generate
    for control in (
        panel.prompt,
        panel.negative_prompt,
        panel.aspect_ratio,
        panel.resolution,
        panel.duration,
        panel.seed,
        panel.image_path,
        panel.api_key,
    ):
        assert control.description, control
    assert panel.dice.tooltip and panel.upload.description
    # Every upload button has a tooltip of its own (without one the browser shows 'null').
    for upload in (panel.upload, panel.form.last_image.upload, panel.form.references.upload):
        assert upload.tooltip and "null" not in upload.tooltip


def test_a_video_that_cannot_load_offers_the_file(panel_client: veo.Client, image_file: Path) -> None:
    panel = make(panel_client, image_file)
    panel.generate()
    job = panel.wait(timeout=60)
    shown = played(panel)
    assert "veo-video-fallback" in shown and "could not play" in shown and "download" in shown
    assert "max-height:70vh" in shown and "max-width:100%" in shown
    assert job.path is not None


@pytest.mark.parametrize(
    ("env", "value"), [("VSCODE_PID", "4242"), ("COLAB_RELEASE_TAG", "release-1"), ("SERVER_SOFTWARE", "voila/0.5.13")]
)
def test_front_ends_that_serve_no_files_get_the_video_embedded(
    panel_client: veo.Client, image_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: str, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(env, value)
    panel = make(panel_client, image_file, save_to=tmp_path / "clips/")
    panel.generate()
    job = panel.wait(timeout=60)
    shown = played(panel)
    assert "data:video/mp4;base64," in shown
    # Regression: the caption's "download" pointed at the file, which Voila answers with 403.
    assert job.path is not None and 'href="clips/' not in shown
    assert f'download="{job.path.name}"' in shown


def test_the_price_is_estimated_next_to_generate(panel_client: veo.Client, image_file: Path) -> None:
    panel = make(panel_client, image_file)
    deadline = time.monotonic() + 20
    while "$" not in panel.estimate.value and time.monotonic() < deadline:
        time.sleep(0.05)
    four = panel.estimate.value
    assert "about $" in four and "simulated" in four
    panel.duration.value = 8
    deadline = time.monotonic() + 20
    while panel.estimate.value == four and time.monotonic() < deadline:
        time.sleep(0.05)
    assert panel.estimate.value != four  # a longer clip costs more


def test_a_saved_or_orphaned_panel_covers_itself(panel_client: veo.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from veo_widgets import _panel_summary

    monkeypatch.setattr(_panel_summary, "BEAT", 0.05)
    panel = Panel(client=panel_client)
    first = panel.saved_cover.value
    assert "Run the cell to use the panel" in first and "not live" in first
    assert "animation:veo-saved-view" in first  # fades in only when the rewrites stop
    deadline = time.monotonic() + 5
    while panel.saved_cover.value == first and time.monotonic() < deadline:
        time.sleep(0.02)
    assert panel.saved_cover.value != first  # the kernel keeps it hidden while it runs


def test_the_summary_is_an_output_of_its_own_kept_up_to_date(panel_client: veo.Client, image_file: Path) -> None:
    from IPython.utils.capture import capture_output

    panel = make(panel_client, image_file)
    with capture_output() as cap:
        panel._ipython_display_()
    kinds = [set(o.data) for o in cap.outputs]
    assert "application/vnd.jupyter.widget-view+json" in kinds[0]
    assert "text/html" not in kinds[0]  # no copy of the summary frozen at the moment the cell ran
    assert "veo-static-summary" in cap.outputs[1].data["text/html"]  # shown where the widget cannot be
    updates: list[str] = []
    panel._summaries.handles = [type("Handle", (), {"update": lambda self, b, raw: updates.append(b["text/html"])})()]
    panel.generate()
    job = panel.wait(timeout=60)
    assert updates and str(job.path) in updates[-1] and "data:image/jpeg" in updates[-1]


def test_ctrl_enter_generates_with_the_prompt_as_typed(panel_client: veo.Client, image_file: Path) -> None:
    # Regression: typing fast then Ctrl+Enter generated without the last few characters.
    # The hook clicked Generate, and the click (a message sent at once) overtook the
    # prompt's last value update (held back while the previous one was unanswered).
    keys = Panel(client=panel_client)._style.value
    assert ".veo-submit textarea" in keys and "t.value" in keys and "dispatchEvent" in keys
    assert keys.index("dispatchEvent") < keys.index("b.click()")  # clicking is only the fallback
    panel = make(panel_client, image_file)
    assert panel.submit in panel.children and panel.submit.layout.display == "none"
    panel.prompt.value = "the tide comes i"  # the last update that reached the kernel
    panel.submit.value = "1733462400000\nthe tide comes in\nslowly"  # what Ctrl+Enter sends
    job = panel.wait(timeout=60)
    assert job.request is not None and job.request["prompt"] == "the tide comes in\nslowly"
    assert panel.prompt.value == "the tide comes in\nslowly" and len(panel.cards) == 1
