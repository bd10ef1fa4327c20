"""The panel as a static page: what a saved notebook shows where widgets do not run.

GitHub, nbviewer, or a notebook opened without its kernel cannot show a live panel; the
``text/html`` beside the widget view says what it was, shows the last clip's poster frame and
prompt, and says how to get the panel back. It never says a key is set or that anything is
running: nothing in it is live.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from ._models import Job

__all__ = ["poster_jpeg", "summary_html"]

POSTER = 320


def poster_jpeg(path: Path, at: float = 1.0) -> bytes | None:
    """A small JPEG of the frame ``at`` seconds in (or the last one before it); None if the
    file cannot be read."""
    try:
        import av

        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            frame = None
            for frame in container.decode(stream):
                if frame.time is not None and frame.time >= at:
                    break
            if frame is None:
                return None
            image = frame.to_image()  # type: ignore[no-untyped-call]
    except Exception:  # a missing or unreadable file: no poster, the summary still stands
        return None
    image.thumbnail((POSTER, POSTER))
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=75)
    return buf.getvalue()


def summary_html(job: Job | None, *, prompt: str = "", jobs: int = 0) -> str:
    """The static summary: the last clip (poster, prompt, file) or the prefilled prompt."""
    parts = ['<div class="veo-summary" data-veo="static-summary">']
    if job is not None and job.path is not None:
        poster = poster_jpeg(job.path)
        if poster is not None:
            data = base64.b64encode(poster).decode("ascii")
            parts.append(f'<img src="data:image/jpeg;base64,{data}" alt="the last clip\'s poster frame">')
        shown = str((job.request or {}).get("prompt", "")) or prompt
        caption = f"Last clip: <q>{html.escape(shown)}</q><br><small>saved to <code>{html.escape(str(job.path))}</code></small>"
    elif prompt:
        caption = f"Prompt: <q>{html.escape(prompt)}</q>"
    else:
        caption = "No clip generated yet."
    count = f" &middot; {jobs} generation{'s' if jobs != 1 else ''} in that session" if jobs else ""
    parts.append(
        f"<div><b>veo_widgets panel</b> (saved view: not live){count}<br>{caption}<br>"
        "<i>Run the cell to use the panel.</i></div></div>"
    )
    return "".join(parts)
