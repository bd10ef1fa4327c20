"""The packaged sample image, so every notebook and example runs wherever it is copied.

``veo.sample_image()`` returns its path inside the installed package. The picture is drawn by
``draw()`` below, not downloaded; ``python -m veo_widgets.media._sample`` redraws the asset.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

__all__ = ["SAMPLE", "draw", "sample_image"]

SAMPLE = Path(__file__).resolve().parent / "assets" / "sample.jpg"
W, H = 1280, 720


def sample_image() -> Path:
    """A 1280x720 JPEG that ships with the package: a sailing boat on a calm bay at sunrise.

    >>> import veo_widgets as veo
    >>> veo.sample_image().name
    'sample.jpg'
    """
    if not SAMPLE.exists():  # a checkout whose asset was deleted: draw it again
        SAMPLE.parent.mkdir(parents=True, exist_ok=True)
        draw().save(SAMPLE, quality=85, optimize=True)
    return SAMPLE


def draw() -> Image.Image:
    """The sample scene, from shapes and gradients."""
    img = Image.new("RGB", (W, H))
    pen = ImageDraw.Draw(img)
    horizon = int(H * 0.58)
    for y in range(horizon):  # sunrise: violet above, peach at the horizon
        t = y / horizon
        pen.line([(0, y), (W, y)], fill=(int(70 + 180 * t), int(60 + 130 * t**1.3), int(140 - 20 * t)))
    sun = (820, horizon - 40)
    pen.ellipse((sun[0] - 70, sun[1] - 70, sun[0] + 70, sun[1] + 70), fill=(255, 226, 160))
    for k, (height, shade) in enumerate(((150, (88, 78, 120)), (100, (64, 60, 96)))):  # two ridges of hills
        points = [(0, horizon)]
        for x in range(0, W + 40, 40):
            points.append((x, horizon - int(height * (0.5 + 0.5 * math.sin(x / (180 + 90 * k) + k * 2.1)))))
        points.append((W, horizon))
        pen.polygon(points, fill=shade)
    for y in range(horizon, H):  # the bay, darker toward the viewer
        t = (y - horizon) / (H - horizon)
        pen.line([(0, y), (W, y)], fill=(int(200 - 140 * t), int(150 - 90 * t), int(150 - 40 * t)))
    for i in range(90):  # the sun's path on the water
        y = horizon + 4 + int((i / 90) ** 1.5 * (H - horizon - 8))
        x = sun[0] + int(math.sin(i * 7.31) * (20 + i * 1.5))
        pen.line([(x - 12 - i // 4, y), (x + 12 + i // 4, y)], fill=(255, 214, 150), width=2)
    hull = [(300, 520), (520, 520), (490, 560), (330, 560)]
    pen.polygon(hull, fill=(40, 36, 48))
    pen.line([(410, 520), (410, 300)], fill=(40, 36, 48), width=6)
    pen.polygon([(414, 305), (414, 510), (530, 510)], fill=(245, 240, 230))
    pen.polygon([(406, 330), (406, 510), (320, 510)], fill=(230, 222, 210))
    glow = Image.new("L", (W, H), 0)
    ImageDraw.Draw(glow).ellipse((sun[0] - 260, sun[1] - 220, sun[0] + 260, sun[1] + 220), fill=90)
    img.paste((255, 236, 200), (0, 0), glow.filter(ImageFilter.GaussianBlur(60)))
    return img


if __name__ == "__main__":
    SAMPLE.parent.mkdir(parents=True, exist_ok=True)
    draw().save(SAMPLE, quality=85, optimize=True)
    print(SAMPLE, SAMPLE.stat().st_size)
