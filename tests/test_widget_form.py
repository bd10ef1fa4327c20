"""The panel's inputs: image by upload or path, preview, stale errors, and Show code."""

from __future__ import annotations

import html
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.widget import Panel

from .conftest import image_bytes

pytestmark = pytest.mark.timeout(120)


def upload(panel: Panel, data: bytes, name: str = "photo.jpg") -> None:
    """What the browser sends when a person picks a file with the upload button."""
    item: dict[str, Any] = {
        "name": name,
        "type": "image/jpeg",
        "size": len(data),
        "content": memoryview(data),
        "last_modified": datetime.now(timezone.utc),
    }
    panel.upload.value = (item,)


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


def test_a_fixed_input_clears_the_stale_error(panel_client: veo.Client, image_file: Path) -> None:
    panel = Panel(image=image_file, client=panel_client)
    panel.generate()
    assert "Check the prompt" in panel.form_message.value and panel.status == "error"
    panel.prompt.value = "the tide comes in"
    assert panel.form_message.value == "" and panel.status == "idle"


def test_bad_path_is_explained_under_the_image(panel_client: veo.Client) -> None:
    panel = Panel(client=panel_client)
    panel.image_path.value = "/no/such/picture.png"
    assert "no such file" in panel.image_note.value
    assert "no image yet" in panel.form.image.preview_box.children[0].value


def test_the_path_field_waits_for_enter(panel_client: veo.Client) -> None:
    # Each keystroke of a half-typed path would otherwise be an error under the image.
    panel = Panel(client=panel_client)
    assert panel.image_path.continuous_update is False


def test_show_code_mirrors_the_form(panel_client: veo.Client, image_file: Path) -> None:
    panel = Panel(prompt="the lighthouse beam sweeps", image=image_file, duration=4, seed=1, client=panel_client)
    panel.aspect_ratio.value = "9:16"
    panel.show_code.value = True
    code = panel.code_text()
    assert "client.generate(" in code and "aspect_ratio='9:16'" in code and "duration=4" in code
    assert str(image_file) in code and "seed=1" in code
    compile(code, "<show code>", "exec")
    panel.resolution.value = "1080p"
    assert "resolution='1080p'" in html.unescape(panel.code.value)


def test_show_code_follows_the_image(panel_client: veo.Client, image_file: Path, tmp_path: Path) -> None:
    # Regression: the code went stale when the image changed.
    panel = Panel(prompt="x", image=image_file, client=panel_client)
    panel.show_code.value = True
    other = tmp_path / "other.png"
    other.write_bytes(image_bytes())
    panel.image_path.value = str(other)
    assert str(other) in html.unescape(panel.code.value) and str(image_file) not in html.unescape(panel.code.value)


def test_show_code_for_an_upload_runs(panel_client: veo.Client) -> None:
    # Regression: `image=image_bytes  # the uploaded image,` hid the comma in the comment.
    panel = Panel(prompt="a red square drifts", duration=4, seed=1, client=panel_client)
    upload(panel, image_bytes((640, 360), "JPEG", color=(200, 0, 0)), name="red.jpg")
    code = panel.code_text()
    assert "red.jpg" in code
    namespace: dict[str, Any] = {"panel": panel}
    exec(compile(code, "<show code>", "exec"), namespace)  # demo mode: a real, free generation
    assert namespace["job"].ok and namespace["job"].path.exists()


def test_show_code_without_an_image_uses_the_sample(panel_client: veo.Client) -> None:
    panel = Panel(prompt="x", client=panel_client)
    code = panel.code_text()
    compile(code, "<show code>", "exec")
    assert "veo.sample_image()" in code


def shown(panel: Panel) -> set[str]:
    """Which inputs and options a person sees for the chosen model."""
    return {name for name, row in panel.form._rows.items() if row.layout.display != "none"}


def test_the_model_picker_shows_exactly_what_each_model_takes(panel_client: veo.Client) -> None:
    panel = Panel(client=panel_client)
    assert panel.model.value == "google/veo-3.0-i2v-fast"  # the default stays Veo 3 Fast image-to-video
    assert {"image", "seed", "negative_prompt", "enhance_prompt"} <= shown(panel)
    assert not {"last_image", "reference_images", "video"} & shown(panel)
    panel.model.value = "google/veo-3.1-i2v-fast"
    assert "seed" not in shown(panel) and "negative_prompt" not in shown(panel) and "provider" in shown(panel)
    panel.model.value = "google/veo-3.1-first-last-image-to-video-fast"
    assert {"image", "last_image"} <= shown(panel)
    panel.model.value = "google/veo-3.1-reference-to-video"
    assert "reference_images" in shown(panel) and "image" not in shown(panel) and "aspect_ratio" not in shown(panel)
    assert panel.duration.options == (("8 s", 8),)  # the only length it makes
    panel.model.value = "google/veo3-1-fast-extend-video"
    assert "video" in shown(panel) and panel.duration.value == 7
    panel.model.value = "google/veo-3.0-fast"  # text to video: no image at all
    assert "image" not in shown(panel) and "seed" in shown(panel)


def test_a_value_survives_a_model_change_where_the_new_model_allows_it(panel_client: veo.Client) -> None:
    panel = Panel(client=panel_client, duration=4)
    panel.model.value = "google/veo-3.1-i2v-fast"
    assert panel.duration.value == 4
    panel.model.value = "google/veo-3.1-reference-to-video"
    assert panel.duration.value == 8  # 4 s is not possible there: the model's own default


def test_show_code_writes_the_chosen_model_and_only_its_options(panel_client: veo.Client, image_file: Path) -> None:
    panel = Panel(prompt="glide", image=image_file, seed=3, client=panel_client)
    assert "seed=3" in panel.code_text()
    panel.model.value = "google/veo-3.1-i2v-fast"
    code = panel.code_text()
    compile(code, "<show code>", "exec")
    assert "model='veo-3.1-fast-i2v'" in code and "seed" not in code
    panel.model.value = "google/veo-3.1-first-last-image-to-video-fast"
    panel.form.last_image.path.value = str(image_file)
    code = panel.code_text()
    compile(code, "<show code>", "exec")
    assert f"last_image={str(image_file)!r}" in code


def test_show_code_for_extend_names_the_job(panel_client: veo.Client) -> None:
    panel = Panel(prompt="and then", client=panel_client)
    panel.model.value = "google/veo3-1-fast-extend-video"
    panel.form.video.field.value = "4a8bf61a"
    code = panel.code_text()
    compile(code, "<show code>", "exec")
    assert "video=client.wait('4a8bf61a')" in code


def test_the_panel_generates_with_another_model(panel_client: veo.Client, image_file: Path, tmp_path: Path) -> None:
    panel = Panel(prompt="a paper boat on a pond", client=panel_client)
    panel.model.value = "google/veo-3.0-fast"  # text to video: no image needed
    panel.duration.value = 4
    panel.generate()
    text = panel.wait(timeout=90)
    assert text.ok and text.request is not None and text.request["model"] == "google/veo-3.0-fast"
    other = tmp_path / "end.png"
    other.write_bytes(image_bytes(color=(20, 200, 90)))
    panel.model.value = "google/veo-3.1-first-last-image-to-video-fast"
    panel.image_path.value = str(image_file)
    panel.form.last_image.path.value = str(other)
    panel.generate()
    both = panel.wait(timeout=90)
    assert both.ok and both.request is not None and both.request["model"].startswith("google/veo-3.1-first-last")
    panel.model.value = "google/veo3-1-fast-extend-video"
    panel.form.video.field.value = "".join(ch for ch in text.id if ch.isalnum())[:8]  # the prefix in its file name
    panel.generate()
    extended = panel.wait(timeout=90)
    assert extended.ok and extended.parent_id == text.id
    assert [c.number for c in panel.cards] == [1, 2, 3]


def test_the_prompt_is_the_panels_first_text_area(panel_client: veo.Client) -> None:
    # What a person (and a browser test) finds first to type into.
    panel = Panel(client=panel_client)

    def areas(widget: object) -> list[object]:
        found = [widget] if type(widget).__name__ == "Textarea" else []
        for child in getattr(widget, "children", ()):
            found += areas(child)
        return found

    assert areas(panel)[0] is panel.prompt


def test_reference_paths_and_uploads_go_together(panel_client: veo.Client, image_file: Path) -> None:
    panel = Panel(prompt="keep them", client=panel_client)
    panel.model.value = "google/veo-3.1-reference-to-video"
    panel.form.references.paths.value = f"{image_file}, {image_file}"
    assert panel.reference_images == [str(image_file), str(image_file)]
    code = panel.code_text()
    compile(code, "<show code>", "exec")
    assert f"reference_images=[{str(image_file)!r}, {str(image_file)!r}]" in code
