"""Spend over a window (``GET /v2/usage`` and ``GET /v2/usage/detail``), from the ledger and the logs.

Spend and the charged count come from the ledger's ``MODEL_USAGE`` charges; the request
counts of ``/v2/usage/detail``'s groups (total, succeeded, failed) from the usage logs, so
a failed request is counted but billed nothing, as the API documents. ``group_by`` is
``day``, ``model`` or ``day,model``; days are calendar days in ``tz`` (an exact IANA name,
default UTC).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._ledger import Entry
from ._logs import window
from ._wire import EmuRequest, EmuResponse, Problem, iso, json_response

__all__ = ["Request", "answer_usage", "answer_usage_detail"]

_GROUPS = {"day": ("day",), "model": ("model",), "day,model": ("day", "model")}


@dataclass(frozen=True)
class Request:
    """A usage-log row as spend counts it: when, which model, and whether it failed."""

    created: float
    model: str
    failed: bool


Charges = Callable[[], Iterable[Entry]]
Requests = Callable[[], Iterable[Request]]


def _scope(request: EmuRequest, key_prefix: str) -> tuple[datetime, datetime, str | None]:
    first, last = window(request, time.time())
    prefix = request.query.get("key_prefix")
    if prefix is not None and prefix != key_prefix:
        raise Problem(403, "A regular key can only read its own usage", "ForbiddenException")
    return first, last, prefix


def _within(moment: float, first: datetime, last: datetime) -> bool:
    return first <= datetime.fromtimestamp(moment, timezone.utc) <= last


def _base(first: datetime, last: datetime, prefix: str | None, charged: list[Entry]) -> dict[str, Any]:
    return {
        "api_key_prefix": prefix,
        "start": iso(first),
        "end": iso(last),
        "spend": round(sum(e.usd for e in charged), 6),
        "currency": "USD",
        "requests": len(charged),
    }


def answer_usage(request: EmuRequest, charges: Charges, key_prefix: str) -> EmuResponse:
    """``GET /v2/usage``: spend and charged requests in a window."""
    for name in ("group_by", "tz"):
        if name in request.query:
            raise Problem(400, f"property {name} should not exist: use /v2/usage/detail")
    first, last, prefix = _scope(request, key_prefix)
    charged = [e for e in charges() if _within(e.created_at, first, last)]
    return json_response(200, _base(first, last, prefix, charged))


def answer_usage_detail(request: EmuRequest, charges: Charges, requests: Requests, key_prefix: str) -> EmuResponse:
    """``GET /v2/usage/detail``: the same, by model, and grouped by day and/or model."""
    first, last, prefix = _scope(request, key_prefix)
    group_by = request.query.get("group_by")
    if group_by is not None and group_by not in _GROUPS:
        raise Problem(400, "group_by must be one of the following values: day, model, day,model")
    zone = _zone(request.query.get("tz", "UTC"))
    charged = [e for e in charges() if _within(e.created_at, first, last)]
    payload = _base(first, last, prefix, charged)
    models: dict[str, list[Entry]] = {}
    for entry in charged:
        models.setdefault(entry.model or "unknown", []).append(entry)
    listed = [{"model": m, "spend": round(sum(e.usd for e in es), 6), "requests": len(es)} for m, es in models.items()]
    payload["models"] = sorted(listed, key=lambda m: (-float(m["spend"]), str(m["model"])))
    if group_by is not None:
        made = [r for r in requests() if _within(r.created, first, last)]
        payload["groups"] = _groups(_GROUPS[group_by], zone, charged, made)
    return json_response(200, payload)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Problem(400, f"tz must be an IANA time zone name, not {name!r}") from None


def _groups(keys: tuple[str, ...], zone: ZoneInfo, charged: list[Entry], made: list[Request]) -> list[dict[str, Any]]:
    def group_of(moment: float, model: str) -> tuple[str, ...]:
        day = datetime.fromtimestamp(moment, zone).date().isoformat()
        return tuple(day if k == "day" else model for k in keys)

    groups: dict[tuple[str, ...], dict[str, Any]] = {}

    def slot(key: tuple[str, ...]) -> dict[str, Any]:
        if key not in groups:
            groups[key] = {
                **dict(zip(keys, key, strict=True)),
                "spend": 0.0,
                "tokens": {"input": 0, "output": 0, "total": 0},
                "requests": {"total": 0, "charged": 0, "succeeded": 0, "failed": 0},
            }
        return groups[key]

    for entry in charged:
        group = slot(group_of(entry.created_at, entry.model or "unknown"))
        group["spend"] = round(group["spend"] + entry.usd, 6)
        group["requests"]["charged"] += 1
    for row in made:
        counts = slot(group_of(row.created, row.model))["requests"]
        counts["total"] += 1
        counts["failed" if row.failed else "succeeded"] += 1
    return [groups[k] for k in sorted(groups)]
