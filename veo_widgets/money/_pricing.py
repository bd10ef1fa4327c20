"""Prices, before money is spent: the model catalogue and what a request will cost.

``GET /v1/models?include=pricing`` (no key needed) lists every model with a ``pricing``
object of one of three kinds: ``fixed`` (``units[]``), ``variants`` (``dimensions[]`` and
``variants[]`` chosen by their ``when``) and ``variable`` (no quote possible). A price is
always read with its ``per`` (``0.65`` per ``1`` second). Nothing here guesses: a model
that is not in the catalogue, a ``variable`` price, a unit we cannot count or two variants
that both fit with different prices all give ``None``, shown as "price unknown" (how one
``pricing`` object prices a request: ``_price_rules``).

The catalogue is fetched by :func:`catalogue_flow` (no I/O: it yields a
:class:`~._flows.Send`) and cached on disk for a day, revalidated with ``If-None-Match``.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

import httpx

from .._config import data_dir
from .._errors import VeoError
from ..protocol._responses import Malformed, json_body
from ..protocol._retry import DEFAULT_RETRY, RetryPolicy, failure_text, get_flow
from ..protocol._steps import Outcome, Send, Step
from ._learned import Learned, learned_estimate
from ._price_rules import price_of

__all__ = [
    "CATALOGUE_MAX_AGE",
    "CATALOGUE_PATH",
    "Catalogue",
    "Estimate",
    "ModelPrice",
    "PricedRequest",
    "catalogue_flow",
    "estimate_usd",
    "learned_of",
    "load_cached",
    "parse_catalogue",
    "save_cached",
    "total",
]

CATALOGUE_PATH = "/v1/models?include=pricing"
CATALOGUE_MAX_AGE = timedelta(days=1)
_CACHE_FILE = "catalogue.json"
_SAVING = threading.Lock()

#: Spec ids whose catalogue entry has another name, where a source says so: the catalogue's
#: ``google/veo-2.0-generate-001`` documents the ``veo2`` spec (its ``docsUrl``).
_KNOWN_NAMES: Mapping[str, tuple[str, ...]] = {
    "veo2": ("google/veo-2.0-generate-001",),
}


class PricedRequest(Protocol):
    """What an estimate reads from a request (``VideoRequest`` has all four)."""

    @property
    def model(self) -> str: ...
    @property
    def resolution(self) -> str | None: ...
    @property
    def duration(self) -> int | None: ...
    @property
    def generate_audio(self) -> bool | None: ...


# --------------------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class ModelPrice:
    """One catalogue entry: its names and its ``pricing`` object as the API sent it."""

    id: str
    aliases: tuple[str, ...] = ()
    pricing: Mapping[str, Any] | None = None
    simulated: bool = False
    """The entry says its price is made up (the emulator's catalogue)."""
    docs_json: str | None = None
    """``info.docsJson``: the URL of the model's JSON schema, if the entry links one."""
    title: str = ""
    """``info.name``, e.g. ``Veo 3.1 Fast``."""

    def names(self) -> set[str]:
        return {name.lower() for name in (self.id, *self.aliases)}


@dataclass(frozen=True)
class Catalogue:
    """The priced models of one server, with what is needed to revalidate it."""

    models: tuple[ModelPrice, ...] = ()
    base_url: str = ""
    etag: str | None = None
    fetched_at: datetime | None = None
    problem: str | None = None
    """Why the catalogue is empty or old (the fetch failed), or None."""

    def fresh(self, now: datetime, max_age: timedelta = CATALOGUE_MAX_AGE) -> bool:
        return self.fetched_at is not None and self.problem is None and now - self.fetched_at < max_age

    def find(self, model: str) -> ModelPrice | None:
        """The entry for ``model``: its id or an alias, any letter case, with or without the
        ``source/`` prefix (``google/veo3`` and ``veo3``)."""
        wanted = _candidates(model)
        for entry in self.models:
            if entry.names() & wanted:
                return entry
        return None

    def names_for(self, model: str) -> tuple[str, ...]:
        """``model`` and every name its catalogue entry goes by (the usage logs may use any)."""
        entry = self.find(model)
        names = [model] + ([entry.id, *entry.aliases] if entry is not None else [])
        return tuple(dict.fromkeys(names))

    def estimate(
        self,
        model: str,
        *,
        resolution: str | None = None,
        duration: int | None = None,
        generate_audio: bool | None = None,
    ) -> float | None:
        """US dollars for one video, or None when the catalogue cannot say."""
        entry = self.find(model)
        if entry is None or not isinstance(entry.pricing, Mapping):
            return None
        request = {"resolution": resolution, "duration": duration, "generate_audio": generate_audio}
        return price_of(entry.pricing, request)


def _candidates(model: str) -> set[str]:
    name = model.strip().lower()
    names = {name, name.split("/", 1)[-1]}
    if "/" not in name:
        names.add("google/" + name)
    for spec, known in _KNOWN_NAMES.items():
        if spec in names:
            names.update(k.lower() for k in known)
    return names


def parse_catalogue(payload: Any, *, base_url: str = "", etag: str | None = None, now: datetime) -> Catalogue:
    """The catalogue from a ``/v1/models`` answer (``{"object": "list", "data": [...]}``)."""
    items = payload.get("data") if isinstance(payload, Mapping) else payload
    models = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping) or not item.get("id"):
            continue
        aliases = item.get("aliases")
        pricing = item.get("pricing")
        info, tags = item.get("info"), item.get("tags")
        simulated = (isinstance(info, Mapping) and info.get("simulated") is True) or (
            isinstance(tags, list) and "simulated" in tags
        )
        models.append(
            ModelPrice(
                id=str(item["id"]),
                aliases=tuple(str(a) for a in aliases) if isinstance(aliases, list) else (),
                pricing=pricing if isinstance(pricing, Mapping) else None,
                simulated=simulated,
                docs_json=str(info.get("docsJson") or "") or None if isinstance(info, Mapping) else None,
                title=str(info.get("name") or "") if isinstance(info, Mapping) else "",
            )
        )
    return Catalogue(tuple(models), base_url=base_url, etag=etag, fetched_at=now)


def estimate_usd(request: PricedRequest, catalogue: Catalogue) -> float | None:
    """What ``request`` will cost in US dollars, or None for "price unknown": the catalogue's
    price corrected by what this account was charged for the same setting (``_learned``)."""
    return learned_of(request, catalogue).usd


def learned_of(request: PricedRequest, catalogue: Catalogue) -> Learned:
    """The catalogue's price of ``request`` moved toward this account's charges, and from how many jobs."""
    listed = catalogue.estimate(
        request.model,
        resolution=request.resolution,
        duration=request.duration,
        generate_audio=request.generate_audio,
    )
    spec = (request.model, request.resolution, request.duration, request.generate_audio)
    return learned_estimate(catalogue.base_url, *spec, listed)


@dataclass(frozen=True)
class Estimate:
    """A request's estimated price, for people: ``usd`` is None when it cannot be known."""

    usd: float | None
    model: str
    simulated: bool = False
    """True in demo mode: the emulator's catalogue, not the API's prices."""
    count: int = 1
    unknown: int = 0
    """How many of ``count`` requests have no price (their cost is not in ``usd``)."""
    learned_from: int = 0
    """How many of this account's charged jobs corrected the catalogue's price (0: none)."""

    def describe(self) -> str:
        if self.usd is None or self.unknown == self.count:
            text = "price unknown"
        else:
            text = f"about ${self.usd:.2f}"
            if self.learned_from:
                text += f", from your last {self.learned_from} job{'s' if self.learned_from != 1 else ''}"
            if self.unknown:
                text += f" + {self.unknown} of {self.count} with no price"
        return text + (" (simulated prices)" if self.simulated else "")

    def __str__(self) -> str:
        return self.describe()


def total(estimates: Iterable[float | None]) -> tuple[float, int, int]:
    """Sum, how many, and how many were unknown."""
    values = list(estimates)
    return sum(v for v in values if v is not None), len(values), sum(v is None for v in values)


# --------------------------------------------------------------------------- fetch and cache


def catalogue_flow(
    cached: Catalogue | None,
    *,
    base_url: str,
    now: datetime,
    retry: RetryPolicy = DEFAULT_RETRY,
    attempts: int = 3,
) -> Generator[Step, Outcome, Catalogue]:
    """The catalogue: ``cached`` while fresh, else fetched (304 keeps ``cached``). A fetch that
    fails returns ``cached`` (old prices beat none) or an empty catalogue, with ``problem`` set."""
    if cached is not None and cached.base_url == base_url and cached.fresh(now):
        return cached
    usable = cached if cached is not None and cached.base_url == base_url and cached.models else None
    headers = {"If-None-Match": usable.etag} if usable is not None and usable.etag else {}

    def read(response: httpx.Response) -> Catalogue:
        if response.status_code == 304 and usable is not None:
            return replace(usable, fetched_at=now, problem=None)
        if not response.is_success:
            return _failed(usable, base_url, f"the model catalogue answered HTTP {response.status_code}")
        payload = json_body(response)
        if not isinstance(payload, (Mapping, list)):
            raise Malformed(str(payload)[:200])
        return parse_catalogue(payload, base_url=base_url, etag=response.headers.get("etag"), now=now)

    send = Send("GET", CATALOGUE_PATH, headers=headers, auth=False)  # prices need no key
    try:
        return (yield from get_flow(send, read, retry=replace(retry, attempts=attempts)))
    except VeoError as exc:
        return _failed(usable, base_url, failure_text(exc, "the model catalogue"))


def _failed(usable: Catalogue | None, base_url: str, problem: str) -> Catalogue:
    """Old prices beat none: ``usable`` with ``problem`` said, or an empty catalogue."""
    if usable is not None:
        return replace(usable, problem=problem)
    return Catalogue(base_url=base_url, problem=problem)


def _cache_path(path: Path | None) -> Path:
    return path if path is not None else data_dir() / _CACHE_FILE


def load_cached(base_url: str, path: Path | None = None) -> Catalogue | None:
    """The catalogue cached for ``base_url`` (the demo emulator's and the API's are kept
    apart), or None. A damaged cache file is ignored."""
    try:
        stored = json.loads(_cache_path(path).read_text(encoding="utf-8"))
        entry = stored[base_url]
        fetched_at = datetime.fromisoformat(entry["fetched_at"])
        # A cache written before entries kept their info (docsJson) is fetched whole once more.
        etag = entry.get("etag") if all("info" in item for item in entry["body"]["data"]) else None
        catalogue = parse_catalogue(entry["body"], base_url=base_url, etag=etag, now=fetched_at)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return catalogue


def save_cached(catalogue: Catalogue, path: Path | None = None) -> None:
    """Store ``catalogue`` (written to a temporary file and renamed, so never half written)
    beside the other servers' catalogues in the file. One thread at a time reads, adds and
    writes: a demo panel and a keyed client saving at once each kept only their own."""
    if catalogue.fetched_at is None or catalogue.problem is not None:
        return
    with _SAVING:
        _save(catalogue, catalogue.fetched_at, _cache_path(path))


def _save(catalogue: Catalogue, fetched_at: datetime, target: Path) -> None:
    try:
        stored = json.loads(target.read_text(encoding="utf-8"))
        if not isinstance(stored, dict):
            stored = {}
    except (OSError, ValueError):
        stored = {}
    body = {
        "data": [
            {
                "id": m.id,
                "aliases": list(m.aliases),
                "pricing": m.pricing,
                "tags": ["simulated"] if m.simulated else [],
                "info": {"docsJson": m.docs_json, "name": m.title},
            }
            for m in catalogue.models
        ]
    }
    stored[catalogue.base_url] = {
        "etag": catalogue.etag,
        "fetched_at": fetched_at.astimezone(timezone.utc).isoformat(),
        "body": body,
    }
    # A cache that cannot be written is only a slower next start: never the caller's error.
    # Each write has its own temporary name (parallel batch rows save at the same moment).
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent, prefix=f"{target.name}.", suffix=".part", delete=False
        ) as part:
            part.write(json.dumps(stored, default=str))
        try:
            os.replace(part.name, target)
        except OSError:
            os.unlink(part.name)
            raise
    except OSError:
        return
