"""Value objects: the validated request (the job, its status and usage are in ``_job.py``).

:func:`build_request` is the one place a create request is checked and assembled, for every
model of the family: its spec (``_family.py``) says which inputs and options the model takes,
what values they allow and how the wire spells them. Nothing is sent before it passes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import ValidationError
from ._family import DEFAULT_MODEL, GIVEN, ModelSpec, get_model, input_missing, input_not_taken, not_taken
from ._images import FAL_MAX_SECONDS, SECONDS_SLACK, is_remote, prepare_image, prepare_video
from ._job import Job, Usage
from ._options import OPTIONS, SEED_MAX, frame_size
from ._status import FAILURE_STATUSES, PENDING_STATUSES, SUCCESS_STATUSES, JobStatus

__all__ = [
    "ASPECT_RATIOS",
    "DEFAULT_MODEL",
    "DURATIONS",
    "FAILURE_STATUSES",
    "MODELS",
    "PENDING_STATUSES",
    "RESOLUTIONS",
    "SEED_MAX",
    "SUCCESS_STATUSES",
    "Job",
    "JobStatus",
    "Usage",
    "VideoRequest",
    "build_request",
    "frame_size",
    "validate_options",
]

# The default model's choices, for code written before the family (the CLI and panel until
# they read the specs). New code asks ``get_model(name).choices(...)``.
ASPECT_RATIOS: tuple[str, ...] = get_model().aspect_ratios
RESOLUTIONS: tuple[str, ...] = get_model().resolutions
DURATIONS: tuple[int, ...] = get_model().durations
#: The Veo 3.0 image-to-video pair, the choices of ``veo generate --model`` before the family.
MODELS = ("google/veo-3.0-i2v-fast", "google/veo-3.0-i2v")
_OPTION_NAMES = frozenset(o.name for o in OPTIONS)


@dataclass(frozen=True)
class VideoRequest:
    """A validated create request: build it with :func:`build_request`.

    Inputs (``image``, ``last_image``, ``reference_images``, ``video``) are what goes on the
    wire, a data URI or an http(s) URL; each ``*_source`` says where it came from, for the
    journal and reprs. An option the model does not take is None.
    """

    prompt: str
    image: str = ""
    """The first frame; ``""`` for a model or mode without one."""
    model: str = DEFAULT_MODEL
    aspect_ratio: str | None = "16:9"
    resolution: str | None = "720p"
    duration: int | None = 8
    negative_prompt: str | None = None
    seed: int | None = None
    enhance_prompt: bool | None = True
    generate_audio: bool | None = True
    image_source: str = ""
    last_image: str | None = None
    last_image_source: str = ""
    reference_images: tuple[str, ...] = ()
    reference_sources: tuple[str, ...] = ()
    video: str | None = None
    video_source: str = ""
    auto_fix: bool | None = None
    provider: str | None = None
    person_generation: str | None = None

    @property
    def spec(self) -> ModelSpec:
        return get_model(self.model)

    def body(self) -> dict[str, Any]:
        """The JSON body of the create request: exactly the model's fields, in its spelling."""
        spec = self.spec
        out: dict[str, Any] = {"model": spec.id, "prompt": self.prompt}
        for item in spec.inputs:
            value = getattr(self, item.name)
            if value:
                out[item.wire] = list(value) if item.multiple else value
        for option in spec.options:
            value = getattr(self, option.name)
            if value is not None and value != "":
                out[option.wire] = option.to_wire(value)
        return out

    def options(self) -> dict[str, Any]:
        """``model`` and every option the request carries, as keywords: pass them back to
        :func:`build_request` (a re-run, a new take) or to ``request_code``."""
        spec = self.spec
        values = {o.name: getattr(self, o.name) for o in spec.options}
        return {"model": spec.id, **{k: v for k, v in values.items() if v is not None}}

    def summary(self) -> dict[str, Any]:
        """What was sent, as the journal keeps it and reprs show it: the prompt, the model,
        each input it carried (a local one as its source, never its bytes, with ``*_source``)
        and each option the body carried. An option the model does not take is absent, as it
        is from the body; a journal written before this may hold more keys, read the same."""
        spec = self.spec
        out: dict[str, Any] = {"prompt": self.prompt, "model": spec.id}
        for item in spec.inputs:
            value = getattr(self, item.name)
            if not value:
                continue
            source_name = _SOURCES[item.name]
            source = getattr(self, source_name)
            if item.multiple:
                out[item.name] = [_shown(v, s) for v, s in zip(value, source, strict=False)]
            else:
                out[item.name] = _shown(value, source)
            out[source_name] = list(source) if item.multiple else source
        for option in spec.options:
            value = getattr(self, option.name)
            if value is not None and value != "":
                out[option.name] = value
        return out

    def __repr__(self) -> str:
        spec = get_model(self.model)
        given = [f"image={self.image_source!r}"] if self.image else []
        given += [f"last_image={self.last_image_source!r}"] if self.last_image else []
        given += [f"reference_images={list(self.reference_sources)!r}"] if self.reference_images else []
        given += [f"video={self.video_source!r}"] if self.video else []
        shown = [str(v) for v in (self.aspect_ratio, self.resolution) if v is not None]
        shown += [f"{self.duration}s"] if self.duration is not None else []
        shown += [f"seed={self.seed}"] if spec.takes_seed else []
        return f"VideoRequest({spec.short}, prompt={_short(self.prompt)!r}, {', '.join(given + shown)})"


#: Where each input's ``*_source`` (what it was made from) is kept.
_SOURCES = {
    "image": "image_source",
    "last_image": "last_image_source",
    "reference_images": "reference_sources",
    "video": "video_source",
}


def _shown(value: str | None, source: str) -> str | None:
    if not value:
        return None
    return value if value.startswith(("http://", "https://")) else source


def _absolute(given: Any, source: str) -> str:
    """A local file's source as its absolute path: the journal keeps it, and a re-run from
    another folder (the gallery, a notebook elsewhere) must still find the file."""
    if isinstance(given, str) and is_remote(given):
        return source
    if not isinstance(given, (str, Path)):
        return source  # bytes, a PIL image, a file object, a Job: no path to keep
    try:
        return str(Path(source).expanduser().resolve())
    except (OSError, RuntimeError):
        return source


def build_request(
    prompt: object,
    image: Any = None,
    *,
    last_image: Any = None,
    reference_images: Any = None,
    video: Any = None,
    **options: Any,
) -> VideoRequest:
    """Check everything the chosen model's spec says, prepare the media, and return the
    request; raises ``ValidationError`` and sends nothing.

    An option passed as None is "not given" (the model's default applies). An option or input
    the model does not take is refused, naming the model, never silently dropped.

    >>> build_request("waves", "https://example.com/a.png", resolution="1080P").body()["resolution"]
    '1080P'
    """
    spec = get_model(options.pop("model", None))
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValidationError("prompt", "write what should happen in the video")
    fields = _check_options(spec, options)
    given = {"image": image, "last_image": last_image, "reference_images": reference_images, "video": video}
    given = {k: v for k, v in given.items() if not _blank(v)}
    _check_inputs(spec, given, fields)
    aspect, resolution = fields.get("aspect_ratio") or "16:9", fields.get("resolution") or "720p"
    media: dict[str, Any] = {}
    for name in ("image", "last_image"):
        if name in given:
            prepared = prepare_image(given[name], aspect_ratio=aspect, resolution=resolution, field=name)
            _warn_if_small(spec, name, prepared.width, prepared.height)
            media[name], media[f"{name}_source"] = prepared.value, _absolute(given[name], prepared.source)
    if "reference_images" in given:
        refs = [
            prepare_image(item, aspect_ratio=aspect, resolution=resolution, field=f"reference_images[{i}]")
            for i, item in enumerate(_as_list(given["reference_images"]))
        ]
        media["reference_images"] = tuple(p.value for p in refs)
        items = _as_list(given["reference_images"])
        media["reference_sources"] = tuple(_absolute(g, p.source) for g, p in zip(items, refs, strict=True))
    if "video" in given:
        clip = prepare_video(given["video"], field="video")
        media["video"], media["video_source"] = clip.value, _absolute(given["video"], clip.source)
        fields["provider"] = _extend_provider(spec, clip.seconds, fields.get("provider"))
    return VideoRequest(prompt=prompt.strip(), **fields, **media)


def _extend_provider(spec: ModelSpec, seconds: float | None, provider: str | None) -> str | None:
    """The provider an extend of a ``seconds``-long clip needs: fal's extend (which ``auto``
    may fall back to) takes at most 8 s, so a longer clip goes to Google. An explicit
    ``fal`` for a longer clip is refused before anything is sent."""
    if seconds is None or seconds <= FAL_MAX_SECONDS + SECONDS_SLACK or spec.option("provider") is None:
        return provider
    if provider == "fal":
        raise ValidationError(
            "provider",
            f"the video is {seconds:.1f} s and fal's extend takes at most {FAL_MAX_SECONDS:g} s: "
            "use provider='google' (or leave it out)",
        )
    return "google"


_log = logging.getLogger("veo_widgets")

SMALL_IMAGE = 720
"""Google asks for input frames of 720p or more: a smaller one is sent, with a warning."""


def _warn_if_small(spec: ModelSpec, name: str, width: int | None, height: int | None) -> None:
    """Warn (not refuse) before sending a frame under 720p: the model may blur or refuse it.
    A prepared frame is never enlarged, so its size tells the original's."""
    # API.md: 3.1 image-to-video, first-last, reference and lite ask for 720p or more.
    asks = "3.1" in spec.short
    if asks and width is not None and height is not None and min(width, height) < SMALL_IMAGE:
        _log.warning(
            "%s is %dx%d, under 720p: %s asks for 720p or more, so the video may be blurry (it is sent anyway)",
            name,
            width,
            height,
            spec.short,
        )


def _check_options(spec: ModelSpec, options: Mapping[str, Any]) -> dict[str, Any]:
    """Every option of the request for ``spec``: given ones checked, the rest defaulted,
    those the model lacks None."""
    for name, value in options.items():
        if name not in _OPTION_NAMES:
            known = ", ".join(sorted(_OPTION_NAMES))
            raise ValidationError(name, f"is not an option of any Veo model; the options are {known}")
        if value is not None and spec.option(name) is None:
            raise not_taken(spec, name)
    fields: dict[str, Any] = {o.name: None for o in OPTIONS}
    fields["model"] = spec.id
    for option in spec.options:
        value = options.get(option.name)
        fields[option.name] = option.default if value is None else option.check(value, model=spec.short)
    return spec.settle(fields, [name for name, value in options.items() if value is not None])


def _check_inputs(spec: ModelSpec, given: Mapping[str, Any], fields: Mapping[str, Any]) -> None:
    for name in given:
        if spec.input(name) is None:
            raise input_not_taken(spec, name)
    for item in spec.inputs:
        if item.required and item.name not in given:
            raise input_missing(spec, item.name)
        if item.max_items is not None and item.name in given:
            count = len(_as_list(given[item.name]))
            if count > item.max_items:
                raise ValidationError(
                    item.name, f"{spec.short} takes at most {item.max_items} {item.label.lower()}, not {count}"
                )
    spec.check_rules({**fields, **dict.fromkeys(given, GIVEN)})


def _blank(value: Any) -> bool:
    """None, an empty list, or blank text: an input not given (as a form sends it)."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, (list, tuple)) and not value)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def validate_options(**options: Any) -> dict[str, Any]:
    """Check the options of an image-to-video request (the client's path before
    :func:`build_request`); returns the fields of a :class:`VideoRequest` but its media."""
    spec = get_model(options.pop("model", None))
    if spec.input("image") is None:
        raise input_not_taken(spec, "image")
    fields = _check_options(spec, options)
    _check_inputs(spec, {"image": GIVEN}, fields)
    return fields


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
