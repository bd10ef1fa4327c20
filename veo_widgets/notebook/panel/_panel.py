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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ipywidgets as w

from ..._config import Secret
from ...client._client import Client
from ...client._money import price_text
from ...schema._family import get_model
from ...schema._models import DEFAULT_MODEL
from ...views._client_api import ClientAPI
from ...views._display import VideoHTML, demo_notice_html, video_html
from ._form import Form
from ._key import KeyRow, check_key, new_client
from ._layout import PanelParts
from ._long_take import LongTakes
from ._money import MoneyRow
from ._running import Running
from ._summary import keep_alive
from ._unconfirmed import sent_by

__all__ = ["Panel", "new_client", "video_player"]


class Panel(LongTakes, Running, w.VBox):
    """Pick an image, write a prompt, press Generate; the video plays beside the form.

    Its widgets are attributes by name (``panel.prompt``, ``panel.generate_button``,
    ``panel.takes``, ``panel.form``...: see ``PanelParts``).

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
        own = client is None
        Running.__init__(
            self, client or new_client(), owns_client=own, save_to=save_to, timeout=timeout, lineage=lineage
        )
        self._estimate_turn = 0  # the latest price asked for is the one shown
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
        form = Form(
            model=model, prompt=prompt, values=values, embed=embed, prepare=self._prepare, changed=self._form_changed
        )
        locked = "" if own else "This panel uses the client it was given; that client's key applies."
        key = KeyRow(self._use_key, lambda: check_key(self._client), locked=locked)
        money = MoneyRow(lambda: self._client, mine=lambda: sent_by(self._cards))  # its own lost creates
        PanelParts.__init__(self, form, key, money, takes)
        self.long_takes(self._form_changed)  # "22 s as one long take", for models that can extend
        self._connect()
        if compact:  # status and result only: what `%%veo --background` shows under its cell
            w.VBox.__init__(self, [self._style, self.banner, self.form_message, self.jobs, self.player])
        else:
            w.VBox.__init__(
                self,
                [self._style, self.saved_cover, self.banner, self.columns(), self.take_rows, self.submit],
                layout=w.Layout(width="100%", max_width="100%"),
            )
            keep_alive(self.saved_cover, self)
            form.column.children = (*form.column.children, self.money.box)
            self.money.refresh()
        self.add_class("veo-panel")
        self._show_banner()
        if image is not None:
            if isinstance(image, (str, Path)) and not str(image).startswith("data:"):
                self.image_path.value = str(image)
            else:
                form.image.set(image)
        self._refresh_code()
        self._refresh_estimate()  # the price beside Takes from the first render, not after an edit

    def _connect(self) -> None:
        """What the panel's own widgets do."""
        self.generate_button.on_click(lambda _: self._clicked())
        self.show_code.observe(lambda _: self._refresh_code(), names="value")
        self.model.observe(lambda _: self._show_banner(), names="value")  # the live banner names it
        self.takes.observe(lambda _: self._form_changed(), names="value")
        self.submit.observe(lambda change: self._submitted(change["new"]), names="value")

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

    # ------------------------------------------------------------------ public

    @property
    def client(self) -> ClientAPI:
        return self._client

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

    # ------------------------------------------------------------------ form

    def _prepare(self, value: Any, ratio: str) -> Any:
        """An image as it will be sent (its preview), for a frame of shape ``ratio``."""
        return self._client.build_request("preview", value, aspect_ratio=ratio)

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
        self.form_message.value = ""
        self._last_error = None
        self._refresh_code()
        self._refresh_estimate()

    def _refresh_estimate(self) -> None:
        """The price of what Generate would send, from the API's catalogue, off the kernel's
        thread (the catalogue may be fetched once); the latest form wins."""
        self._estimate_turn = turn = self._estimate_turn + 1

        def work() -> None:
            try:
                text = self.chain_price_text() or price_text(self._client, self.form.options(), int(self.takes.value))
            except Exception:  # no price is not an error: say so, never a made-up number
                text = "price unknown"
            if turn == self._estimate_turn:
                self.estimate.value = f'<small class="veo-note">{html.escape(text)}</small>'

        threading.Thread(target=work, name="veo-panel-estimate", daemon=True).start()

    def code_text(self) -> str:
        """The ``client.generate(...)`` call equivalent to the current form (always runnable);
        ``client.variations(..., n=...)`` with more than one take."""
        return self.long_take_code() or self.form.code(takes=int(self.takes.value))

    def _refresh_code(self) -> None:
        if not self.show_code.value:
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
