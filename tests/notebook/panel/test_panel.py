"""The panel, driven as a person would: fill the form, click, watch, play."""

from __future__ import annotations

import html
import time
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.notebook.panel._panel import Panel

from ...conftest import image_bytes
from ...helpers import make, played, shown_html, until, upload

pytestmark = pytest.mark.timeout(120)


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
    # The job's own statuses showed while it ran (which of them a poll catches depends on
    # timing: under load the first poll may already find it generating).
    assert seen & {"queued", "generating"} and len(seen) >= 2
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
    panel.generate()  # what the button does, past its double-click guard
    assert "Check the seed" in panel.form_message.value
    assert emulator.stats.creates == before


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


def test_one_demo_notice_and_no_stderr_line(capsys: pytest.CaptureFixture[str]) -> None:
    panel = Panel()
    assert panel.client.demo and panel.banner.value.count("demo mode") == 1
    assert "demo mode" not in capsys.readouterr().err


def test_ctrl_enter_and_accessible_names(panel_client: veo.Client) -> None:
    panel = Panel(client=panel_client)
    assert "veo-generate" in panel.generate_button._dom_classes
    assert "veo-prompt" in panel.prompt._dom_classes and "Ctrl+Enter" in panel.prompt.placeholder
    assert "keydown" in shown_html(panel)  # the listener that presses Generate
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
    for button in (panel.upload, panel.form.last_image.upload, panel.form.references.upload):
        assert button.tooltip and "null" not in button.tooltip


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


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"model": "veo-3-fast-t2v", "prompt": "x", "duration": 4}],
    ids=["bare", "text-to-video"],
)
def test_the_price_shows_on_first_render(kwargs: dict[str, object]) -> None:
    # Regression (issue 21, 4): nothing stood beside Takes until a field changed.
    panel = Panel(**kwargs)  # type: ignore[arg-type]
    until(lambda: "$" in panel.estimate.value or "price unknown" in panel.estimate.value)
    assert "$" in panel.estimate.value


def test_show_code_names_this_panels_upload_not_another_panels(panel_client: veo.Client, image_file: Path) -> None:
    # Regression (issue 21, 3): a second panel with an uploaded image showed
    # ``image = panel.image  # (`panel` is the panel above)``: the first panel's sample.
    first = Panel(prompt="the sample", image=image_file, client=panel_client)
    second = Panel(prompt="mine", client=panel_client)
    data = image_bytes((640, 360), "PNG", color=(10, 200, 30))
    upload(second, data, name="mine.png")
    second.show_code.value = True
    code = second.code_text()
    assert "panel.image" not in code and str(image_file) not in code
    namespace: dict[str, object] = {}
    setup = "\n".join(line for line in code.splitlines() if line.startswith("image = "))
    exec(setup, namespace)  # the line the person copies, run on its own
    assert Path(str(namespace["image"])).read_bytes() == data  # this panel's picture
    assert str(namespace["image"]) in html.unescape(second.code.value)
    assert first.code_text() != code
