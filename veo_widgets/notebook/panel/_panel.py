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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import ipywidgets as w
from IPython.core.display import HTML
from IPython.core.formatters import format_display_data

from ..._config import Secret
from ..._errors import VeoError, explain
from ...client._client import Client
from ...client._money import price_text
from ...protocol._schedule import DurationModel
from ...schema._family import get_model
from ...schema._models import DEFAULT_MODEL, Job
from ...views._client_api import ClientAPI
from ...views._display import VideoHTML, caption_html, demo_notice_html, video_html
from .._takes_view import TakesGrid
from ._cards import Card, Ticker
from ._form import Form
from ._key import KeyRow, check_key, new_client
from ._layout import arrange, widgets
from ._money import MoneyRow
from ._running import Running
from ._summary import Summaries, keep_alive, summary_html

__all__ = ["Panel", "new_client", "video_player"]


class Panel(Running, w.VBox):
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
        aspect_ratio: str | None = None,
        resolution: str | None = None,
        duration: int | None = None,
        seed: int | None = None,
        enhance_prompt: bool | None = None,
        generate_audio: bool | None = None,
        auto_fix: bool | None = None,
        provider: str | None = None,
        person_generation: str | None = None,
        model: str = DEFAULT_MODEL,
        embed: bool = False,
        save_to: str | os.PathLike[str] | None = None,
        timeout: float = 600.0,
        client: ClientAPI | None = None,
        compact: bool = False,
        takes: int = 1,
        lineage: Mapping[str, str | None] | None = None,
    ) -> None:
        self._owns_client = client is None
        self._client: ClientAPI = client or new_client()
        self._retired: list[ClientAPI] = []
        self._retiring = threading.Lock()  # the retired clients and the history strip
        self._model = model
        self._save_to = save_to
        self._timeout = timeout
        self._cards: list[Card] = []
        self._grids: list[TakesGrid] = []
        self.lineage = lineage
        """Where this panel's jobs come from (``parent_id``, ``relation``), journaled with each create."""
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

        # None: the chosen model's own default, as ``client.generate`` would use it.
        values = {
            "aspect_ratio": aspect_ratio,
            "resolution": resolution.lower() if resolution else None,
            "duration": duration,
            "negative_prompt": negative_prompt,
            "seed": seed,
            "enhance_prompt": enhance_prompt,
            "generate_audio": generate_audio,
            "auto_fix": auto_fix,
            "provider": provider.lower() if provider else None,
            "person_generation": person_generation.lower() if person_generation else None,
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
        self.auto_fix, self.provider, self.person_generation = c["auto_fix"], c["provider"], c["person_generation"]

        locked = "" if self._owns_client else "This panel uses the client it was given; that client's key applies."
        self.key = KeyRow(self._use_key, lambda: check_key(self._client), locked=locked)
        self.api_key = self.key.field
        self.money = MoneyRow(lambda: self._client)  # budget, balance, lost creates
        # The rest of the panel's widgets, by name (see _panel_layout.widgets).
        for name, widget in widgets().items():
            setattr(self, name, widget)
        self.generate_button.on_click(lambda _: self._clicked())
        self.show_code.observe(lambda _: self._refresh_code(), names="value")
        self.model.observe(lambda _: self._show_banner(), names="value")  # the live banner names it
        self.takes.value = takes
        self.takes.observe(lambda _: self._form_changed(), names="value")
        # Ctrl+Enter in the prompt writes "nonce\nprompt" here (see _style.KEYS): the prompt
        # as typed, even when its last characters are still on their way to the kernel.
        self.submit = w.Textarea(value="", layout=w.Layout(display="none"))
        self.submit.add_class("veo-submit")
        self.submit.observe(lambda change: self._submitted(change["new"]), names="value")

        columns = arrange(self, f.column)
        if compact:
            # Status and result only: what `%%veo --background` shows under its cell.
            super().__init__([self._style, self.banner, self.form_message, self.jobs, self.player])
        else:
            super().__init__(
                [self._style, self.saved_cover, self.banner, columns, self.take_rows, self.submit],
                layout=w.Layout(width="100%", max_width="100%"),
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

        bundle = self._repr_mimebundle_()
        if isinstance(bundle, dict):
            # The summary output below is kept current; a copy here would be frozen at the
            # moment the cell ran, and GitHub or nbviewer would show it above the real one.
            bundle.pop("text/html", None)
        display(bundle, raw=True)
        self._summaries.show(self._summary())

    def _summary(self) -> str:
        return summary_html(self.result, prompt=self.prompt.value, jobs=len(self._cards))

    # ------------------------------------------------------------------ public

    @property
    def client(self) -> ClientAPI:
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
            video: Any = video_html(job.path, embed=self.embed.value)
        except VeoError as exc:
            video = HTML(f'<div class="veo-note">{html.escape(explain(exc))}</div>')
        # The caption's download works where the player does (no file link under an embedded one).
        caption = caption_html(job, embedded=isinstance(video, VideoHTML) and video.embedded)
        # One assignment: the front end renders the player once (and embedded bytes cross once).
        self.player.outputs = tuple(_output(item) for item in (video, HTML(caption)))

    # ------------------------------------------------------------------ form

    def _submitted(self, value: str) -> None:
        """Ctrl+Enter: generate with the prompt the browser sent along."""
        _, sent, text = value.partition("\n")
        if not sent:
            return
        self.prompt.value = text
        self._clicked()

    def _show_banner(self) -> None:
        if self._client.demo_notice:
            self.banner.value = demo_notice_html(self._client.demo_notice)
        else:
            title = html.escape(get_model(self.model.value).title)
            self.banner.value = (
                f'<div class="veo-live-banner"><b>{title}</b> &middot; '
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
                text = price_text(self._client, self.form.options(), int(self.takes.value))
            except Exception:  # no price is not an error: say so, never a made-up number
                text = "price unknown"
            if turn == self._estimate_turn:
                self.estimate.value = f'<small class="veo-note">{html.escape(text)}</small>'

        threading.Thread(target=work, name="veo-panel-estimate", daemon=True).start()

    def code_text(self) -> str:
        """The ``client.generate(...)`` call equivalent to the current form (always runnable);
        ``client.variations(..., n=...)`` with more than one take."""
        return self.form.code(takes=int(self.takes.value))

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
        old, owned = self._client, self._owns_client
        self._client = Client(api_key=secret, journal=old.journal) if secret is not None else new_client()
        self._owns_client = True
        self._durations = None
        if owned:  # a client the panel was given is its caller's (the magics', say): never closed here
            self._retire(old)
        self._show_banner()
        self.money.apply()  # the budget carries over to the new client
        self.money.refresh()
        self._refresh_estimate()  # the new client's prices: real ones with a key, not simulated
        return "" if secret is not None else ("demo mode again." if self._client.demo else "")


def video_player(path: Path, *, embed: bool) -> VideoHTML:
    """The saved video as a player (see ``_display.video_html``); kept for callers of 0.1."""
    return video_html(path, embed=embed)


def _output(item: Any) -> dict[str, Any]:
    """``item`` as an Output widget's display_data entry."""
    data, metadata = format_display_data(item)
    return {"output_type": "display_data", "data": data, "metadata": metadata}
