"""Value objects: the validated request, the job, its status and usage."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ._errors import ValidationError

__all__ = [
    "ASPECT_RATIOS",
    "DEFAULT_MODEL",
    "DURATIONS",
    "MODELS",
    "RESOLUTIONS",
    "SEED_MAX",
    "Job",
    "JobStatus",
    "Usage",
    "VideoRequest",
    "frame_size",
]

DEFAULT_MODEL = "google/veo-3.0-i2v-fast"
#: Image-to-video models this package can drive. The text-to-video siblings are refused:
#: they take no image, and sending one would be a paid request for the wrong thing.
MODELS = ("google/veo-3.0-i2v-fast", "google/veo-3.0-i2v")
ASPECT_RATIOS = ("16:9", "9:16")
RESOLUTIONS = ("720p", "1080p")
DURATIONS = (4, 6, 8)
SEED_MAX = 4_294_967_295


def frame_size(aspect_ratio: str, resolution: str) -> tuple[int, int]:
    """Width and height of the output video, e.g. ``(1280, 720)`` for 16:9 at 720p."""
    short = 720 if resolution.lower() == "720p" else 1080
    long = short * 16 // 9
    return (long, short) if aspect_ratio == "16:9" else (short, long)


class JobStatus(str, enum.Enum):
    """Statuses the API is known to send. ``Job.status`` keeps whatever string arrived."""

    QUEUED = "queued"
    WAITING = "waiting"
    ACTIVE = "active"
    GENERATING = "generating"
    COMPLETED = "completed"
    ERROR = "error"

    @staticmethod
    def is_pending(status: str) -> bool:
        """True while the job may still change: queued, waiting, active, generating."""
        return status.lower() in _PENDING

    @staticmethod
    def is_success(status: str) -> bool:
        return status.lower() == "completed"


_PENDING = frozenset({"queued", "waiting", "active", "generating", ""})


@dataclass(frozen=True)
class Usage:
    """What a generation cost, as far as the API reported it."""

    credits: int | None = None
    """``meta.usage.credits_used`` or the ``x-aimlapi-credits-used`` header."""
    tokens: int | None = None
    """``meta.usage.tokens_used``, the older schema's field."""
    usd: float | None = None
    """``meta.usage.usd_spent`` or the ``x-aimlapi-usd-spent`` header."""

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.credits, self.tokens, self.usd))

    def merged(self, other: Usage) -> Usage:
        """This usage with the gaps filled from ``other``."""
        return Usage(
            credits=self.credits if self.credits is not None else other.credits,
            tokens=self.tokens if self.tokens is not None else other.tokens,
            usd=self.usd if self.usd is not None else other.usd,
        )

    def describe(self) -> str:
        parts = []
        if self.usd is not None:
            parts.append(f"${self.usd:.2f}")
        if self.credits is not None:
            parts.append(f"{self.credits:,} credits")
        if self.tokens is not None:
            parts.append(f"{self.tokens:,} tokens")
        return ", ".join(parts) or "not reported"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class VideoRequest:
    """A validated create request. Build it with :meth:`VideoRequest.create`.

    ``image`` is what goes on the wire (a data URI or an http(s) URL);
    ``image_source`` says where it came from, for the journal and reprs.
    """

    prompt: str
    image: str
    model: str = DEFAULT_MODEL
    aspect_ratio: str = "16:9"
    resolution: str = "720p"
    duration: int = 8
    negative_prompt: str | None = None
    seed: int | None = None
    enhance_prompt: bool = True
    generate_audio: bool = True
    image_source: str = ""

    @classmethod
    def create(cls, prompt: object, image: str, **options: Any) -> VideoRequest:
        """Check every field the way the API would, and normalise case.

        >>> VideoRequest.create("waves", "https://example.com/a.png", resolution="1080P").resolution
        '1080p'
        """
        fields = validate_options(**options)
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValidationError("prompt", "write what should happen in the video")
        return cls(prompt=prompt.strip(), image=image, **fields)

    def body(self) -> dict[str, Any]:
        """The JSON body of the create request."""
        out: dict[str, Any] = {
            "model": self.model,
            "prompt": self.prompt,
            "image_url": self.image,
            "duration": self.duration,
            "aspect_ratio": self.aspect_ratio,
            # The 3.0 schema spells it 720P/1080P; 3.1 lower case. We drive 3.0 models.
            "resolution": self.resolution.upper(),
            "enhance_prompt": self.enhance_prompt,
            "generate_audio": self.generate_audio,
        }
        if self.negative_prompt:
            out["negative_prompt"] = self.negative_prompt
        if self.seed is not None:
            out["seed"] = self.seed
        return out

    def summary(self) -> dict[str, Any]:
        """Everything but the image bytes: what the journal keeps and reprs show."""
        out = dataclasses.asdict(self)
        out["image"] = self.image if self.image.startswith("http") else self.image_source
        return out

    def __repr__(self) -> str:
        return (
            f"VideoRequest(prompt={_short(self.prompt)!r}, image={self.image_source!r}, "
            f"{self.aspect_ratio}, {self.resolution}, {self.duration}s, seed={self.seed})"
        )


def validate_options(
    *,
    model: object = DEFAULT_MODEL,
    aspect_ratio: object = "16:9",
    resolution: object = "720p",
    duration: object = 8,
    negative_prompt: object = None,
    seed: object = None,
    enhance_prompt: object = True,
    generate_audio: object = True,
) -> dict[str, Any]:
    """Validate every create option except prompt and image; return them normalised."""
    if model not in MODELS:
        raise ValidationError("model", f"{model!r} is not an image-to-video model; use one of {MODELS}")
    if aspect_ratio not in ASPECT_RATIOS:
        raise ValidationError("aspect_ratio", f"{aspect_ratio!r} is not one of {ASPECT_RATIOS}")
    if not isinstance(resolution, str) or resolution.lower() not in RESOLUTIONS:
        raise ValidationError("resolution", f"{resolution!r} is not one of {RESOLUTIONS}")
    res = resolution.lower()
    dur = _as_int("duration", duration)
    if dur not in DURATIONS:
        raise ValidationError("duration", f"{duration!r} seconds is not one of {DURATIONS}")
    if res == "1080p" and dur != 8:
        raise ValidationError("resolution", "1080p is only available with duration 8")
    if seed is not None:
        seed = _as_int("seed", seed)
        if not 0 <= seed <= SEED_MAX:
            raise ValidationError("seed", f"{seed} is outside 0..{SEED_MAX}")
    if negative_prompt is not None and not isinstance(negative_prompt, str):
        raise ValidationError("negative_prompt", "must be text")
    for name, flag in (("enhance_prompt", enhance_prompt), ("generate_audio", generate_audio)):
        if not isinstance(flag, bool):
            raise ValidationError(name, f"must be True or False, not {flag!r}")
    return {
        "model": model,
        "aspect_ratio": aspect_ratio,
        "resolution": res,
        "duration": dur,
        "negative_prompt": (negative_prompt or "").strip() or None,
        "seed": seed,
        "enhance_prompt": enhance_prompt,
        "generate_audio": generate_audio,
    }


def _as_int(name: str, value: object) -> int:
    # bool is an int in Python; "8" is what one of the API's own examples wrongly sends.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(name, f"must be a whole number, not {value!r}")
    return value


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Job:
    """One generation, as last seen. Immutable: clients return updated copies."""

    id: str
    """The API's generation id (opaque; may contain ``:``)."""
    status: str = "queued"
    """As the API says: ``queued``, ``generating``, ``completed``, ``error``, or anything new."""
    video_url: str | None = None
    """The result URL once completed. It expires: download promptly."""
    path: Path | None = None
    """Where the video was saved, once downloaded."""
    error: str | None = None
    """The API's reason, for a failed job."""
    usage: Usage = field(default_factory=Usage)
    request: Mapping[str, Any] | None = None
    """The request's fields (the image summarised), or None for a job found by id alone."""
    created_at: datetime = field(default_factory=_now)
    updated_at: datetime = field(default_factory=_now)
    client_request_id: str | None = None
    """The ``X-Client-Request-Id`` the create request carried."""
    base_url: str | None = None
    """The server that holds the job."""
    demo: bool = False
    """True when the job ran on the built-in emulator, not on Veo."""

    @property
    def done(self) -> bool:
        """True once the status is terminal, success or failure."""
        return not JobStatus.is_pending(self.status)

    @property
    def ok(self) -> bool:
        return JobStatus.is_success(self.status)

    @property
    def elapsed(self) -> float:
        """Seconds from creation to the last update."""
        return (self.updated_at - self.created_at).total_seconds()

    def evolve(self, **changes: Any) -> Job:
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        extra = f", path={str(self.path)!r}" if self.path else ""
        if self.error:
            extra += f", error={_short(self.error, 60)!r}"
        demo = ", demo" if self.demo else ""
        return f"Job({self.id!r}, {self.status!r}{extra}{demo})"
