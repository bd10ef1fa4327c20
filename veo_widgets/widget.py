"""``Panel``: the whole workflow in one widget, for people who never read the API.

Inputs on the left, preview and results on the right (stacked on a narrow screen). Each
generation runs on its own daemon thread with the blocking client, so the cell that clicked
returns at once and the status keeps moving while the kernel is idle *or busy* (an asyncio
task on the kernel's loop would freeze during ``time.sleep(30)`` in another cell). Threads
only set widget traits and replace Output widgets' ``outputs``: nothing is printed, so
nothing lands in whichever cell happens to be running.
"""

from __future__ import annotations

import html
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w
from IPython.core.display import HTML
from IPython.core.formatters import format_display_data

from ._client import Client
from ._config import Secret
from ._display import VideoHTML, caption_html, demo_notice_html, video_html
from ._errors import VeoError, explain
from ._models import DEFAULT_MODEL, Job
from ._panel_cards import Card, Ticker, history_button, resume_run
from ._panel_form import Form
from ._panel_inputs import resolve_video
from ._panel_key import KeyRow, check_key, new_client
from ._panel_layout import arrange, widgets
from ._panel_money import MoneyRow
from ._panel_summary import Summaries, keep_alive, summary_html
from ._schedule import DurationModel

__all__ = ["Panel", "new_client", "video_player"]


_MEDIA = ("last_image", "reference_images", "video")


class Panel(w.VBox):
    """Pick an image, write a prompt, press Generate; the video plays beside the form.

    >>> panel = Panel(prompt="waves roll in", image="beach.jpg")   # doctest: +SKIP
    >>> panel.generate(); job = panel.wait()                       # doctest: +SKIP
    """

    def __init__(
        self,
        prompt: str = "",
        image: Any = None,
        *,
        negative_prompt: str = "",
        aspect_ratio: str = "16:9",
        resolution: str = "720p",
        duration: int = 8,
        seed: int | None = None,
        enhance_prompt: bool = True,
        generate_audio: bool = True,
        model: str = DEFAULT_MODEL,
        embed: bool = False,
        save_to: str | os.PathLike[str] | None = None,
        timeout: float = 600.0,
        client: Client | None = None,
        compact: bool = False,
    ) -> None:
        self._owns_client = client is None
        self._client = client or new_client()
        self._retired: list[Client] = []
        self._model = model
        self._save_to = save_to
        self._timeout = timeout
        self._cards: list[Card] = []
        self._last_error: BaseException | None = None
        self._callbacks: list[Callable[[Job], Any]] = []
        self._lock = threading.Lock()
        self._submitting = False
        self._last_click = 0.0
        self._durations: DurationModel | None = None
        self._ticker = Ticker(lambda: list(self._cards), lambda t: self._estimate(t))
        self._summaries = Summaries()
        self.result: Job | None = None
        """The latest completed Job (its ``path`` is the saved video)."""

        values = {
            "aspect_ratio": aspect_ratio,
            "resolution": resolution.lower(),
            "duration": duration,
            "negative_prompt": negative_prompt,
            "seed": seed,
            "enhance_prompt": enhance_prompt,
            "generate_audio": generate_audio,
        }
        self.form = Form(
            model=model,
            prompt=prompt,
            values=values,
            embed=embed,
            prepare=lambda value, ratio: self._client.build_request("preview", value, aspect_ratio=ratio),
            changed=self._form_changed,
        )
        f = self.form
        # The form's controls by name: code and tests drive them directly.
        self.model = f.model
        self.upload, self.image_path, self.preview = f.image.upload, f.image.path, f.image.preview
        self.image_note, self.prompt, self.dice, self.embed = f.image.note, f.prompt, f.dice, f.embed
        c = f.controls
        self.negative_prompt, self.aspect_ratio, self.resolution = (
            c["negative_prompt"],
            c["aspect_ratio"],
            c["resolution"],
        )
        self.duration, self.seed = c["duration"], c["seed"]
        self.enhance_prompt, self.generate_audio = c["enhance_prompt"], c["generate_audio"]

        locked = "" if self._owns_client else "This panel uses the client it was given; that client's key applies."
        self.key = KeyRow(self._use_key, lambda: check_key(self._client), locked=locked)
        self.api_key = self.key.field
        self.money = MoneyRow(lambda: self._client)  # budget, balance, lost creates
        # The rest of the panel's widgets, by name (see _panel_layout.widgets).
        for name, widget in widgets().items():
            setattr(self, name, widget)
        self.generate_button.on_click(lambda _: self._clicked())
        self.show_code.observe(lambda _: self._refresh_code(), names="value")

        columns = arrange(self, f.column)
        if compact:
            # Status and result only: what `%%veo --background` shows under its cell.
            super().__init__([self._style, self.banner, self.form_message, self.jobs, self.player])
        else:
            super().__init__(
                [self._style, self.saved_cover, self.banner, columns], layout=w.Layout(width="100%", max_width="100%")
            )
            keep_alive(self.saved_cover, self)
            f.column.children = (*f.column.children, self.money.box)
            self.money.refresh()
        self.add_class("veo-panel")
        self._show_banner()
        if image is not None:
            if isinstance(image, (str, Path)) and not str(image).startswith("data:"):
                self.image_path.value = str(image)
            else:
                f.image.set(image)
        self._refresh_code()

    def __repr__(self) -> str:
        mode = "demo" if self._client.demo else "live"
        return f"Panel({mode}, status={self.status!r}, jobs={len(self._cards)})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        """The live widget where widgets render; elsewhere (GitHub, nbviewer, a notebook whose
        kernel is gone) a static summary that says what this was."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if not isinstance(bundle, dict):
            return bundle  # type: ignore[no-any-return]
        bundle["text/html"] = self._summary()
        bundle["text/plain"] = (
            "veo_widgets Panel: a live widget; after a restart or in a saved copy, run the cell to use the panel."
        )
        return bundle

    def _ipython_display_(self) -> None:
        """The widget, and beside it the static summary as an output of its own (see
        ``_panel_summary.Summaries``)."""
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)
        self._summaries.show(self._summary())

    def _summary(self) -> str:
        return summary_html(self.result, prompt=self.prompt.value, jobs=len(self._cards))

    # ------------------------------------------------------------------ public

    @property
    def client(self) -> Client:
        return self._client

    @property
    def cards(self) -> list[Card]:
        """A card per submitted generation, numbered from 1 like the history strip."""
        return list(self._cards)

    @property
    def image(self) -> Any:
        """The first frame the panel will send (a path, URL, bytes of an upload, a PIL image)."""
        return self.form.image.value

    @property
    def last_image(self) -> Any:
        """The last frame, for models that take one."""
        return self.form.last_image.value

    @property
    def reference_images(self) -> list[Any]:
        """The reference images (uploads as bytes, then paths), for models that take them."""
        return self.form.references.value

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
        """Block until the latest generation ends; return its Job or raise its error."""
        if self._last_error is not None:
            raise self._last_error
        if not self._cards:
            raise RuntimeError("nothing to wait for: call generate() first")
        card = self._cards[-1]
        if not card.done.wait(timeout):
            raise TimeoutError(f"generation #{card.number} still {card.status} after {timeout} s")
        if card.error is not None:
            raise card.error
        assert card.job is not None
        return card.job

    def play(self, job: Job) -> None:
        """Show ``job``'s saved video in the player (or say why it cannot play here)."""
        if job.path is None:
            raise ValueError("that job has no saved video")
        try:
            video: Any = video_html(job.path, embed=self.embed.value)
        except VeoError as exc:
            video = HTML(f'<div class="veo-note">{html.escape(explain(exc))}</div>')
        # One assignment: the front end renders the player once (and embedded bytes cross once).
        self.player.outputs = tuple(_output(item) for item in (video, HTML(caption_html(job))))

    # ------------------------------------------------------------------ form

    def _show_banner(self) -> None:
        if self._client.demo:
            self.banner.value = demo_notice_html()
        else:
            self.banner.value = (
                '<div class="veo-live-banner"><b>Veo 3 Fast</b> &middot; image to video &middot; '
                "generating with a key is billed by the AI/ML API</div>"
            )

    def _form_changed(self) -> None:
        # A fixed input clears the complaint about it; Show code follows the form.
        if not hasattr(self, "form_message"):
            return  # the form is still being built
        self.form_message.value = ""
        self._last_error = None
        self._refresh_code()
        self._refresh_estimate()

    def _refresh_estimate(self) -> None:
        """The price of what Generate would send, from the API's catalogue, off the kernel's
        thread (the catalogue may be fetched once); the latest form wins."""
        self._estimate_turn = turn = getattr(self, "_estimate_turn", 0) + 1

        def work() -> None:
            try:
                options = {k: v for k, v in self.form.options().items() if k not in _MEDIA}
                text = self._client.estimate(**options).describe()
            except Exception:  # no price is not an error: say so, never a made-up number
                text = "price unknown"
            if turn == self._estimate_turn:
                self.estimate.value = f'<small class="veo-note">{html.escape(text)}</small>'

        threading.Thread(target=work, name="veo-panel-estimate", daemon=True).start()

    def code_text(self) -> str:
        """The ``client.generate(...)`` call equivalent to the current form (always runnable)."""
        return self.form.code()

    def _refresh_code(self) -> None:
        if not hasattr(self, "show_code") or not self.show_code.value:
            if hasattr(self, "code"):
                self.code.layout.display = "none"
            return
        self.code.layout.display = None
        self.code.value = f'<pre class="veo-code" style="user-select:all">{html.escape(self.code_text())}</pre>'

    # ------------------------------------------------------------------ key

    def _use_key(self, secret: Secret | None) -> str:
        """Swap the panel's own client for one with this key (None: back to the default)."""
        old = self._client
        self._client = Client(api_key=secret, journal=old.journal) if secret is not None else new_client()
        self._durations = None
        self._retire(old)
        self._show_banner()
        self.money.apply()  # the budget carries over to the new client
        self.money.refresh()
        return "" if secret is not None else ("demo mode again." if self._client.demo else "")

    def _retire(self, old: Client) -> None:
        """Close a client once no running card uses it (closing it earlier would break them)."""
        self._retired.append(old)
        for client in list(self._retired):
            if not any(c.client is client and not c.done.is_set() for c in self._cards):
                self._retired.remove(client)
                client.close()

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
            self.launch(self.prompt.value, self.form.image_value(), options)
        except VeoError as exc:  # refused before anything was sent
            self._last_error = exc
            self.form_message.value = f'<div class="veo-error" role="alert">{html.escape(explain(exc))}</div>'

    def _video(self, text: str) -> Any:
        return resolve_video(self._client.journal, text)

    def launch(self, prompt: str, image: Any, options: dict[str, Any]) -> Card:
        """Validate (raising ``ValidationError``, nothing sent), then generate in the
        background with ``client.start``; the new card follows the run."""
        run = self._client.start(prompt, image, save_to=self._save_to, timeout=self._timeout, **options)
        card = Card(len(self._cards) + 1, prompt.strip(), self._client)
        card.resume_button.on_click(lambda _: self._resume(card))
        self._cards.append(card)
        self.jobs.children = (*self.jobs.children, card.widget)
        card.watch(run, self._ended)
        self._ticker.ensure()
        return card

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
        if card.job is None or not card.done.is_set():
            return
        card.running()
        name = f"veo-panel-resume-{card.number}"
        threading.Thread(target=self._wait_again, args=(card,), name=name, daemon=True).start()
        self._ticker.ensure()

    def _wait_again(self, card: Card) -> None:
        try:
            job = resume_run(card, self._save_to, self._timeout)
        except BaseException as exc:  # every failure becomes one sentence in the card
            self._failed(card, exc)
            return
        self._completed(card, job)

    def _completed(self, card: Card, job: Job) -> None:
        card.job = job
        card.finish("completed")
        self.result = job
        self._summaries.update(self._summary())
        try:
            self.play(job)
        except Exception as exc:  # a video that cannot be shown must not lose the job
            card.message.value = html.escape(explain(exc))
        self._add_history(card.number, job)
        for callback in list(self._callbacks):
            try:
                callback(job)
            except Exception as exc:
                card.message.value = html.escape(f"on_complete callback failed: {exc!r}")
        card.done.set()
        self._retire_done()

    def _retire_done(self) -> None:
        if self._retired:
            self._retire(self._retired.pop())

    # ------------------------------------------------------------------ results

    def _add_history(self, number: int, job: Job) -> None:
        button = history_button(number, job)
        button.on_click(lambda _: self.play(job))
        self.history.children = (*self.history.children, button)


def video_player(path: Path, *, embed: bool) -> VideoHTML:
    """The saved video as a player (see ``_display.video_html``); kept for callers of 0.1."""
    return video_html(path, embed=embed)


def _output(item: Any) -> dict[str, Any]:
    """``item`` as an Output widget's display_data entry."""
    data, metadata = format_display_data(item)
    return {"output_type": "display_data", "data": data, "metadata": metadata}
