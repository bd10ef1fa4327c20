"""Issue 13's "Done means" in the panel: every model of the family, picked as a person picks
it, with its mode's inputs typed in, generates a video that plays in the panel's player; a
request the model cannot take is refused in the form with nothing sent.

All the panels are filled and clicked at once (a module fixture), so the emulator renders
while the tests wait, each for its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.notebook.panel._panel import Panel

from .cases import (
    FAMILY,
    PROMPT,
    WAIT,
    assert_playable,
    case_id,
    nothing_reached,
    options_for,
    spec_of,
    surface_cases,
)

pytestmark = pytest.mark.timeout(300)

CASES = surface_cases("panel")


def fill(panel: Panel, short: str, mode: str, files: dict[str, Path], base: veo.Job) -> None:
    """Set the mode's inputs and the quick options as a person does: paths typed into the
    fields, an earlier job by the first letters of its id, or a local MP4 to extend."""
    if mode in ("image", "first-last"):
        panel.image_path.value = str(files["first"])
    if mode == "first-last":
        panel.form.last_image.path.value = str(files["last"])
    if mode == "reference":
        panel.form.references.paths.value = f"{files['first']}, {files['last']}"  # as the field asks
    if mode == "extend":  # the first letters of a finished job, as in its file name; or a local MP4
        panel.form.video.field.value = base.id[:8] if short == "veo-3.1-extend" else str(files["clip"])
    asked = options_for(short, mode, "panel")
    for name in ("resolution", "duration", "aspect_ratio"):  # 720p first: at 1080p only 8 s is offered
        if name in asked:
            getattr(panel, name).value = asked[name]
    if "seed" in asked:
        panel.seed.value = str(asked["seed"])


@pytest.fixture(scope="module")
def panels(family_client: veo.Client, files: dict[str, Path], base: veo.Job, home: Path) -> dict[str, Panel]:
    """A panel per model, each clicked: they all generate at once, as a person's would. Half
    are opened on their model, half switch the picker from the default."""
    out = {}
    for k, (short, mode) in enumerate(CASES):
        common = {"prompt": PROMPT, "client": family_client, "save_to": home / "panel", "timeout": WAIT}
        panel = Panel(model=short, **common) if k % 2 else Panel(**common)  # type: ignore[arg-type]
        if not k % 2:
            panel.model.value = spec_of(short).id
        fill(panel, short, mode, files, base)
        panel.generate_button.click()
        out[short] = panel
    return out


def test_every_model_is_offered_by_the_picker() -> None:
    offered = [value for _, value in Panel(prompt=PROMPT).model.options]
    assert offered == [spec.id for spec in FAMILY]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_panel_generates_a_playable_video_for_every_model(
    panels: dict[str, Panel], base: veo.Job, case: tuple[str, str]
) -> None:
    short, mode = case
    panel = panels[short]
    assert "Check" not in panel.form_message.value, panel.form_message.value
    job = panel.wait(timeout=WAIT)
    card = panel.cards[-1]
    assert (panel.status, card.status, card.job) == ("completed", "completed", job)
    assert job.model == spec_of(short).id
    assert_playable(job.path, short, mode, "panel")
    assert job.path is not None
    shown = "".join(o["data"].get("text/html", "") for o in panel.player.outputs)
    assert "<video" in shown and job.path.name in shown  # the player holds this very file
    if short == "veo-3.1-extend":  # extended by the first letters of a job: it remembers which
        assert (job.parent_id, job.relation) == (base.id, "extend")


#: What a person can get wrong in the panel, for every model (it offers only the options a
#: model takes, so a seed for Veo 3.1 image-to-video cannot be asked there): model, what is
#: filled in, the field the error names.
MISTAKES: list[tuple[str, dict[str, str], str]] = [
    ("veo-3-fast-i2v", {}, "image"),
    ("veo-3-i2v", {"image": "first", "seed": "abc"}, "seed"),
    ("veo-3-fast-t2v", {"seed": "-1"}, "seed"),
    ("veo-3-t2v", {"seed": "4294967296"}, "seed"),
    ("veo-3.1-fast-i2v", {}, "image"),
    ("veo-3.1-i2v", {"last": "last"}, "image"),  # no first frame
    ("veo-3.1-fast-t2v", {"seed": "1.5"}, "seed"),
    ("veo-3.1-t2v", {"seed": "many"}, "seed"),
    ("veo-3.1-fast-first-last", {"image": "first"}, "last_image"),
    ("veo-3.1-first-last", {"last": "last"}, "image"),
    ("veo-3.1-reference", {}, "reference_images"),
    ("veo-3.1-reference", {"references": "first,last,first,last"}, "reference_images"),
    ("veo-3.1-fast-extend", {"video": "first"}, "video"),  # an image is not a video
    ("veo-3.1-extend", {"video": "nope-not-a-job"}, "video"),
    ("veo-3.1-lite-preview", {"last": "last"}, "image"),  # a last frame needs a first
    ("veo-3.1-lite", {"last": "last"}, "image"),
    ("veo-2-i2v", {}, "image"),
    ("veo-2-t2v", {"seed": "x"}, "seed"),
]


def test_every_model_has_a_mistake_tried() -> None:
    assert {short for short, _, _ in MISTAKES} == {spec.short for spec in FAMILY}


@pytest.mark.parametrize("case", MISTAKES, ids=lambda c: f"{c[0]}-{c[2]}")
def test_panel_refuses_what_the_model_forbids_and_sends_nothing(
    sentry: Emulator, files: dict[str, Path], case: tuple[str, dict[str, str], str]
) -> None:
    short, filled, field = case
    with veo.Client(sentry.api_key, sentry.url) as client:
        panel = Panel(prompt=PROMPT, client=client, model=short)
        if "image" in filled:
            panel.image_path.value = str(files[filled["image"]])
        if "last" in filled and panel.form.last_image.box.layout.display != "none":
            panel.form.last_image.path.value = str(files[filled["last"]])
        if "references" in filled:
            panel.form.references.paths.value = ", ".join(str(files[n]) for n in filled["references"].split(","))
        if "video" in filled:
            panel.form.video.field.value = str(files.get(filled["video"], filled["video"]))
        if "seed" in filled:
            panel.seed.value = filled["seed"]
        panel.generate_button.click()
        assert panel.status == "error" and "Check" in panel.form_message.value, panel.form_message.value
        assert panel.cards == []  # no job card: nothing started
        with pytest.raises(veo.ValidationError) as caught:
            panel.wait(timeout=1)
        assert caught.value.field == field, caught.value
    nothing_reached(sentry)
