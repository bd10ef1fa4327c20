"""The panel's inputs: the image (upload or path/URL, with a preview), prompt and options,
and "Show code", which always writes a call that runs."""

from __future__ import annotations

import html
import io
import random
from base64 import b64decode
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w
from PIL import Image

from ._errors import ValidationError, VeoError, explain
from ._models import ASPECT_RATIOS, DEFAULT_MODEL, DURATIONS, RESOLUTIONS, SEED_MAX, VideoRequest

__all__ = ["DEFAULTS", "Form", "code_text"]

THUMB = 192
PLACEHOLDER = (
    '<div class="veo-placeholder" role="img" aria-label="no image yet" style="width:192px;height:108px;'
    "display:flex;align-items:center;justify-content:center;border:1px dashed var(--jp-border-color1, #bdbdbd);"
    'border-radius:4px;color:var(--jp-ui-font-color2, #6b7280);font-size:12px">no image yet:<br>upload one or '
    "give a path</div>"
)
#: What ``client.generate`` uses when an option is not given: Show code leaves these out.
DEFAULTS: dict[str, Any] = {
    "aspect_ratio": "16:9",
    "resolution": "720p",
    "duration": 8,
    "negative_prompt": None,
    "seed": None,
    "enhance_prompt": True,
    "generate_audio": True,
    "model": DEFAULT_MODEL,
}


def _toggle(options: list[Any], value: Any, label: str) -> w.ToggleButtons:
    toggle = w.ToggleButtons(options=options, value=value, description=label, tooltips=[])
    toggle.style.button_width = "64px"
    toggle.layout = w.Layout(width="auto", max_width="100%")
    return toggle


def image_code(image: Any, label: str | None) -> tuple[list[str], str]:
    """Lines that define the image, and the expression for ``image=``: always valid Python."""
    if image is None:
        return [], "veo.sample_image()  # no image picked yet: the packaged sample"
    if isinstance(image, Path) or (isinstance(image, str) and not image.startswith("data:")):
        return [], repr(str(image))
    what = f"the uploaded {label}" if label else "the image given to the panel"
    return [f"image = panel.image  # {what} (`panel` is the panel above)"], "image"


def code_text(prompt: str, image: Any, label: str | None, options: dict[str, Any]) -> str:
    """The ``client.generate(...)`` call equivalent to a form."""
    setup, expression = image_code(image, label)
    lines = ["import veo_widgets as veo", "", *setup, "client = veo.Client()", "job = client.generate("]
    lines.append(f"    {prompt.strip()!r},")
    # A trailing comment would swallow the comma: put the comma first.
    if "#" in expression:
        code, comment = expression.split("#", 1)
        lines.append(f"    image={code.strip()},  #{comment}")
    else:
        lines.append(f"    image={expression},")
    for key, value in options.items():
        if DEFAULTS.get(key, object()) != value:
            lines.append(f"    {key}={value!r},")
    lines += [")", "job.path"]
    return "\n".join(lines)


class Form:
    """The input column. ``changed()`` is called after anything a person changes."""

    def __init__(
        self,
        *,
        prompt: str,
        negative_prompt: str,
        aspect_ratio: str,
        resolution: str,
        duration: int,
        seed: int | None,
        enhance_prompt: bool,
        generate_audio: bool,
        embed: bool,
        prepare: Callable[[Any, str], VideoRequest],
        changed: Callable[[], None],
    ) -> None:
        self._prepare = prepare
        self._changed = changed
        self.image: Any = None
        self.image_label: str | None = None
        self.upload = w.FileUpload(accept="image/*", multiple=False, description="Upload image", icon="upload")
        self.upload.add_class("veo-upload")
        self.image_path = w.Text(
            placeholder="or a path / https:// URL",
            description="Image",
            continuous_update=False,
            layout=w.Layout(width="auto", flex="1 1 200px", max_width="100%"),
        )
        self.image_path.add_class("veo-image-path")
        self.preview = w.Image(format="jpeg", layout=w.Layout(max_width=f"{THUMB}px", max_height=f"{THUMB}px"))
        self.preview.add_class("veo-preview")
        self.placeholder = w.HTML(PLACEHOLDER)
        self.preview_box = w.Box([self.placeholder])
        self.image_note = w.HTML()
        self.prompt = w.Textarea(
            value=prompt,
            description="Prompt",
            placeholder="What should happen? e.g. The camera slowly pushes in as waves roll onto the beach "
            "(Ctrl+Enter generates)",
            layout=w.Layout(width="auto", height="80px", max_width="100%"),
        )
        self.prompt.add_class("veo-prompt")
        self.negative_prompt = w.Textarea(
            value=negative_prompt,
            description="Avoid",
            placeholder="What to avoid (optional)",
            layout=w.Layout(width="auto", height="40px", max_width="100%"),
        )
        self.aspect_ratio = _toggle(list(ASPECT_RATIOS), aspect_ratio, "Aspect")
        self.resolution = _toggle(list(RESOLUTIONS), resolution.lower(), "Quality")
        self.duration = _toggle([(f"{d} s", d) for d in DURATIONS], duration, "Length")
        self.seed = w.Text(
            value="" if seed is None else str(seed),
            placeholder="random",
            description="Seed",
            layout=w.Layout(width="180px"),
        )
        self.dice = w.Button(icon="random", tooltip="a random seed", description="", layout=w.Layout(width="40px"))
        self.dice.add_class("veo-dice")
        self.enhance_prompt = w.Checkbox(value=enhance_prompt, description="Enhance prompt", indent=False)
        self.generate_audio = w.Checkbox(value=generate_audio, description="Audio", indent=False)
        self.embed = w.Checkbox(value=embed, description="Embed video in the notebook", indent=False)
        for box in (self.enhance_prompt, self.generate_audio, self.embed):
            box.layout = w.Layout(width="auto")

        self.dice.on_click(lambda _: self.roll_seed())
        self.upload.observe(self._uploaded, names="value")
        self.image_path.observe(self._path_typed, names="value")
        for control in (
            self.prompt,
            self.negative_prompt,
            self.resolution,
            self.duration,
            self.seed,
            self.enhance_prompt,
            self.generate_audio,
        ):
            control.observe(lambda _: self._changed(), names="value")
        self.aspect_ratio.observe(lambda _: self.refresh_preview(), names="value")

        self.upload.layout = w.Layout(width="auto", flex="0 0 auto")
        pick = w.HBox([self.upload, self.image_path], layout=w.Layout(flex_flow="row wrap", max_width="100%"))
        shown = w.HBox(
            [self.preview_box, self.image_note],
            layout=w.Layout(flex_flow="row wrap", align_items="flex-end", grid_gap="8px", max_width="100%"),
        )
        image_row = w.VBox([pick, shown], layout=w.Layout(max_width="100%"))
        seed_row = w.HBox(
            [self.seed, self.dice, self.enhance_prompt, self.generate_audio],
            layout=w.Layout(flex_flow="row wrap", align_items="center", max_width="100%"),
        )
        self.column = w.VBox(
            [image_row, self.prompt, self.negative_prompt, self.aspect_ratio, self.resolution, self.duration, seed_row],
            layout=w.Layout(flex="1 1 340px", min_width="0", max_width="100%"),
        )
        self.column.add_class("veo-inputs")

    # ------------------------------------------------------------------ image

    def roll_seed(self) -> None:
        self.seed.value = str(random.randint(0, SEED_MAX))

    def _path_typed(self, change: dict[str, Any]) -> None:
        text = str(change["new"] or "").strip()
        if not text:
            return  # emptying the field (as an upload does) keeps whatever image there is
        self.set_image(text)

    def _uploaded(self, change: dict[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0]
        content = item["content"] if isinstance(item, dict) else item.content
        name = item["name"] if isinstance(item, dict) else item.name
        # Keep the bytes in memory only: an uploaded photo must not bloat saved widget state.
        self.upload.value = ()
        self.image_path.value = ""
        self.set_image(bytes(content), label=str(name))

    def set_image(self, value: Any, label: str | None = None) -> None:
        """Replace the image (always: the latest pick wins) and forget earlier complaints."""
        self.image = value
        self.image_label = label
        self.image_note.value = ""
        self.preview.value = b""
        self.preview_box.children = (self.placeholder,)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            self.image_note.value = "<small>sent as a URL</small>"
        elif value is not None:
            self.refresh_preview()
        self._changed()

    def refresh_preview(self) -> None:
        value = self.image
        if value is None or (isinstance(value, str) and value.startswith(("http://", "https://"))):
            self._changed()
            return
        try:
            prepared = self._prepare(value, self.aspect_ratio.value)
        except VeoError as exc:
            self.image_note.value = f'<span class="veo-error">{html.escape(explain(exc))}</span>'
            self.preview_box.children = (self.placeholder,)
            self._changed()
            return
        data = b64decode(prepared.image.split(",", 1)[1])
        thumb = Image.open(io.BytesIO(data)).convert("RGB")
        thumb.thumbnail((THUMB, THUMB))
        buf = io.BytesIO()
        thumb.save(buf, "JPEG", quality=80)
        self.preview.value = buf.getvalue()
        self.preview_box.children = (self.preview,)
        src = html.escape(self.image_label or prepared.image_source)
        self.image_note.value = f"<small>{src}<br>sent as {len(data) // 1024} KB</small>"
        self._changed()

    # ------------------------------------------------------------------ values

    def options(self) -> dict[str, Any]:
        seed_text = self.seed.value.strip()
        try:
            seed: int | None = int(seed_text) if seed_text else None
        except ValueError:
            raise ValidationError(
                "seed", f"{seed_text!r} is not a whole number; leave it empty for a random seed"
            ) from None
        return {
            "aspect_ratio": self.aspect_ratio.value,
            "resolution": self.resolution.value,
            "duration": int(self.duration.value),
            "negative_prompt": self.negative_prompt.value.strip() or None,
            "seed": seed,
            "enhance_prompt": bool(self.enhance_prompt.value),
            "generate_audio": bool(self.generate_audio.value),
        }

    def code(self, model: str) -> str:
        try:
            options = self.options()
        except ValidationError:
            options = {}
        options["model"] = model
        return code_text(self.prompt.value, self.image, self.image_label, options)
