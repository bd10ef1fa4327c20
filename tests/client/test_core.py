"""What both clients share: settings, demo mode when there is no key, and a key that never shows."""

from __future__ import annotations

from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets._errors import ValidationError
from veo_widgets.emulator import Emulator
from veo_widgets.journal._store import Journal

from ..conftest import FAST, SENTINEL_KEY, probe


def test_no_key_and_no_demo_names_the_variable(monkeypatch: pytest.MonkeyPatch, image_file: Path) -> None:
    monkeypatch.setenv("VEO_DEMO", "0")
    client = veo.Client()
    assert not client.demo
    with pytest.raises(veo.AuthenticationError, match="AIMLAPI_KEY"):
        client.submit("x", image=image_file)
    assert veo.history() == []  # nothing was sent, so nothing was journaled


def test_repr_is_cheap_and_secret_free(emulator: Emulator) -> None:
    client = veo.Client(SENTINEL_KEY, emulator.url)
    text = repr(client)
    client.close()
    assert SENTINEL_KEY not in text and "live" in text and emulator.url in text


def test_demo_mode_without_a_key(capsys: pytest.CaptureFixture[str], image_file: Path) -> None:
    client = veo.Client()
    assert client.demo and "127.0.0.1" in client.base_url
    job = client.generate("demo", image=image_file, **FAST)
    assert job.demo and job.path is not None and probe(job.path)["audio_codec"] == "aac"
    client.close()


def test_demo_forced_with_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_KEY", SENTINEL_KEY)
    monkeypatch.setenv("VEO_DEMO", "1")
    client = veo.Client()
    assert client.demo and "127.0.0.1" in client.base_url
    client.close()


def test_the_poll_budget_is_a_client_setting(tmp_path: Path) -> None:
    with veo.Client(
        "k", "http://127.0.0.1:9", journal=Journal(tmp_path / "j.sqlite3"), max_polls_per_second=5
    ) as client:
        assert client.max_polls_per_second == 5
        client.max_polls_per_second = 50
        assert client.max_polls_per_second == 50
        with pytest.raises(ValidationError, match="max_polls_per_second"):
            client.max_polls_per_second = 0
    with pytest.raises(ValidationError, match="max_polls_per_second"):
        veo.Client("k", "http://127.0.0.1:9", max_polls_per_second=-1)
