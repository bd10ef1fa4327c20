"""The panel's running side: Generate starts a job (or a row of takes), each card follows
its run, and what ends is played, listed in the history strip and handed to callbacks.

``Panel`` is built on ``Running``, which is built on ``PanelParts`` (its widgets by name):
``Running.__init__`` sets the running state below, ``PanelParts.__init__`` the widgets.
Every generation runs on a daemon thread; nothing here prints.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..._errors import VeoError, explain
from ...client._takes import takes_seed
from ...protocol._schedule import DurationModel
from ...schema._models import Job
from ...views._client_api import ClientAPI
from ...views._display import caption_html, video_html
from .._takes_view import TakesGrid
from ._cards import Card, Ticker, history_button, resume_in_background
from ._inputs import resolve_video
from ._layout import PanelParts
from ._summary import Summaries, summary_html

__all__ = ["Running", "takes_note"]

#: "show them": scrolls the panel's newest row of takes into view.
_SHOW_TAKES = (
    "var r=this.closest('.veo-panel').querySelectorAll('.veo-take-rows .veo-takes');"
    "if(r.length)r[r.length-1].scrollIntoView({block:'start',behavior:'smooth'});return false;"
)


def takes_note(n: int, first: int, last: int) -> str:
    """Beside Generate: where the takes just started are (under the whole form)."""
    return (
        f'<div class="veo-note veo-takes-note" role="status">{n} takes started (#{first} to #{last}): '
        f'they appear below the form. <a href="#" onclick="{_SHOW_TAKES}">Show them &darr;</a></div>'
    )


class Running(PanelParts):
    """Generate, follow, resume and finish; one or several takes at a time."""

    def __init__(
        self,
        client: ClientAPI,
        *,
        owns_client: bool,
        save_to: Any,
        timeout: float,
        lineage: Mapping[str, str | None] | None,
    ) -> None:
        # Panel calls PanelParts.__init__ once its form is built (the form's callbacks use this state).
        self._client = client
        self._owns_client = owns_client  # made here (closed when replaced) or given (its caller's)
        self._retired: list[ClientAPI] = []
        self._retiring = threading.Lock()  # the retired clients and the history strip
        self._save_to = save_to
        self._timeout = timeout
        self.lineage = lineage
        """Where this panel's jobs come from (``parent_id``, ``relation``), journaled with each create."""
        self._cards: list[Card] = []
        self._grids: list[TakesGrid] = []
        self._callbacks: list[Callable[[Job], Any]] = []
        self._last_error: BaseException | None = None
        self._lock = threading.Lock()  # one Generate at a time
        self._submitting = False
        self._last_click = 0.0
        self._durations: DurationModel | None = None
        self._ticker = Ticker(lambda: list(self._cards), self._estimate)
        self._summaries = Summaries()
        self.result: Job | None = None
        """The latest completed Job (its ``path`` is the saved video)."""

    # ------------------------------------------------------------------ public

    @property
    def cards(self) -> list[Card]:
        """A card per submitted generation, numbered from 1 like the history strip."""
        return list(self._cards)

    @property
    def status(self) -> str:
        """The latest generation's status: ``idle``, ``submitting``, ``queued``, ``generating``,
        ``downloading``, ``completed``, ``error`` or ``stopped``."""
        if self._last_error is not None:
            return "error"
        return self._cards[-1].status if self._cards else "idle"

    def on_complete(self, callback: Callable[[Job], Any]) -> None:
        """Call ``callback(job)`` after each generation completes and is saved."""
        self._callbacks.append(callback)

    def generate(self) -> None:
        """Do what the Generate button does: validate, then generate in the background."""
        with self._lock:
            if self._submitting:
                return
            self._submitting = True
        self.generate_button.disabled = True
        try:
            self._start()
        finally:
            with self._lock:
                self._submitting = False
            self.generate_button.disabled = False

    def cancel(self, number: int | None = None) -> None:
        """Stop waiting for generation ``number`` (default: every running one). The API
        cannot cancel a job: it may still finish, and the card's Resume picks it up."""
        for card in self._cards:
            if (number is None or card.number == number) and not card.done.is_set():
                card.cancel()

    def wait(self, timeout: float | None = None) -> Job:
        """Block until the latest generation ends (every take of a set of takes); return its
        Job (the last take's) or raise its error."""
        if self._last_error is not None:
            raise self._last_error
        if not self._cards:
            raise RuntimeError("nothing to wait for: call generate() first")
        card = self._cards[-1]
        deadline = None if timeout is None else time.monotonic() + timeout
        for one in next((g.cards for g in self._grids if card in g.cards), [card]):
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not one.done.wait(left):
                raise TimeoutError(f"generation #{one.number} still {one.status} after {timeout} s")
        if card.error is not None:
            raise card.error
        assert card.job is not None
        return card.job

    def play(self, job: Job) -> None:
        """Show ``job``'s saved video in the player (or say why it cannot play here)."""
        if job.path is None:
            raise ValueError("that job has no saved video")
        try:
            video = video_html(job.path, embed=self.embed.value)
        except VeoError as exc:
            shown, text, embedded = f'<div class="veo-note">{html.escape(explain(exc))}</div>', explain(exc), False
        else:
            shown, text, embedded = video.html, repr(video), video.embedded
        # The caption's download works where the player does (no file link under an embedded one).
        caption = caption_html(job, embedded=embedded)
        # One assignment: the front end renders the player once (and embedded bytes cross once).
        self.player.outputs = (_html_output(shown, text), _html_output(caption, f"job {job.id}"))

    def _summary(self) -> str:
        return summary_html(self.result, prompt=self.prompt.value, jobs=len(self._cards))

    # ------------------------------------------------------------------ running

    def _clicked(self) -> None:
        # A double click lands twice within a few hundred milliseconds: one generation only.
        now = time.monotonic()
        if now - self._last_click < 1.0:
            return
        self._last_click = now
        self.generate()

    def _start(self) -> None:
        self.form_message.value = ""
        self._last_error = None
        try:
            options = self.form.options(self._video)
            if int(self.takes.value) > 1:
                self.launch_takes(self.prompt.value, self.form.image_value(), options, int(self.takes.value))
            else:
                self.launch(self.prompt.value, self.form.image_value(), options)
        except VeoError as exc:  # refused before anything was sent
            self._last_error = exc
            self.form_message.value = f'<div class="veo-error" role="alert">{html.escape(explain(exc))}</div>'

    def _video(self, text: str) -> Any:
        return resolve_video(self._client.journal, text)

    def launch(self, prompt: str, image: Any, options: dict[str, Any]) -> Card:
        """Validate (raising ``ValidationError``, nothing sent), then generate in the
        background with ``client.start``; the new card follows the run."""
        lineage = dict(self.lineage) if self.lineage else None
        run = self._client.start(
            prompt, image, save_to=self._save_to, timeout=self._timeout, lineage=lineage, **options
        )
        card = Card(len(self._cards) + 1, prompt.strip(), self._client)
        card.resume_button.on_click(lambda _: self._resume(card))
        self._cards.append(card)
        self.jobs.children = (*self.jobs.children, card.widget)
        card.watch(run, self._ended)
        self._ticker.ensure()
        return card

    def launch_takes(self, prompt: str, image: Any, options: dict[str, Any], n: int) -> TakesGrid:
        """``n`` takes of one request (``client.start_variations``: checked and budgeted
        as a set before anything is sent), side by side; picking one makes it ``result``."""
        lineage = dict(self.lineage) if self.lineage else None
        runs = self._client.start_variations(
            prompt, image, n=n, save_to=self._save_to, timeout=self._timeout, lineage=lineage, **options
        )
        grid = TakesGrid(
            self._client,
            runs,
            prompt,
            first=len(self._cards) + 1,
            embed=bool(self.embed.value),
            seeded=takes_seed(options.get("model")),
            save_to=self._save_to,
            timeout=self._timeout,
            ticker=self._ticker,
            ended=self._take_ended,
            picked=self._picked,
        )
        self._grids.append(grid)
        self._cards.extend(grid.cards)
        self.take_rows.children = (*self.take_rows.children, grid.widget)
        # The row sits under the whole form, maybe out of sight: say so beside Generate
        # (the panel's key hook also scrolls it into view when it appears off screen).
        self.form_message.value = takes_note(n, grid.cards[0].number, grid.cards[-1].number)
        return grid

    def pick(self, number: int) -> Job:
        """Do what take ``number``'s "Use this take" does (its number as on its card): mark
        it chosen in the journal, highlight it, and make it ``result``."""
        for grid in self._grids:
            for take in grid.takes:
                if take.card.number == number:
                    return grid.pick(take)
        raise ValueError(f"no take #{number} in this panel: takes are numbered like their cards")

    def _take_ended(self, card: Card) -> None:
        """A take is shown in its own cell; the panel lists it and tells the callbacks."""
        if card.status != "completed" or card.job is None:
            self.money.refresh_unconfirmed()
        else:
            self._add_history(card.number, card.job)
            self._summaries.update(self._summary())  # the saved view counts takes too
            self._tell(card, card.job)
        card.done.set()  # (the grid sets it too) so that this card's client can be retired
        self._retire_done()

    def _picked(self, job: Job) -> None:
        self.result = job
        self._summaries.update(self._summary())
        self._show(job)  # the chosen take plays in the main player too

    def _ended(self, card: Card) -> None:
        run = card.run
        if run.error is not None:
            self._failed(card, run.error)
        else:
            self._completed(card, run.result())

    def _estimate(self, elapsed: float) -> float:
        if self._durations is None:  # learned from the journal once, not at every tick
            self._durations = self._client.duration_model()
        return self._durations.progress(elapsed)

    def _failed(self, card: Card, exc: BaseException) -> None:
        card.failed(exc)
        card.done.set()
        self.money.refresh_unconfirmed()  # a lost create answer is listed for Reconcile
        self._retire_done()

    def _resume(self, card: Card) -> None:
        started = resume_in_background(
            card,
            self._save_to,
            self._timeout,
            lambda job: self._completed(card, job),
            lambda exc: self._failed(card, exc),
            name=f"veo-panel-resume-{card.number}",
        )
        if started:
            self._ticker.ensure()

    def _completed(self, card: Card, job: Job) -> None:
        card.job = job
        # The saved view first: a notebook saved as soon as the card says "completed" has it.
        self.result = job
        self._summaries.update(self._summary())
        card.finish("completed")
        self._add_history(card.number, job)
        self._show(job)  # a video that cannot be shown says so in the player: the job is kept
        self._tell(card, job)
        card.done.set()
        self._retire_done()

    def _tell(self, card: Card, job: Job) -> None:
        for callback in list(self._callbacks):
            try:
                callback(job)
            except Exception as exc:
                card.message.value = html.escape(f"on_complete callback failed: {exc!r}")

    def _retire(self, old: ClientAPI) -> None:
        """Close a client once no running card uses it (closing it earlier would break them)."""
        with self._retiring:  # takes end on threads of their own
            self._retired.append(old)
            busy = {id(k.client) for k in self._cards if not k.done.is_set()}
            done = [c for c in self._retired if id(c) not in busy]
            self._retired = [c for c in self._retired if id(c) in busy]
        for client in done:
            client.close()

    def _retire_done(self) -> None:
        with self._retiring:
            old = self._retired.pop() if self._retired else None
        if old is not None:
            self._retire(old)

    def _add_history(self, number: int, job: Job) -> None:
        """An item per finished clip, in the order they were started (not finished): #1 #2 ..."""
        button = history_button(number, job)
        button.veo_number = number  # where it goes in the strip
        button.on_click(lambda _: self._show(job))
        with self._retiring:  # two takes ending together must not lose a button
            items = [*self.history.children, button]
            items.sort(key=lambda item: int(getattr(item, "veo_number", 0)))
            self.history.children = tuple(items)

    def _show(self, job: Job) -> None:
        """Play ``job`` and mark its card (and its history item) as the one shown."""
        try:
            self.play(job)
        except Exception as exc:  # a video that cannot be shown: say so where it would play
            self.player.outputs = (_html_output(f'<div class="veo-note">{html.escape(explain(exc))}</div>', str(exc)),)
        for card in self._cards:
            shown = card.job is not None and card.job.id == job.id
            (card.widget.add_class if shown else card.widget.remove_class)("veo-card-shown")
        numbers = self._numbers(job)
        for item in self.history.children:
            marked = getattr(item, "veo_number", None) in numbers
            (item.add_class if marked else item.remove_class)("veo-history-shown")

    def _numbers(self, job: Job) -> set[int]:
        return {card.number for card in self._cards if card.job is not None and card.job.id == job.id}


def _html_output(markup: str, text: str) -> dict[str, Any]:
    """HTML as an Output widget's display_data entry (``text``: where HTML does not show)."""
    return {"output_type": "display_data", "data": {"text/html": markup, "text/plain": text}, "metadata": {}}
