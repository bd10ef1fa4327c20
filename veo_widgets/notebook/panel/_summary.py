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
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from ...schema._models import Job

__all__ = ["Summaries", "cover_html", "keep_alive", "poster_jpeg", "summary_html"]

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


#: Seconds without a word from the kernel after which the panel covers itself.
STALE = 8.0
BEAT = 2.0

# The message sits at the top (sticky, so it stays in the viewport while a tall panel
# scrolls under it), not centred in a panel that may be 2,000 px high and off screen.
_COVER_STYLE = (
    "position:absolute;inset:0;z-index:20;display:flex;align-items:flex-start;justify-content:center;"
    "text-align:center;padding:16px;background:var(--jp-layout-color1, #fff);color:var(--jp-ui-font-color1, #1f2937);"
    "border:1px dashed var(--jp-border-color1, #bdbdbd);border-radius:4px;opacity:0;pointer-events:none;visibility:hidden;"
    f"animation:veo-saved-view 0.3s linear {STALE:g}s forwards"
)


#: Where the static summary output sits beside a rendered panel (Lab, Notebook 7, classic).
_SUMMARY_BESIDE_PANEL = ", ".join(
    f"{area}:has(.veo-panel .veo-saved-cover) .veo-static-summary"
    for area in (".jp-OutputArea", ".output_area", ".jp-Cell")
)


def cover_html(beat: int) -> str:
    """What the panel says once nothing live is behind it: a kernel that restarted, or a saved
    notebook reopened. While the kernel runs it rewrites this every ``BEAT`` seconds, which
    restarts the animation, so the cover never shows; a saved copy or a dead kernel stops the
    rewrites, and after ``STALE`` seconds the cover fades in over the stale controls.

    The static summary output beside the panel (``Summaries``: the last clip's poster and
    prompt) is hidden while the panel renders, and revealed at the same moment as the cover:
    each rewrite names a fresh animation for it (``veo-summary-<beat>``), which restarts it
    as the cover's own restarts. So a notebook reopened with its widget state shows what the
    panel was, not only that it is not live. Both are ``visibility:hidden`` until then, so
    a screen reader does not read "not live" beside a live panel either."""
    return (
        "<style>.veo-panel{position:relative}"
        ".veo-panel>.veo-saved-cover-host{position:absolute!important;inset:0;margin:0!important;"
        "height:100%!important;width:100%!important;pointer-events:none;z-index:20;overflow:visible}"
        ".veo-saved-cover-host .widget-html-content{height:100%;position:relative}"
        "@keyframes veo-saved-view{to{opacity:.96;pointer-events:auto;visibility:visible}}"
        f"{_SUMMARY_BESIDE_PANEL}{{display:block;max-height:0;overflow:hidden;opacity:0;visibility:hidden;"
        f"animation:veo-summary-{beat} 0.3s linear {STALE:g}s forwards}}"
        f"@keyframes veo-summary-{beat}{{to{{max-height:none;overflow:visible;opacity:1;visibility:visible}}}}</style>"
        f'<div class="veo-saved-cover" data-veo="saved-view" data-beat="{beat}" role="note" style="{_COVER_STYLE}">'
        '<div class="veo-saved-message" style="position:sticky;top:8px;max-width:40em">'
        "<b>Saved view of a veo_widgets panel: not live.</b><br>"
        "Its kernel has stopped or restarted, so nothing here is running and no key is set.<br>"
        "<i>Run the cell to use the panel.</i> A summary of it follows.</div></div>"
    )


def keep_alive(widget: Any, panel: Any) -> threading.Thread:
    """Rewrite ``widget`` every ``BEAT`` seconds while ``panel`` exists (a weak reference:
    the thread never keeps a panel alive) and the kernel runs."""
    ref = weakref.ref(panel)

    def beat() -> None:
        count = 0
        while True:
            time.sleep(BEAT)
            if ref() is None or getattr(widget, "comm", True) is None:
                return
            count += 1
            widget.value = cover_html(count)

    thread = threading.Thread(target=beat, name="veo-panel-alive", daemon=True)
    thread.start()
    return thread


class Summaries:
    """The static summary as a display output of its own, next to the widget. JupyterLab and
    Notebook 7 never fall back to a widget's ``text/html``, so a notebook reopened without
    its kernel shows this output instead. The panel's stylesheet hides it wherever the
    panel itself renders; it is updated as clips complete, so a saved copy shows the last."""

    def __init__(self) -> None:
        self.handles: list[Any] = []

    @staticmethod
    def bundle(summary: str) -> dict[str, str]:
        return {
            "text/html": f'<div class="veo-static-summary">{summary}</div>',
            "text/plain": "veo_widgets panel (saved view): run the cell to use the panel.",
        }

    def show(self, summary: str) -> None:
        from IPython.display import display

        self.handles.append(display(self.bundle(summary), raw=True, display_id=True))  # type: ignore[no-untyped-call]

    def update(self, summary: str) -> None:
        for handle in self.handles:
            handle.update(self.bundle(summary), raw=True)
