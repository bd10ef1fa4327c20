"""The panel's inputs, derived from the option schema: a model picker, then exactly the inputs
and options that model takes (``_options.form_fields``), and "Show code", which always
writes a call that runs (``_options.request_code``)."""

from __future__ import annotations

import html
import random
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as w

from ..._errors import ValidationError
from ...schema._family import get_model, models
from ...schema._options import OPTIONS, SEED_MAX, FormField, form_fields, request_code
from ._inputs import ImagePick, ReferencePick, VideoPick, expression

__all__ = ["Form"]

_INPUTS = ("image", "last_image", "reference_images", "video")
NOT_SET = "model's default"


def _control(option: Any) -> Any:
    """One widget per option of the family; the chosen model's own choices and default are
    set when it is picked (``Form.apply_model``)."""
    if option.kind == "choice":
        control = w.ToggleButtons(options=[(option.describe(c), c) for c in option.choices], description=option.label)
        control.style.button_width = "72px" if option.name in ("provider", "person_generation") else "64px"
        control.layout = w.Layout(width="auto", max_width="100%")
        return control
    if option.kind == "bool":
        return w.Checkbox(value=False, description=option.label, indent=False, layout=w.Layout(width="auto"))
    if option.kind == "int":
        return w.Text(value="", placeholder="random", description=option.label, layout=w.Layout(width="180px"))
    return w.Textarea(
        value="",
        description=option.label,
        placeholder=f"{option.help} (optional)",
        layout=w.Layout(width="auto", height="40px", max_width="100%"),
    )


def _shown(field: FormField, value: Any) -> Any:
    """What ``field``'s control shows for ``value`` (None: the model's default)."""
    if value is None:
        value = field.default
    if field.kind == "checkbox":
        return bool(value)
    if field.kind in ("int", "text"):
        return "" if value is None else str(value)
    return value


class Form:
    """The input column. ``changed()`` is called after anything a person changes.

    ``values`` are the options the caller chose (None or absent: the model's default). Each
    control starts at the chosen model's default; what a person (or code) sets is
    remembered as *wanted* and kept across model changes where the new model allows it,
    while untouched controls follow each model's own defaults. The request carries only the
    options that differ from the model's defaults, as ``client.generate`` would send them.
    """

    def __init__(
        self,
        *,
        model: str | None,
        prompt: str,
        values: Mapping[str, Any],
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
        ratio = self._frame_ratio
        self.image = ImagePick("Image", "image", lambda v: prepare(v, ratio()), changed)
        self.last_image = ImagePick("Last frame", "last-image", lambda v: prepare(v, ratio()), changed)
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
        self.controls: dict[str, Any] = {o.name: _control(o) for o in OPTIONS}
        self._wanted = {k: v for k, v in values.items() if v is not None and v != ""}
        self._applying = False
        # A visible word, not only an icon: screen readers and keyboard users need a name.
        self.dice = w.Button(
            icon="random", tooltip="a random seed", description="Random", layout=w.Layout(width="auto")
        )
        self.dice.add_class("veo-dice")
        self.embed = w.Checkbox(value=embed, description="Embed video in the notebook", indent=False)
        self.embed.layout = w.Layout(width="auto")

        self.dice.on_click(lambda _: self.roll_seed())
        self.model.observe(lambda _: self.apply_model(), names="value")
        self.prompt.observe(lambda _: changed(), names="value")
        for name, control in self.controls.items():
            control.observe(lambda change, name=name: self._chose(name, change["new"]), names="value")

        c = self.controls
        # Why a rule leaves fewer lengths (e.g. 1080p needs 8 s): shown under the length.
        self.rule_note = w.HTML(layout=w.Layout(display="none"))
        self.rule_note.add_class("veo-rule-note")
        self._seed_row = w.HBox([c["seed"], self.dice], layout=w.Layout(align_items="center"))
        self._rows: dict[str, Any] = {
            "image": self.image.box,
            "last_image": self.last_image.box,
            "reference_images": self.references.box,
            "video": self.video.box,
            **{name: control for name, control in c.items() if name != "seed"},
            "seed": self._seed_row,
            "duration": w.VBox([c["duration"], self.rule_note]),
        }
        ordered = [self.model, *[self._rows[n] for n in _INPUTS], self.prompt]
        ordered += [self._rows[o.name] for o in OPTIONS]
        self.column = w.VBox(ordered, layout=w.Layout(flex="1 1 340px", min_width="0", max_width="100%"))
        self.column.add_class("veo-inputs")
        self._fit_model()  # nothing changed yet: changed() is not called while the form is built

    # ------------------------------------------------------------------ model

    @property
    def fields(self) -> list[FormField]:
        return form_fields(self.model.value)

    def apply_model(self) -> None:
        """Show exactly what the chosen model takes, with its own choices; each control shows
        what was chosen for it if this model allows that, else this model's default."""
        if self._fit_model():
            self._previews()  # the images are prepared for the new shape
        else:
            self._changed()

    def _fit_model(self) -> bool:
        """``apply_model`` without telling anyone; True when the frame's shape changed."""
        fields = {f.name: f for f in self.fields}
        for name, row in self._rows.items():
            row.layout.display = None if name in fields else "none"
        ratio = self._frame_ratio()
        self._applying = True
        try:
            for name, field in fields.items():
                control = self.controls.get(name)
                if control is None:
                    continue
                wanted = self._wanted.get(name)
                if isinstance(control, w.ToggleButtons):
                    pairs = list(field.choices)
                    if field.default is None:
                        pairs = [(NOT_SET, None), *pairs]
                    allowed = [v for _, v in pairs]
                    control.options = pairs
                    control.value = wanted if wanted in allowed else field.default
                else:
                    control.value = _shown(field, wanted)
            self._narrow()
        finally:
            self._applying = False
        return self._frame_ratio() != ratio

    def _narrow(self) -> None:
        """Offer only the lengths the model's cross-field rules allow next to the other
        choices (1080p leaves only 8 s on Veo 3 and 3.1), and say why."""
        spec = get_model(self.model.value)
        control = self.controls["duration"]
        if spec.takes("resolution"):  # a default gives way to what was asked for, as in the client
            asked = {"resolution": self.current("resolution"), "duration": self._wanted.get("duration")}
            settled = spec.settle(asked, [n for n in asked if n in self._wanted])
            self.controls["resolution"].value = settled["resolution"]
        current = {n: self.current(n) for n in ("resolution",) if spec.takes(n)}
        current["last_image"] = self.last_image.value is not None
        allowed = spec.allowed("duration", **current)
        if spec.takes("duration") and allowed:
            control.options = [(f"{d} s", d) for d in allowed]
            wanted = self._wanted.get("duration")
            default = spec.option("duration").default  # type: ignore[union-attr]
            control.value = wanted if wanted in allowed else default if default in allowed else allowed[-1]
        note = spec.why("duration", **current)
        self.rule_note.value = f"<small>{html.escape(note)}</small>" if note else ""
        self.rule_note.layout.display = None if note else "none"

    def _chose(self, name: str, value: Any) -> None:
        """A control changed: remembered as wanted unless the form itself set it."""
        if not self._applying:
            self._wanted[name] = value
            if name == "aspect_ratio":
                self._previews()
                return
            if name == "resolution":
                self._applying = True
                try:
                    self._narrow()
                finally:
                    self._applying = False
            self._changed()

    def _frame_ratio(self) -> str:
        """The shape image previews are prepared for (``auto`` and none are 16:9)."""
        ratio = self.current("aspect_ratio")
        return ratio if ratio in ("16:9", "9:16") else "16:9"

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
