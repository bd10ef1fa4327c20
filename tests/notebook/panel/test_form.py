"""The panel's inputs: image by upload or path, preview, stale errors, and Show code."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.notebook.panel._form import Form
from veo_widgets.notebook.panel._panel import Panel
from veo_widgets.schema import _family as family

from ...conftest import image_bytes
from ...helpers import hosted_clip, upload

pytestmark = pytest.mark.timeout(120)


def test_a_fixed_input_clears_the_stale_error(panel_client: veo.Client, image_file: Path) -> None:
    panel = Panel(image=image_file, client=panel_client)
    panel.generate()
    assert "Check the prompt" in panel.form_message.value and panel.status == "error"
    panel.prompt.value = "the tide comes in"
    assert panel.form_message.value == "" and panel.status == "idle"


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


class CreateRecorder:
    """A client whose create POSTs are recorded and refused (nothing renders): the bodies
    the panel and the client would send, side by side."""

    def __init__(self, emulator: Emulator) -> None:
        from ...conftest import Counting

        self.bodies: list[dict[str, Any]] = []

        def before(request: httpx.Request) -> httpx.Response | None:
            if request.method != "POST":
                return None
            self.bodies.append(json.loads(request.content))
            return httpx.Response(400, json={"error": {"message": "recorded, not made"}})

        self.client = veo.Client(emulator.api_key, emulator.url, transport=Counting(emulator, before))

    def panel_body(self, panel: Panel) -> dict[str, Any]:
        before = len(self.bodies)
        panel.generate()
        with pytest.raises(veo.VeoError):
            panel.wait(timeout=30)
        assert len(self.bodies) == before + 1, panel.form_message.value
        return self.bodies[-1]

    def client_body(self, prompt: str, image: Any = None, **options: Any) -> dict[str, Any]:
        with pytest.raises(veo.VeoError):
            self.client.submit(prompt, image, **options)
        return self.bodies[-1]


@pytest.fixture
def clip_url(emulator: Emulator, tmp_path: Path) -> str:
    """A portrait clip to extend, given as a link (read before sending, so it must exist)."""
    return hosted_clip(emulator, tmp_path, size=(90, 160))


#: (model, what the panel is given, the same as client.generate keywords)
SAME_REQUEST: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("veo-3.1-fast-extend", {}, {}),  # aspect_ratio stays "auto": a portrait clip stays portrait
    ("veo-3.1-fast-t2v", {}, {}),  # auto_fix on, 1080p, no provider: the model's own defaults
    ("veo-2-t2v", {}, {}),  # 5 s, not 8
    ("veo-3.1-lite", {}, {}),
    ("veo-3-fast-t2v", {"aspect_ratio": "9:16", "duration": 4}, {"aspect_ratio": "9:16", "duration": 4}),
    ("veo-3.1-fast-t2v", {"resolution": "720P", "auto_fix": False}, {"resolution": "720p", "auto_fix": False}),
    ("veo-3-fast-i2v", {"seed": 3}, {"seed": 3}),
]


@pytest.mark.parametrize(
    ("model", "given", "same"), SAME_REQUEST, ids=[f"{m}-{'-'.join(g) or 'defaults'}" for m, g, _ in SAME_REQUEST]
)
def test_the_panel_sends_what_the_client_sends(
    emulator: Emulator, image_file: Path, clip_url: str, model: str, given: dict[str, Any], same: dict[str, Any]
) -> None:
    # Regression: the panel sent 16:9 to extend (a 9:16 clip came back 1280x720),
    # auto_fix=False and 720p to 3.1 text-to-video, 8 s to Veo 2: defaults nobody chose.
    recorder = CreateRecorder(emulator)
    spec = family.get_model(model)
    image = image_file if any(i.name == "image" for i in spec.inputs) else None
    panel = Panel(prompt="the tide comes in", model=model, image=image, client=recorder.client, **given)
    if model.endswith("extend"):
        panel.form.video.field.value = clip_url
        same = {**same, "video": clip_url}
    sent = recorder.panel_body(panel)
    assert sent == recorder.client_body("the tide comes in", image, model=model, **same)
    recorder.client.close()


def test_a_video_link_extend_would_refuse_is_named_before_anything_is_sent(emulator: Emulator, tmp_path: Path) -> None:
    recorder = CreateRecorder(emulator)
    panel = Panel(prompt="and then", model="veo-3.1-fast-extend", client=recorder.client)
    panel.form.video.field.value = hosted_clip(emulator, tmp_path, fps=30)
    panel.generate()
    with pytest.raises(veo.ValidationError):
        panel.wait(timeout=30)
    assert "30 fps; extend takes 24 fps" in panel.form_message.value and recorder.bodies == []
    recorder.client.close()


def test_switching_the_model_resets_what_the_person_did_not_choose(emulator: Emulator, clip_url: str) -> None:
    recorder = CreateRecorder(emulator)
    panel = Panel(prompt="and then", client=recorder.client)
    panel.model.value = family.get_model("veo-3.1-fast-extend").id  # from Veo 3 Fast (16:9)
    assert panel.aspect_ratio.value == "auto" and panel.duration.value == 7
    panel.form.video.field.value = clip_url
    assert recorder.panel_body(panel) == recorder.client_body("and then", model="veo-3.1-fast-extend", video=clip_url)
    panel.model.value = family.get_model("veo-3.1-fast-t2v").id
    assert (panel.resolution.value, panel.auto_fix.value, panel.provider.value) == ("1080p", True, None)
    assert recorder.panel_body(panel) == recorder.client_body("and then", model="veo-3.1-fast-t2v")
    recorder.client.close()


def test_a_chosen_value_is_kept_across_models_that_allow_it(panel_client: veo.Client) -> None:
    panel = Panel(client=panel_client, aspect_ratio="9:16")
    panel.resolution.value = "1080p"  # chosen by the person
    panel.model.value = family.get_model("veo-3.1-fast-extend").id
    assert panel.aspect_ratio.value == "9:16" and panel.resolution.value == "720p"  # extend makes 720p only
    panel.model.value = family.get_model("veo-3-fast-t2v").id
    assert panel.aspect_ratio.value == "9:16" and panel.resolution.value == "1080p"  # the choice comes back
    assert panel.form.options() == {"model": "google/veo-3.0-fast", "aspect_ratio": "9:16", "resolution": "1080p"}


def test_show_code_names_only_what_differs_from_the_models_defaults(panel_client: veo.Client) -> None:
    for model in ("veo-3.1-fast-extend", "veo-3.1-fast-t2v", "veo-2-t2v"):
        code = Panel(prompt="x", model=model, client=panel_client).code_text()
        assert f"model={model!r}," in code
        for name in ("aspect_ratio", "resolution", "duration", "auto_fix", "provider", "generate_audio"):
            assert f"{name}=" not in code, (model, code)


def test_changed_is_told_what_a_person_changes_not_the_form_being_built() -> None:
    calls: list[str] = []
    form = Form(
        model=None,
        prompt="",
        values={"seed": 7},
        embed=False,
        prepare=lambda v, r: v,
        changed=lambda: calls.append("x"),
    )
    assert calls == [] and form.controls["seed"].value == "7"
    form.prompt.value = "waves roll in"
    assert calls == ["x"]
    form.model.value = next(v for _, v in form.model.options if v != form.model.value)
    assert len(calls) >= 2  # another model: other fields, and Show code and the price follow


def test_choosing_1080p_leaves_only_8_seconds_with_a_note(panel_client: veo.Client, image_file: Path) -> None:
    panel = Panel(prompt="x", image=image_file, model="veo-3.1-fast-i2v", client=panel_client)
    lengths = [value for _, value in panel.duration.options]
    assert panel.resolution.value == "1080p" and lengths == [8]  # 3.1's default 1080p needs 8 s
    note = panel.form.rule_note
    assert "1080p needs duration 8" in note.value and note.layout.display != "none"
    panel.resolution.value = "720p"
    assert [value for _, value in panel.duration.options] == [4, 6, 8] and note.layout.display == "none"
    panel.duration.value = 4
    panel.resolution.value = "1080p"
    assert panel.duration.value == 8 and "1080p" in note.value
    panel.resolution.value = "720p"
    assert panel.duration.value == 4  # what was asked for comes back once the rule allows it
    compile(panel.code_text(), "<show code>", "exec")
