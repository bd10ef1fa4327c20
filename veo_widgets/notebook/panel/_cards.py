"""A card per submitted generation (its own Cancel and Resume) and the one clock that ticks them."""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import ipywidgets as w

from ..._errors import WaitCancelled, explain
from ...schema._models import Job
from ...views._client_api import ClientAPI
from ...views._display import Progress, badge_html, progress_text, short_id, stopped_note

__all__ = ["Card", "Ticker", "history_button", "resume_run"]

TICK = 0.5


@dataclass(eq=False)
class Card:
    """One generation the panel submitted. ``number`` counts submitted jobs only. ``run`` is
    the client's handle for it (None for a card made only to show something)."""

    number: int
    prompt: str
    client: ClientAPI
    run: Any = None
    stop: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)
    status: str = "submitting"
    job: Job | None = None
    error: BaseException | None = None
    shown: Progress = field(default_factory=Progress)

    def __post_init__(self) -> None:
        # Guards the bar against the ticker: a card that ended shows how it ended, and a
        # tick that began just before the end must not paint an estimate over it.
        self._paint = threading.Lock()
        self.ended = False
        self.badge = w.HTML(badge_html("submitting"))
        self.clock = w.Label("0 s")
        self.bar = w.FloatProgress(value=0.0, min=0.0, max=1.0, description="", layout=w.Layout(width="140px"))
        self.bar.tooltip = "estimated progress"
        self.estimate = w.Label("")
        self.ident = w.HTML("")
        self.message = w.HTML("")
        self.cancel_button = w.Button(
            description="Cancel", icon="stop", tooltip=f"stop waiting for #{self.number}", layout=w.Layout(width="auto")
        )
        self.cancel_button.add_class("veo-card-cancel")
        self.resume_button = w.Button(
            description="Resume",
            icon="redo",
            tooltip=f"wait for #{self.number} again",
            layout=w.Layout(width="auto", display="none"),
        )
        self.resume_button.add_class("veo-card-resume")
        self.cancel_button.on_click(lambda _: self.cancel())
        title = w.HTML(f"<b>#{self.number}</b> {html.escape(self.prompt[:60])}")
        title.add_class("veo-card-title")
        top = w.HBox(
            [title, self.badge, self.clock, self.bar, self.estimate, self.cancel_button, self.resume_button],
            layout=w.Layout(flex_flow="row wrap", align_items="center", grid_gap="6px"),
        )
        self.widget = w.VBox([top, self.ident, self.message], layout=w.Layout(margin="2px 0", max_width="100%"))
        self.widget.add_class("veo-job")

    def cancel(self) -> None:
        """Stop waiting for this one job (a resumed wait, or the run)."""
        self.stop.set()
        if self.run is not None and not self.run.done:
            self.run.cancel()

    def watch(self, run: Any, ended: Callable[[Card], None]) -> None:
        """Follow ``run``: its job and status as they change; ``ended(card)`` once, at the end."""
        self.run = run
        lock = threading.Lock()
        told = False

        def changed(_: Any = None) -> None:
            nonlocal told
            if run.job is not None and (self.job is None or self.job.id != run.job.id):
                self.submitted(run.job)
            self.job = run.job or self.job
            if not run.done:
                self.set_status(run.status)
                return
            with lock:
                if told:
                    return
                told = True
            ended(self)

        run.on_update(changed)
        changed()  # whatever happened before the callback was registered

    def set_status(self, status: str) -> None:
        self.status = status
        self.badge.value = badge_html(status)

    def submitted(self, job: Job) -> None:
        self.job = job
        self.ident.value = (
            f'<small>job <code class="veo-job-id" style="user-select:all" title="{html.escape(job.id)}">'
            f"{html.escape(job.id)}</code> (files: {html.escape(short_id(job.id))})</small>"
        )

    def tick(self, estimate: float) -> None:
        """Move the clock and the bar: the run's own estimate while it runs, else ``estimate``.
        A card that ended (completed, stopped, failed) is left as it ended."""
        with self._paint:
            if self.ended:
                return
            if self.run is not None and not self.run.done:
                estimate = self.run.progress
            elapsed = time.monotonic() - self.started
            self.clock.value = f"{elapsed:.0f} s"
            shown = self.shown.update(estimate, time.monotonic())
            self.bar.value = round(shown, 3)
            self.estimate.value = progress_text(shown)

    def running(self) -> None:
        """Back to live after Resume (waited for by the panel, not by a run)."""
        with self._paint:
            self.ended = False
        self.run = None
        self.stop = threading.Event()
        self.done = threading.Event()
        # The clock counts from the job's creation, not from this click: a job resumed after
        # a minute says so (it said "0 s").
        age = (datetime.now(timezone.utc) - self.job.created_at).total_seconds() if self.job is not None else 0.0
        self.started = time.monotonic() - max(0.0, age)
        self.clock.value = f"{max(0.0, age):.0f} s"
        self.error = None
        self.message.value = ""
        self.bar.bar_style = ""
        self.cancel_button.layout.display = None
        self.resume_button.layout.display = "none"
        self.set_status("queued")

    def failed(self, exc: BaseException) -> None:
        """A stop is a calm note with Resume; a real failure one sentence saying what to do."""
        self.error = exc
        if isinstance(exc, WaitCancelled) or self.stop.is_set():
            self.job = getattr(exc, "job", None) or self.job
            self.finish("stopped", stopped_note(self.job), calm=True)
        elif isinstance(exc, TimeoutError):
            self.finish("timed out", stopped_note(self.job, "Still running after the time limit"), calm=True)
        else:
            self.finish("error", explain(exc))

    def finish(self, status: str, note: str = "", *, calm: bool = False) -> None:
        """Show how it ended; the caller sets ``done`` once everything else is shown (the
        ticker may still run until then: ``ended`` keeps its ticks off this card)."""
        with self._paint:
            self.ended = True
        self.set_status(status)
        self.clock.value = f"{time.monotonic() - self.started:.0f} s"
        self.cancel_button.layout.display = "none"
        if note:
            cls = "veo-note" if calm else "veo-error"
            self.message.value = f'<div class="{cls}"><small>{html.escape(note)}</small></div>'
        if status == "completed":
            self.bar.value = 1.0
            self.bar.bar_style = "success"
            self.estimate.value = progress_text(1.0, done=True)
        else:
            self.bar.bar_style = "danger" if status == "error" else "warning"
            self.estimate.value = ""
        # A job that exists and was not seen to end can be picked up again.
        can_resume = self.job is not None and bool(self.job.id) and status in ("stopped", "timed out")
        self.resume_button.layout.display = None if can_resume else "none"


def resume_run(card: Card, save_to: Any, timeout: float) -> Job:
    """Wait again for the card's job, then download it (blocking)."""
    assert card.job is not None

    def update(job: Job) -> None:
        card.submitted(job)
        card.set_status(job.status)

    job: Job = card.client.wait(card.job.id, timeout=timeout, on_update=update, stop=card.stop)
    card.set_status("downloading")
    path = card.client.download(job, save_to)
    return job.evolve(path=path.resolve())


def resume_in_background(
    card: Card,
    save_to: Any,
    timeout: float,
    completed: Callable[[Job], None],
    failed: Callable[[BaseException], None],
    name: str,
) -> bool:
    """Resume a stopped card's job on a daemon thread: ``completed(job)`` once it is saved,
    ``failed(exc)`` with whatever ended it. False (nothing started) if the card has no job
    or is still running."""
    if card.job is None or not card.done.is_set():
        return False
    card.running()

    def work() -> None:
        try:
            job = resume_run(card, save_to, timeout)
        except BaseException as exc:  # every failure becomes one sentence in the card
            failed(exc)
            return
        completed(job)

    threading.Thread(target=work, name=name, daemon=True).start()
    return True


#: Characters of the prompt a history item shows (the whole prompt is its tooltip).
LABEL = 40


def history_button(number: int, job: Job) -> Any:
    """A button in the history strip: the card's number and the prompt's start (cut at a
    word, with an ellipsis), the whole prompt as its tooltip."""
    prompt = " ".join(str((job.request or {}).get("prompt", "")).split())
    label = prompt if len(prompt) <= LABEL else prompt[:LABEL].rsplit(" ", 1)[0].rstrip(",.;:") + "…"
    button = w.Button(
        description=f"#{number} {label}",
        tooltip=f"play #{number}: {prompt}",
        layout=w.Layout(width="auto", max_width="100%"),
    )
    button.add_class("veo-history-item")
    return button


class Ticker:
    """One thread moving the clocks and estimates of every running card.

    The check "nothing is running, so stop" and the clearing of ``thread`` happen under one
    lock, and ``ensure`` starts a ticker under the same lock: a ticker about to exit can never
    be mistaken for one that will tick a card added a moment later.
    """

    def __init__(self, cards: Callable[[], list[Card]], estimate: Callable[[float], float]) -> None:
        self._cards = cards
        self._estimate = estimate
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def ensure(self) -> None:
        with self._lock:
            if self.thread is not None:
                return
            self.thread = threading.Thread(target=self._run, name="veo-panel-ticker", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                active = [c for c in self._cards() if not c.done.is_set()]
                if not active:
                    self.thread = None
                    return
            for card in active:
                card.tick(self._estimate(time.monotonic() - card.started))
            time.sleep(TICK)
