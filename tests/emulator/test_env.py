"""Demo mode's settings from the environment: a value that is not seconds is named, not a traceback."""

from __future__ import annotations

import pytest

import veo_widgets as veo
from veo_widgets.emulator._env import env_seconds


def test_seconds_from_the_environment_or_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VEO_DEMO_SECONDS", raising=False)
    assert env_seconds("VEO_DEMO_SECONDS", 12.0) == 12.0
    monkeypatch.setenv("VEO_DEMO_SECONDS", " 2.5 ")
    assert env_seconds("VEO_DEMO_SECONDS", 12.0) == 2.5


@pytest.mark.parametrize("text", ["abc", "-1", "nan", "inf"])
def test_a_value_that_is_not_seconds_names_the_variable(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv("VEO_DEMO_LOG_LAG", text)
    with pytest.raises(veo.ValidationError) as refused:
        env_seconds("VEO_DEMO_LOG_LAG", 0.0)
    assert refused.value.field == "VEO_DEMO_LOG_LAG" and repr(text) in str(refused.value)
