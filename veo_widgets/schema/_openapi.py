"""Model specs from data: the package's ``family.json`` and the API's published schemas.

``family.json`` (made by ``tools/make_family.py``) holds each Veo model's request schema as
the AI/ML API publishes it (an OpenAPI object: ``properties``, ``required``) beside what this
package adds: its short name, title, aliases, the cross-field rules Google documents and a few
limits the specs leave out. :func:`spec_from_schema` turns a request schema into a
:class:`ModelSpec`, so the built-in table, a schema read live from the catalogue's
``info.docsJson`` and a model the table has never seen all go through the same mapping:

- a property whose name is a family field (``duration``, ``image_url``...) becomes that
  option or input, with the schema's ``enum`` as its choices (in the schema's spelling on
  the wire, ``720P``), its ``default`` (``"8"`` read as 8), and ``required`` inputs required;
- where the schema is silent, the family's declaration stands (``provider``'s three values,
  the seed's range, 16:9 as the aspect ratio sent when none is chosen);
- a property the package has no option for is listed in the spec's notes, never sent.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from ._fields import IMAGE, LAST_IMAGE, OPTIONS, REFERENCE_IMAGES, VIDEO, Input, Option
from ._spec import ModelSpec, Rule

__all__ = [
    "DATA_FILE",
    "LAST_WIRES",
    "entry_spec",
    "family_data",
    "find_entry",
    "model_id_of",
    "modes_of",
    "openapi_document",
    "request_schema",
    "rules_named",
    "spec_for_schema",
    "spec_from_schema",
]

DATA_FILE = "family.json"
#: The wire names of a last frame (veo2 spells it ``tail_image_url``).
LAST_WIRES = ("last_image_url", "tail_image_url")
CREATE_PATH = "/v2/video/generations"

_OPTION_BY_WIRE = {o.wire: o for o in OPTIONS}
_INPUT_BY_WIRE: dict[str, Input] = {
    "image_url": IMAGE,
    "last_image_url": LAST_IMAGE,
    "tail_image_url": LAST_IMAGE,
    "image_urls": REFERENCE_IMAGES,
    "video_url": VIDEO,
}
_ORDER = {o.name: i for i, o in enumerate(OPTIONS)}
_INPUT_ORDER = {"image": 0, "last_image": 1, "reference_images": 2, "video": 3}


@functools.cache
def family_data() -> Mapping[str, Any]:
    """The package's ``family.json``, read once."""
    text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    data: Mapping[str, Any] = json.loads(text)
    return data


def find_entry(*names: str) -> Mapping[str, Any] | None:
    """The ``family.json`` entry whose id (or one of its other ids) is one of ``names``."""
    wanted = {n.lower() for n in names if n}
    entry: Mapping[str, Any]
    for entry in family_data()["models"]:
        ids = {entry["id"].lower(), *(i.lower() for i in entry["wire"].get("also_ids", ()))}
        if ids & wanted:
            return entry
    return None


def request_schema(document: object) -> dict[str, Any] | None:
    """The JSON request schema of an OpenAPI document's create (its POST with a JSON body), or
    None if ``document`` has none."""
    paths = document.get("paths") if isinstance(document, Mapping) else None
    for operations in paths.values() if isinstance(paths, Mapping) else ():
        post = operations.get("post") if isinstance(operations, Mapping) else None
        try:
            schema = post["requestBody"]["content"]["application/json"]["schema"]  # type: ignore[index]
        except (KeyError, TypeError):
            continue
        if isinstance(schema, dict) and isinstance(schema.get("properties"), Mapping):
            return schema
    return None


def openapi_document(schema: Mapping[str, Any], *, server: str = "", path: str = CREATE_PATH) -> dict[str, Any]:
    """An OpenAPI document whose create takes ``schema``: what ``info.docsJson`` links to."""
    return {
        "openapi": "3.0.0",
        "info": {"title": "AIML API", "version": "1.0.0"},
        "servers": [{"url": server}] if server else [],
        "paths": {
            path: {
                "post": {
                    "operationId": "_v2_video_generations",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": dict(schema)}}},
                }
            }
        },
    }


def model_id_of(schema: Mapping[str, Any]) -> str | None:
    """The model id the create body sends: the schema's ``model`` enum (or const)."""
    prop = schema.get("properties", {}).get("model")
    if not isinstance(prop, Mapping):
        return None
    enum = prop.get("enum")
    value = enum[0] if isinstance(enum, list) and enum else prop.get("const")
    return value if isinstance(value, str) and value else None


def modes_of(schema: Mapping[str, Any]) -> tuple[str, ...]:
    """What a model does, from what its schema takes: a video is an extend, a list of images
    references, a required first frame image-to-video (with an optional last frame also
    first-and-last), an optional one text-or-image."""
    props = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    last = [w for w in LAST_WIRES if w in props]
    if "video_url" in props:
        return ("extend",)
    if "image_urls" in props and "image_url" not in props:
        return ("reference",)
    if "image_url" not in props:
        return ("text",)
    if "image_url" not in required:
        return ("text", "image", "first-last") if last else ("text", "image")
    if not last:
        return ("image",)
    return ("first-last",) if any(w in required for w in last) else ("image", "first-last")


def rules_named(names: Iterable[str]) -> tuple[Rule, ...]:
    """The cross-field rules ``family.json`` defines under these names."""
    table = family_data()["rules"]
    out = []
    for name in names:
        r = table[name]
        out.append(Rule(r["if"], r["is"], r["then"], tuple(r["in"]), r["message"], r.get("blame", "")))
    return tuple(out)


def _typed(base: Option, value: Any) -> Any:
    """A schema value as the option's Python type (``"8"`` is 8), or None if it is not one."""
    if base.type is int:
        if isinstance(value, bool):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    if base.type is bool:
        return value if isinstance(value, bool) else {"true": True, "false": False}.get(str(value).lower())
    return value if isinstance(value, str) else None


def _option(base: Option, prop: Mapping[str, Any]) -> Option:
    changes: dict[str, Any] = {}
    enum = prop.get("enum")
    choices, wires = base.choices, None
    if isinstance(enum, list) and enum and base.type is not bool:
        spelled = [w for w in (_typed(base, v) for v in enum) if w is not None]
        pairs: dict[Any, Any] = {}
        for wire in spelled:
            pairs.setdefault(wire.lower() if base.fold_case and isinstance(wire, str) else wire, wire)
        choices = tuple(pairs)
        wires = tuple(pairs.values()) if any(k != v for k, v in pairs.items()) else None
        changes.update(choices=choices, wire_choices=wires)
    raw = prop.get("default")
    default = _typed(base, raw) if raw is not None else None
    if isinstance(default, str) and choices is not None:
        spellings = wires or choices
        default = next((c for c, w in zip(choices, spellings, strict=True) if default in (c, w)), None)
    if default is None or (choices is not None and default not in choices):
        default = base.default if choices is None or base.default in choices else None
    changes["default"] = default
    for key, attr in (("minimum", "minimum"), ("maximum", "maximum")):
        if isinstance(prop.get(key), int):
            changes[attr] = prop[key]
    return base.specialise(**changes)


def _fix(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def spec_from_schema(
    schema: Mapping[str, Any],
    *,
    short: str,
    title: str,
    model_id: str | None = None,
    aliases: Iterable[str] = (),
    rules: Iterable[str] = (),
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    notes: str = "",
    origin: str = "built-in",
) -> ModelSpec:
    """The :class:`ModelSpec` of a request schema (see the module's docstring). Raises
    ``ValueError`` for a schema that is not a video create (no ``properties`` or ``prompt``)."""
    props = schema.get("properties")
    if not isinstance(props, Mapping) or "prompt" not in props:
        raise ValueError("the schema has no prompt property: not a video create")
    model_id = model_id or model_id_of(schema)
    if not model_id:
        raise ValueError("the schema names no model id")
    required = set(schema.get("required") or ())
    options: list[Option] = []
    inputs: dict[str, Input] = {}
    unknown = []
    for wire, prop in props.items():
        prop = prop if isinstance(prop, Mapping) else {}
        if wire in ("model", "prompt"):
            continue
        if wire in _OPTION_BY_WIRE:
            options.append(_option(_OPTION_BY_WIRE[wire], prop))
        elif wire in _INPUT_BY_WIRE:
            base = _INPUT_BY_WIRE[wire]
            limit = prop.get("maxItems") if base.multiple and isinstance(prop.get("maxItems"), int) else None
            inputs.setdefault(base.name, base.specialise(wire=wire, required=wire in required, max_items=limit))
        else:
            unknown.append(wire)
    for name, change in (overrides or {}).items():
        fixed = {k: _fix(v) for k, v in change.items()}
        options = [o.specialise(**fixed) if o.name == name else o for o in options]
        if name in inputs:
            inputs[name] = inputs[name].specialise(**fixed)
    if unknown:
        notes = (notes + " " if notes else "") + f"Fields this package does not send: {', '.join(sorted(unknown))}."
    return ModelSpec(
        model_id,
        short,
        title,
        modes_of(schema),
        tuple(sorted(inputs.values(), key=lambda i: _INPUT_ORDER[i.name])),
        tuple(sorted(options, key=lambda o: _ORDER[o.name])),
        aliases=tuple(aliases),
        rules=rules_named(rules),
        notes=notes,
        origin=origin,
    )


def entry_spec(
    entry: Mapping[str, Any], schema: Mapping[str, Any] | None = None, origin: str = "built-in"
) -> ModelSpec:
    """The spec of a ``family.json`` entry, from its own schema or a newer one (``schema``)."""
    schema = schema if schema is not None else entry["schema"]
    return spec_from_schema(
        schema,
        model_id=model_id_of(schema) or entry["id"],
        short=entry["short"],
        title=entry["title"],
        aliases=entry["aliases"],
        rules=entry["rules"],
        overrides=entry["overrides"],
        notes=entry["notes"],
        origin=origin,
    )


def spec_for_schema(schema: Mapping[str, Any], *, names: Iterable[str] = (), title: str = "") -> ModelSpec:
    """The spec a schema read from the catalogue gives: a model of the table keeps its short
    name, aliases and rules over the new schema (``refreshed``); one it does not have is named
    after its id (``new``). ``names`` are the catalogue entry's id and aliases."""
    listed = [n for n in names if n]
    model_id = model_id_of(schema) or (listed[0] if listed else None)
    entry = find_entry(*(n for n in (model_id, *listed) if n))
    if entry is not None:
        return entry_spec(entry, schema, origin="refreshed")
    if not model_id:
        raise ValueError("the schema names no model id")
    short = model_id.removeprefix("google/").lower()
    others = [n for n in listed if n.lower() not in (model_id.lower(), short)]
    return spec_from_schema(
        schema, model_id=model_id, short=short, title=title or model_id, aliases=others, origin="new"
    )
