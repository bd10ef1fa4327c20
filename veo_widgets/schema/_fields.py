"""Every create option and input, declared once: :class:`Option` and :class:`Input`, the
family's declarations (``DURATION``, ``IMAGE``...) and the output frame size.

This is the base of the option schema: ``_family.py`` specialises these per model,
``_surfaces.py`` derives the surfaces from both, and ``_options.py`` gathers them (import
from there). It imports nothing else of the schema.
"""

from __future__ import annotations

import builtins
import dataclasses
import operator
from dataclasses import dataclass
from typing import Any

from .._errors import ValidationError

__all__ = [
    "ASPECT_RATIO",
    "AUTO_FIX",
    "BY_NAME",
    "DURATION",
    "ENHANCE_PROMPT",
    "GENERATE_AUDIO",
    "IMAGE",
    "INPUTS",
    "LAST_IMAGE",
    "NEGATIVE_PROMPT",
    "OPTIONS",
    "PERSON_GENERATION",
    "PROVIDER",
    "REFERENCE_IMAGES",
    "RESOLUTION",
    "SEED",
    "SEED_MAX",
    "VIDEO",
    "Input",
    "Option",
    "frame_size",
]

SEED_MAX = 4_294_967_295
"""Seeds are uint32 upstream (Google); the AI/ML API specs document no range."""

_TRUE = frozenset({"true", "yes", "on", "1", "y"})
_FALSE = frozenset({"false", "no", "off", "0", "n"})


@dataclass(frozen=True)
class Option:
    """One create option, as one model takes it (or as the family declares it)."""

    name: str
    """The Python keyword, e.g. ``aspect_ratio``."""
    wire: str
    """The JSON field of the create body."""
    type: builtins.type[Any]
    """``str``, ``int`` or ``bool``."""
    label: str
    """What a form shows next to the control."""
    help: str
    """One line for ``--help``, ``%%veo?`` and tooltips."""
    flag: str
    """The long flag of ``%%veo`` and ``veo generate``; bools also get ``--no-...``."""
    short: str | None = None
    choices: tuple[Any, ...] | None = None
    """Allowed Python values, or None for free text / a range."""
    wire_choices: tuple[Any, ...] | None = None
    """The wire spelling of each choice, in the same order (None: as the Python value)."""
    default: Any = None
    """What the model uses when the option is not given; None means the API decides and
    the field is not sent. An option with a default is always sent, so a request says
    exactly what it asks for."""
    minimum: int | None = None
    maximum: int | None = None
    fold_case: bool = False
    """Accept any letter case from users (``1080P`` is ``1080p``)."""

    def specialise(self, **changes: Any) -> Option:
        """This option with a model's own choices, default or wire spelling."""
        return dataclasses.replace(self, **changes)

    @property
    def kind(self) -> str:
        """``choice``, ``int``, ``bool`` or ``text``: which control or flag fits it."""
        if self.choices is not None:
            return "choice"
        if self.type is bool:
            return "bool"
        return "int" if self.type is int else "text"

    def check(self, value: object, *, model: str = "") -> Any:
        """``value`` normalised, or a ``ValidationError`` naming this option (strict types)."""
        where = f" for {model}" if model else ""
        if self.type is bool:
            if not isinstance(value, bool):
                raise ValidationError(self.name, f"must be True or False, not {value!r}")
            return value
        if self.type is int:
            # bool is an int in Python, and "8" is a string: both are mistakes here. A numpy
            # integer is fine (operator.index accepts exactly the true integers).
            try:
                if isinstance(value, bool):
                    raise TypeError
                value = operator.index(value)  # type: ignore[arg-type]
            except TypeError:
                raise ValidationError(self.name, f"must be a whole number, not {value!r}") from None
            low = self.minimum if self.minimum is not None else value
            high = self.maximum if self.maximum is not None else value
            if not low <= value <= high:
                raise ValidationError(self.name, f"{value} is outside {self.minimum}..{self.maximum}")
        elif not isinstance(value, str):
            raise ValidationError(self.name, f"must be text, not {value!r}")
        if self.choices is None:
            if isinstance(value, str):
                return value.strip() or None  # blank text is "not given"
            return value
        for choice in self.choices:
            if value == choice or (self.fold_case and isinstance(value, str) and value.strip().lower() == choice):
                return choice
        allowed = ", ".join(str(c) for c in self.choices)
        if len(self.choices) == 1:
            raise ValidationError(self.name, f"{value!r} is not possible{where}: only {allowed}")
        raise ValidationError(self.name, f"{value!r} is not one of {allowed}{where}")

    def convert(self, value: object) -> Any:
        """Text turned into this option's type (``"8"`` to 8, ``"no"`` to False); other
        values unchanged. Nothing is checked against the choices."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if self.type is int:
            try:
                return int(text)
            except ValueError:
                raise ValidationError(self.name, f"must be a whole number, not {value!r}") from None
        if self.type is bool:
            if text.lower() not in _TRUE | _FALSE:
                raise ValidationError(self.name, f"must be true or false, not {value!r}")
            return text.lower() in _TRUE
        return text

    def parse(self, value: object, *, model: str = "") -> Any:
        """:meth:`convert`, then :meth:`check`: for flags and text boxes."""
        return self.check(self.convert(value), model=model)

    def to_wire(self, value: Any) -> Any:
        """The JSON value for a checked ``value``, in this model's spelling."""
        if self.choices is not None and self.wire_choices is not None:
            return self.wire_choices[self.choices.index(value)]
        return value

    def describe(self, value: Any) -> str:
        """A value as a person reads it: ``8 s``, ``1080p``, ``on``."""
        if self.name == "duration":
            return f"{value} s"
        if isinstance(value, bool):
            return "on" if value else "off"
        return str(value)


@dataclass(frozen=True)
class Input:
    """A media input: a frame, reference images, or a video to extend."""

    name: str
    """The Python keyword, e.g. ``last_image``."""
    wire: str
    """The JSON field; a model may spell it differently (``tail_image_url``)."""
    label: str
    help: str
    flag: str
    short: str | None = None
    multiple: bool = False
    """A list (reference images) rather than one value."""
    required: bool = False
    """Whether the model refuses to run without it (set per model)."""
    max_items: int | None = None
    metavar: str = "IMAGE"
    """What ``--help`` shows the value as."""

    def specialise(self, **changes: Any) -> Input:
        return dataclasses.replace(self, **changes)


ASPECT_RATIO = Option(
    "aspect_ratio", "aspect_ratio", str, "Aspect", "the frame's shape: 16:9 (landscape) or 9:16 (portrait)",
    "--aspect-ratio", "-a", choices=("16:9", "9:16"), default="16:9",
)  # fmt: skip
RESOLUTION = Option(
    "resolution", "resolution", str, "Quality", "720p or 1080p (any letter case)",
    "--resolution", "-r", choices=("720p", "1080p"), default="720p", fold_case=True,
)  # fmt: skip
DURATION = Option(
    "duration", "duration", int, "Length", "seconds of video; which lengths depends on the model",
    "--duration", "-d", choices=(4, 6, 8), default=8,
)  # fmt: skip
NEGATIVE_PROMPT = Option(
    "negative_prompt", "negative_prompt", str, "Avoid", "what the video should not show", "--negative-prompt", "-n",
)  # fmt: skip
SEED = Option(
    "seed", "seed", int, "Seed", f"0..{SEED_MAX}, for repeatable results (default: random)", "--seed",
    minimum=0, maximum=SEED_MAX,
)  # fmt: skip
ENHANCE_PROMPT = Option(
    "enhance_prompt", "enhance_prompt", bool, "Enhance prompt", "let the API rewrite the prompt in more detail",
    "--enhance", default=True,
)  # fmt: skip
GENERATE_AUDIO = Option(
    "generate_audio", "generate_audio", bool, "Audio", "generate a soundtrack with the video", "--audio", default=True,
)  # fmt: skip
AUTO_FIX = Option(
    "auto_fix", "auto_fix", bool, "Auto-fix prompt", "let the API rewrite a prompt its policy would refuse",
    "--auto-fix", default=True,
)  # fmt: skip
PROVIDER = Option(
    "provider", "provider", str, "Provider", "auto (Google, then fal.ai as fallback), google or fal (default: auto)",
    "--provider", choices=("auto", "google", "fal"), fold_case=True,
)  # fmt: skip
PERSON_GENERATION = Option(
    "person_generation", "person_generation", str, "People", "allow_adult or dont_allow people in the video",
    "--person-generation", choices=("allow_adult", "dont_allow"), default="allow_adult", fold_case=True,
)  # fmt: skip

#: Every option of the family, in the order forms and help list them.
OPTIONS: tuple[Option, ...] = (
    ASPECT_RATIO, RESOLUTION, DURATION, NEGATIVE_PROMPT, SEED, ENHANCE_PROMPT, GENERATE_AUDIO,
    AUTO_FIX, PROVIDER, PERSON_GENERATION,
)  # fmt: skip
BY_NAME = {o.name: o for o in OPTIONS}
"""Each family option by its Python name."""

IMAGE = Input(
    "image", "image_url", "Image", "the first frame: a path, an http(s) URL, bytes or a PIL image", "--image", "-i",
)  # fmt: skip
LAST_IMAGE = Input(
    "last_image", "last_image_url", "Last frame", "the frame the video ends on (same kinds as --image)",
    "--last-image",
)  # fmt: skip
REFERENCE_IMAGES = Input(
    "reference_images", "image_urls", "References",
    "an image of a subject or style to keep (repeat the flag for more)", "--reference", multiple=True,
)  # fmt: skip
VIDEO = Input(
    "video", "video_url", "Video", "the video to extend: a finished job, a local MP4 or an http(s) URL", "--extend",
    metavar="JOB|MP4|URL",
)  # fmt: skip
INPUTS: tuple[Input, ...] = (IMAGE, LAST_IMAGE, REFERENCE_IMAGES, VIDEO)


def frame_size(aspect_ratio: str | None, resolution: str | None) -> tuple[int, int]:
    """Width and height of the output video, e.g. ``(1280, 720)`` for 16:9 at 720p.

    ``auto`` and a missing aspect ratio are taken as 16:9; a missing resolution as 720p.
    """
    short = 1080 if (resolution or "").lower() == "1080p" else 720
    long = short * 16 // 9
    return (short, long) if aspect_ratio == "9:16" else (long, short)
