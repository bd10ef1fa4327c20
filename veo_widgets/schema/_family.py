"""The Veo family: one :class:`ModelSpec` per model the AI/ML API serves.

Each spec is built from the options and inputs of ``_options.py``, specialised with the
model's own allowed values, defaults and wire spelling, as ``shared/API.md`` ("The Veo
family") documents them. Where the docs contradict each other the choice is noted here.

Short names follow one scheme: ``veo-<version>[-fast]-<mode>``, where the version is ``2``,
``3`` (Veo 3.0) or ``3.1`` and the mode is ``t2v`` (text), ``i2v`` (first frame),
``first-last``, ``reference`` or ``extend``; the two lite models, which take text, a first
frame or both, are ``veo-3.1-lite`` and ``veo-3.1-lite-preview``. Family names without a mode
(``veo-3-fast``, ``veo-3.1-fast``, ``veo-3.1``...) are aliases of the image-to-video member,
since image-to-video is what this package is built around. Full ids are always accepted,
with or without ``google/``, in any letter case, and win over this scheme: the API's own
``google/veo-3.0-fast`` (also ``veo-3.0-fast``) is Veo 3 Fast *text*-to-video, while
``veo-3-fast`` is the image-to-video default. Passing an image to the former is refused
with a pointer to the latter.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._errors import ValidationError
from ._fields import (
    ASPECT_RATIO,
    AUTO_FIX,
    DURATION,
    ENHANCE_PROMPT,
    GENERATE_AUDIO,
    IMAGE,
    LAST_IMAGE,
    NEGATIVE_PROMPT,
    PERSON_GENERATION,
    PROVIDER,
    REFERENCE_IMAGES,
    RESOLUTION,
    SEED,
    VIDEO,
    Input,
    Option,
)

__all__ = [
    "DEFAULT_MODEL",
    "MODES",
    "ModelList",
    "ModelSpec",
    "Rule",
    "get_model",
    "input_missing",
    "input_not_taken",
    "models",
    "not_taken",
    "sibling",
]

DEFAULT_MODEL = "google/veo-3.0-i2v-fast"
"""Veo 3 Fast image-to-video: the package's default, whatever the family grows to."""

MODES = ("text", "image", "first-last", "reference", "extend")

GIVEN = "<given>"
"""In a :class:`Rule`, matches any input that was passed."""
_INPUT_NAMES = frozenset({"image", "last_image", "reference_images", "video"})


@dataclass(frozen=True)
class Rule:
    """A constraint between fields: when ``if_field`` is ``if_value``, ``field`` must be one
    of ``allowed``. E.g. Veo 3.0 gives 1080p only at 8 seconds."""

    if_field: str
    if_value: Any
    field: str
    allowed: tuple[Any, ...]
    message: str
    blame: str = ""
    """The field the error names (default ``if_field``): what the person should change."""


@dataclass(frozen=True)
class ModelSpec:
    """One Veo model: what it takes, what it allows and how it spells it."""

    id: str
    """The model id as the create body sends it."""
    short: str
    """The short name this package uses, e.g. ``veo-3.1-fast-i2v``."""
    title: str
    """A human name, e.g. ``Veo 3.1 Fast, image to video``."""
    modes: tuple[str, ...]
    """What it does: ``text``, ``image``, ``first-last``, ``reference``, ``extend``."""
    inputs: tuple[Input, ...]
    """Media inputs it takes, each marked required or not, spelled as the model spells it."""
    options: tuple[Option, ...]
    """Every option it takes, with its allowed values, default and wire spelling."""
    aliases: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    notes: str = ""
    """What the docs leave unsettled about this model."""
    _index: dict[str, Option] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({o.name: o for o in self.options})

    @property
    def mode(self) -> str:
        """The mode, or several joined by ``/`` (``text/image/first-last`` for lite)."""
        return "/".join(self.modes)

    @property
    def names(self) -> tuple[str, ...]:
        """Everything :func:`get_model` accepts for this model."""
        bare = self.id.removeprefix("google/")
        return (self.short, self.id, bare, "google/" + bare, *self.aliases)

    def option(self, name: str) -> Option | None:
        """The model's own version of option ``name``, or None if it does not take it."""
        return self._index.get(name)

    def takes(self, name: str) -> bool:
        """Whether the model takes option or input ``name``."""
        return name in self._index or any(i.name == name for i in self.inputs)

    def input(self, name: str) -> Input | None:
        return next((i for i in self.inputs if i.name == name), None)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs if i.required)

    @property
    def takes_seed(self) -> bool:
        return "seed" in self._index

    @property
    def takes_audio(self) -> bool:
        return "generate_audio" in self._index

    def choices(self, name: str) -> tuple[Any, ...]:
        """Allowed values of option ``name`` for this model (empty if it does not take it)."""
        found = self._index.get(name)
        return found.choices or () if found is not None else ()

    def allowed(self, name: str, **current: Any) -> tuple[Any, ...]:
        """The choices of option ``name`` that the model's rules allow next to the
        ``current`` selections, e.g. only 8 s once 1080p is picked on Veo 3.0: what a form
        should offer. Inputs count as given when truthy (``last_image=True``)."""
        values = {k: (GIVEN if k in _INPUT_NAMES and v else v) for k, v in current.items()}
        out = []
        for choice in self.choices(name):
            trial = {**values, name: choice}
            if all(
                trial.get(r.if_field) != r.if_value or r.field not in trial or trial[r.field] in r.allowed
                for r in self.rules
            ):
                out.append(choice)
        return tuple(out)

    def why(self, name: str, **current: Any) -> str:
        """Why the rules narrow option ``name`` next to ``current`` (empty if they do not),
        e.g. "resolution 1080p needs duration 8 on veo-3.1-fast-i2v": the note a form shows."""
        values = {k: (GIVEN if k in _INPUT_NAMES and v else v) for k, v in current.items()}
        return "; ".join(
            f"{r.message} on {self.short}"
            for r in self.rules
            if r.field == name and values.get(r.if_field) == r.if_value
        )

    def check_rules(self, values: Mapping[str, Any]) -> None:
        """Refuse ``values`` (options, and inputs as :data:`GIVEN` or truthy) that break a
        cross-field rule: a ``ValidationError`` naming the field to change, whose message
        names both fields. An option absent from ``values`` breaks nothing; an input absent is
        not given."""
        given = {k: (GIVEN if k in _INPUT_NAMES and v else v) for k, v in values.items()}
        for r in self.rules:
            if r.field not in given and r.field not in _INPUT_NAMES:
                continue  # an option not chosen yet: nothing to compare
            if given.get(r.if_field) == r.if_value and given.get(r.field) not in r.allowed:
                raise ValidationError(r.blame or r.if_field, f"{r.message} on {self.short}")

    def settle(self, fields: dict[str, Any], chosen: Iterable[str]) -> dict[str, Any]:
        """``fields`` with each *default* that would break a rule next to a *chosen* value
        replaced by the first value of that option the rules allow: asking for 4 s on Veo 3.1
        (default 1080p) gets 720p, since a default never overrides what was asked for.
        Two chosen values that break a rule are left for :meth:`check_rules` to refuse."""
        picked = set(chosen)
        for r in self.rules:
            option = self._index.get(r.if_field)
            if (
                option is None
                or r.if_field in picked
                or r.field not in picked
                or fields.get(r.if_field) != r.if_value
                or fields.get(r.field) in r.allowed
            ):
                continue
            others = [c for c in option.choices or () if c != r.if_value]
            if others:
                fields[r.if_field] = others[0]
        return fields

    @property
    def durations(self) -> tuple[int, ...]:
        return self.choices("duration")

    @property
    def resolutions(self) -> tuple[str, ...]:
        return self.choices("resolution")

    @property
    def aspect_ratios(self) -> tuple[str, ...]:
        return self.choices("aspect_ratio")

    def defaults(self) -> dict[str, Any]:
        """The options sent when not given, with the values the model uses."""
        return {o.name: o.default for o in self.options if o.default is not None}

    def row(self) -> dict[str, str]:
        """One line of ``veo models`` / ``%veo models``, as text."""
        return {
            "name": self.short,
            "id": self.id,
            "mode": self.mode,
            "inputs": ", ".join(i.name + ("" if i.required else "?") for i in self.inputs) or "-",
            "durations": "/".join(str(d) for d in self.durations) + " s",
            "resolutions": "/".join(self.resolutions) or "-",
            "aspect": "/".join(self.aspect_ratios) or "-",
            "audio": "yes" if self.takes_audio else "no",
            "seed": "yes" if self.takes_seed else "no",
        }

    def __repr__(self) -> str:
        return f"ModelSpec({self.short!r}, id={self.id!r}, mode={self.mode!r})"


# ---------------------------------------------------------------------- building blocks

_ASPECT = ASPECT_RATIO.specialise(default="16:9")
_RES_30 = RESOLUTION.specialise(default="720p", wire_choices=("720P", "1080P"))
_RES_31 = RESOLUTION.specialise(default="1080p", wire_choices=("720p", "1080p"))
_DUR_30 = DURATION.specialise(choices=(4, 6, 8), default=8)
# Google's rule for Veo 3, 3 Fast, 3.1, 3.1 Fast and 3.1 Lite ("Learned since" in API.md): 1080p
# and reference images force 8 s. A first and last frame does not, except on lite-preview.
_1080_NEEDS_8 = Rule(
    "resolution", "1080p", "duration", (8,), "resolution 1080p needs duration 8 (choose duration 8, or 720p)"
)
_REFS_NEED_8 = Rule("reference_images", GIVEN, "duration", (8,), "reference images need duration 8", "duration")
_LAST_NEEDS_8 = Rule("last_image", GIVEN, "duration", (8,), "a last frame (last_image) needs duration 8", "duration")
_LAST_NEEDS_FIRST = Rule(
    "last_image", GIVEN, "image", (GIVEN,), "a last frame needs a first frame (image=...)", "image"
)

_OPTS_30 = (_ASPECT, _RES_30, _DUR_30, NEGATIVE_PROMPT, SEED, ENHANCE_PROMPT, GENERATE_AUDIO)
_OPTS_31_T2V = (_ASPECT, _RES_31, _DUR_30, NEGATIVE_PROMPT, SEED, ENHANCE_PROMPT, GENERATE_AUDIO, AUTO_FIX, PROVIDER)
_OPTS_31 = (_ASPECT, _RES_31, _DUR_30, GENERATE_AUDIO, PROVIDER)

_IMAGE = IMAGE.specialise(required=True)
_LAST = LAST_IMAGE.specialise(required=True)


def _spec(
    id: str, short: str, title: str, modes: Iterable[str], inputs: Iterable[Input], options: Iterable[Option], **kw: Any
) -> ModelSpec:
    return ModelSpec(id, short, title, tuple(modes), tuple(inputs), tuple(options), **kw)


_VEO2_OPTS = (
    _ASPECT,
    DURATION.specialise(choices=(5, 6, 7, 8), default=5),
    NEGATIVE_PROMPT,
    SEED,
    ENHANCE_PROMPT,
)
_EXTEND_OPTS = (
    ASPECT_RATIO.specialise(choices=("auto", "16:9", "9:16"), default="auto",
                            help="auto (follow the input video), 16:9 or 9:16"),
    RESOLUTION.specialise(choices=("720p",), default="720p"),
    DURATION.specialise(choices=(7,), default=7),
    GENERATE_AUDIO,
    AUTO_FIX.specialise(default=False),
    PROVIDER,
)  # fmt: skip

_SPECS: tuple[ModelSpec, ...] = (
    _spec("google/veo-3.0-i2v-fast", "veo-3-fast-i2v", "Veo 3 Fast, image to video", ["image"], [_IMAGE], _OPTS_30,
          aliases=("veo-3-fast", "veo-3.0-fast-i2v", "veo3-fast"), rules=(_1080_NEEDS_8,)),
    _spec("google/veo-3.0-i2v", "veo-3-i2v", "Veo 3, image to video", ["image"], [_IMAGE], _OPTS_30,
          aliases=("veo-3", "veo-3.0-i2v"), rules=(_1080_NEEDS_8,)),
    _spec("google/veo-3.0-fast", "veo-3-fast-t2v", "Veo 3 Fast, text to video", ["text"], [], _OPTS_30,
          aliases=("veo-3.0-fast-t2v",), rules=(_1080_NEEDS_8,)),
    _spec("google/veo3", "veo-3-t2v", "Veo 3, text to video", ["text"], [], _OPTS_30,
          aliases=("veo-3.0-t2v", "veo3-t2v"), rules=(_1080_NEEDS_8,)),
    _spec("google/veo-3.1-i2v-fast", "veo-3.1-fast-i2v", "Veo 3.1 Fast, image to video", ["image"], [_IMAGE], _OPTS_31,
          aliases=("veo-3.1-fast",), rules=(_1080_NEEDS_8,)),
    _spec("google/veo-3.1-i2v", "veo-3.1-i2v", "Veo 3.1, image to video", ["image"], [_IMAGE], _OPTS_31,
          aliases=("veo-3.1",), rules=(_1080_NEEDS_8,)),
    _spec("google/veo-3.1-t2v-fast", "veo-3.1-fast-t2v", "Veo 3.1 Fast, text to video", ["text"], [], _OPTS_31_T2V,
          rules=(_1080_NEEDS_8,)),
    _spec("google/veo-3.1-t2v", "veo-3.1-t2v", "Veo 3.1, text to video", ["text"], [], _OPTS_31_T2V,
          rules=(_1080_NEEDS_8,)),
    _spec("google/veo-3.1-first-last-image-to-video-fast", "veo-3.1-fast-first-last",
          "Veo 3.1 Fast, first and last frame", ["first-last"], [_IMAGE, _LAST], _OPTS_31,
          rules=(_1080_NEEDS_8,)),
    _spec("google/veo-3.1-first-last-image-to-video", "veo-3.1-first-last", "Veo 3.1, first and last frame",
          ["first-last"], [_IMAGE, _LAST], _OPTS_31, rules=(_1080_NEEDS_8,)),
    _spec("google/veo-3.1-reference-to-video", "veo-3.1-reference", "Veo 3.1, reference images", ["reference"],
          # No maxItems in the AI/ML spec (its example sends 3); Google documents up to 3.
          [REFERENCE_IMAGES.specialise(required=True, max_items=3)],
          # aspect_ratio was removed from this schema in Dec 2025; 8 s is the only length.
          (_RES_31, DURATION.specialise(choices=(8,), default=8), GENERATE_AUDIO, PROVIDER),
          aliases=("veo-3.1-ref", "veo-3.1-references"), rules=(_REFS_NEED_8, _1080_NEEDS_8)),
    _spec("google/veo3-1-fast-extend-video", "veo-3.1-fast-extend", "Veo 3.1 Fast, extend a video", ["extend"],
          [VIDEO.specialise(required=True)], _EXTEND_OPTS),
    _spec("google/veo3-1-extend-video", "veo-3.1-extend", "Veo 3.1, extend a video", ["extend"],
          [VIDEO.specialise(required=True)], _EXTEND_OPTS),
    _spec("google/veo-3-1-lite-generate-preview", "veo-3.1-lite-preview", "Veo 3.1 Lite (preview)",
          ["text", "image", "first-last"], [IMAGE, LAST_IMAGE], _OPTS_31, rules=(_LAST_NEEDS_FIRST, _LAST_NEEDS_8, _1080_NEEDS_8),
          notes="Its spec lists the staging server; only it says a last frame forces 8 s."),
    _spec("veo-3.1-lite-generate-001", "veo-3.1-lite", "Veo 3.1 Lite", ["text", "image", "first-last"],
          [IMAGE, LAST_IMAGE],
          (_ASPECT, _RES_30, _DUR_30, GENERATE_AUDIO, PERSON_GENERATION), rules=(_LAST_NEEDS_FIRST, _1080_NEEDS_8),
          aliases=("veo-3.1-lite-001",),
          notes="The spec's id has no google/ prefix (the page's has; both are accepted, the spec's is sent). "
                "The page example sends tail_image_url; the spec defines last_image_url, which is sent."),
    _spec("veo2/image-to-video", "veo-2-i2v", "Veo 2, image to video", ["image", "first-last"],
          [_IMAGE, LAST_IMAGE.specialise(wire="tail_image_url")], _VEO2_OPTS, aliases=("veo-2", "veo2-i2v")),
    _spec("veo2", "veo-2-t2v", "Veo 2, text to video", ["text"], [], _VEO2_OPTS, aliases=("veo2-t2v",)),
)  # fmt: skip

_LOOKUP: dict[str, ModelSpec] = {}
for _m in _SPECS:
    for _name in _m.names:
        _LOOKUP.setdefault(_name.lower(), _m)


class ModelList(list[ModelSpec]):
    """The catalogue as a list that a notebook shows as a table."""

    _COLUMNS = ("name", "mode", "inputs", "durations", "resolutions", "aspect", "audio", "seed", "id")

    def table(self) -> str:
        """A plain-text table, one model a line (``?`` marks an optional input)."""
        rows = [dict(zip(self._COLUMNS, self._COLUMNS, strict=True))] + [m.row() for m in self]
        widths = {c: max(len(r[c]) for r in rows) for c in self._COLUMNS}
        return "\n".join("  ".join(r[c].ljust(widths[c]) for c in self._COLUMNS).rstrip() for r in rows)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.table())

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{c}</th>" for c in self._COLUMNS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(m.row()[c])}</td>" for c in self._COLUMNS) + "</tr>" for m in self
        )
        return f'<table class="veo-models"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def models() -> ModelList:
    """Every Veo model, the default first, then 3.0, 3.1 and Veo 2: a list of
    :class:`ModelSpec` that shows as a table in a notebook."""
    return ModelList(_SPECS)


def get_model(name: object = None) -> ModelSpec:
    """The spec for a short name, a full id (with or without ``google/``) or an alias, in any
    letter case; None is the default model. Unknown names raise ``ValidationError("model")``
    suggesting the closest names."""
    if name is None:
        name = DEFAULT_MODEL
    if isinstance(name, ModelSpec):
        return name
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("model", f"expected a model name such as {get_model().short!r}, not {name!r}")
    key = name.strip().lower()
    found = _LOOKUP.get(key) or _LOOKUP.get(key.removeprefix("google/"))
    if found is not None:
        return found
    close = difflib.get_close_matches(key, [m.short for m in _SPECS] + list(_LOOKUP), n=3, cutoff=0.5)
    shorts = list(dict.fromkeys(_LOOKUP[c].short for c in close))
    hint = f"did you mean {' or '.join(repr(s) for s in shorts)}?" if shorts else "see veo.models()"
    raise ValidationError("model", f"{name!r} is not a Veo model this package knows; {hint}")


_MODE_SUFFIX = {"text": "-t2v", "image": "-i2v", "first-last": "-first-last", "reference": "-reference",
                "extend": "-extend"}  # fmt: skip


def sibling(spec: ModelSpec, mode: str) -> ModelSpec | None:
    """The model of the same version and speed as ``spec`` for ``mode`` (for a hint such as
    "for image-to-video use veo-3-fast-i2v"), or None if the family has none."""
    base = spec.short
    for suffix in _MODE_SUFFIX.values():
        base = base.removesuffix(suffix)
    suffix = _MODE_SUFFIX.get(mode, "")
    for short in (base + suffix, base.replace("-fast", "") + suffix, "veo-3.1" + suffix):
        found = _LOOKUP.get(short)
        if found is not None and found is not spec and mode in found.modes:
            return found
    return next((m for m in _SPECS if m.modes == (mode,)), None)


def not_taken(spec: ModelSpec, name: str) -> ValidationError:
    """The error for option ``name`` given to a model that does not take it: it names both,
    and a model of the same mode that does take it, if there is one."""
    takers = [m for m in _SPECS if m.option(name) is not None]
    others = [m.short for m in takers if m.modes == spec.modes][:2] or [m.short for m in takers][:2]
    hint = f", or use a model that takes it, e.g. {' or '.join(others)}" if others else ""
    return ValidationError(name, f"{spec.short} ({spec.id}) does not take {name}; leave it out{hint}")


_MODE_WORDS = {"text": "text-to-video", "image": "image-to-video", "first-last": "first-and-last-frame",
               "reference": "reference-images", "extend": "video-extension"}  # fmt: skip
_INPUT_MODE = {"image": "image", "last_image": "first-last", "reference_images": "reference", "video": "extend"}
_INPUT_WORDS = {"image": "first frame (image=...)", "last_image": "last frame (last_image=...)",
                "reference_images": "reference images (reference_images=[...])",
                "video": "video to extend (video=...)"}  # fmt: skip


def input_not_taken(spec: ModelSpec, name: str) -> ValidationError:
    """The error for input ``name`` given to a model without it: the choice of model is what
    is wrong (field ``model``), and the model of the same version that takes it is named."""
    words = " / ".join(_MODE_WORDS[m] for m in spec.modes)
    article = "an" if words[0] in "aeiou" else "a"
    other = sibling(spec, _INPUT_MODE[name])
    hint = f"; for {_MODE_WORDS[_INPUT_MODE[name]]} use {other.short}" if other else ""
    noun = _INPUT_WORDS[name].split(" (")[0]
    return ValidationError("model", f"{spec.short} ({spec.id}) is {article} {words} model and takes no {noun}{hint}")


def input_missing(spec: ModelSpec, name: str) -> ValidationError:
    """The error for a required input left out, with the text-only sibling for a first frame."""
    other = sibling(spec, "text") if name == "image" else None
    hint = f", or for text only use {other.short}" if other and not other.inputs else ""
    what = _INPUT_WORDS[name]
    return ValidationError(name, f"{spec.short} needs {'' if name == 'reference_images' else 'a '}{what}{hint}")
