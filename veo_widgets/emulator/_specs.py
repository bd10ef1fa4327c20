"""The Veo family on the wire: each model's fields as its spec in API.md defines them.

:func:`validate` checks a create body against its model's spec, as the API would, and
returns the normalised body, the mode and the decoded inputs. A field the model does not
take is refused with a 400 naming it: the docs do not say what the API does with one (no
spec sets ``additionalProperties: false``), and refusing makes a client's slip visible
before it costs anything. A ``null`` value counts as absent. A duration sent as a numeric
string (as the docs' own examples do) is read as the number.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from ._wire import Problem

__all__ = ["MODELS", "Accepted", "WireModel", "find_model", "frame_size", "validate"]

SEED_MAX = 4_294_967_295
_V3 = {"enhance_prompt": True, "generate_audio": True}
_V31 = {"generate_audio": True}


@dataclass(frozen=True)
class WireModel:
    id: str
    modes: tuple[str, ...]
    """``text``, ``image``, ``first-last``, ``reference``, ``extend``."""
    image: str = "none"
    """``image_url``: ``required``, ``optional`` or ``none``."""
    last: tuple[str, ...] = ()
    """Field names accepted for a last frame (the first is the spec's)."""
    durations: tuple[int, ...] = (4, 6, 8)
    default_duration: int = 8
    aspect_ratios: tuple[str, ...] | None = ("16:9", "9:16")
    resolutions: tuple[str, ...] | None = ("720p", "1080p")
    """Spelled as the spec spells them."""
    default_resolution: str | None = "1080p"
    fold_case: bool = False
    """Whether a resolution is accepted in either letter case."""
    flags: dict[str, bool] = field(default_factory=lambda: dict(_V31))
    """Boolean fields and their defaults."""
    seed: bool = False
    negative_prompt: bool = False
    provider: bool = True
    person_generation: bool = False
    aliases: tuple[str, ...] = ()
    """Other ids the API answers to."""
    id_suffix: str | None = None
    """Generation ids look like ``<uuid>:<suffix>``; None: a 21-character id."""
    speed: float = 1.0
    """Time per job relative to Veo 3 Fast."""
    last_needs_8: bool = False
    hd_needs_8: bool = False
    """1080p (and reference images) force 8 s, as Google says for Veo 3, 3.1 and 3.1 Lite."""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)

    def fields(self) -> set[str]:
        """Every body field this model takes."""
        out = {"model", "prompt", "duration", *self.flags, *self.last}
        for name, present in (
            ("image_url", self.image != "none"),
            ("image_urls", "reference" in self.modes),
            ("video_url", "extend" in self.modes),
            ("aspect_ratio", self.aspect_ratios is not None),
            ("resolution", self.resolutions is not None),
            ("seed", self.seed),
            ("negative_prompt", self.negative_prompt),
            ("provider", self.provider),
            ("person_generation", self.person_generation),
        ):
            if present:
                out.add(name)
        return out


def _v30(model_id: str, image: str, suffix: str, speed: float) -> WireModel:
    modes = ("image",) if image == "required" else ("text",)
    return WireModel(
        model_id, modes, image=image, resolutions=("720P", "1080P"), default_resolution="720P", fold_case=True,
        flags=dict(_V3), seed=True, negative_prompt=True, provider=False, id_suffix=suffix, speed=speed,
        hd_needs_8=True,
    )  # fmt: skip


def _v31(model_id: str, modes: tuple[str, ...], speed: float, **kw: Any) -> WireModel:
    return WireModel(model_id, modes, speed=speed, hd_needs_8="extend" not in modes, **kw)


_T2V_31 = {
    "flags": {"generate_audio": True, "enhance_prompt": True, "auto_fix": True},
    "seed": True,
    "negative_prompt": True,
}
_EXTEND = {
    "durations": (7,), "default_duration": 7, "aspect_ratios": ("auto", "16:9", "9:16"), "resolutions": ("720p",),
    "default_resolution": "720p", "flags": {"generate_audio": True, "auto_fix": False},
}  # fmt: skip

MODELS: tuple[WireModel, ...] = (
    WireModel(
        "veo2", ("text",), durations=(5, 6, 7, 8), default_duration=5, resolutions=None, default_resolution=None,
        flags={"enhance_prompt": True}, seed=True, negative_prompt=True, provider=False,
        id_suffix="veo-2.0-generate-001", speed=1.2,
    ),
    WireModel(
        "veo2/image-to-video", ("image", "first-last"), image="required", last=("tail_image_url",),
        durations=(5, 6, 7, 8), default_duration=5, resolutions=None, default_resolution=None,
        flags={"enhance_prompt": True}, seed=True, negative_prompt=True, provider=False,
        id_suffix="veo-2.0-generate-001", speed=1.2,
    ),
    _v30("google/veo3", "none", "veo-3.0-generate-001", 1.5),
    _v30("google/veo-3.0-fast", "none", "veo-3.0-fast-generate-001", 1.0),
    _v30("google/veo-3.0-i2v", "required", "veo-3.0-generate-001", 1.5),
    _v30("google/veo-3.0-i2v-fast", "required", "veo-3.0-fast-generate-001", 1.0),
    _v31("google/veo-3.1-t2v", ("text",), 2.5, id_suffix="google/veo-3.1-t2v", **_T2V_31),
    _v31("google/veo-3.1-t2v-fast", ("text",), 1.8, id_suffix="google/veo-3.1-t2v-fast", **_T2V_31),
    _v31("google/veo-3.1-i2v", ("image",), 2.5, image="required", id_suffix="google/veo-3.1-i2v"),
    _v31("google/veo-3.1-i2v-fast", ("image",), 1.8, image="required", id_suffix="google/veo-3.1-i2v-fast"),
    _v31(
        "google/veo-3.1-first-last-image-to-video", ("first-last",), 2.5, image="required",
        last=("last_image_url",), id_suffix="google/veo-3.1-first-last-image-to-video",
    ),
    _v31(
        "google/veo-3.1-first-last-image-to-video-fast", ("first-last",), 1.8, image="required",
        last=("last_image_url",), id_suffix="google/veo-3.1-first-last-image-to-video-fast",
    ),
    _v31(
        "google/veo-3.1-reference-to-video", ("reference",), 2.5, durations=(8,), aspect_ratios=None,
        id_suffix="google/veo-3.1-reference-to-video",
    ),
    _v31("google/veo3-1-extend-video", ("extend",), 1.0, **_EXTEND),
    _v31("google/veo3-1-fast-extend-video", ("extend",), 0.7, **_EXTEND),
    _v31(
        "google/veo-3-1-lite-generate-preview", ("text", "image", "first-last"), 0.8, image="optional",
        last=("last_image_url",), last_needs_8=True,
    ),
    WireModel(
        "veo-3.1-lite-generate-001", ("text", "image", "first-last"), image="optional",
        last=("last_image_url", "tail_image_url"), resolutions=("720P", "1080P"), default_resolution="720P",
        provider=False, person_generation=True, aliases=("google/veo-3.1-lite-generate-001",), speed=0.8,
        hd_needs_8=True,
    ),
)  # fmt: skip
_BY_NAME = {name: m for m in MODELS for name in m.names}


def find_model(name: object) -> WireModel | None:
    return _BY_NAME.get(name) if isinstance(name, str) else None


@dataclass
class Accepted:
    """A valid create: its normalised body, its mode, and its inputs (bytes or URLs)."""

    spec: WireModel
    body: dict[str, Any]
    mode: str
    images: list[bytes | str]
    video: bytes | str | None


def frame_size(aspect_ratio: str | None, resolution: str | None) -> tuple[int, int]:
    """Width and height of the output, e.g. ``(1280, 720)`` for 16:9 at 720p."""
    short = 1080 if (resolution or "").lower() == "1080p" else 720
    long = short * 16 // 9
    return (short, long) if aspect_ratio == "9:16" else (long, short)


def _choice(body: dict[str, Any], name: str, allowed: tuple[str, ...], default: str | None, fold: bool) -> str | None:
    value = body.get(name, default)
    if value is None:
        return None
    if isinstance(value, str):
        if value in allowed:
            return value
        if fold and value.lower() in [a.lower() for a in allowed]:
            return next(a for a in allowed if a.lower() == value.lower())
    raise Problem(400, f"{name} must be one of the following values: {', '.join(allowed)}")


def _duration(body: dict[str, Any], spec: WireModel) -> int:
    value = body.get("duration", spec.default_duration)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value not in spec.durations:
        raise Problem(400, f"duration must be one of the following values: {', '.join(map(str, spec.durations))}")
    return value


def _image(raw: Any, name: str) -> bytes | str:
    if not isinstance(raw, str) or not raw:
        raise Problem(400, f"{name} must be a URL or a base64 data URI")
    if raw.startswith("data:"):
        data = _data_uri(raw, name)
        try:
            Image.open(io.BytesIO(data)).verify()
        except Exception:
            raise Problem(400, f"{name}: the data is not a supported image") from None
        return data
    if urlsplit(raw).scheme in ("http", "https") and urlsplit(raw).hostname:
        return raw
    raise Problem(400, f"{name} must be an http(s) URL or a base64 data URI")


def _video(raw: Any) -> bytes | str:
    if not isinstance(raw, str) or not raw:
        raise Problem(400, "video_url must be an HTTPS URL or a base64 data URI")
    if raw.startswith("data:"):
        if not raw.startswith("data:video/"):
            raise Problem(400, "video_url: a data URI must hold a video (data:video/mp4;base64,...)")
        return _data_uri(raw, "video_url")
    if urlsplit(raw).scheme in ("http", "https") and urlsplit(raw).hostname:
        return raw
    raise Problem(400, "video_url must be an HTTPS URL or a base64 data URI")


def _data_uri(raw: str, name: str) -> bytes:
    head, _, data = raw.partition(",")
    if ";base64" not in head:
        raise Problem(400, f"{name}: a data URI must be base64")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise Problem(400, f"{name}: invalid base64") from None


def validate(raw: dict[str, Any]) -> Accepted:
    """The API's checks for ``raw``'s model; raises :class:`Problem` (400) on the first failure."""
    spec = find_model(raw.get("model"))
    if spec is None:
        raise Problem(400, f"model must be one of: {', '.join(m.id for m in MODELS)}")
    body = {k: v for k, v in raw.items() if v is not None}
    extra = sorted(set(body) - spec.fields())
    if extra:
        raise Problem(400, f"property {extra[0]} should not exist: {spec.id} does not take {extra[0]}")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise Problem(400, "prompt must be a non-empty string")
    duration = _duration(body, spec)
    aspect = _choice(body, "aspect_ratio", spec.aspect_ratios, None, False) if spec.aspect_ratios else None
    resolution = None
    if spec.resolutions:
        resolution = _choice(body, "resolution", spec.resolutions, spec.default_resolution, spec.fold_case)
    if spec.hd_needs_8 and (resolution or "").lower() == "1080p" and duration != 8:
        raise Problem(400, "duration must be 8 when resolution is 1080p")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= SEED_MAX):
        raise Problem(400, f"seed must be an integer between 0 and {SEED_MAX}")
    flags = {}
    for flag, default in spec.flags.items():
        if not isinstance(body.get(flag, default), bool):
            raise Problem(400, f"{flag} must be a boolean")
        flags[flag] = body.get(flag, default)
    for name in ("negative_prompt", "provider"):
        if name in body and not isinstance(body[name], str):
            raise Problem(400, f"{name} must be a string")
    person = _choice(body, "person_generation", ("dont_allow", "allow_adult"), "allow_adult", False)
    images: list[bytes | str] = []
    if spec.image == "required" or "image_url" in body:
        images.append(_image(body.get("image_url"), "image_url"))
    last_name = next((n for n in spec.last if n in body), None)
    if spec.modes == ("first-last",) and last_name is None:
        last_name = spec.last[0]
    if last_name is not None:
        if not images:
            raise Problem(400, f"{last_name} needs an image_url: it is the last frame of a clip that starts there")
        images.append(_image(body.get(last_name), last_name))
        if spec.last_needs_8 and duration != 8:
            raise Problem(400, f"duration must be 8 when {last_name} is sent")
    if "reference" in spec.modes:
        refs = body.get("image_urls")
        if not isinstance(refs, list) or not refs:
            raise Problem(400, "image_urls must be a non-empty array of image URLs")
        images.extend(_image(r, f"image_urls[{i}]") for i, r in enumerate(refs))
    video = _video(body.get("video_url")) if "extend" in spec.modes else None
    mode = (
        spec.modes[0] if len(spec.modes) == 1 else ("first-last" if len(images) > 1 else "image" if images else "text")
    )
    clean: dict[str, Any] = {
        "model": body["model"],
        "prompt": prompt,
        "duration": duration,
        "aspect_ratio": aspect,
        "resolution": resolution.lower() if resolution else None,
        "seed": seed,
        "negative_prompt": body.get("negative_prompt"),
        "generate_audio": flags.get("generate_audio", False),
        **{k: v for k, v in flags.items() if k != "generate_audio"},
    }
    if spec.person_generation:
        clean["person_generation"] = person
    if spec.provider and "provider" in body:
        clean["provider"] = body["provider"]
    return Accepted(spec, clean, mode, images, video)
