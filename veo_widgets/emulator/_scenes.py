"""What each mode's video shows, as a scene for ``_render.encode``.

image to video: the image, then a slow push-in.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, UnidentifiedImageError

from ._render import RenderFailure, Scene, push_in

__all__ = ["scene_for"]


def _picture(data: bytes, field: str) -> Image.Image:
    try:
        picture = Image.open(io.BytesIO(data))
        picture.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise RenderFailure(f"{field}: not a readable image ({exc})") from None
    return picture


def scene_for(shape: dict[str, Any], images: list[bytes], video: bytes | None, seed: int) -> Scene:
    """The scene for a job of ``shape`` (mode, prompt, width, height) from its decoded inputs."""
    width, height = int(shape["width"]), int(shape["height"])
    mode = shape["mode"]
    if mode == "image" and images:
        return push_in(_picture(images[0], "image_url"), width, height, seed)
    raise RenderFailure(f"{mode}: the inputs this mode needs are missing")
