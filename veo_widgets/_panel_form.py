"""The panel's inputs, derived from the option schema: a model picker, then exactly the inputs
and options that model takes (``_options.form_fields``), and "Show code", which always
writes a call that runs (``_options.request_code``)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ._errors import ValidationError
from ._family import get_model, models
from ._options import OPTIONS, SEED_MAX, FormField, form_fields, request_code
from ._panel_inputs import ImagePick, ReferencePick, VideoPick, expression

__all__ = ["Form"]

_INPUTS = ("image", "last_image", "reference_images", "video")
NOT_SET = "model's default"


def _control(option: Any, value: Any) -> Any:
    """One widget per option of the family; a model's own choices are set when it is picked."""
    if option.kind == "choice":
        control = w.ToggleButtons(options=[(option.describe(c), c) for c in option.choices], description=option.label)
        control.style.button_width = "72px" if option.name in ("provider", "person_generation") else "64px"
        control.layout = w.Layout(width="auto", max_width="100%")
        if value in option.choices:
            control.value = value
        return control
    if option.kind == "bool":
        return w.Checkbox(value=bool(value), description=option.label, indent=False, layout=w.Layout(width="auto"))
    if option.kind == "int":
        text = "" if value is None else str(value)
        return w.Text(value=text, placeholder="random", description=option.label, layout=w.Layout(width="180px"))
    return w.Textarea(
        value=value or "",
        description=option.label,
        placeholder=f"{option.help} (optional)",
        layout=w.Layout(width="auto", height="40px", max_width="100%"),
    )


class Form:
    """The input column. ``changed()`` is called after anything a person changes."""

    def __init__(
        self,
        *,
        model: str | None,
        prompt: str,
        values: dict[str, Any],
        embed: bool,
        prepare: Callable[[Any, str], Any],
        changed: Callable[[], None],
    ) -> None:
        self._changed = changed
        self.model = w.Dropdown(
            options=[(f"{m.short} ({m.mode})", m.id) for m in models()],
            value=get_model(model).id,
            description="Model",
            layout=w.Layout(width="auto", max_width="100%"),
        )
        self.model.add_class("veo-model")
        ratio = self.current
        self.image = ImagePick("Image", "image", lambda v: prepare(v, ratio("aspect_ratio") or "16:9"), changed)
        self.last_image = ImagePick(
            "Last frame", "last-image", lambda v: prepare(v, ratio("aspect_ratio") or "16:9"), changed
        )
        self.references = ReferencePick(changed)
        self.video = VideoPick(changed)
        self.prompt = w.Textarea(
            value=prompt,
            description="Prompt",
            placeholder="What should happen? e.g. The camera slowly pushes in as waves roll onto the beach "
            "(Ctrl+Enter generates)",
            layout=w.Layout(width="auto", height="80px", max_width="100%"),
        )
        self.prompt.add_class("veo-prompt")
        self.controls: dict[str, Any] = {o.name: _control(o, values.get(o.name)) for o in OPTIONS}
        # A visible word, not only an icon: screen readers and keyboard users need a name.
        self.dice = w.Button(
            icon="random", tooltip="a random seed", description="Random", layout=w.Layout(width="auto")
        )
        self.dice.add_class("veo-dice")
        self.embed = w.Checkbox(value=embed, description="Embed video in the notebook", indent=False)
        self.embed.layout = w.Layout(width="auto")
        self._initial = dict(values)

        self.dice.on_click(lambda _: self.roll_seed())
        self.model.observe(lambda _: self.apply_model(), names="value")
        self.prompt.observe(lambda _: changed(), names="value")
        for control in self.controls.values():
            control.observe(lambda _: changed(), names="value")
        self.controls["aspect_ratio"].observe(lambda _: self._previews(), names="value")

        c = self.controls
        self._seed_row = w.HBox([c["seed"], self.dice], layout=w.Layout(align_items="center"))
        self._rows: dict[str, Any] = {
            "image": self.image.box,
            "last_image": self.last_image.box,
            "reference_images": self.references.box,
            "video": self.video.box,
            **{name: control for name, control in c.items() if name != "seed"},
            "seed": self._seed_row,
        }
        ordered = [self.model, *[self._rows[n] for n in _INPUTS], self.prompt]
        ordered += [self._rows[o.name] for o in OPTIONS]
        self.column = w.VBox(ordered, layout=w.Layout(flex="1 1 340px", min_width="0", max_width="100%"))
        self.column.add_class("veo-inputs")
        self.apply_model()

    # ------------------------------------------------------------------ model

    @property
    def fields(self) -> list[FormField]:
        return form_fields(self.model.value)

    def apply_model(self) -> None:
        """Show exactly what the chosen model takes, with its own choices and defaults."""
        fields = {f.name: f for f in self.fields}
        for name, row in self._rows.items():
            row.layout.display = None if name in fields else "none"
        for name, field in fields.items():
            control = self.controls.get(name)
            if control is None or not isinstance(control, w.ToggleButtons):
                continue
            pairs = list(field.choices)
            if field.default is None:
                pairs = [(NOT_SET, None), *pairs]
            keep = control.value if control.value in [v for _, v in pairs] else None
            wanted = self._initial.get(name)
            control.options = pairs
            control.value = keep if keep is not None else wanted if wanted in [v for _, v in pairs] else field.default
        self._changed()

    def current(self, name: str) -> Any:
        control = self.controls.get(name)
        return None if control is None else control.value

    def roll_seed(self) -> None:
        self.controls["seed"].value = str(random.randint(0, SEED_MAX))

    def _previews(self) -> None:
        self.image.refresh()
        self.last_image.refresh()
        self._changed()

    # ------------------------------------------------------------------ values

    def options(self, resolve_video: Callable[[str], Any] = lambda text: text) -> dict[str, Any]:
        """The model, its options that differ from its defaults (typed and checked as the
        model checks them: a ``ValidationError`` names the field) and its inputs."""
        spec = get_model(self.model.value)
        out: dict[str, Any] = {"model": spec.id}
        for field in self.fields:
            option = spec.option(field.name)
            if option is None:
                continue
            raw = self.controls[field.name].value
            if isinstance(raw, str):
                raw = raw.strip() or None
            if raw is None:
                continue
            value = option.parse(raw, model=spec.short)
            if value != option.default:
                out[field.name] = value
        names = {f.name for f in self.fields}
        if "last_image" in names and self.last_image.value is not None:
            out["last_image"] = self.last_image.value
        if "reference_images" in names and self.references.value:
            out["reference_images"] = self.references.value
        if "video" in names and self.video.text:
            out["video"] = resolve_video(self.video.text)
        return out

    def image_value(self) -> Any:
        """The first frame, if the chosen model takes one."""
        return self.image.value if any(f.name == "image" for f in self.fields) else None

    def code(self, takes: int = 1) -> str:
        """Runnable Python for the current form (inputs from uploads come from ``panel``);
        ``client.variations(..., n=takes)`` for more than one take."""
        try:
            options = self.options()
        except ValidationError:
            options = {"model": self.model.value}
        for name in _INPUTS:
            options.pop(name, None)
        names = {f.name for f in self.fields}
        setup: list[str] = []
        image = last = video = None
        if "image" in names:
            lines, image = expression(self.image.value, self.image.label, "image")
            setup += lines
            if image is None and any(f.name == "image" and f.required for f in self.fields):
                image = "veo.sample_image()"
        if "last_image" in names:
            lines, last = expression(self.last_image.value, self.last_image.label, "last_image")
            setup += lines
        references: list[str] = []
        if "reference_images" in names:
            lines, references = self.references.code()
            setup += lines
        if "video" in names and self.video.text:
            text = self.video.text
            looks_like_file = text.startswith(("http://", "https://")) or text.lower().endswith(".mp4")
            video = repr(text) if looks_like_file else f"client.wait({text!r})"
        text = request_code(
            self.prompt.value, image, options, last_image=last, reference_images=references, video=video, takes=takes
        )
        head, _, rest = text.partition("\n\n")
        return "\n".join([head, "", *setup, rest]) if setup else text
