"""Takes side by side: a row of cells (wrapping on a narrow screen), one per take of a
request, for the panel and ``%%veo -n``.

Each cell is a :class:`~veo_widgets.notebook.panel._cards.Card` (live status, its own Cancel and
Resume), then the take's own player, its seed, and a "Use this take" button. Picking one
marks it chosen in the journal (and its siblings not chosen), highlights its cell, and
calls ``picked(job)``. Runs are followed on their own threads: nothing here prints.
``%%veo -n`` also shows the row's saved view (``_takes_static``), kept up to date.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w

from .._errors import VeoError, explain
from ..client._money import price_text
from ..client._takes import takes_seed
from ..schema._models import Job
from ..views._client_api import ClientAPI
from ..views._display import demo_notice_html, video_html
from ._takes_static import HIDE_WHERE_LIVE, StaticTakes, TakeRow, bundle
from .panel._cards import Card, Ticker, resume_in_background

__all__ = ["Take", "TakesGrid", "show_takes"]

NO_SEED = "no seed: model has none"
CHOSEN_BORDER = "2px solid var(--jp-brand-color1, #1976d2)"
PLAIN_BORDER = "2px solid transparent"
_STYLE = (
    "<style>.veo-take-chosen { background: var(--jp-layout-color2, #eef4fc); border-radius: 6px; }"
    ".veo-takes .veo-video video { max-height: 40vh; }" + HIDE_WHERE_LIVE + "</style>"
)


class Take:
    """One take's cell: its card, player, seed and pick button."""

    def __init__(self, card: Card, seed: str) -> None:
        self.card = card
        # An Output, not an HTML widget: the front end resolves the player's link to the
        # saved file only in outputs (an HTML widget's relative link points at the page).
        self.player = w.Output(layout=w.Layout(max_width="100%"))
        self.player.add_class("veo-take-player")
        self.seed = w.HTML(f"<small>{html.escape(seed)}</small>")
        self.seed.add_class("veo-take-seed")
        self.pick_button = w.Button(
            description="Use this take",
            icon="check",
            tooltip=f"mark take #{card.number} as the chosen one",
            disabled=True,
            layout=w.Layout(width="auto"),
        )
        self.pick_button.add_class("veo-take-pick")
        self.widget = w.VBox(
            [card.widget, self.player, self.seed, self.pick_button],
            layout=w.Layout(flex="1 1 220px", min_width="0", max_width="100%", padding="4px", border=PLAIN_BORDER),
        )
        self.widget.add_class("veo-take")
        self._chosen = False

    @property
    def job(self) -> Job | None:
        return self.card.job

    @property
    def shown(self) -> str:
        """The player's HTML once the take is saved (empty before)."""
        return "".join(str(o.get("data", {}).get("text/html", "")) for o in self.player.outputs)

    @property
    def chosen(self) -> bool:
        """Whether this cell is marked as the chosen take (its ``veo-take-chosen`` class)."""
        return self._chosen

    def mark(self, chosen: bool) -> None:
        """Highlight (or not) this cell as the chosen take."""
        self._chosen = chosen
        if chosen:
            self.widget.add_class("veo-take-chosen")
        else:
            self.widget.remove_class("veo-take-chosen")
        self.widget.layout.border = CHOSEN_BORDER if chosen else PLAIN_BORDER
        self.pick_button.description = "Chosen" if chosen else "Use this take"
        self.pick_button.button_style = "success" if chosen else ""


class TakesGrid:
    """The takes of one request, side by side, each following its run.

    ``runs`` are the handles of ``client.start_variations`` (in order); cards are numbered
    from ``first``. ``ended(card)`` is called once a take has ended and is shown (also after
    a Resume), ``picked(job)`` when one is chosen.
    """

    def __init__(
        self,
        client: ClientAPI,
        runs: Sequence[Any],
        prompt: str,
        *,
        first: int = 1,
        embed: bool = False,
        seeded: bool = True,
        save_to: Any = None,
        timeout: float = 600.0,
        ticker: Ticker | None = None,
        ended: Callable[[Card], Any] | None = None,
        picked: Callable[[Job], Any] | None = None,
    ) -> None:
        self.client = client
        self.embed = embed
        self._save_to = save_to
        self._timeout = timeout
        self._ended = ended
        self._picked = picked
        self._seeded = seeded
        self.static = StaticTakes()
        self.takes: list[Take] = []
        for number in range(first, first + len(runs)):
            card = Card(number, prompt.strip(), client)
            take = Take(card, "seed …" if seeded else NO_SEED)
            take.pick_button.on_click(lambda _, t=take: self.pick(t))
            card.resume_button.on_click(lambda _, t=take: self._resume(t))
            self.takes.append(take)
        style = w.HTML(_STYLE, layout=w.Layout(height="0px", overflow="hidden", margin="0"))
        self.widget = w.HBox(
            [style, *(t.widget for t in self.takes)],
            layout=w.Layout(flex_flow="row wrap", align_items="flex-start", grid_gap="8px", width="100%"),
        )
        self.widget.add_class("veo-takes")
        self._durations: Any = None
        self._ticker = ticker or Ticker(lambda: self.cards, self._estimate)
        for take, run in zip(self.takes, runs, strict=True):
            take.card.watch(run, self._finished)
        self._ticker.ensure()

    def __repr__(self) -> str:
        states = ", ".join(t.card.status for t in self.takes)
        return f"TakesGrid({len(self.takes)} takes: {states})"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The live row where widgets render; elsewhere the saved view (see ``rows``)."""
        found = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(found, dict):
            found.update(bundle(self.rows()))
        return found

    def rows(self) -> list[TakeRow]:
        """Each take as a saved notebook shows it: seed, status, chosen, file."""
        out = []
        for take in self.takes:
            job = take.card.job
            seed = (job.request or {}).get("seed") if job is not None else None
            path = str(job.path) if job is not None and job.path is not None else None
            out.append(TakeRow(take.card.number, seed, take.card.status, take.chosen, path, self._seeded))
        return out

    def show_static(self) -> None:
        """Show the saved view as an output of its own, kept up to date from now on."""
        self.static.show(self.rows())

    # ------------------------------------------------------------------ public

    @property
    def cards(self) -> list[Card]:
        return [t.card for t in self.takes]

    @property
    def jobs(self) -> list[Job]:
        """The saved jobs of the takes that completed, in order."""
        return [t.card.job for t in self.takes if t.card.status == "completed" and t.card.job is not None]

    @property
    def chosen(self) -> Job | None:
        """The take picked, if any."""
        return next((t.job for t in self.takes if t.chosen), None)

    def wait(self, timeout: float | None = None) -> list[Job]:
        """Block until every take has ended; return the saved ones (see ``jobs``)."""
        for take in self.takes:
            if not take.card.done.wait(timeout):
                raise TimeoutError(f"take #{take.card.number} still {take.card.status} after {timeout} s")
        return self.jobs

    def cancel(self) -> None:
        """Stop waiting for every take still running (each may still finish: Resume)."""
        for card in self.cards:
            if not card.done.is_set():
                card.cancel()

    def pick(self, take: Take | int | Job) -> Job:
        """Choose a take (a cell, its 0-based index, or its job): it is marked chosen in the
        journal, its siblings are not, and its cell is highlighted."""
        chosen = self._find(take)
        job = chosen.job
        if job is None or chosen.card.status != "completed":
            raise ValueError("only a take that completed can be chosen")
        self.client.journal.choose(job.id)  # and, in the same write, its siblings not chosen
        for other in self.takes:
            other.mark(other is chosen)
        job = job.evolve(chosen=True)
        chosen.card.job = job
        self.static.update(self.rows)
        if self._picked is not None:
            self._picked(job)
        return job

    # ------------------------------------------------------------------ inside

    def _estimate(self, elapsed: float) -> float:
        """How far a resumed take probably is (a running take says so itself)."""
        if self._durations is None:  # learned from the journal once, not at every tick
            self._durations = self.client.duration_model()
        return float(self._durations.progress(elapsed))

    def _find(self, take: Take | int | Job) -> Take:
        if isinstance(take, Take):
            return take
        if isinstance(take, int):
            return self.takes[take]
        found = next((t for t in self.takes if t.job is not None and t.job.id == take.id), None)
        if found is None:
            raise ValueError(f"{take.id} is not one of these takes")
        return found

    def _finished(self, card: Card) -> None:
        take = next(t for t in self.takes if t.card is card)
        run = card.run
        if run.error is not None:
            self._failed(take, run.error)
        else:
            self._completed(take, run.result())

    def _failed(self, take: Take, exc: BaseException) -> None:
        take.card.failed(exc)
        self._seed(take)
        self._end(take.card)

    def _completed(self, take: Take, job: Job) -> None:
        card = take.card
        card.job = job
        card.finish("completed")
        self._seed(take)
        if job.path is not None:
            try:
                shown = video_html(job.path, embed=self.embed).html
            except VeoError as exc:  # too large to embed: the take is saved all the same
                shown = f'<div class="veo-note">{html.escape(explain(exc))}</div>'
            take.player.outputs = (
                {
                    "output_type": "display_data",
                    "data": {"text/html": shown, "text/plain": str(job.path)},
                    "metadata": {},
                },
            )
        take.pick_button.disabled = False
        self._end(card)

    def _end(self, card: Card) -> None:
        """Tell the owner (so its history lists the take), then mark the card done: whoever
        waits for it sees everything in place."""
        try:
            self.static.update(self.rows)
            if self._ended is not None:
                self._ended(card)
        finally:
            card.done.set()

    def _seed(self, take: Take) -> None:
        job = take.card.job
        seed = (job.request or {}).get("seed") if job is not None else None
        if seed is not None:
            take.seed.value = f"<small>seed <code>{int(seed)}</code></small>"

    def _resume(self, take: Take) -> None:
        started = resume_in_background(
            take.card,
            self._save_to,
            self._timeout,
            lambda job: self._completed(take, job),
            lambda exc: self._failed(take, exc),
            name=f"veo-takes-resume-{take.card.number}",
        )
        if started:
            self._ticker.ensure()


def show_takes(
    client: ClientAPI,
    prompt: str,
    image: Any,
    options: Mapping[str, Any],
    n: int,
    *,
    save_to: Any = None,
    timeout: float = 600.0,
    embed: bool = False,
    wait: bool = True,
) -> TakesGrid:
    """``%%veo -n``: say the estimate, start the takes (refused whole, nothing sent, by a
    bad request or the budget), show them side by side under the cell and, unless ``wait``
    is False, block until each has ended (Ctrl-C stops waiting; each take may still finish
    and its Resume picks it up)."""
    from IPython.core.display_functions import display

    print(f"estimate: {price_text(client, options, n)}")
    runs = client.start_variations(prompt, image, n=n, save_to=save_to, timeout=timeout, **options)
    grid = TakesGrid(
        client, runs, prompt, embed=embed, seeded=takes_seed(options.get("model")), save_to=save_to, timeout=timeout
    )
    if client.demo:  # the takes are the emulator's, as a single %%veo's status line says
        display({"text/html": demo_notice_html(client.demo_notice), "text/plain": client.demo_notice}, raw=True)  # type: ignore[no-untyped-call]
    display(grid.widget)  # type: ignore[no-untyped-call]
    grid.show_static()  # what a saved copy shows where the row cannot render
    if wait:
        try:
            grid.wait()
        except KeyboardInterrupt:
            grid.cancel()
            print("veo: stopped waiting for the takes; each may still complete (and be billed): Resume in its cell")
    return grid
