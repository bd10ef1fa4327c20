"""The panel's API key row: take a key on Enter or "Use key", check it, clear it.

The field does not sync while the person types (``continuous_update=False``): the browser
sends the whole key once, on Enter, on "Use key" (which takes the focus, so the field sends
first) or on leaving the field. The kernel takes it into memory and empties the field at once,
so neither saved widget state nor a saved notebook ever holds it. Only Enter (the field's
"submit" message, sent just before the value) or "Use key" puts it in use: a key that arrived
because the person clicked elsewhere is held, not used, until one of them. The row then shows
only the key's last four characters.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..._config import Secret
from ..._errors import AuthenticationError, NotFoundError, VeoError, explain
from ...client._client import Client
from ...views._client_api import ClientAPI

__all__ = ["KeyRow", "check_key", "masked", "new_client"]


def masked(secret: Secret) -> str:
    """``…abcd``: enough to tell two keys apart, never enough to use one."""
    return "…" + secret.reveal()[-4:] if len(secret.reveal()) > 8 else "…"


class KeyRow:
    """The widgets and their behaviour. ``on_key(secret_or_None)`` applies a key (None: back
    to demo mode); ``on_check()`` returns one sentence saying whether the server took it."""

    def __init__(
        self,
        on_key: Callable[[Secret | None], str],
        on_check: Callable[[], str],
        *,
        locked: str = "",
    ) -> None:
        self._on_key = on_key
        self._on_check = on_check
        self.field = w.Password(
            placeholder="API key (kept in memory only)",
            description="API key",
            continuous_update=False,
            # A line of its own, as wide as the other fields; the buttons go under its input.
            layout=w.Layout(width="auto", flex="1 1 100%", max_width="100%"),
        )
        self.field.add_class("veo-key-input")
        self.use = w.Button(description="Use key", tooltip="Use this key for this session", icon="key")
        self.use.add_class("veo-key-use")
        self.check = w.Button(description="Check", tooltip="Ask the API whether it takes the key", disabled=True)
        self.check.add_class("veo-key-check")
        self.clear = w.Button(description="Clear key", tooltip="Forget the key: back to demo mode", disabled=True)
        self.clear.add_class("veo-key-clear")
        for button in (self.use, self.check, self.clear):
            button.layout = w.Layout(width="auto")
        self.status = w.HTML()
        self.status.add_class("veo-key-status")
        self.box = w.HBox(
            [self.field, self.use, self.check, self.clear, self.status],
            layout=w.Layout(flex_flow="row wrap", align_items="center", max_width="100%"),
        )
        self.box.add_class("veo-key-row")
        self._pending: Secret | None = None
        self.active: Secret | None = None
        if locked:
            # A client given to the Panel belongs to its owner: the panel never swaps it.
            for control in (self.field, self.use):
                control.disabled = True
            self.field.placeholder = "key comes from the client you passed"
            self.status.value = f'<small class="veo-note">{html.escape(locked)}</small>'
            self.field.observe(self._refused, names="value")
            return
        self._submitted = False  # Enter was pressed: the value that follows is to be used
        self.field.observe(self._arrived, names="value")
        self.field.on_msg(self._message)
        self.use.on_click(lambda _: self.take())
        self.check.on_click(lambda _: self._checked())
        self.clear.on_click(lambda _: self.forget())

    def _say(self, text: str, *, error: bool = False) -> None:
        cls = "veo-error" if error else "veo-note"
        self.status.value = f'<small class="{cls}">{html.escape(text)}</small>'

    def _refused(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.field.value = ""  # never kept, never used: this panel's client is not its own

    def _message(self, _: Any, content: dict[str, Any], buffers: Any) -> None:
        """Enter in the field: the browser sends "submit", then the value."""
        if content.get("event") != "submit":
            return
        if self._pending is not None:  # Enter in the emptied field after a blur: the held key
            self.take()
        self._submitted = True  # a key typed before this Enter follows: it is the one to use

    def _arrived(self, change: dict[str, Any]) -> None:
        value = str(change["new"] or "").strip()
        if not value:
            return
        # Out of the synced field at once: it must never be saved with the notebook.
        self._pending = Secret(value)
        self.field.value = ""
        if self._submitted:
            self._submitted = False
            self.take()
        else:
            self._say(f"key {masked(self._pending)} received, not in use yet: press Use key to use it")

    def take(self) -> None:
        """Use the key that arrived (the button's click follows the field's value)."""
        if self._pending is None:
            if self.active is None:
                self._say("type or paste a key first, then press Enter or Use key", error=True)
            return
        secret, self._pending = self._pending, None
        self.active = secret
        self._submitted = False
        note = self._on_key(secret)
        self.check.disabled = False
        self.clear.disabled = False
        self._say(f"using key {masked(secret)} (this session only). {note}".strip())

    def _checked(self) -> None:
        self._say("checking…")
        self._say(self._on_check())

    def forget(self) -> None:
        """Drop the key: the panel goes back to demo mode (or the environment's key)."""
        self.active = None
        self._pending = None
        note = self._on_key(None)
        self.check.disabled = True
        self.clear.disabled = True
        self._say(f"key cleared. {note}".strip())


def check_key(client: ClientAPI) -> str:
    """One sentence: does the API take this client's key? The cheapest authenticated request
    there is: a poll of an id that cannot exist. A key the server takes gets "not found"; a
    refused one gets 401/403. Nothing is created, nothing is billed."""
    try:
        client.get("veo-widgets-key-check")
    except NotFoundError:
        return "the API accepted the key."
    except AuthenticationError:
        return "the API refused this key: check it, or Clear key to go back to demo mode."
    except VeoError as exc:
        return f"could not check the key: {explain(exc)}"
    return "the API accepted the key."


def new_client() -> Client:
    """A default client (from the environment; demo mode without a key)."""
    return Client()
