"""``veo.Storyboard`` as a widget: the code-level storyboard (``studio/_storyboard.py``) with
a row per scene to edit in the notebook.

Each row has the scene's prompt, its length, how it follows the scene before ("continue
from last frame" or "extend previous"), an image for the first scene, and Up, Down, Remove
and Re-take; under them Add scene, the crossfade, the price of the scenes still to make and
Make film, which makes only what is not made yet and stitches the film, then plays it. Every
edit is saved to the board's JSON file (beside the notebook), so running the cell again, or
``veo.Storyboard(path="film.json")``, reopens it where it was. Making runs on a thread: the
cell returns at once and the rows follow it.
"""

from __future__ import annotations

import html
import threading
from pathlib import Path
from typing import Any

import ipywidgets as w

from .._errors import ValidationError, explain
from ..studio._chain import EXTEND_SECONDS
from ..studio._storyboard import SHOT_SECONDS, Scene
from ..studio._storyboard import Storyboard as CodeStoryboard
from ..views._display import badge_html, video_html

__all__ = ["Storyboard"]

CROSSFADES = (0.0, 0.25, 0.5, 1.0)
_MODES = [("continue from last frame", "continue"), ("extend previous", "extend")]


class Storyboard(CodeStoryboard):
    """Scenes that become one film, editable in the notebook (see the module's documentation).
    Everything the code-level storyboard does (``make``, ``retake``, ``add``, ``move``...)
    works here too; ``board.widget`` is the editor, shown when the board is displayed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._busy = threading.Lock()
        self._price_turn = 0
        self.thread: threading.Thread | None = None
        """The latest Make film or Re-take, while and after it runs."""
        self.widget = self._build()
        self.on_update = self._said

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The editor where widgets render (and its text elsewhere)."""
        return self.widget._repr_mimebundle_(**kwargs)

    def _build(self) -> w.VBox:
        self.rows = w.VBox()
        self.rows.add_class("veo-storyboard-scenes")
        self.add_button = w.Button(description="Add scene", icon="plus", layout=w.Layout(width="auto"))
        self.crossfade_choice = w.Dropdown(
            options=[(f"{c:g} s", c) for c in CROSSFADES],
            value=self.crossfade if self.crossfade in CROSSFADES else 0.0,
            description="Crossfade",
            layout=w.Layout(width="auto"),
        )
        self.make_button = w.Button(description="Make film", icon="film", button_style="primary")
        self.make_button.add_class("veo-storyboard-make")
        self.about = w.HTML()
        self.about.add_class("veo-storyboard-about")
        self.status = w.HTML()
        self.status.add_class("veo-storyboard-status")
        self.player = w.Output(layout=w.Layout(width="100%", max_width="100%"))
        self.add_button.on_click(lambda _: self._edit(lambda: self.add(self.scenes[-1].prompt)))
        self.crossfade_choice.observe(lambda c: self._edit(lambda: setattr(self, "crossfade", c["new"])), "value")
        self.make_button.on_click(lambda _: self.make_in_background())
        actions = w.HBox(
            [self.add_button, self.crossfade_choice, self.make_button, self.about],
            layout=w.Layout(flex_flow="row wrap", align_items="center", grid_gap="6px"),
        )
        where = html.escape(str(self.path)) if self.path is not None else "not saved (give it a path)"
        title = w.HTML(f"<b>Storyboard</b> <small class='veo-note'>{where}</small>")
        box = w.VBox([title, self.rows, actions, self.status, self.player], layout=w.Layout(max_width="100%"))
        box.add_class("veo-storyboard")
        self._draw()
        if self.film is not None and Path(self.film).is_file():
            self._play(Path(self.film))
        return box

    def _draw(self) -> None:
        """A row per scene, then the film's length and price (the rows change as scenes do)."""
        self.rows.children = [self._row(i, scene) for i, scene in enumerate(self.scenes)]
        self._show_price()

    def _row(self, index: int, scene: Scene) -> w.HBox:
        prompt = w.Textarea(value=scene.prompt, layout=w.Layout(width="320px", height="48px"))
        prompt.add_class("veo-scene-prompt")
        mode = w.Dropdown(options=_MODES, value=scene.mode, layout=w.Layout(width="190px"))
        lengths = [EXTEND_SECONDS] if scene.mode == "extend" else list(SHOT_SECONDS)
        length = w.Dropdown(
            options=[(f"{s} s", s) for s in lengths],
            value=scene.seconds if scene.seconds in lengths else lengths[-1],
            layout=w.Layout(width="80px"),
        )
        image = w.Text(value=scene.image or "", placeholder="image path (optional)", layout=w.Layout(width="180px"))
        made = self._made(scene)
        badge = w.HTML(badge_html("made" if made else "to make"))
        up, down, remove, again = (
            w.Button(description=d, tooltip=t, layout=w.Layout(width="auto"))
            for d, t in (("Up", "move up"), ("Down", "move down"), ("Remove", "remove this scene"), ("Re-take", ""))
        )
        again.tooltip = "make this scene again, only it, and stitch the film again"
        again.disabled = not made or (index > 0 and not self._made(self.scenes[index - 1]))
        up.disabled, down.disabled = index == 0, index == len(self.scenes) - 1
        remove.disabled = len(self.scenes) == 1
        mode.layout.display = "none" if index == 0 else None
        image.layout.display = None if index == 0 else "none"

        def set_prompt(change: dict[str, Any]) -> None:
            self._edit(lambda: setattr(scene, "prompt", change["new"]), redraw=False)

        def set_mode(change: dict[str, Any]) -> None:
            scene.mode = change["new"]
            scene.seconds = EXTEND_SECONDS if scene.mode == "extend" else max(SHOT_SECONDS)
            self._edit(lambda: None)

        prompt.observe(set_prompt, "value")
        mode.observe(set_mode, "value")
        length.observe(lambda c: self._edit(lambda: setattr(scene, "seconds", c["new"])), "value")
        image.observe(
            lambda c: self._edit(lambda: setattr(scene, "image", c["new"].strip() or None), redraw=False), "value"
        )
        up.on_click(lambda _: self._edit(lambda: self.move(index, index - 1)))
        down.on_click(lambda _: self._edit(lambda: self.move(index, index + 1)))
        remove.on_click(lambda _: self._edit(lambda: self.remove(index)))
        again.on_click(lambda _: self.retake_in_background(index))
        row = w.HBox(
            [w.HTML(f"<b>{index + 1}</b>"), prompt, image, mode, length, badge, up, down, remove, again],
            layout=w.Layout(flex_flow="row wrap", align_items="center", grid_gap="4px"),
        )
        row.add_class("veo-scene")
        return row

    def _made(self, scene: Scene) -> bool:
        found = self.client.journal.find(scene.job) if scene.job else None
        return found is not None and found.ok

    def _edit(self, change: Any, *, redraw: bool = True) -> None:
        """Apply an edit, save the board, and redraw (a refused edit says why). While a film
        or a re-take is being made, the scenes it works through stay as they are."""
        if self._busy.locked():
            self._said("the storyboard is making its film: change the scenes once it is done", error=True)
            self._draw()  # the rows show the scenes as they are, not the edit
            return
        try:
            change()
            self.save()
        except ValidationError as exc:
            self._said(explain(exc), error=True)
        if redraw:
            self._draw()
        else:
            self._show_price()

    def _show_price(self) -> None:
        todo = [i for i, s in enumerate(self.scenes) if not self._made(s)]
        length = f"a film of {self.seconds:g} s"
        if not todo:
            self.about.value = f"<small>{length}; every scene is made</small>"
            return
        count = f"{len(todo)} scene{'' if len(todo) == 1 else 's'} to make"
        self.about.value = f"<small>{length}; {count}…</small>"
        self._price_turn += 1
        turn = self._price_turn

        def work() -> None:
            try:
                text = str(self.client.estimate(self.priced(todo)).describe())
            except Exception:  # no price is not an error: say so, never a made-up number
                text = "price unknown"
            if turn == self._price_turn:  # an older edit's price never overwrites a newer one
                self.about.value = f"<small>{length}; {count}, {html.escape(text)}</small>"

        threading.Thread(target=work, name="veo-storyboard-price", daemon=True).start()

    def _said(self, text: str, *, error: bool = False) -> None:
        cls = "veo-error" if error else "veo-note"
        self.status.value = f'<div class="{cls}" role="status"><small>{html.escape(text)}</small></div>'
        if text.endswith(": made"):  # a scene's badge turns to made, its Re-take is offered
            self._draw()

    def _play(self, film: Path) -> None:
        try:
            shown = video_html(film).html
        except Exception as exc:  # a film that cannot be shown here: say where it is
            shown = f'<div class="veo-note">{html.escape(explain(exc))}</div>'
        data = {"text/html": shown, "text/plain": str(film)}
        self.player.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)

    # ------------------------------------------------------------------ making

    def make_in_background(self, crossfade: float | None = None) -> threading.Thread:
        """What Make film does: ``make()`` on a thread, the rows following it, then the film plays."""
        return self._background(lambda: self.make(crossfade=crossfade))

    def retake_in_background(self, index: int) -> threading.Thread:
        """What a scene's Re-take does: ``retake(index)`` on a thread (only that scene is paid for)."""
        return self._background(lambda: self.retake(index))

    def _background(self, work: Any) -> threading.Thread:
        self.make_button.disabled = True

        def run() -> None:
            if not self._busy.acquire(blocking=False):
                self._said("the storyboard is already making something", error=True)
                return
            try:
                film = work()
            except Exception as exc:  # nothing is lost: made scenes are saved as they are made
                self._said(explain(exc), error=True)
            else:
                self._play(Path(film))
            finally:
                self._busy.release()
                self.make_button.disabled = False
                self._draw()

        thread = threading.Thread(target=run, name="veo-storyboard", daemon=True)
        self.thread = thread
        thread.start()
        return thread
