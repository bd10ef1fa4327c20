"""Draw examples/lighthouse.jpg, the image the README's quick start animates.

It is drawn, not downloaded: run ``python examples/make_example_image.py`` to remake it.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

W, H = 1600, 900


def draw() -> Image.Image:
    img = Image.new("RGB", (W, H))
    px = ImageDraw.Draw(img)
    horizon = int(H * 0.62)
    for y in range(horizon):  # dusk sky: deep blue to warm orange
        t = y / horizon
        px.line([(0, y), (W, y)], fill=(int(40 + 200 * t**2), int(50 + 110 * t**1.5), int(110 + 40 * (1 - t))))
    px.ellipse((1050, horizon - 130, 1250, horizon + 70), fill=(255, 214, 140))
    for y in range(horizon, H):  # sea with glints
        t = (y - horizon) / (H - horizon)
        px.line([(0, y), (W, y)], fill=(int(30 + 40 * (1 - t)), int(60 + 50 * (1 - t)), int(100 + 40 * (1 - t))))
    for i in range(140):
        y = horizon + int((i / 140) ** 1.6 * (H - horizon))
        x = 1150 + int(math.sin(i * 12.9898) * (60 + i * 2.5))
        px.line([(x - 20 - i // 3, y), (x + 20 + i // 3, y)], fill=(255, 200, 130), width=2)
    px.polygon([(0, H), (0, horizon + 40), (260, horizon + 10), (520, horizon + 70), (640, H)], fill=(35, 30, 35))
    tower = [(300, horizon + 15), (330, horizon - 330), (390, horizon - 330), (420, horizon + 15)]
    px.polygon(tower, fill=(235, 232, 225))
    for k in range(3):
        y0 = horizon - 270 + k * 100
        px.polygon(
            [(322 - k * 6, y0), (398 + k * 6, y0), (402 + k * 6, y0 + 40), (318 - k * 6, y0 + 40)], fill=(190, 40, 45)
        )
    px.rectangle((335, horizon - 380, 385, horizon - 330), fill=(255, 240, 170))
    px.polygon([(325, horizon - 380), (395, horizon - 380), (360, horizon - 420)], fill=(60, 60, 70))
    beam = Image.new("L", (W, H), 0)
    ImageDraw.Draw(beam).polygon([(385, horizon - 360), (1600, horizon - 520), (1600, horizon - 380)], fill=70)
    beam = beam.filter(ImageFilter.GaussianBlur(25))
    img.paste((255, 245, 200), (0, 0), beam)
    return img


if __name__ == "__main__":
    out = Path(__file__).with_name("lighthouse.jpg")
    draw().save(out, quality=88, optimize=True)
    print(out, out.stat().st_size)
