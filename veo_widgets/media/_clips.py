"""A clip, as the studio's media functions take it: a finished ``Job`` or a path to a video,
checked and probed (size, frame rate, duration, sound) before anything reads or writes it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TypeAlias

import av

from .._errors import ValidationError
from ..schema._models import Job

__all__ = ["Clip", "ClipInfo", "clip_path", "probe_clip"]

#: What the media functions accept as a clip: a finished Job (its saved file) or a path.
Clip: TypeAlias = "Job | str | os.PathLike[str]"


@dataclass(frozen=True)
class ClipInfo:
    """What :func:`stitch` needs to know about a clip before it writes anything."""

    path: Path
    width: int
    height: int
    fps: Fraction
    duration: float
    has_audio: bool
    audio_rate: int | None


def clip_path(clip: Clip, what: str = "clip") -> Path:
    """The local file of a ``Job`` or path, or a ``ValidationError`` that says why not."""
    if isinstance(clip, Job):
        if clip.path is None:
            raise ValidationError(what, f"job {clip.id or '(no id)'} has no saved video; download it first")
        return Path(clip.path)
    if isinstance(clip, (str, os.PathLike)):
        return Path(clip)
    raise ValidationError(what, f"expected a Job or a path to a video, not {type(clip).__name__}")


def _still(container_format: str, codec: str, frames: int) -> bool:
    """A picture (JPEG, PNG, WebP, a one-frame GIF...) that PyAV would read as a 0.04 s clip."""
    return container_format == "image2" or container_format.endswith("_pipe") or (codec == "gif" and frames <= 1)


def probe_clip(clip: Clip, what: str = "clip") -> ClipInfo:
    """Open ``clip`` and read its streams; a ``ValidationError`` if it is not a playable video."""
    path = clip_path(clip, what)
    if not path.is_file():
        raise ValidationError(what, f"{path} does not exist" if not path.exists() else f"{path} is not a file")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise ValidationError(what, f"{path} has no video stream")
            video = container.streams.video[0]
            if not video.codec_context.width or not video.codec_context.height:
                raise ValidationError(what, f"{path} is not a readable video (no picture in it)")
            if _still(container.format.name, video.codec_context.name, video.frames):
                raise ValidationError(
                    what,
                    f"{path} is a still image, not a video clip: make a clip of it first "
                    f"(`veo generate {path.name} PROMPT`) and stitch that",
                )
            fps = Fraction(video.average_rate or video.guessed_rate or 24)
            if video.duration is not None and video.time_base is not None:
                duration = float(video.duration * video.time_base)
            else:
                duration = (container.duration or 0) / 1_000_000
            audio = container.streams.audio[0] if container.streams.audio else None
            return ClipInfo(
                path=path,
                width=int(video.codec_context.width),
                height=int(video.codec_context.height),
                fps=fps,
                duration=duration,
                has_audio=audio is not None,
                audio_rate=int(audio.codec_context.sample_rate) if audio is not None else None,
            )
    except ValidationError:
        raise
    except (av.FFmpegError, OSError) as exc:
        raise ValidationError(what, f"{path} is not a readable video ({exc})") from exc
