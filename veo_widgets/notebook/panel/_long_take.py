"""The panel's long takes: lengths past 8 s for a model that can extend ("22 s as one long
take"), the whole chain's price (checked against the budget) before anything is sent, and
while it runs a card per link (link n of N, its status, its poster once made) under the
chain's own card; the final clip then plays in the panel's player.

``Panel`` is built on ``LongTakes`` (before ``Running``): Generate with a long-take length
starts ``studio.start_long_take`` instead of one job. The chain's card is an ordinary panel
card following the chain's run (``LongTakeRun`` has a run's ``status``, ``progress``,
``job`` and ``on_update``), so ``panel.wait()``, the history strip and ``on_complete`` work
as for one clip; its Resume goes on with the chain (``resume_run``), paying for no link twice.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..._errors import BudgetExceededError, ValidationError, VeoError, explain
from ...schema._family import get_model
from ...studio._chain import EXTEND_SECONDS, MAX_EXTENDS, can_extend, plan_long_take, reachable
from ...studio._long_take import LongTakeRun, resume_run, start_long_take
from ...views._client_api import ClientAPI
from ...views._display import badge_html
from ._cards import Card
from ._layout import PanelParts

__all__ = ["LinkRows", "LongTakes", "chain_options", "long_take_lengths"]

#: The first clip of a long take (the longest Veo 3.1 clip).
FIRST_CLIP = 8


def long_take_lengths() -> list[tuple[str, int]]:
    """The Long take dropdown: one clip (0), then 15 s, 22 s, ... 148 s as one long take."""
    lengths = [reachable(FIRST_CLIP, n) for n in range(2, MAX_EXTENDS + 2)]
    return [("one clip", 0), *[(f"{s} s as one long take", s) for s in lengths]]


def chain_options(options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The form's options as a long take's model and options: the chain chooses each link's
    length; any other option it does not take is refused by its plan, naming it."""
    rest = dict(options)
    model = str(rest.pop("model"))
    rest.pop("duration", None)
    return model, rest


class Told:
    """The panel's client for a chain, whose notices (the chain's price, a fallback, a stop)
    go to the chain's card instead of the cell that happens to be running."""

    def __init__(self, client: ClientAPI, say: Callable[[str], None]) -> None:
        self._client = client
        self.on_notice = say

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class LinkRows:
    """A row per link under the chain's card: "Link 2 of 3 · 15 s", its status, its poster."""

    def __init__(self, run: LongTakeRun) -> None:
        count = len(run.links)
        self._posters: dict[int, str] = {}
        self.rows: list[tuple[w.HTML, w.HTML, w.Image]] = []
        boxes = []
        for state in run.links:
            title = w.HTML(f"<small><b>Link {state.index + 1} of {count}</b> &middot; {state.total:g} s</small>")
            badge = w.HTML(badge_html(state.status))
            image = w.Image(format="jpeg", layout=w.Layout(width="96px", display="none"))
            box = w.HBox([title, badge, image], layout=w.Layout(align_items="center", grid_gap="6px"))
            box.add_class("veo-link-card")
            self.rows.append((title, badge, image))
            boxes.append(box)
        self.note = w.HTML()
        self.note.add_class("veo-link-note")
        self.widget = w.VBox([*boxes, self.note], layout=w.Layout(margin="0 0 0 18px"))
        self.widget.add_class("veo-link-cards")

    def say(self, text: str) -> None:
        self.note.value = f'<div class="veo-note"><small>{html.escape(text)}</small></div>'

    def update(self, run: LongTakeRun) -> None:
        """Each link's status, and its poster once its clip is on disk (made once)."""
        for state, (title, badge, image) in zip(run.links, self.rows, strict=True):
            title.value = f"<small><b>Link {state.index + 1} of {len(run.links)}</b> &middot; {state.total:g} s</small>"
            badge.value = badge_html(state.status)
            job = state.job
            if state.status not in ("made", "completed") or job is None or job.path is None:
                continue
            if self._posters.get(state.index) == str(job.path):
                continue
            from ...media._media import poster  # PyAV: loaded once a link's clip is there, not with the panel

            try:
                image.value = poster(job.path).read_bytes()
            except (VeoError, OSError):  # no poster is not a failed chain: the badge says made
                continue
            self._posters[state.index] = str(job.path)
            image.layout.display = None


class LongTakes(PanelParts):
    """The Long take row and what Generate does with it (see the module's documentation)."""

    _client: ClientAPI
    _save_to: Any
    _last_error: BaseException | None
    _cards: list[Card]

    def long_takes(self, changed: Callable[[], None]) -> None:
        """Add the Long take row under the form's options (``Panel.__init__`` calls this)."""
        self.long_take = w.Dropdown(
            options=long_take_lengths(),
            value=0,
            description="Long take",
            tooltip="a clip longer than 8 s: a first clip, then 7 s extends of the whole clip",
            layout=w.Layout(width="auto", max_width="100%"),
        )
        self.long_take.add_class("veo-long-take")
        self.long_take_note = w.HTML()
        self.long_take_box = w.VBox([self.long_take, self.long_take_note])
        self.form.column.children = (*self.form.column.children, self.long_take_box)

        def chose(_: object) -> None:
            self._fit_long_take()
            changed()

        self.long_take.observe(chose, names="value")
        self.model.observe(lambda _: self._fit_long_take(), names="value")
        self._fit_long_take()

    @property
    def long_take_seconds(self) -> int:
        """The long take's length chosen (0: one clip, or the model cannot extend)."""
        return int(self.long_take.value or 0) if self.long_take_box.layout.display != "none" else 0

    def _fit_long_take(self) -> None:
        can = can_extend(get_model(self.model.value))
        self.long_take_box.layout.display = None if can else "none"
        self.duration.disabled = bool(can and self.long_take.value)
        seconds = int(self.long_take.value or 0) if can else 0
        self.long_take_note.value = (
            f"<small class='veo-note'>a first clip of {FIRST_CLIP} s, then {(seconds - FIRST_CLIP) // EXTEND_SECONDS} "
            f"extends of {EXTEND_SECONDS} s, each of the whole clip (720p)</small>"
            if seconds
            else ""
        )

    def chain_price_text(self) -> str | None:
        """The whole chain's price, checked against today's budget, or None for one clip."""
        seconds = self.long_take_seconds
        if not seconds:
            return None
        try:
            model, options = chain_options(self.form.options())
            plan = plan_long_take(self.prompt.value or "a long take", seconds=seconds, model=model, options=options)
        except ValidationError as exc:
            return explain(exc)
        try:
            text = str(self._client.afford(plan.priced()).describe())
        except BudgetExceededError as exc:
            return f"{plan.describe()}: {explain(exc)}"
        except Exception:  # no price is not an error: say so, never a made-up number
            text = "price unknown"
        return f"{text} for the whole take, {plan.describe()}"

    def long_take_code(self) -> str | None:
        """Show code for a long take: ``veo.long_take(...)``, or None for one clip."""
        seconds = self.long_take_seconds
        if not seconds:
            return None
        try:
            model, options = chain_options(self.form.options())
        except ValidationError:
            model, options = self.model.value, {}
        options = {k: v for k, v in options.items() if k not in ("image", "last_image", "reference_images", "video")}
        image = ", veo.sample_image()" if self.form.image_value() is not None else ""
        extra = "".join(f", {k}={v!r}" for k, v in options.items())
        return (
            "import veo_widgets as veo\n\nclient = veo.Client()\n"
            f"job = veo.long_take({self.prompt.value.strip()!r}{image}, seconds={seconds}, "
            f"model={get_model(model).short!r}{extra}, client=client)\njob.path"
        )

    # ------------------------------------------------------------------ running

    def _start(self) -> None:
        seconds = self.long_take_seconds
        if not seconds:
            super()._start()  # type: ignore[misc]  # Running._start, next in the panel's bases
            return
        self.form_message.value = ""
        self._last_error = None
        try:
            if int(self.takes.value) > 1:
                raise ValidationError("takes", "a long take is one take: set Takes to 1")
            self.launch_long_take(self.prompt.value, self.form.image_value(), self.form.options(), seconds)
        except VeoError as exc:  # refused before anything was sent (a bad option, the budget)
            self._last_error = exc
            self.form_message.value = f'<div class="veo-error" role="alert">{html.escape(explain(exc))}</div>'

    def launch_long_take(self, prompt: str, image: Any, options: dict[str, Any], seconds: int) -> Card:
        """Price the whole chain against the budget (raising, nothing sent), then start it;
        the new card follows the chain, with a row per link under it."""
        model, rest = chain_options(options)
        said: list[str] = []
        told = Told(self._client, said.append)
        run = start_long_take(prompt, image, seconds=seconds, model=model, client=told, save_to=self._save_to, **rest)
        card = Card(len(self._cards) + 1, f"{prompt.strip()} ({seconds} s long take)", self._client)
        card.widget.add_class("veo-long-take-card")
        self._cards.append(card)
        self.jobs.children = (*self.jobs.children, card.widget)
        self._follow_chain(card, run, told)
        for text in said:
            told.on_notice(text)
        card.resume_button.on_click(lambda _: self._resume_chain(card, run.chain))
        return card

    def _follow_chain(self, card: Card, run: LongTakeRun, told: Told) -> None:
        rows = LinkRows(run)
        told.on_notice = rows.say
        top, *_ = card.widget.children
        card.widget.children = (top, card.ident, card.message, rows.widget)
        run.on_update(rows.update)
        rows.update(run)
        card.watch(run, self._ended)  # type: ignore[attr-defined]  # Running._ended: plays the final clip
        self._ticker.ensure()  # type: ignore[attr-defined]

    def _resume_chain(self, card: Card, chain: str) -> None:
        """Go on with the chain from its last finished link (a link in flight is waited for)."""
        if not card.done.is_set():
            return
        said: list[str] = []  # what is left and its price, said before the chain's rows exist
        told = Told(self._client, said.append)
        try:
            run = resume_run(chain, client=told)
        except VeoError as exc:
            card.message.value = f'<div class="veo-error"><small>{html.escape(explain(exc))}</small></div>'
            return
        card.running()
        self._follow_chain(card, run, told)
        for text in said:
            told.on_notice(text)
