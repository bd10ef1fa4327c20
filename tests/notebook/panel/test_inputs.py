"""The panel's media inputs: an image by upload or path, its preview and complaints, reference images."""

from __future__ import annotations

from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.notebook.panel._panel import Panel

from ...conftest import image_bytes
from ...helpers import upload

pytestmark = pytest.mark.timeout(120)


def test_upload_previews_and_does_not_keep_bytes_in_state(panel_client: veo.Client) -> None:
    panel = Panel(client=panel_client)
    assert "no image yet" in panel.form.image.preview_box.children[0].value  # a placeholder, not a broken image
    upload(panel, image_bytes((4000, 3000), "JPEG"))
    assert panel.upload.value == ()
    assert 0 < len(panel.preview.value) < 30_000 and "photo.jpg" in panel.image_note.value
    assert "sent as" in panel.image_note.value
    assert panel.form.image.preview_box.children == (panel.preview,)


def test_an_upload_after_a_typed_path_replaces_the_image(
    panel_client: veo.Client, emulator: Emulator, image_file: Path
) -> None:
    # Regression: clearing the path field used to clear the image the upload had just set.
    panel = Panel(prompt="waves", duration=4, seed=1, client=panel_client)
    panel.image_path.value = str(image_file)
    assert panel.image == str(image_file)
    data = image_bytes((800, 450), "JPEG", color=(200, 40, 40))
    upload(panel, data)
    assert panel.image == data and panel.image_path.value == ""
    assert len(panel.preview.value) > 0 and "photo.jpg" in panel.image_note.value
    before = emulator.stats.creates
    panel.generate()
    job = panel.wait(timeout=60)
    assert job.ok and emulator.stats.creates == before + 1
    assert job.request is not None and job.request["image"] == "<bytes>"


def test_an_upload_clears_the_complaint_about_a_bad_path(panel_client: veo.Client) -> None:
    panel = Panel(client=panel_client)
    panel.image_path.value = "/no/such/picture.png"
    assert "no such file" in panel.image_note.value
    upload(panel, image_bytes((640, 360), "JPEG"))
    assert "no such file" not in panel.image_note.value and "photo.jpg" in panel.image_note.value


def test_bad_path_is_explained_under_the_image(panel_client: veo.Client) -> None:
    panel = Panel(client=panel_client)
    panel.image_path.value = "/no/such/picture.png"
    assert "no such file" in panel.image_note.value
    assert "no image yet" in panel.form.image.preview_box.children[0].value


def test_the_path_field_waits_for_enter(panel_client: veo.Client) -> None:
    # Each keystroke of a half-typed path would otherwise be an error under the image.
    panel = Panel(client=panel_client)
    assert panel.image_path.continuous_update is False


def test_reference_paths_and_uploads_go_together(panel_client: veo.Client, image_file: Path) -> None:
    panel = Panel(prompt="keep them", client=panel_client)
    panel.model.value = "google/veo-3.1-reference-to-video"
    panel.form.references.paths.value = f"{image_file}, {image_file}"
    assert panel.reference_images == [str(image_file), str(image_file)]
    code = panel.code_text()
    compile(code, "<show code>", "exec")
    assert f"reference_images=[{str(image_file)!r}, {str(image_file)!r}]" in code
