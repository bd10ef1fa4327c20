"""How one catalogue ``pricing`` object prices a request, with no guessing.

``fixed`` sums its ``units[]``; ``variants`` takes the one variant whose ``when`` fits the
request (any letter case, ``8`` = ``"8"`` = ``"8s"``); each price is read with its ``per``
and counted per generated second or per video. Anything else (``variable``, a currency other
than USD, a unit a video cannot be counted in, two fitting variants with different prices)
is ``None``: "price unknown".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["price_of"]

#: Units counted once per generated second; units counted once per request.
_PER_SECOND = frozenset({"second", "seconds", "sec", "s", "video_second", "video second"})
_PER_ITEM = frozenset({"video", "videos", "generation", "generations", "request", "requests", "item", "clip"})


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _rate(price: Any, per: Any, unit: Any, duration: int | None) -> float | None:
    """``price`` per ``per`` ``unit``s, for one video of ``duration`` seconds."""
    amount, count = _number(price), _number(per if per is not None else 1)
    if amount is None or not count:
        return None
    kind = str(unit or "").strip().lower()
    if kind in _PER_SECOND:
        return None if not duration else amount / count * duration
    if kind in _PER_ITEM:
        return amount / count
    return None


def _same(wanted: Any, have: Any) -> bool:
    """A ``when`` value against the request's: any letter case, ``8`` = ``"8"`` = ``"8s"``."""

    def norm(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        text = str(value).strip().lower()
        if text.endswith("s") and text[:-1].isdigit():
            text = text[:-1]
        try:
            number = float(text)
        except ValueError:
            return text
        return str(int(number)) if number.is_integer() else text

    return have is not None and norm(wanted) == norm(have)


def price_of(pricing: Mapping[str, Any], request: Mapping[str, Any]) -> float | None:
    """US dollars for one video of ``request`` (``resolution``, ``duration``,
    ``generate_audio``), or None when ``pricing`` cannot say."""
    kind = str(pricing.get("kind") or "").lower()
    currency = str(pricing.get("currency") or "USD").upper()
    if currency != "USD":
        return None
    duration = request.get("duration")
    if kind == "fixed":
        units = pricing.get("units")
        if not isinstance(units, list) or not units:
            return None
        total = 0.0
        for unit in units:
            if not isinstance(unit, Mapping):
                return None
            cost = _rate(unit.get("price"), unit.get("per"), unit.get("measure") or unit.get("unit"), duration)
            if cost is None:
                return None
            total += cost
        return round(total, 6)
    if kind == "variants":
        prices = set()
        for variant in pricing.get("variants") or []:
            if not isinstance(variant, Mapping):
                continue
            when = variant.get("when")
            when = when if isinstance(when, Mapping) else {}
            if all(_same(value, request.get(str(key))) for key, value in when.items()):
                cost = _rate(variant.get("price"), variant.get("per"), variant.get("unit"), duration)
                if cost is None:
                    return None
                prices.add(round(cost, 6))
        return prices.pop() if len(prices) == 1 else None
    return None  # "variable", or a kind this release does not know
