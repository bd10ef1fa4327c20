"""Extend as the API does it: the result is the input video with about 7 s added, one clip.

Extending an 8 s clip gives 15 s; extending that gives 22 s, and so on (Google allows about
20 extensions, 148 s). The extension keeps the input's frame size and orientation (a 9:16
clip stays 9:16). Who serves it sets the input limits (shared/API.md, "Learned since"):
fal's extend takes at most 8 s, Google's an MP4 at 24 fps, 16:9 or 9:16, of up to 141 s;
``provider: "google"`` asks for Google, ``auto`` (the default) may fall back to fal.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import av
from PIL import Image

from ._render import FPS, FULL, Quality, RenderFailure, Scene, push_in
from ._wire import Problem

__all__ = [
    "FAL_MAX_SECONDS",
    "GOOGLE_MAX_SECONDS",
    "VideoFacts",
    "check_input",
    "checked_video",
    "extension",
    "video_facts",
]

#: The longest input fal's extend takes.
FAL_MAX_SECONDS = 8.0
#: The longest input Google's takes: 20 extensions of 7 s from an 8 s clip end at 148 s.
GOOGLE_MAX_SECONDS = 141.0
#: Container durations round: an 8 s clip may say 8.04 s.
_SLACK = 0.1


@dataclass(frozen=True)
class VideoFacts:
    seconds: float
    fps: float
    width: int
    height: int


def video_facts(data: bytes) -> VideoFacts:
    """Length, frame rate and size of an MP4; raises ``RenderFailure`` for anything else."""
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.video:
                raise RenderFailure("video_url: the file has no video stream")
            stream = container.streams.video[0]
            seconds = container.duration / av.time_base if container.duration else 0.0
            if not seconds and stream.duration and stream.time_base:
                seconds = float(stream.duration * stream.time_base)
            rate = float(stream.average_rate or stream.base_rate or 0)
            return VideoFacts(seconds, rate, stream.codec_context.width, stream.codec_context.height)
    except (av.FFmpegError, ValueError) as exc:
        raise RenderFailure(f"video_url: not a readable video ({exc})") from None


def check_input(facts: VideoFacts, provider: str | None) -> None:
    """Refuse, as the provider would, an input it does not take (a 400 naming the field)."""
    google = (provider or "auto").lower() == "google"
    limit = GOOGLE_MAX_SECONDS if google else FAL_MAX_SECONDS
    if facts.seconds > limit + _SLACK:
        if google:
            raise Problem(400, f"video_url: the video is {facts.seconds:.1f} s; extend takes at most {limit:g} s")
        raise Problem(
            400,
            f"video_url: the video is {facts.seconds:.1f} s; with provider {provider or 'auto'!r} extend may run "
            f'on fal, which takes at most {limit:g} s: send provider "google" to extend a longer clip',
        )
    if round(facts.fps) != FPS:
        raise Problem(400, f"video_url: the video is {facts.fps:g} fps; extend takes {FPS} fps")
    ratio = facts.width / facts.height if facts.height else 0
    if not any(abs(ratio - wanted) < 0.02 for wanted in (16 / 9, 9 / 16)):
        raise Problem(400, f"video_url: the video is {facts.width}x{facts.height}; extend takes 16:9 or 9:16")


def checked_video(video: bytes | str, provider: str | None, fetch: Callable[[str], bytes]) -> bytes | str:
    """The input to extend, checked as its provider would at the create (a 400 when refused).
    A URL is fetched once here (``fetch``: loopback only), and its bytes are what the job renders from; an
    input that cannot be read at all is left for the render to report as the job's error."""
    data = video
    if isinstance(video, str):
        try:
            data = fetch(video)
        except RenderFailure:
            return video
    assert isinstance(data, bytes)
    try:
        facts = video_facts(data)
    except RenderFailure:
        return data
    check_input(facts, provider)
    return data


def extension(
    video: bytes, width: int, height: int, seed: int, added: int, quality: Quality = FULL
) -> tuple[Scene, float]:
    """The scene of an extension, to encode frame by frame (``hold`` 1), and its length in
    seconds: every frame of ``video``, then ``added`` seconds pushing in from its last frame,
    drawn at ``quality`` (a draft draws them small and holds each for ``quality.hold`` frames)."""
    held = max(1, round(video_facts(video).seconds * FPS))
    return _Extension(video, held, quality, width, height, seed), held / FPS + added


class _Extension:
    """Frame ``i`` of an extension. Frames of the input are decoded as the encoder asks for
    them (in order), so a long input is never held in memory, and go to the encoder as
    decoded (YUV): only the last one becomes a picture, the one the added seconds push into."""

    def __init__(self, video: bytes, held: int, quality: Quality, width: int, height: int, seed: int) -> None:
        self.frames = _frames(video)
        self.held, self.quality, self.seed = held, quality, seed
        self.size = quality.scene_size(width, height)
        self.last: av.VideoFrame | None = None
        self.tail: Scene | None = None
        self.tail_from = 0
        self.shown: tuple[int, Image.Image | av.VideoFrame] | None = None

    def __call__(self, i: int, n: int) -> Image.Image | av.VideoFrame:
        if i < self.held and self.tail is None:
            decoded = next(self.frames, None)
            if decoded is not None:
                self.last = decoded
                return decoded
        if self.tail is None:
            if self.last is None:
                raise RenderFailure("video_url: not a video (no frames)")
            picture = Image.fromarray(self.last.to_ndarray(format="rgb24"), "RGB")
            self.tail, self.tail_from = push_in(picture, *self.size, self.seed), i
        hold = self.quality.hold
        drawn = (i - self.tail_from) // hold
        if self.shown is None or self.shown[0] != drawn:  # the same picture object while held
            self.shown = drawn, self.tail(drawn, -(-(n - self.tail_from) // hold))
        return self.shown[1]


def _frames(video: bytes) -> Iterator[av.VideoFrame]:
    with av.open(io.BytesIO(video), mode="r") as container:
        container.streams.video[0].thread_type = "AUTO"
        yield from container.decode(video=0)
