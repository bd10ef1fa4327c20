"""The API's model schemas, read at run time: ``client.models(refresh=True)``.

Each catalogue entry links its model's JSON schema (``info.docsJson``). A refresh reads the
schema of every Veo model the catalogue lists, revalidated with ``If-None-Match`` (a 304
reuses the copy on disk, whose body is not sent again), turns each into the model's spec
(``schema/_openapi.py``) and installs them for the whole process: a value the API adds is
accepted and one it removes is refused without a release, and a Veo model the package has
never seen can be used, validated by its schema. The copies are kept in the data folder and
trusted for a day: ``client.models()`` without ``refresh`` applies those still fresh and
sends nothing. A schema that cannot be read leaves the built-in spec in place, and the
client says so once (a warning on the ``veo_widgets`` logger), not a traceback.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from .._config import data_dir
from .._errors import VeoError
from ..money._pricing import ModelPrice
from ..protocol._retry import DEFAULT_RETRY, RetryPolicy, failure_text, get_flow
from ..protocol._steps import Call, Outcome, Plan, Send, Step
from ..schema._family import ModelList, ModelSpec, install, models
from ..schema._openapi import request_schema, spec_for_schema
from ._core import Core
from ._money import Money

__all__ = [
    "SCHEMA_MAX_AGE",
    "SavedSchema",
    "Schemas",
    "Unread",
    "load_schemas",
    "save_schemas",
    "schema_flow",
    "spec_of",
]

SCHEMA_MAX_AGE = timedelta(days=1)
_CACHE_DIR = "model-schemas"
log = logging.getLogger("veo_widgets")
_told: set[tuple[str, str, str]] = set()
_told_lock = threading.Lock()


@dataclass(frozen=True)
class SavedSchema:
    """One model's schema document as read from its ``docsJson`` URL, with its ETag."""

    url: str
    names: tuple[str, ...]
    """The catalogue entry's id and aliases."""
    title: str
    etag: str | None
    fetched_at: datetime
    document: Mapping[str, Any]

    def fresh(self, now: datetime) -> bool:
        return now - self.fetched_at < SCHEMA_MAX_AGE

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "names": list(self.names),
            "title": self.title,
            "etag": self.etag,
            "fetched_at": self.fetched_at.astimezone(timezone.utc).isoformat(),
            "document": self.document,
        }


def _cache_file(base_url: str, folder: Path | None) -> Path:
    name = hashlib.sha256(base_url.encode()).hexdigest()[:16] + ".json"
    return (folder if folder is not None else data_dir() / _CACHE_DIR) / name


def _saved(e: Mapping[str, Any]) -> SavedSchema:
    fetched_at = datetime.fromisoformat(e["fetched_at"])
    return SavedSchema(e["url"], tuple(e["names"]), e["title"], e.get("etag"), fetched_at, e["document"])


def load_schemas(base_url: str, folder: Path | None = None) -> dict[str, SavedSchema]:
    """The schemas saved for ``base_url``'s catalogue, by URL (none if the file is damaged)."""
    try:
        stored = json.loads(_cache_file(base_url, folder).read_text(encoding="utf-8"))
        return {e["url"]: _saved(e) for e in stored["schemas"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def save_schemas(base_url: str, saved: Iterable[SavedSchema], folder: Path | None = None) -> None:
    """Keep ``saved`` for ``base_url`` (written whole and renamed). A cache that cannot be
    written is only a slower next refresh: never the caller's error."""
    target = _cache_file(base_url, folder)
    text = json.dumps({"base_url": base_url, "schemas": [s.to_json() for s in saved]})
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent, prefix=f"{target.name}.", suffix=".part", delete=False
        ) as part:
            part.write(text)
        os.replace(part.name, target)
    except OSError:
        return


@dataclass(frozen=True)
class Unread:
    """Why a schema could not be read; ``host_down`` when its host could not be reached or
    failed (the other schemas there are not asked for)."""

    reason: str
    host_down: bool = False


def schema_flow(
    entry: ModelPrice, saved: SavedSchema | None, *, now: datetime, retry: RetryPolicy = DEFAULT_RETRY
) -> Generator[Step, Outcome, SavedSchema | Unread]:
    """``entry``'s schema from its ``docsJson`` (``saved`` again on a 304), or why it could not
    be read. No key is sent: the schema is public, and may be on another host. It is tried
    once: the built-in spec stands meanwhile, and a refresh can be run again."""
    url = entry.docs_json or ""
    names = (entry.id, *entry.aliases)
    usable = saved if saved is not None and saved.url == url else None
    headers = {"If-None-Match": usable.etag} if usable is not None and usable.etag else {}

    def read(response: httpx.Response) -> SavedSchema | Unread:
        if response.status_code == 304 and usable is not None:
            return replace(usable, fetched_at=now, names=names, title=entry.title)
        if not response.is_success:
            return Unread(f"its schema answered HTTP {response.status_code}", response.status_code >= 500)
        try:
            document = response.json()
        except ValueError:
            return Unread("its schema is not JSON")
        if not isinstance(document, Mapping):
            return Unread("its schema is not a JSON object")
        return SavedSchema(url, names, entry.title, response.headers.get("etag"), now, document)

    send = Send("GET", url, headers=headers, auth=False)
    try:
        return (yield from get_flow(send, read, retry=replace(retry, attempts=1), what=f"GET {url}"))
    except VeoError as exc:
        return Unread(failure_text(exc, "its schema"), True)


def spec_of(saved: SavedSchema) -> ModelSpec:
    """The spec a saved schema gives; ``ValueError`` when it holds no usable create schema."""
    schema = request_schema(saved.document)
    if schema is None:
        raise ValueError("its schema holds no create request")
    return spec_for_schema(schema, names=saved.names, title=saved.title)


def _specs(saved: Iterable[SavedSchema]) -> tuple[list[ModelSpec], list[tuple[str, str]]]:
    specs, problems = [], []
    for item in saved:
        try:
            specs.append(spec_of(item))
        except ValueError as exc:
            problems.append((item.names[0], str(exc)))
    return specs, problems


def _is_veo(entry: ModelPrice) -> bool:
    return any("veo" in name.lower() for name in (entry.id, *entry.aliases, entry.title))


def _tell(base_url: str, problems: list[tuple[str, str]]) -> str:
    """The notice for ``problems`` (model, why), grouped by why; logged once per process for
    each problem (the returned notice still says it every time)."""
    if not problems:
        return ""
    by_why: dict[str, list[str]] = {}
    for model, why in problems:
        by_why.setdefault(why, []).append(model)
    parts = [
        f"{', '.join(names) if len(names) <= 3 else f'{len(names)} models'}: {why}" for why, names in by_why.items()
    ]
    notice = f"could not read the model schemas ({'; '.join(parts)}); the built-in table stands for those"
    with _told_lock:
        new = [(base_url, m, w) for m, w in problems if (base_url, m, w) not in _told]
        _told.update(new)
    if new:
        log.warning("veo_widgets: %s", notice)
    return notice


class Schemas:
    """A client's reading of the API's model schemas (its catalogue comes from ``money``)."""

    def __init__(self, core: Core, money: Money) -> None:
        self._core = core
        self._money = money

    def models(self, refresh: bool = False) -> Plan[ModelList]:
        """The family: with ``refresh``, as the API's schemas say now; without, the saved
        schemas still under a day old applied (nothing sent)."""
        base = self._core.base_url
        saved: dict[str, SavedSchema] = yield Call(load_schemas, (base,))
        now = datetime.now(timezone.utc)
        if not refresh:
            specs, _ = _specs(s for s in saved.values() if s.fresh(now))
            if specs:
                install(specs, over_builtin=True)
            return models()
        catalogue = yield from self._money.catalogue(refresh=True)
        problems = [("the model catalogue", catalogue.problem)] if catalogue.problem else []
        read: dict[str, SavedSchema] = {}
        down: dict[str, str] = {}  # host -> why: its other schemas are not asked for
        for entry in catalogue.models:
            if not entry.docs_json or not _is_veo(entry):
                continue
            host = httpx.URL(entry.docs_json).host
            got: SavedSchema | Unread
            if host in down:
                got = Unread(down[host])
            else:
                got = yield from schema_flow(entry, saved.get(entry.docs_json), now=now, retry=self._core.retry)
            if isinstance(got, Unread):
                problems.append((entry.id, got.reason))
                if got.host_down:
                    down[host] = got.reason
            else:
                read[got.url] = got
        specs, unusable = _specs(read.values())
        yield Call(save_schemas, (base, [s for s in read.values() if s.names[0] not in dict(unusable)]))
        install(specs, over_builtin=True)
        result = models()
        result.notice = _tell(base, problems + unusable)
        return result
