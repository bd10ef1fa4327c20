"""Where the client talks, and the secret that never shows."""

from __future__ import annotations

import pickle

import pytest

from veo_widgets._config import DEFAULT_BASE_URL, Secret, Settings


def test_no_key_means_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings.resolve(None, None)
    assert settings.demo and settings.api_key is None


def test_either_key_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIML_API_KEY", "k-second")
    settings = Settings.resolve(None, None)
    assert not settings.demo and settings.api_key == Secret("k-second") and settings.base_url == DEFAULT_BASE_URL
    monkeypatch.setenv("AIMLAPI_KEY", "k-first")
    assert Settings.resolve(None, None).api_key == Secret("k-first")


def test_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_BASE_URL", "http://127.0.0.1:8765/")
    settings = Settings.resolve(None, None)
    assert settings.base_url == "http://127.0.0.1:8765" and not settings.demo


@pytest.mark.parametrize(("value", "demo"), [("1", True), ("on", True), ("0", False), ("off", False)])
def test_veo_demo_forces(monkeypatch: pytest.MonkeyPatch, value: str, demo: bool) -> None:
    monkeypatch.setenv("VEO_DEMO", value)
    assert Settings.resolve("a-key", None).demo is demo


def test_secret_never_shows() -> None:
    secret = Secret("sk-very-secret")
    assert "very" not in repr(secret) + str(secret) + f"{secret}" + repr(Settings("u", secret, False))
    with pytest.raises(TypeError):
        pickle.dumps(secret)
