"""The panel's key row: a key taken whole, shown masked, checked, cleared; a given client kept."""

from __future__ import annotations

import html
import json
from dataclasses import replace

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.money._pricing import load_cached, save_cached
from veo_widgets.notebook.panel._panel import Panel

from ...conftest import QUICK_POLLS, SENTINEL_KEY
from ...helpers import enter_key, until

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def demo_panel(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Panel:
    """A panel made in demo mode; a key typed into it then talks to the server that
    AIMLAPI_BASE_URL names: here the emulator (for a person, api.aimlapi.com)."""
    panel = Panel()
    monkeypatch.setenv("AIMLAPI_BASE_URL", emulator.url)
    return panel


def state_of(panel: Panel) -> str:
    return json.dumps(panel.get_manager_state(drop_defaults=False), default=str)


def test_the_field_sends_the_whole_key_not_each_keystroke() -> None:
    # Regression: with continuous updates a key typed key by key arrived one character at a
    # time, and the panel kept only the last one.
    panel = Panel()
    assert panel.api_key.continuous_update is False


def test_a_key_is_taken_cleared_at_once_and_shown_masked(demo_panel: Panel, emulator: Emulator) -> None:
    panel = demo_panel
    assert panel.client.demo
    enter_key(panel, emulator.api_key)  # Enter (or Use key) in the browser
    assert panel.api_key.value == ""
    assert not panel.client.demo and panel.client.base_url == emulator.url
    status = panel.key.status.value
    assert emulator.api_key[-4:] in status and emulator.api_key not in status
    assert "demo mode" not in panel.banner.value
    panel.key.check.click()  # one authenticated request for an id that cannot exist
    assert "accepted" in panel.key.status.value


def test_a_refused_key_is_reported_by_check(demo_panel: Panel, emulator: Emulator) -> None:
    panel = demo_panel
    enter_key(panel, SENTINEL_KEY)
    panel.key.check.click()
    assert "refused" in panel.key.status.value and SENTINEL_KEY not in panel.key.status.value


def test_use_key_without_a_key_says_what_to_do() -> None:
    panel = Panel()
    panel.key.use.click()
    assert "type or paste a key" in panel.key.status.value and panel.client.demo


def test_clear_goes_back_to_demo_mode_and_closes_the_old_client(
    demo_panel: Panel, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = demo_panel
    demo_client = panel.client
    enter_key(panel, emulator.api_key)
    keyed = panel.client
    # The replaced client was closed, not leaked: it sends nothing more.
    with pytest.raises(veo.APIConnectionError, match="the client has been closed"):
        demo_client.get("any")
    monkeypatch.delenv("AIMLAPI_BASE_URL")  # the environment names no server: demo mode
    panel.key.clear.click()
    assert panel.client.demo and "demo mode" in panel.banner.value
    with pytest.raises(veo.APIConnectionError, match="the client has been closed"):
        keyed.get("any")


def test_the_key_is_never_in_state_or_repr(demo_panel: Panel, emulator: Emulator) -> None:
    panel = demo_panel
    enter_key(panel, SENTINEL_KEY)
    assert SENTINEL_KEY not in state_of(panel) and SENTINEL_KEY not in repr(panel)


def test_a_given_client_is_never_replaced(emulator: Emulator) -> None:
    # Regression: a key typed into `%veo panel` replaced the magics' client (its journal,
    # base URL and transport), so the panel stopped sharing it.
    client = veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS)
    try:
        panel = Panel(client=client)
        assert panel.api_key.disabled and panel.key.use.disabled
        panel.api_key.value = SENTINEL_KEY  # even set from code
        assert panel.client is client and panel.api_key.value == ""
        assert SENTINEL_KEY not in state_of(panel)
        with pytest.raises(veo.NotFoundError):  # still open and keyed: the panel does not own it
            client.get("no-such-job")
    finally:
        client.close()


def shown_estimate(panel: Panel, unlike: str = "") -> str:
    """The price line next to Generate once it is worked out (and differs from ``unlike``)."""
    until(lambda: "$" in panel.estimate.value and panel.estimate.value != unlike)
    return html.unescape(panel.estimate.value)


def test_a_key_refreshes_the_price_line_from_the_new_client(demo_panel: Panel, emulator: Emulator) -> None:
    # Regression: after a key was entered the price line still said "(simulated prices)".
    # The server the key talks to (the emulator, standing in for the API) has real prices
    # here: its catalogue is cached without the emulator's "simulated" tag.
    with veo.Client(emulator.api_key, emulator.url) as probe:
        probe.estimate()  # reads the server's catalogue, and caches it on disk
    catalogue = load_cached(emulator.url)
    assert catalogue is not None
    save_cached(replace(catalogue, models=tuple(replace(m, simulated=False) for m in catalogue.models)))
    panel = demo_panel
    panel.prompt.value = "waves"
    assert "simulated prices" in shown_estimate(panel)
    demo = panel.estimate.value
    enter_key(panel, emulator.api_key)
    assert not panel.client.demo
    live = shown_estimate(panel, unlike=demo)
    assert "about $" in live and "simulated" not in live


def test_the_live_banner_names_the_model_picked(emulator: Emulator) -> None:
    # Regression: with a key the banner said "Veo 3 Fast · image to video" whatever model
    # was picked, right above a billed Generate.
    client = veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS)
    try:
        panel = Panel(client=client)
        assert not client.demo and "Veo 3 Fast" in panel.banner.value and "billed" in panel.banner.value
        panel.model.value = veo.models()[-1].id if veo.models()[-1].id != panel.model.value else veo.models()[0].id
        title = next(m.title for m in veo.models() if m.id == panel.model.value)
        assert html.escape(title) in panel.banner.value and "billed" in panel.banner.value
    finally:
        client.close()


def test_clicking_elsewhere_holds_the_key_without_using_it(demo_panel: Panel, emulator: Emulator) -> None:
    # Regression (issue 21, 12): the field sends its value on blur as on Enter, and a
    # half-typed key clicked away from was put in use at once.
    panel = demo_panel
    panel.api_key.value = emulator.api_key[:6]  # typed half, then clicked elsewhere (blur)
    assert panel.client.demo and panel.api_key.value == ""
    assert "not in use" in panel.key.status.value and emulator.api_key[:6] not in state_of(panel)
    panel.key.use.click()  # "Use key" is a commit
    assert not panel.client.demo and panel.key.active is not None
    panel.key.clear.click()
    panel.api_key.value = emulator.api_key  # blur again: still not in use
    assert panel.key.active is None
    enter_key(panel, emulator.api_key)  # Enter is the other commit
    assert panel.key.active is not None and "using key" in panel.key.status.value
