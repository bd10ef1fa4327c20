"""Demo mode's settings from the environment, read once when the demo emulator starts."""

from __future__ import annotations

import math
import os

from .._errors import ValidationError

__all__ = ["env_seconds"]


def env_seconds(name: str, default: float) -> float:
    """``$name`` as seconds (0 or more), or ``default`` when it is unset or empty; a value
    that is not one is refused with a clear error naming the variable."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ValidationError(name, f"a number of seconds, 0 or more, not {text!r}")
    return value
