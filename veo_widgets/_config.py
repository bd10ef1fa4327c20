"""Settings from arguments and the environment, and the secret that holds the key."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

__all__ = [
    "DEFAULT_BASE_URL",
    "DEMO_NOTICE",
    "Secret",
    "Settings",
    "data_dir",
    "demo_setting",
    "env_api_key",
    "output_dir",
    "unchecked_video_urls",
]

DEFAULT_BASE_URL = "https://api.aimlapi.com"
DEMO_NOTICE = "demo mode: simulated video; set AIMLAPI_KEY to use Veo"
KEY_VARIABLES = ("AIMLAPI_KEY", "AIML_API_KEY")


class Secret:
    """Holds the API key. Its repr and str never show it; ``reveal()`` does, for the header."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> str:  # never pickled into saved state
        raise TypeError("a Secret cannot be pickled")


def env_api_key() -> Secret | None:
    for name in KEY_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return Secret(value)
    return None


def demo_setting() -> bool | None:
    """``VEO_DEMO``: True forces demo mode, False forbids it, None decides by the key."""
    value = os.environ.get("VEO_DEMO", "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return None


def unchecked_video_urls() -> bool:
    """``VEO_UNCHECKED_VIDEO_URLS=1``: a video URL to extend that this machine cannot read
    is sent unchecked (the API's servers may reach a link this machine cannot), instead of
    refused before sending. A link that can be read is checked whatever this says."""
    return os.environ.get("VEO_UNCHECKED_VIDEO_URLS", "").strip().lower() in ("1", "true", "yes", "on")


def data_dir() -> Path:
    """Where the journal lives: ``$VEO_HOME`` or the user data directory."""
    override = os.environ.get("VEO_HOME")
    path = Path(override).expanduser() if override else Path(platformdirs.user_data_dir("veo_widgets", appauthor=False))
    return path


def output_dir() -> Path:
    """Where videos are saved when no path is given: ``$VEO_OUTPUT_DIR`` or ``./veo_outputs``."""
    return Path(os.environ.get("VEO_OUTPUT_DIR") or "veo_outputs").expanduser()


@dataclass(frozen=True)
class Settings:
    """What a client resolved: where it talks, and whether that is the emulator."""

    base_url: str
    api_key: Secret | None
    demo: bool

    @classmethod
    def resolve(cls, api_key: str | Secret | None, base_url: str | None) -> Settings:
        key = (
            Secret(api_key)
            if isinstance(api_key, str) and api_key
            else api_key
            if isinstance(api_key, Secret)
            else None
        )
        key = key or env_api_key()
        url = base_url or os.environ.get("AIMLAPI_BASE_URL") or None
        forced = demo_setting()
        demo = forced is True or (forced is None and key is None and url is None)
        return cls(base_url=(url or DEFAULT_BASE_URL).rstrip("/"), api_key=key, demo=demo)
