"""The Veo family on the wire: each model's fields as its published schema defines them.

The models are read from the package's ``family.json`` (the same data the client validates
with), and an emulator can be told that a model's schema changed or that a new one exists
(:class:`WireFamily`), to test a client that reads the schemas at run time.

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
import dataclasses
import io
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from ..schema._openapi import LAST_WIRES, family_data, find_entry, model_id_of, modes_of
from ._wire import Problem

__all__ = ["MODELS", "Accepted", "WireFamily", "WireModel", "find_model", "frame_size", "validate", "wire_model"]

SEED_MAX = 4_294_967_295
PEOPLE = ("dont_allow", "allow_adult")


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
    flags: dict[str, bool] = field(default_factory=lambda: {"generate_audio": True})
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
    schema: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The request schema it follows, as ``info.docsJson`` serves it."""
    spec_file: str = ""
    """The name of its spec file in the docs repository (the ``docsJson`` URL's last part)."""

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


def wire_model(
    schema: Mapping[str, Any],
    *,
    model_id: str | None = None,
    rules: Iterable[str] = (),
    wire: Mapping[str, Any] | None = None,
) -> WireModel:
    """A model as the API checks it, from its published request schema (as ``family.json``
    holds it, or as the emulator was told it changed) and the wire facts the specs leave out."""
    wire = wire or {}
    props: Mapping[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    also = wire.get("also") or {}
    last = tuple(n for w in LAST_WIRES if w in props for n in (w, *also.get(w, ())))

    def enum(name: str) -> tuple[Any, ...] | None:
        values = (props.get(name) or {}).get("enum")
        return tuple(values) if isinstance(values, list) and values and name in props else None

    durations = tuple(int(d) for d in enum("duration") or (8,))
    default = (props.get("duration") or {}).get("default")
    resolutions = enum("resolution")
    flags = {
        name: bool(prop.get("default", True))
        for name, prop in props.items()
        if isinstance(prop, Mapping) and prop.get("type") == "boolean"
    }
    image = "none" if "image_url" not in props else "required" if "image_url" in required else "optional"
    model_id = model_id or model_id_of(schema) or ""
    return WireModel(
        model_id, modes_of(schema), image=image, last=last, durations=durations,
        default_duration=int(default) if default is not None else 8 if 8 in durations else durations[0],
        aspect_ratios=enum("aspect_ratio"), resolutions=resolutions,
        default_resolution=(props.get("resolution") or {}).get("default") if resolutions else None,
        fold_case=bool(wire.get("fold_case")), flags=flags, seed="seed" in props,
        negative_prompt="negative_prompt" in props, provider="provider" in props,
        person_generation="person_generation" in props, aliases=tuple(wire.get("also_ids", ())),
        id_suffix=wire.get("id_suffix"), speed=float(wire.get("speed", 1.0)),
        last_needs_8="last-needs-8" in rules, hd_needs_8="hd-needs-8" in rules, schema=dict(schema),
        spec_file=wire.get("spec") or model_id.replace("/", "-") + ".json",
    )  # fmt: skip


def _entry_model(entry: Mapping[str, Any]) -> WireModel:
    return wire_model(entry["schema"], model_id=entry["id"], rules=entry["rules"], wire=entry["wire"])


#: The built-in family, from the package's ``family.json`` (the client validates with it too).
MODELS: tuple[WireModel, ...] = tuple(_entry_model(e) for e in family_data()["models"])


class WireFamily:
    """The models one emulator serves: the built-in family, with the schemas it was told
    changed and the models it was told to add (to test a client's refresh)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.models: tuple[WireModel, ...] = MODELS
        self.added: tuple[str, ...] = ()
        """Ids of models added after the built-in family (not in the package's table)."""

    def find(self, name: object) -> WireModel | None:
        if not isinstance(name, str):
            return None
        return next((m for m in self.models if name in m.names), None)

    def change(self, model_id: str, schema: Mapping[str, Any]) -> WireModel:
        """Serve and check ``model_id`` by ``schema`` from now on (its rules and wire facts stay)."""
        with self._lock:
            old = self.find(model_id)
            if old is None:
                raise KeyError(model_id)
            entry = find_entry(old.id)
            if entry is not None:
                model = wire_model(schema, model_id=old.id, rules=entry["rules"], wire=entry["wire"])
            else:
                model = dataclasses.replace(wire_model(schema, model_id=old.id), spec_file=old.spec_file)
            self.models = tuple(model if m is old else m for m in self.models)
            return model

    def reset(self) -> None:
        """The built-in family again: no changed schema, no added model."""
        with self._lock:
            self.models, self.added = MODELS, ()

    def add(self, schema: Mapping[str, Any], *, speed: float = 1.0) -> WireModel:
        """A model the package has never seen, taking what ``schema`` says (its id: the
        schema's ``model`` enum); the catalogue lists it with its ``docsJson``."""
        model = dataclasses.replace(wire_model(schema), speed=speed)
        if not model.id:
            raise ValueError("the schema's model property names no id")
        with self._lock:
            self.models = (*(m for m in self.models if m.id != model.id), model)
            self.added = (*self.added, model.id)
        return model


def find_model(name: object) -> WireModel | None:
    """A model of the built-in family (an emulator's own may differ: ``WireFamily.find``)."""
    return next((m for m in MODELS if name in m.names), None) if isinstance(name, str) else None


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


def validate(raw: dict[str, Any], family: WireFamily | None = None) -> Accepted:
    """The API's checks for ``raw``'s model (in ``family``, default the built-in one); raises
    :class:`Problem` (400) on the first failure."""
    spec = family.find(raw.get("model")) if family is not None else find_model(raw.get("model"))
    if spec is None:
        known = family.models if family is not None else MODELS
        raise Problem(400, f"model must be one of: {', '.join(m.id for m in known)}")
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
    people = tuple((spec.schema.get("properties", {}).get("person_generation") or {}).get("enum") or PEOPLE)
    person = _choice(body, "person_generation", people, "allow_adult" if "allow_adult" in people else None, False)
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
