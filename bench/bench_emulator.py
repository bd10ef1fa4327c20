"""6. The emulator: seconds to render an 8 s clip at 720p and 1080p, against real time."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from PIL import Image

from veo_widgets.emulator._render import render_video

try:
    from ._table import table
except ImportError:
    from _table import table  # type: ignore[no-redef]

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "lighthouse.jpg"


def main() -> str:
    image = Image.open(EXAMPLE)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, size in (("720p 16:9", (1280, 720)), ("1080p 16:9", (1920, 1080)), ("720p 9:16", (720, 1280))):
            start = time.perf_counter()
            render_video(image, Path(tmp) / "v.mp4", width=size[0], height=size[1], duration=8, seed=1)
            seconds = time.perf_counter() - start
            rows.append([label, seconds, 8.0, f"{seconds / 8:.2f}x"])
    return table("Emulator: rendering 8 s of H.264 + AAC", ["clip", "render s", "real time s", "vs real time"], rows)


if __name__ == "__main__":
    main()
