"""What each mode's video shows, so a person can tell the modes apart at a glance.

- image to video: the image, then a slow push-in;
- text to video: a scene drawn from the prompt (its words pick the colours and the shapes)
  with the prompt written on it, the camera panning across;
- first and last frame: starts exactly on the first image and dissolves into the last;
- references: pans from one reference image to the next;
- extend: starts on the last frame of the input video, then pushes in.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import textwrap
from typing import Any

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from ._render import RenderFailure, Scene, fit, push_in

__all__ = ["last_frame", "output_size", "scene_for"]

PAN = 0.25  # how far the text-to-video camera travels, as a share of the frame width


def _picture(data: bytes, field: str) -> Image.Image:
    try:
        picture = Image.open(io.BytesIO(data))
        picture.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise RenderFailure(f"{field}: not a readable image ({exc})") from None
    return picture


def _ease(i: int, n: int) -> float:
    p = i / max(1, n - 1)
    return p * p * (3 - 2 * p)


def last_frame(video: bytes) -> Image.Image:
    """The last frame of an MP4 (or any video PyAV reads)."""
    try:
        with av.open(io.BytesIO(video), mode="r") as container:
            if not container.streams.video:
                raise RenderFailure("video_url: the file has no video stream")
            final, count = None, 0
            for frame in container.decode(video=0):
                final, count = frame, count + 1
    except (av.FFmpegError, ValueError) as exc:
        raise RenderFailure(f"video_url: not a readable video ({exc})") from None
    if final is None or count < 2:
        raise RenderFailure("video_url: not a video (no frames, or a single picture)")
    return Image.fromarray(final.to_ndarray(format="rgb24"), "RGB")


def output_size(shape: dict[str, Any], video: bytes | None) -> tuple[int, int]:
    """The frame size of a job's video: the shape's, except that an extension with
    ``aspect_ratio`` ``auto`` keeps the input video's orientation (a 9:16 clip stays 9:16)."""
    width, height = int(shape["width"]), int(shape["height"])
    if not shape.get("follow_video") or video is None:
        return width, height
    try:
        with av.open(io.BytesIO(video), mode="r") as container:
            stream = container.streams.video[0] if container.streams.video else None
            size = (stream.codec_context.width, stream.codec_context.height) if stream is not None else (0, 0)
    except (av.FFmpegError, ValueError):
        return width, height  # not a video: the render says so, in the field's words
    portrait = size[1] > size[0]
    long, short = max(width, height), min(width, height)
    return (short, long) if portrait else (long, short)


def _hue(word: str) -> float:
    return hashlib.sha256(word.lower().encode()).digest()[0] / 255


def _colour(hue: float, light: float, sat: float = 0.65) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue, light, sat)
    return round(r * 255), round(g * 255), round(b * 255)


def _poster(prompt: str, width: int, height: int, seed: int) -> Image.Image:
    """A wide canvas drawn from the prompt: a sky and ground in its words' colours, shapes, its text."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in prompt).split() if len(w) > 2] or ["veo"]
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(prompt.encode()).digest()[:4], "big") ^ seed)
    wide = round(width * (1 + PAN))
    top, bottom = _colour(_hue(words[0]), 0.30), _colour(_hue(words[-1]), 0.62)
    ramp = np.linspace(0, 1, height)[:, None, None]
    sky = (np.array(top) * (1 - ramp) + np.array(bottom) * ramp).astype(np.uint8)
    canvas = Image.fromarray(np.repeat(sky, wide, axis=1), "RGB")
    draw = ImageDraw.Draw(canvas)
    horizon = int(height * rng.uniform(0.6, 0.75))
    draw.rectangle((0, horizon, wide, height), fill=_colour(_hue(words[len(words) // 2]), 0.22))
    for word in words[:12]:
        size = int(min(width, height) * rng.uniform(0.06, 0.2))
        x, y = int(rng.uniform(0, wide)), int(rng.uniform(0.1, 0.9) * horizon)
        fill = _colour(_hue(word), 0.55, 0.8)
        if len(word) % 2:
            draw.ellipse((x - size, y - size, x + size, y + size), fill=fill)
        else:
            draw.polygon([(x, y - size), (x + size, y + size), (x - size, y + size)], fill=fill)
    font = ImageFont.load_default(size=max(14, height // 18))
    text = "\n".join(textwrap.wrap(prompt, width=38)[:4])
    box = draw.multiline_textbbox((0, 0), text, font=font)
    tx, ty = (wide - (box[2] - box[0])) // 2, int(height * 0.08)
    draw.multiline_text((tx + 2, ty + 2), text, font=font, fill=(0, 0, 0))
    draw.multiline_text((tx, ty), text, font=font, fill=(255, 255, 255))
    return canvas


def _text(prompt: str, width: int, height: int, seed: int) -> Scene:
    canvas = _poster(prompt, width, height, seed)
    travel = canvas.width - width

    def frame(i: int, n: int) -> Image.Image:
        x = round(travel * _ease(i, n))
        return canvas.crop((x, 0, x + width, height))

    return frame


def _first_last(first: Image.Image, last: Image.Image, width: int, height: int) -> Scene:
    a, b = fit(first, width, height), fit(last, width, height)

    def frame(i: int, n: int) -> Image.Image:
        return Image.blend(a, b, _ease(i, n))

    return frame


def _references(pictures: list[Image.Image], width: int, height: int) -> Scene:
    strip = Image.new("RGB", (width * len(pictures), height))
    for k, picture in enumerate(pictures):
        strip.paste(fit(picture, width, height), (k * width, 0))
    travel = strip.width - width

    def frame(i: int, n: int) -> Image.Image:
        x = round(travel * _ease(i, n))
        return strip.crop((x, 0, x + width, height))

    return frame


def scene_for(shape: dict[str, Any], images: list[bytes], video: bytes | None, seed: int) -> Scene:
    """The scene for a job of ``shape`` (mode, prompt, width, height) from its decoded inputs."""
    width, height = int(shape["width"]), int(shape["height"])
    mode = shape["mode"]
    if mode == "text":
        return _text(str(shape.get("prompt") or ""), width, height, seed)
    if mode == "extend" and video is not None:
        return push_in(last_frame(video), width, height, seed)
    names = ["image_url", "last_image_url"] if mode == "first-last" else ["image_url"]
    if mode == "reference":
        names = [f"image_urls[{k}]" for k in range(len(images))]
    pictures = [_picture(data, names[min(k, len(names) - 1)]) for k, data in enumerate(images)]
    if mode == "first-last" and len(pictures) == 2:
        return _first_last(pictures[0], pictures[1], width, height)
    if mode == "reference" and len(pictures) > 1:
        return _references(pictures[:6], width, height)
    if pictures:
        return push_in(pictures[0], width, height, seed)
    raise RenderFailure(f"{mode}: the inputs this mode needs are missing")
