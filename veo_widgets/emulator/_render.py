"""Encode the emulator's result: a real MP4 (H.264 + AAC) from a scene's frames.

A *scene* gives frame ``i`` of ``n`` as a PIL image (``_scenes`` makes one per mode). Every
frame but the first carries a "simulated" label, and a soft seeded pad with a breath of
wind plays under it. The same inputs and seed give the same bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

__all__ = ["FPS", "SAMPLE_RATE", "RenderFailure", "Scene", "encode", "fit", "push_in", "render_video"]

Scene = Callable[[int, int], Image.Image]
"""Frame ``i`` of ``n``, at the output size."""


class RenderFailure(Exception):
    """A video that cannot be made from its inputs; the message becomes the job's error."""


FPS = 24
SAMPLE_RATE = 48_000
ZOOM = 0.10  # how far the camera pushes in over the clip
LABEL = "veo_widgets demo - simulated video"


def fit(image: Image.Image, width: int, height: int) -> Image.Image:
    """The whole image, scaled to fit, over a darkened blur of itself that fills the frame."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    fill = ImageOps.fit(image, (max(8, width // 8), max(8, height // 8)), Image.Resampling.BILINEAR)
    fill = fill.filter(ImageFilter.GaussianBlur(3)).resize((width, height), Image.Resampling.BILINEAR)
    fill = Image.eval(fill, lambda v: int(v * 0.55))
    fitted = ImageOps.contain(image, (width, height), Image.Resampling.LANCZOS)
    fill.paste(fitted, ((width - fitted.width) // 2, (height - fitted.height) // 2))
    return fill


def _label(text: str, scale: int) -> tuple[Image.Image, Image.Image]:
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text)
    w, h = int(right - left) + 8, int(bottom - top) + 6
    tag = Image.new("RGB", (w, h), (20, 20, 20))
    ImageDraw.Draw(tag).text((4 - left, 3 - top), text, fill=(255, 255, 255))
    mask = Image.new("L", (w, h), 150)
    if scale > 1:
        tag = tag.resize((w * scale, h * scale), Image.Resampling.NEAREST)
        mask = mask.resize((w * scale, h * scale), Image.Resampling.NEAREST)
    return tag, mask


def _audio(seconds: float, seed: int) -> np.ndarray:
    """A quiet stereo pad: a seeded chord that swells and fades, and some soft wind."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n, dtype=np.float64) / SAMPLE_RATE
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
    freqs = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    wind = np.fft.irfft(spectrum / (1 + (freqs / 400.0) ** 2), n)
    wind /= max(1e-9, float(np.abs(wind).max()))
    envelope = np.minimum(1.0, np.minimum(t / 1.5, (seconds - t) / 1.0)).clip(0, 1)
    stereo = np.stack([left + 0.25 * wind, right + 0.25 * wind])
    stereo *= 0.18 / max(1e-9, float(np.abs(stereo).max())) * envelope
    return stereo.astype(np.float32)


def push_in(image: Image.Image, width: int, height: int, seed: int) -> Scene:
    """The image fitted to the frame, then a slow push-in drifting a little off centre."""
    rng = np.random.default_rng(seed)
    margin = 1 + ZOOM
    big = fit(image, round(width * margin), round(height * margin))
    base = fit(image, width, height)
    drift_x, drift_y = rng.uniform(-1, 1, 2)

    def frame(i: int, n: int) -> Image.Image:
        if i == 0:
            return base.copy()
        p = i / max(1, n - 1)
        ease = p * p * (3 - 2 * p)
        zoom = 1 + ZOOM * ease
        cw, ch = big.width / zoom / margin, big.height / zoom / margin
        cx = big.width / 2 + drift_x * (big.width - cw) / 2 * ease
        cy = big.height / 2 + drift_y * (big.height - ch) / 2 * ease
        box = (cx - cw / 2, cy - ch / 2, cx + cw / 2, cy + ch / 2)
        return big.resize((width, height), Image.Resampling.BILINEAR, box=box)

    return frame


def render_video(
    image: Image.Image | bytes,
    out: Path,
    *,
    width: int,
    height: int,
    duration: int,
    seed: int,
    audio: bool = True,
    label: str | None = LABEL,
) -> None:
    """Write an image-to-video MP4 (the image, then a push-in) to ``out``. Other tracks' tests
    make their fixture clips with it."""
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    scene = push_in(image, width, height, seed)
    encode(scene, out, width=width, height=height, duration=duration, seed=seed, audio=audio, label=label)


def encode(
    scene: Scene,
    out: Path,
    *,
    width: int,
    height: int,
    duration: int,
    seed: int,
    audio: bool = True,
    label: str | None = LABEL,
) -> None:
    """Write ``duration`` seconds of ``scene`` at ``width`` x ``height``, 24 fps, to ``out``."""
    scale = max(1, min(width, height) // 360)
    tag, mask = _label(label, scale) if label else (None, None)
    frames = FPS * duration
    out.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(out), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        container.metadata["comment"] = "veo_widgets emulator"
        video = container.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "23"}
        sound = None
        if audio:
            sound = container.add_stream("aac", rate=SAMPLE_RATE)
            sound.layout = "stereo"
        for i in range(frames):
            frame = scene(i, frames).convert("RGB")
            if frame.size != (width, height):
                frame = frame.resize((width, height), Image.Resampling.BILINEAR)
            if i > 0 and tag is not None and mask is not None:
                frame.paste(tag, (scale * 8, height - tag.height - scale * 8), mask)
            vf = av.VideoFrame.from_ndarray(np.asarray(frame), format="rgb24")
            vf.pts = i
            vf.time_base = Fraction(1, FPS)
            for packet in video.encode(vf):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        if sound is not None:
            samples = _audio(duration, seed)
            step = 1024
            for start in range(0, samples.shape[1], step):
                chunk = np.ascontiguousarray(samples[:, start : start + step])
                af = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
                af.sample_rate = SAMPLE_RATE
                af.pts = start
                af.time_base = Fraction(1, SAMPLE_RATE)
                for packet in sound.encode(af):
                    container.mux(packet)
            for packet in sound.encode():
                container.mux(packet)
