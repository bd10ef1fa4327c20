"""The API's published duration percentiles of a model (``GET /models/metrics``), cached.

A poll schedule starts from them while this machine has few jobs of the model; the cache is
shared by every client of the process and trusted for a few minutes.
"""

from __future__ import annotations

import time

import httpx

from ..protocol._responses import parse_metrics
from ..protocol._schedule import DurationModel
from ..protocol._steps import Plan, Send

__all__ = ["METRICS_PATH", "PUBLISHED_TTL", "published", "published_plan"]

METRICS_PATH = "/models/metrics"
#: How long a model's published percentiles are trusted before they are asked for again.
PUBLISHED_TTL = 600.0
_PUBLISHED: dict[tuple[str, str], tuple[float, DurationModel | None]] = {}


def published(base_url: str, model: str | None) -> DurationModel | None:
    """The model's published duration model, if fetched recently (no I/O)."""
    cached = _PUBLISHED.get((base_url, model or ""))
    return cached[1] if cached is not None else None


def published_plan(base_url: str, model: str) -> Plan[DurationModel | None]:
    """``GET /models/metrics?aliases=<model>`` (no key), cached for a few minutes."""
    key = (base_url, model)
    cached = _PUBLISHED.get(key)
    if cached is not None and time.monotonic() - cached[0] < PUBLISHED_TTL:
        return cached[1]
    outcome = yield Send("GET", METRICS_PATH, params=[("aliases", model)], auth=False)
    found = parse_metrics(outcome, model) if isinstance(outcome, httpx.Response) else None
    _PUBLISHED[key] = (time.monotonic(), found)
    return found
