"""Encode the emulator's result: a real MP4 (H.264 + AAC) from a scene's frames.

A *scene* gives frame ``i`` of ``n`` as a PIL image (``_scenes`` makes one per mode). Every
frame but the first carries a "simulated" label, and a soft seeded pad with a breath of
wind plays under it. The same inputs and seed give the same bytes.

Two qualities: :data:`FULL`, what demo mode shows a person (24 fps, 48 kHz stereo), and
:data:`DRAFT`, for test suites: the same frame size, length, picture and sound streams,
but two frames a second drawn at a quarter of the size and 8 kHz mono sound, so a clip
is made in a small fraction of the time.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

__all__ = ["DRAFT", "FPS", "FULL", "SAMPLE_RATE", "Quality", "RenderFailure", "Scene", "encode", "fit", "push_in"]

Scene = Callable[[int, int], "Image.Image | av.VideoFrame"]
"""Frame ``i`` of ``n``: the output frame, or a picture that :func:`encode` scales to it. A
decoded video frame (an extension's input) goes to the encoder as it is, never through RGB."""


class RenderFailure(Exception):
    """A video that cannot be made from its inputs; the message becomes the job's error."""


FPS = 24
SAMPLE_RATE = 48_000
ZOOM = 0.10  # how far the camera pushes in over the clip
LABEL = "veo_widgets demo - simulated video"


@dataclass(frozen=True)
class Quality:
    """How finely a clip is made; the frame size, length and streams are the same in each."""

    fps: int
    hold: int
    """Each drawn picture is shown for ``hold`` frames. A draft keeps 24 fps, as every clip the
    API makes has (extend refuses any other rate), but draws only two pictures a second."""
    scale: int
    """The scene is drawn at 1/``scale`` of the frame size, then scaled up to it."""
    crf: int
    sample_rate: int
    layout: str
    interpolation: str
    """How libswscale scales each frame to the output size."""

    def scene_size(self, width: int, height: int) -> tuple[int, int]:
        """The size a scene is drawn at for a ``width`` x ``height`` clip."""
        return max(2, width // self.scale), max(2, height // self.scale)


FULL = Quality(fps=FPS, hold=1, scale=1, crf=23, sample_rate=SAMPLE_RATE, layout="stereo", interpolation="BILINEAR")
DRAFT = Quality(fps=FPS, hold=12, scale=4, crf=30, sample_rate=8_000, layout="mono", interpolation="FAST_BILINEAR")


def fit(image: Image.Image, width: int, height: int) -> Image.Image:
    """The whole image, scaled to fit, over a darkened blur of itself that fills the frame."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    fill = ImageOps.fit(image, (max(8, width // 8), max(8, height // 8)), Image.Resampling.BILINEAR)
    fill = fill.filter(ImageFilter.GaussianBlur(3)).resize((width, height), Image.Resampling.BILINEAR)
    fill = Image.eval(fill, lambda v: int(v * 0.55))
    fitted = ImageOps.contain(image, (width, height), Image.Resampling.LANCZOS)
    fill.paste(fitted, ((width - fitted.width) // 2, (height - fitted.height) // 2))
    return fill


def _label(text: str, scale: int) -> Image.Image:
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text)
    w, h = int(right - left) + 8, int(bottom - top) + 6
    tag = Image.new("RGB", (w, h), (20, 20, 20))
    ImageDraw.Draw(tag).text((4 - left, 3 - top), text, fill=(255, 255, 255))
    return tag.resize((w * scale, h * scale), Image.Resampling.NEAREST) if scale > 1 else tag


@functools.lru_cache(maxsize=8)
def _audio(seconds: float, seed: int, rate: int = SAMPLE_RATE) -> np.ndarray:
    """A quiet stereo pad: a seeded chord that swells and fades, and some soft wind.
    Made once for each length, seed and rate (it is only read)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n, dtype=np.float64) / rate
    root = 110.0 * 2 ** (int(rng.integers(0, 12)) / 12)
    chord = [1.0, 2 ** (3 / 12), 2 ** (7 / 12), 2 ** (10 / 12), 2.0]
    left = np.zeros(n)
    right = np.zeros(n)
    for i, ratio in enumerate(chord):
        phase = rng.uniform(0, 2 * math.pi)
        wobble = 1 + 0.3 * np.sin(2 * math.pi * rng.uniform(0.05, 0.25) * t + phase)
        tone = np.sin(2 * math.pi * root * ratio * t + phase) * wobble / (1 + i * 0.6)
        pan = (i + 1) / (len(chord) + 1)
        left += tone * (1 - pan)
        right += tone * pan
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / rate)
    wind = np.fft.irfft(spectrum / (1 + (freqs / 400.0) ** 2), n)
    wind /= max(1e-9, float(np.abs(wind).max()))
    envelope = np.minimum(1.0, np.minimum(t / 1.5, (seconds - t) / 1.0)).clip(0, 1)
    stereo = np.stack([left + 0.25 * wind, right + 0.25 * wind])
    stereo *= 0.18 / max(1e-9, float(np.abs(stereo).max())) * envelope
    samples = stereo.astype(np.float32)
    samples.setflags(write=False)
    return samples


def push_in(image: Image.Image, width: int, height: int, seed: int) -> Scene:
    """The image fitted to the frame, then a slow push-in drifting a little off centre.

    Frames after the first are crops of a larger fit of the image, which :func:`encode`
    scales to the output size: the camera closes in by ``ZOOM`` over the clip."""
    rng = np.random.default_rng(seed)
    margin = 1 + ZOOM
    big = fit(image, round(width * margin), round(height * margin))
    base = fit(image, width, height)
    drift_x, drift_y = rng.uniform(-1, 1, 2)

    pixels = np.asarray(big)  # cropped as an array: no PIL copy and re-encode of each frame

    def frame(i: int, n: int) -> Image.Image | av.VideoFrame:
        if i == 0:
            return base
        p = i / max(1, n - 1)
        ease = p * p * (3 - 2 * p)
        zoom = 1 + ZOOM * ease
        cw, ch = big.width / zoom, big.height / zoom  # the whole picture at first, the frame's worth at the end
        cx = big.width / 2 + drift_x * (big.width - cw) / 2 * ease
        cy = big.height / 2 + drift_y * (big.height - ch) / 2 * ease
        left, top = round(cx - cw / 2), round(cy - ch / 2)
        crop = pixels[top : round(cy + ch / 2), left : round(cx + cw / 2)]
        return av.VideoFrame.from_ndarray(np.ascontiguousarray(crop), format="rgb24")

    return frame


class _Label:
    """The "simulated" tag, blended into a YUV 4:2:0 frame's planes at the bottom left."""

    def __init__(self, text: str, width: int, height: int) -> None:
        scale = max(1, min(width, height) // 360)
        tag = _label(text, scale)
        tag = tag.crop((0, 0, min(tag.width, width) // 2 * 2, min(tag.height, height) // 2 * 2))  # even, as 4:2:0 is
        self.w, self.h = tag.width, tag.height
        self.x = scale * 8 // 2 * 2
        self.y = max(0, height - self.h - scale * 8) // 2 * 2
        self.x = min(self.x, width - self.w)
        planes = _planes(_rgb(tag).reformat(format="yuv420p").to_ndarray(), self.w, self.h)
        self.planes = [p.astype(np.float32) * ALPHA for p in planes]

    def blend(self, frame: av.VideoFrame) -> None:
        """Blend the tag into a yuv420p ``frame``'s planes, in place (no copy of the frame)."""
        for k, (plane, tag) in enumerate(zip(frame.planes, self.planes, strict=True)):
            d = 1 if k == 0 else 2
            x, y, w, h = self.x // d, self.y // d, self.w // d, self.h // d
            rows = np.frombuffer(memoryview(plane), dtype=np.uint8).reshape(-1, plane.line_size)
            region = rows[y : y + h, x : x + w]
            region[...] = (region * (1 - ALPHA) + tag).round().astype(np.uint8)


ALPHA = 150 / 255  # how much of the tag shows over the picture


@functools.lru_cache(maxsize=16)
def _tag(text: str, width: int, height: int) -> _Label:
    """The tag for a frame size, drawn once: renders of one size share it (it is only read)."""
    return _Label(text, width, height)


def _planes(yuv: np.ndarray, width: int, height: int) -> list[np.ndarray]:
    """Views of the Y, U and V planes of a yuv420p frame's ``to_ndarray()`` (the planes one
    after the other, ``height * 3 / 2`` rows of ``width``)."""
    flat = yuv.reshape(-1)
    luma, cw, ch = width * height, width // 2, height // 2
    u = flat[luma : luma + cw * ch].reshape(ch, cw)
    v = flat[luma + cw * ch : luma + 2 * cw * ch].reshape(ch, cw)
    return [flat[:luma].reshape(height, width), u, v]


def _rgb(image: Image.Image) -> av.VideoFrame:
    return av.VideoFrame.from_ndarray(np.asarray(image.convert("RGB")), format="rgb24")


def encode(
    source: Scene | Image.Image | bytes,
    out: Path,
    *,
    width: int,
    height: int,
    duration: float,
    seed: int,
    audio: bool = True,
    label: str | None = LABEL,
    quality: Quality = FULL,
) -> None:
    """Write ``duration`` seconds of ``source`` at ``width`` x ``height`` (even) to ``out``,
    at ``quality``'s frame rate. ``source`` is a scene (drawn at ``quality.scene_size``),
    or an image (or its bytes) that gets a push-in.

    Each frame is scaled to the output size and converted to YUV by libswscale in one step,
    and the tag is blended into the YUV planes: the emulator renders a clip in a fraction
    of its length, which a test suite full of renders needs."""
    if isinstance(source, bytes):
        source = Image.open(io.BytesIO(source))
    scene = push_in(source, *quality.scene_size(width, height), seed) if isinstance(source, Image.Image) else source
    tag = _tag(label, width, height) if label else None
    fps = quality.fps
    frames = round(fps * duration)
    out.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(out), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        container.metadata["comment"] = "veo_widgets emulator"
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": str(quality.crf)}
        sound = None
        if audio:
            sound = container.add_stream("aac", rate=quality.sample_rate)
            sound.layout = quality.layout
        drawn = -(-frames // quality.hold)
        vf: av.VideoFrame | None = None
        last: object = None
        for i in range(frames):
            if i % quality.hold == 0 or vf is None:
                drawn_frame = scene(i // quality.hold, drawn)
                if drawn_frame is not last or vf is None:  # a scene holding its picture keeps the frame made of it
                    last = drawn_frame
                    picture = drawn_frame if isinstance(drawn_frame, av.VideoFrame) else _rgb(drawn_frame)
                    vf = picture.reformat(width, height, "yuv420p", interpolation=quality.interpolation)
                    if i > 0 and tag is not None:
                        tag.blend(vf)
            vf.pts = i
            vf.time_base = Fraction(1, fps)
            for packet in video.encode(vf):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        if sound is not None:
            _encode_audio(container, sound, duration, seed, quality)


def _encode_audio(
    container: av.container.OutputContainer, sound: av.AudioStream, duration: float, seed: int, quality: Quality
) -> None:
    rate = quality.sample_rate
    samples = _audio(duration, seed, rate)
    if quality.layout == "mono":
        samples = samples.mean(axis=0, keepdims=True)
    step = 1024
    for start in range(0, samples.shape[1], step):
        chunk = np.ascontiguousarray(samples[:, start : start + step])
        af = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=quality.layout)
        af.sample_rate = rate
        af.pts = start
        af.time_base = Fraction(1, rate)
        for packet in sound.encode(af):
            container.mux(packet)
    for packet in sound.encode():
        container.mux(packet)
