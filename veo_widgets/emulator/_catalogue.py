"""The model catalogue (``/v1/models``, ``/model/{id}``), simulated prices, and model metrics.

No Veo price is published, so every price here is made up, plausible per-second rates,
and each Veo item's ``info.description`` says so. ``variants`` prices depend on the
request's resolution and ``generate_audio``; the veo2 models have a ``fixed`` price; the
lite preview is ``variable`` (the price cannot be quoted in advance), so a client's "price
unknown" path is exercised. What a job is charged matches its catalogue price.
"""

from __future__ import annotations

import hashlib
import json
from base64 import b64encode
from typing import Any
from urllib.parse import unquote

from ..schema._openapi import openapi_document
from ._jobs import Timing
from ._specs import WireFamily, WireModel
from ._wire import EmuRequest, EmuResponse, Problem, json_response, now_iso

__all__ = ["SCHEMA_PREFIX", "Catalogue", "price_usd"]

#: Where each model's schema is served (``info.docsJson``), as the docs site lays them out.
SCHEMA_PREFIX = "/api-references/video-models/Google/"

SIMULATED = "Simulated by the veo_widgets emulator: prices and metrics are made up, not AI/ML API's."
#: (720p with audio, 720p silent, 1080p with audio, 1080p silent), USD per second.
_RATES: dict[str, tuple[float, float, float, float]] = {
    "google/veo-3.0-i2v-fast": (0.42, 0.28, 0.525, 0.35),
    "google/veo-3.0-fast": (0.42, 0.28, 0.525, 0.35),
    "google/veo-3.0-i2v": (0.84, 0.56, 1.05, 0.70),
    "google/veo3": (0.84, 0.56, 1.05, 0.70),
    "google/veo-3.1-t2v": (0.84, 0.42, 1.05, 0.525),
    "google/veo-3.1-i2v": (0.84, 0.42, 1.05, 0.525),
    "google/veo-3.1-first-last-image-to-video": (0.84, 0.42, 1.05, 0.525),
    "google/veo-3.1-reference-to-video": (0.84, 0.42, 1.05, 0.525),
    "google/veo-3.1-t2v-fast": (0.32, 0.21, 0.40, 0.26),
    "google/veo-3.1-i2v-fast": (0.32, 0.21, 0.40, 0.26),
    "google/veo-3.1-first-last-image-to-video-fast": (0.32, 0.21, 0.40, 0.26),
    "google/veo3-1-extend-video": (0.84, 0.42, 0.84, 0.42),
    "google/veo3-1-fast-extend-video": (0.32, 0.21, 0.32, 0.21),
    "veo-3.1-lite-generate-001": (0.16, 0.10, 0.20, 0.13),
}
_FIXED = {"veo2": 0.525, "veo2/image-to-video": 0.525}
#: What the variable-priced lite preview is charged, per second.
_VARIABLE = 0.20
#: Catalogue ids that differ from the spec id, as the docs' own veo2 example does.
_CATALOGUE_ID = {
    "veo2": ("google/veo-2.0-generate-001", ["veo-2.0-generate-001", "veo2"]),
    "veo-3.1-lite-generate-001": ("google/veo-3.1-lite-generate-001", ["veo-3.1-lite-generate-001"]),
}
#: Models the metrics have no recent successful request for (absent, as the API leaves them).
_NO_METRICS = ("veo2/image-to-video", "google/veo-3-1-lite-generate-preview")
_PERCENTILES = {"p50": 0.0, "p75": 0.6745, "p90": 1.2816, "p99": 2.3263}
_INCLUDES = ("pricing", "modalities", "capabilities")


def price_usd(spec: WireModel, body: dict[str, Any]) -> float | None:
    """The catalogue's price of a request, or None where it says ``variable``."""
    seconds = int(body["duration"])
    if spec.id in _FIXED:
        return round(_FIXED[spec.id] * seconds, 4)
    rates = _RATES.get(spec.id)
    if rates is None:
        return None
    hd = (body.get("resolution") or "").lower() == "1080p"
    rate = rates[(2 if hd else 0) + (0 if body.get("generate_audio") else 1)]
    return round(rate * seconds, 4)


def charge_usd(spec: WireModel, body: dict[str, Any]) -> float:
    """What a job is charged: its price, or for a variable price, what it turned out to be."""
    price = price_usd(spec, body)
    return price if price is not None else round(_VARIABLE * int(body["duration"]), 4)


def _pricing(spec: WireModel) -> dict[str, Any]:
    if spec.id in _FIXED:
        return {
            "kind": "fixed",
            "currency": "USD",
            "units": [{"name": "video", "measure": "second", "price": _FIXED[spec.id], "per": 1}],
        }
    rates = _RATES.get(spec.id)
    if rates is None:
        return {"kind": "variable", "currency": "USD"}
    resolutions = [r.lower() for r in spec.resolutions or ()]
    variants = []
    for i, (res, audio) in enumerate((("720p", True), ("720p", False), ("1080p", True), ("1080p", False))):
        if res not in resolutions:
            continue
        when: dict[str, Any] = {"generate_audio": audio}
        if len(resolutions) > 1:
            when = {"resolution": res, **when}
        variants.append({"when": when, "price": rates[i], "unit": "second", "per": 1})
    dimensions = ["resolution", "generate_audio"] if len(resolutions) > 1 else ["generate_audio"]
    return {"kind": "variants", "currency": "USD", "dimensions": dimensions, "variants": variants}


def _item(spec: WireModel, base_url: str) -> dict[str, Any]:
    model_id, aliases = _CATALOGUE_ID.get(spec.id, (spec.id, [spec.id.removeprefix("google/")]))
    inputs = ["text"] + (["image"] if spec.image != "none" or "reference" in spec.modes else [])
    inputs += ["video"] if "extend" in spec.modes else []
    slug = spec.id.replace("/", "-")
    return {
        "id": model_id,
        "aliases": aliases,
        "type": "internal/video-generations/submit",
        "info": {
            "name": "Veo " + spec.id.removeprefix("google/"),
            "developer": "Google",
            "description": SIMULATED,
            "releasedAt": "2025-07-17",
            "url": "https://aimlapi.com/models",
            "docsUrl": f"https://docs.aimlapi.com/api-references/video-models/google/{slug}",
            "docsJson": base_url.rstrip("/") + SCHEMA_PREFIX + spec.spec_file,
            "simulated": True,
        },
        "tags": ["video", "google", "veo", "simulated"],
        "modalities": {"input": inputs, "output": ["video"] + (["audio"] if "generate_audio" in spec.flags else [])},
        "capabilities": [{"image": "image-to-video", "text": "text-to-video"}.get(m, m) for m in spec.modes],
        "pricing": _pricing(spec),
    }


_OTHERS: list[dict[str, Any]] = [
    {
        "id": "openai/gpt-4o",
        "aliases": ["gpt-4o"],
        "type": "chat-completion",
        "info": {"name": "GPT-4o", "developer": "OpenAI", "description": SIMULATED},
        "tags": ["chat", "simulated"],
        "modalities": {"input": ["text", "image"], "output": ["text"]},
        "capabilities": ["chat"],
        "pricing": {
            "kind": "fixed",
            "currency": "USD",
            "units": [
                {"name": "input", "measure": "token", "price": 2.5, "per": 1_000_000},
                {"name": "output", "measure": "token", "price": 10.0, "per": 1_000_000},
            ],
        },
    },
]


class Catalogue:
    """The catalogue routes, which need no key, and the metrics route."""

    def __init__(self, timing: Timing, family: WireFamily | None = None) -> None:
        self.timing = timing
        self.family = family or WireFamily()
        self.schema_requests: list[tuple[str, int]] = []
        """Each request for a model's schema (``info.docsJson``): its model id and the status
        answered (304 when the client's ETag still held)."""

    def items(self, base_url: str = "http://127.0.0.1") -> list[dict[str, Any]]:
        return [_item(m, base_url) for m in self.family.models] + _OTHERS

    def find(self, name: str, base_url: str = "http://127.0.0.1") -> dict[str, Any] | None:
        """The item whose id or alias is ``name`` (case-insensitive)."""
        wanted = name.lower()
        for item in self.items(base_url):
            if wanted in (item["id"].lower(), *(a.lower() for a in item["aliases"])):
                return item
        return None

    def answer_list(self, request: EmuRequest) -> EmuResponse:
        items = [i for i in self.items(request.base_url) if _matches(i, request)]
        return _cached(request, {"object": "list", "data": [_shown(i, request) for i in items]})

    def answer_schema(self, request: EmuRequest) -> EmuResponse:
        """A model's OpenAPI document, as its ``info.docsJson`` links it, with an ETag."""
        name = unquote(request.path[len(SCHEMA_PREFIX) :])
        spec = next((m for m in self.family.models if m.spec_file == name), None)
        if spec is None:
            raise Problem(404, f"Cannot GET {request.path}", "NotFoundException")
        answer = _cached(request, openapi_document(spec.schema, server=request.base_url))
        self.schema_requests.append((spec.id, answer.status))
        return answer

    def answer_one(self, request: EmuRequest) -> EmuResponse:
        name = unquote(request.path[len("/model/") :]).strip("/")
        item = self.find(name, request.base_url)
        if item is None:
            raise Problem(404, f"Model {name} not found", "NotFoundException")
        return _cached(request, {"object": "model", "data": _shown(item, request)})

    def answer_metrics(self, request: EmuRequest) -> EmuResponse:
        other = sorted({k for k, _ in request.params if k != "aliases"})
        if other:
            raise Problem(400, f"property {other[0]} should not exist: the only query parameter is aliases")
        asked = request.values("aliases")
        if len(asked) > 100:
            raise Problem(400, "aliases must contain no more than 100 elements")
        models = []
        for alias in dict.fromkeys(asked):
            spec = self._spec_for(alias)
            if spec is None or spec.id in _NO_METRICS:
                continue
            durations = {p: round(self.timing.percentile(z) * spec.speed * 1000) for p, z in _PERCENTILES.items()}
            models.append({"alias": alias, "endpoint": "/v2/video/generations", "metrics": {"duration_ms": durations}})
        return json_response(200, {"window_seconds": 300, "generated_at": now_iso(), "models": models})

    def _spec_for(self, alias: str) -> WireModel | None:
        """Exact match against a Veo model's catalogue id, alias or spec id."""
        for spec, item in zip(self.family.models, self.items(), strict=False):
            if alias in (spec.id, *spec.aliases, item["id"], *item["aliases"]):
                return spec
        return None


def _includes(request: EmuRequest) -> set[str]:
    if request.query.get("details", "").lower() in ("true", "1"):
        return set(_INCLUDES)
    wanted = {v.strip().lower() for raw in request.values("include") for v in raw.split(",")}
    return set(_INCLUDES) if "all" in wanted else wanted & set(_INCLUDES)


def _shown(item: dict[str, Any], request: EmuRequest) -> dict[str, Any]:
    keep = _includes(request)
    return {k: v for k, v in item.items() if k not in _INCLUDES or k in keep}


def _matches(item: dict[str, Any], request: EmuRequest) -> bool:
    """Filters: OR within one, AND across them, case-insensitive."""
    facets: dict[str, list[str]] = {
        "id": [item["id"], *item["aliases"]],
        "type": [item["type"]],
        "tags": item["tags"],
        "modalities": item["modalities"]["input"] + item["modalities"]["output"],
        "input_modalities": item["modalities"]["input"],
        "output_modalities": item["modalities"]["output"],
        "capabilities": item["capabilities"],
    }
    for name, have in facets.items():
        wanted = {v.strip().lower() for raw in request.values(name) for v in raw.split(",") if v.strip()}
        if wanted and not wanted & {h.lower() for h in have}:
            return False
    return True


def _cached(request: EmuRequest, payload: dict[str, Any]) -> EmuResponse:
    """A JSON answer with a weak ETag over the whole body; 304 when the client has it."""
    body = json.dumps(payload).encode()
    digest = b64encode(hashlib.sha1(body).digest()).decode()[:27]
    etag = f'W/"{len(body):x}-{digest}"'
    sent = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
    if etag in sent or "*" in sent:
        return EmuResponse(304, {"etag": etag})
    return EmuResponse(200, {"content-type": "application/json", "etag": etag, "cache-control": "no-cache"}, body)
