"""Working with finished clips: join them into a film, take their last frame, make posters.

Everything here is PyAV on local files; nothing talks to the API.

- :func:`stitch` (in ``_stitch``) joins clips of any size, rate or sound into one MP4.
- :func:`last_frame` decodes to the very end rather than trusting a seek to land there.
- :func:`poster` caches a small JPEG next to the video, so a gallery decodes each clip once.

What a clip may be, and how it is checked, is ``_clips``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import av
from PIL import Image

from .._config import data_dir
from .._errors import ValidationError
from ._clips import Clip, ClipInfo, probe_clip
from ._stitch import stitch

__all__ = ["ClipInfo", "last_frame", "poster", "poster_path", "probe_clip", "stitch"]

POSTER_WIDTH = 320


# ---------------------------------------------------------------------- last frame


def last_frame(clip: Clip) -> Image.Image:
    """The final decoded frame of a video as an RGB PIL image.

    Seeks near the end to save time, then decodes to the end of the stream, so the frame
    returned is the last one even where the container's seek index is imprecise; falls back
    to decoding the whole stream if the seek finds nothing.
    """
    info = probe_clip(clip)
    with av.open(str(info.path)) as container:
        stream = container.streams.video[0]
        frame = None
        if info.duration > 2 and stream.time_base is not None:
            try:
                target = int((info.duration - 2) / stream.time_base)
                container.seek(target, stream=stream, backward=True, any_frame=False)
                frame = _last(container.decode(stream))
            except av.FFmpegError:
                frame = None
            if frame is None:
                container.seek(0)
        if frame is None:
            frame = _last(container.decode(stream))
        if frame is None:
            raise ValidationError("clip", f"{info.path} has no decodable frames")
        image: Image.Image = frame.to_image().convert("RGB")
        return image


def _last(frames: Iterable[Any]) -> Any:
    last = None
    for last in frames:  # noqa: B007 - the loop is how we get to the end
        pass
    return last


# ---------------------------------------------------------------------- posters


def poster_path(video: Path | str) -> Path:
    """Where the poster of ``video`` lives: a hidden JPEG beside it (``.clip.mp4.poster.jpg``)."""
    video = Path(video)
    return video.with_name(f".{video.name}.poster.jpg")


def poster(clip: Clip, *, width: int = POSTER_WIDTH) -> Path:
    """A small JPEG of the clip (a frame a third of the way in), made once and cached.

    The poster sits next to the video and is remade only when the video is newer. If the
    folder is read-only it goes to ``<data dir>/posters`` instead.
    """
    info = probe_clip(clip)
    target = poster_path(info.path)
    if target.is_file() and target.stat().st_mtime >= info.path.stat().st_mtime:
        return target
    image = _frame_at(info, info.duration / 3)
    image.thumbnail((width, width * 4), Image.Resampling.LANCZOS)
    try:
        return _save_jpeg(image, target)
    except OSError:
        digest = hashlib.sha256(str(info.path.resolve()).encode()).hexdigest()[:24]
        return _save_jpeg(image, data_dir() / "posters" / f"{digest}.jpg")


def _frame_at(info: ClipInfo, seconds: float) -> Image.Image:
    with av.open(str(info.path)) as container:
        stream = container.streams.video[0]
        chosen: Any = None
        if seconds > 1 and stream.time_base is not None:  # from the keyframe before, not the start
            container.seek(int(seconds / stream.time_base), stream=stream, backward=True, any_frame=False)
        for frame in container.decode(stream):
            chosen = frame
            if frame.time is not None and frame.time >= seconds:
                break
        if chosen is None:
            raise ValidationError("clip", f"{info.path} has no decodable frames")
        image: Image.Image = chosen.to_image().convert("RGB")
        return image


def _save_jpeg(image: Image.Image, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    image.save(part, "JPEG", quality=82)
    os.replace(part, target)
    return target
