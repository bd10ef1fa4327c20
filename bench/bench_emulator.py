"""6. The emulator: seconds to render 8 s clips of each mode, at 720p and 1080p, against real time;
and the draft the test suite renders (same size, length and streams) against the full render."""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

from PIL import Image

from veo_widgets.emulator._render import DRAFT, FULL, Quality, encode
from veo_widgets.emulator._scenes import scene_for

try:
    from ._table import table
except ImportError:
    from _table import table  # type: ignore[no-redef]

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "lighthouse.jpg"


#: The goal (issue 24), checked by ``run_all.py``: an 8 s 720p clip in this many seconds.
GOAL_720P = 2.0
VERDICTS: list[tuple[str, str, str, bool]] = []


def _png(colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (1024, 768), colour).save(buf, "PNG")
    return buf.getvalue()


def main() -> str:
    photo = EXAMPLE.read_bytes()
    cases = [
        ("image 720p 16:9", "image", [photo], (1280, 720)),
        ("image 1080p 16:9", "image", [photo], (1920, 1080)),
        ("image 720p 9:16", "image", [photo], (720, 1280)),
        ("text 720p", "text", [], (1280, 720)),
        ("first-last 720p", "first-last", [photo, _png((40, 60, 200))], (1280, 720)),
        ("reference x3 720p", "reference", [photo, _png((200, 60, 40)), _png((40, 200, 60))], (1280, 720)),
    ]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, mode, images, (width, height) in cases:
            shape = {"mode": mode, "prompt": "a lighthouse beam sweeps the night sea", "width": width, "height": height}
            full, draft = (_render(shape, images, width, height, q, Path(tmp) / "v.mp4") for q in (FULL, DRAFT))
            rows.append([label, full, draft, 8.0, f"{full / 8:.2f}x", f"{full / draft:.0f}x"])
            if label == "image 720p 16:9":
                ok = full <= GOAL_720P
                VERDICTS[:] = [("emulator renders 8 s of 720p", f"{full:.2f} s", f"{GOAL_720P:g} s or less", ok)]
    return table(
        "Emulator: rendering 8 s of H.264 + AAC, in full (demo mode) and as a draft (tests)",
        ["clip", "full s", "draft s", "real time s", "full vs real time", "draft speed-up"],
        rows,
    )


def _render(
    shape: dict[str, object], images: list[bytes], width: int, height: int, quality: Quality, out: Path
) -> float:
    start = time.perf_counter()
    drawn_w, drawn_h = quality.scene_size(width, height)
    scene = scene_for({**shape, "width": drawn_w, "height": drawn_h}, images, None, 1)
    encode(scene, out, width=width, height=height, duration=8, seed=1, quality=quality)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
