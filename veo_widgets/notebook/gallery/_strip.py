"""The gallery's sequence strip: clips in order, reorder them, stitch them, play the film."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import ipywidgets as w

from ..._config import output_dir
from ..._errors import VeoError, explain
from ...media._media import poster, stitch
from ...schema._models import Job

__all__ = ["SequenceStrip", "poster_box", "poster_widget"]


class SequenceStrip(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Clips to cut together, in order. ``add``, ``move``, ``remove``, then ``stitch``."""

    def __init__(
        self, *, player: Callable[[Path], Any], folder: Path | None = None, thumb: Callable[[Path], w.Widget]
    ) -> None:
        self.clips: list[Job] = []
        self.film: Path | None = None
        self._player = player
        self._thumb = thumb
        self._folder = folder
        self._items = w.HBox(layout=w.Layout(overflow="auto", min_height="40px"))
        self._empty = w.HTML("<i>Add clips from the gallery (select one, then “Add to sequence”).</i>")
        self.crossfade = w.BoundedFloatText(0.0, min=0.0, max=4.0, step=0.25, description="crossfade s")
        self.crossfade.layout.width = "170px"
        self.stitch_button = w.Button(description="Stitch", icon="film", button_style="primary", disabled=True)
        self.stitch_button.on_click(lambda _: self.stitch_in_background())
        self.progress = w.FloatProgress(0.0, min=0.0, max=1.0, layout=w.Layout(width="200px", visibility="hidden"))
        self.message = w.HTML()
        self.output = w.Output()
        self._thread: threading.Thread | None = None
        super().__init__(
            [
                w.HTML("<b>Sequence</b>"),
                self._empty,
                self._items,
                w.HBox([self.crossfade, self.stitch_button, self.progress]),
                self.message,
                self.output,
            ]
        )
        self.add_class("veo-sequence")

    # ------------------------------------------------------------------ editing

    def add(self, job: Job) -> None:
        """Put ``job`` (a finished clip with its file) at the end of the sequence."""
        if job.path is None or not Path(job.path).is_file():
            raise VeoError(f"job {job.id} has no saved video to add; download it again first")
        self.clips.append(job)
        self._draw()

    def remove(self, index: int) -> None:
        del self.clips[index]
        self._draw()

    def move(self, index: int, offset: int) -> None:
        """Move the clip at ``index`` by ``offset`` places (clamped to the ends)."""
        target = max(0, min(len(self.clips) - 1, index + offset))
        self.clips.insert(target, self.clips.pop(index))
        self._draw()

    def _draw(self) -> None:
        items = []
        for i, job in enumerate(self.clips):
            prompt = str((job.request or {}).get("prompt", job.id))
            label = w.HTML(f"<small>{i + 1}. {html.escape(prompt[:40])}</small>", layout=w.Layout(width="150px"))
            buttons = []
            for icon, tip, action in (
                ("arrow-left", "earlier", lambda _, i=i: self.move(i, -1)),
                ("arrow-right", "later", lambda _, i=i: self.move(i, 1)),
                ("times", "remove", lambda _, i=i: self.remove(i)),
            ):
                button = w.Button(icon=icon, tooltip=tip, layout=w.Layout(width="34px"))
                button.on_click(action)
                buttons.append(button)
            assert job.path is not None
            items.append(w.VBox([self._thumb(Path(job.path)), label, w.HBox(buttons)], layout=w.Layout(margin="4px")))
        self._items.children = items
        self._empty.layout.display = "none" if self.clips else None
        self.stitch_button.disabled = len(self.clips) < 1 or self._busy

    # ------------------------------------------------------------------ stitching

    @property
    def _busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _target(self) -> Path:
        folder = self._folder or output_dir()
        return folder / f"film-{datetime.now():%Y%m%d-%H%M%S}.mp4"

    def stitch(self, out: str | Path | None = None) -> Path:
        """Stitch the clips now (blocking), play the film, and return its path."""
        target = Path(out) if out is not None else self._target()
        self.progress.value = 0.0
        self.progress.layout.visibility = "visible"
        self.message.value = f"stitching {len(self.clips)} clips…"
        try:
            film = stitch(list(self.clips), target, crossfade=self.crossfade.value, progress=self._progress)
        except Exception as exc:
            self.message.value = f'<span style="color:#dc2626">{html.escape(explain(exc))}</span>'
            raise
        finally:
            self.progress.layout.visibility = "hidden"
        self.film = film
        self.message.value = f"film saved: <code>{html.escape(str(film))}</code>"
        self.output.outputs = ()
        self.output.append_display_data(self._player(film))
        return film

    def stitch_in_background(self) -> None:
        """What the Stitch button does: the same, on a thread, so the kernel stays free."""
        if self._busy or not self.clips:
            return
        self.stitch_button.disabled = True

        def work() -> None:
            try:
                self.stitch()
            except Exception:  # shown in the message line
                pass
            finally:
                self.stitch_button.disabled = False

        self._thread = threading.Thread(target=work, name="veo-stitch", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> Path | None:
        """Wait for a stitch started with the button; the film's path (None if it failed)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.film

    def _progress(self, fraction: float) -> None:
        self.progress.value = fraction


def poster_box(width: int) -> w.Layout:
    """A 16:9 box ``width`` wide that any poster fits into (``object-fit: contain``): a
    portrait clip is shown whole, letterboxed, and every card of a row lines up."""
    return w.Layout(width=f"{width}px", height=f"{width * 9 // 16}px", object_fit="contain")


def poster_widget(path: Path, width: int = 140) -> w.Widget:
    """A clip's poster frame as an image widget (made once, cached beside the video), fitted
    into the same 16:9 box whatever the clip's shape."""
    try:
        data = poster(path).read_bytes()
    except Exception:  # a broken file still gets a card
        box = f"width:{width}px;height:{width * 9 // 16}px"
        return w.HTML(f'<div style="{box};background:var(--jp-layout-color2, #e5e7eb)"></div>')
    return w.Image(value=data, format="jpeg", layout=poster_box(width))
