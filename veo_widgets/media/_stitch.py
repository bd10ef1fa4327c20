"""Join finished clips, picture and sound, into one film: :func:`stitch`.

Each clip is decoded once; every frame is fitted to the first clip's size (scaled and
letterboxed) and retimed to its frame rate; audio is resampled to one rate and layout (a clip
without audio contributes silence, so sound stays in sync); one H.264 + AAC MP4 is written,
optionally cross-dissolving picture and sound. PyAV and numpy on local files only.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from .._errors import ValidationError
from ..schema._models import Job
from ..schema._output import FILM_SUFFIXES, writable_folder
from ._clips import Clip, ClipInfo, probe_clip

__all__ = ["FILM_SUFFIXES", "stitch", "without_held"]

AUDIO_RATE = 48_000
AUDIO_LAYOUT = "stereo"
_AUDIO_CHUNK = 1024  # AAC's frame size


def stitch(
    clips: Sequence[Clip],
    out: str | os.PathLike[str],
    crossfade: float = 0.0,
    progress: Callable[[float], object] | None = None,
) -> Path:
    """Join clips, picture and sound, into one H.264 + AAC MP4 at ``out``; return its path.

    An extension holds the clip it extends (the API gives back the whole clip, longer): a
    chain ``[clip, its extension, that one's extension]`` is stitched as its last link alone,
    never with the parent played again (see :func:`without_held`).

    Clips may be ``Job`` objects (their saved file) or paths. Every clip is fitted to the
    first one's size (scaled, then padded with black) and frame rate; audio is resampled to
    48 kHz stereo, and a clip without audio contributes silence of its length. ``crossfade``
    seconds dissolve each clip into the next (picture and sound), so the film lasts the sum
    of the clips less ``crossfade`` for each join. ``progress`` is called with the fraction
    done, from 0 to 1. Every input is checked before anything is written; a missing folder
    is made, one that cannot be written in is a ``ValidationError``; the film is written to
    ``out.part`` and renamed when complete.
    """
    if isinstance(clips, (str, os.PathLike, Job)) or not clips:
        raise ValidationError("clips", "give a list of one or more clips (Jobs or paths to videos)")
    clips = without_held(clips)
    infos = [probe_clip(clip, f"clips[{i}]") for i, clip in enumerate(clips)]
    target = Path(out)
    if target.suffix.lower() not in FILM_SUFFIXES:
        raise ValidationError("out", f"{target} should end in .mp4")
    if any(info.path.resolve() == target.resolve() for info in infos):
        raise ValidationError("out", f"{target} is one of the clips; write the film somewhere else")
    if isinstance(crossfade, bool) or not isinstance(crossfade, (int, float)) or crossfade < 0:
        raise ValidationError("crossfade", f"must be a number of seconds, 0 or more, not {crossfade!r}")
    first = infos[0]
    fps = first.fps
    fade = round(crossfade * fps) if len(infos) > 1 else 0
    for i, info in enumerate(infos):
        joins = (i > 0) + (i < len(infos) - 1)
        frames = round(info.duration * fps)
        if fade * joins >= frames and fade:
            raise ValidationError(
                "crossfade", f"{crossfade}s is too long for clips[{i}] ({info.duration:.2f}s, {joins} join(s))"
            )
    writable_folder(target.parent, "out")  # made if missing; refused if it cannot be written
    part = target.with_name(target.name + ".part")
    expected = sum(round(info.duration * fps) for info in infos) - fade * (len(infos) - 1)
    writer = _Writer(part, first.width - first.width % 2, first.height - first.height % 2, fps, expected, progress)
    try:
        with writer:
            for i, info in enumerate(infos):
                writer.add_clip(info, fade_in=fade if i > 0 else 0, fade_out=fade if i < len(infos) - 1 else 0)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    if progress is not None:
        progress(1.0)
    return target


def without_held(clips: Sequence[Clip]) -> list[Clip]:
    """``clips`` less each one the next already holds: a Job that extends the clip just
    before it (``relation`` ``extend``, ``parent_id`` its id) takes that clip's place, so a
    chain of extensions comes down to its last link."""
    kept: list[Clip] = []
    for clip in clips:
        before = kept[-1] if kept else None
        if (
            isinstance(clip, Job)
            and isinstance(before, Job)
            and clip.relation == "extend"
            and clip.parent_id is not None
            and clip.parent_id == before.id
        ):
            kept[-1] = clip
        else:
            kept.append(clip)
    return kept


class _Writer:
    """One output film: video frames and audio samples on one global timeline."""

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        fps: Fraction,
        expected: int,
        progress: Callable[[float], object] | None,
    ) -> None:
        self.path, self.width, self.height, self.fps = path, width, height, fps
        self.expected, self.progress = max(1, expected), progress
        self.frame_index = 0  # frames handed to the encoder
        self.tail: deque[np.ndarray] = deque()  # the previous clip's last frames, kept to blend
        self.audio_pending = np.zeros((2, 0), dtype=np.float32)  # samples not yet encoded
        self.audio_written = 0  # samples encoded

    def __enter__(self) -> _Writer:
        self.container = av.open(str(self.path), "w", format="mp4", options={"movflags": "+faststart"})
        self.video = self.container.add_stream("libx264", rate=self.fps)
        self.video.width, self.video.height, self.video.pix_fmt = self.width, self.height, "yuv420p"
        self.video.options = {"preset": "veryfast", "crf": "20"}
        self.audio = self.container.add_stream("aac", rate=AUDIO_RATE)
        self.audio.layout = AUDIO_LAYOUT
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                for frame in self.tail:
                    self._emit(frame)
                self.tail.clear()
                self._encode_audio(final=True)
                self._mux(self.video.encode())
        finally:
            self.container.close()

    def _sample(self, frame_index: int) -> int:
        """The audio sample at which output frame ``frame_index`` starts."""
        return round(frame_index * AUDIO_RATE / self.fps)

    def add_clip(self, info: ClipInfo, *, fade_in: int, fade_out: int) -> None:
        start = self.frame_index + len(self.tail) - fade_in  # global index of this clip's first frame
        blend = list(self.tail)
        self.tail.clear()
        count = 0
        chunks: list[np.ndarray] = []
        for frame in self._clip_frames(info, chunks):
            if count < len(blend):
                alpha = (count + 1) / (len(blend) + 1)
                frame = (blend[count] * (1 - alpha) + frame * alpha).astype(np.uint8)
            count += 1
            self.tail.append(frame)
            if len(self.tail) > fade_out:
                self._emit(self.tail.popleft())
        for frame in blend[count:]:  # a clip shorter than its fade: keep the old frames
            self._emit(frame)
        # The clip's sound, cut or padded to exactly its picture, mixed in at its start.
        first, last = self._sample(start), self._sample(start + count)
        sound = np.concatenate(chunks, axis=1) if chunks else np.zeros((2, 0), dtype=np.float32)
        sound = _fit_length(sound, last - first)
        overlap = self._sample(start + fade_in) - first if fade_in else 0
        if overlap:
            ramp = (np.arange(overlap, dtype=np.float32) + 0.5) / overlap
            sound[:, :overlap] *= ramp
            self.audio_pending[:, -overlap:] *= ramp[::-1]
            self.audio_pending[:, -overlap:] += sound[:, :overlap]
            sound = sound[:, overlap:]
        self.audio_pending = np.concatenate([self.audio_pending, sound], axis=1)
        self._encode_audio(final=False, keep=self._sample(start + count) - self._sample(start + count - fade_out))

    def _clip_frames(self, info: ClipInfo, sound: list[np.ndarray]) -> Iterator[np.ndarray]:
        """The clip's frames fitted and retimed to the film; its audio collected into ``sound``."""
        resampler = av.AudioResampler(format="fltp", layout=AUDIO_LAYOUT, rate=AUDIO_RATE)
        with av.open(str(info.path)) as container:
            streams: list[Any] = [container.streams.video[0]]
            if container.streams.audio:
                streams.append(container.streams.audio[0])
            emitted, held, origin, latest = 0, None, None, None
            for packet in container.demux(*streams):
                for frame in packet.decode():
                    if isinstance(frame, av.AudioFrame):
                        for out in resampler.resample(frame):
                            sound.append(out.to_ndarray().reshape(2, -1))
                        continue
                    if not isinstance(frame, av.VideoFrame):
                        continue
                    when = float(frame.time) if frame.time is not None else None
                    if origin is None:
                        origin = when or 0.0
                    if held is not None and when is not None:
                        # Every film frame that starts before this source frame shows the held one.
                        while emitted < round((when - origin) * self.fps):
                            yield held
                            emitted += 1
                    held, latest = self._fit(frame), when
            if container.streams.audio:
                for out in resampler.resample(None):
                    sound.append(out.to_ndarray().reshape(2, -1))
        if held is None:
            return
        # The last source frame lasts one source frame period (or to the stream's end).
        if latest is not None and origin is not None:
            end = round((latest - origin + 1 / info.fps) * self.fps)
        else:
            end = round(info.duration * self.fps)
        while emitted < max(1, end):
            yield held
            emitted += 1

    def _fit(self, frame: Any) -> np.ndarray:
        """The frame scaled to fit the film and centred on black (letterbox or pillarbox)."""
        if frame.width == self.width and frame.height == self.height:
            return np.asarray(frame.to_ndarray(format="rgb24"))
        scale = min(self.width / frame.width, self.height / frame.height)
        w = max(2, min(self.width, round(frame.width * scale / 2) * 2))
        h = max(2, min(self.height, round(frame.height * scale / 2) * 2))
        small = frame.reformat(width=w, height=h, format="rgb24").to_ndarray()
        canvas = np.zeros((self.height, self.width, 3), dtype=np.uint8)
        x, y = (self.width - w) // 2, (self.height - h) // 2
        canvas[y : y + h, x : x + w] = small
        return canvas

    def _emit(self, rgb: np.ndarray) -> None:
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = self.frame_index
        frame.time_base = 1 / self.fps
        self._mux(self.video.encode(frame))
        self.frame_index += 1
        if self.progress is not None:
            self.progress(min(0.99, self.frame_index / self.expected))

    def _encode_audio(self, *, final: bool, keep: int = 0) -> None:
        """Encode pending audio, holding back ``keep`` samples that a crossfade will change."""
        ready = self.audio_pending.shape[1] - (0 if final else keep)
        if not final:
            ready -= ready % _AUDIO_CHUNK
        for offset in range(0, max(0, ready), _AUDIO_CHUNK):
            chunk = np.ascontiguousarray(self.audio_pending[:, offset : min(ready, offset + _AUDIO_CHUNK)])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=AUDIO_LAYOUT)
            frame.sample_rate = AUDIO_RATE
            frame.pts = self.audio_written
            frame.time_base = Fraction(1, AUDIO_RATE)
            self.audio_written += chunk.shape[1]
            self._mux(self.audio.encode(frame))
        self.audio_pending = self.audio_pending[:, max(0, ready) :]
        if final:
            self._mux(self.audio.encode(None))

    def _mux(self, packets: Iterable[Any]) -> None:
        for packet in packets:
            self.container.mux(packet)


def _fit_length(sound: np.ndarray, length: int) -> np.ndarray:
    """``sound`` cut or padded with silence to ``length`` samples (float32, 2 channels)."""
    sound = sound.astype(np.float32, copy=False)
    if sound.shape[1] >= length:
        return np.array(sound[:, :length])
    return np.concatenate([sound, np.zeros((2, length - sound.shape[1]), dtype=np.float32)], axis=1)
