"""The Veo family: one :class:`ModelSpec` per model the AI/ML API serves.

The table is data: ``family.json`` (made by ``tools/make_family.py`` from the API's published
model schemas, with the cross-field rules added), read by ``_openapi.py``. It can be brought
up to date at run time: :func:`install` puts specs read from the catalogue's schemas
(``client.models(refresh=True)``) in place of the built-in ones, and adds models the table
has never seen; :func:`restore_builtin` goes back to the package's table.

Short names follow one scheme: ``veo-<version>[-fast]-<mode>``, where the version is ``2``,
``3`` (Veo 3.0) or ``3.1`` and the mode is ``t2v`` (text), ``i2v`` (first frame),
``first-last``, ``reference`` or ``extend``; the two lite models, which take text, a first
frame or both, are ``veo-3.1-lite`` and ``veo-3.1-lite-preview``. Family names without a mode
(``veo-3-fast``, ``veo-3.1-fast``, ``veo-3.1``...) are aliases of the image-to-video member,
since image-to-video is what this package is built around. Full ids are always accepted,
with or without ``google/``, in any letter case, and win over this scheme: the API's own
``google/veo-3.0-fast`` (also ``veo-3.0-fast``) is Veo 3 Fast *text*-to-video, while
``veo-3-fast`` is the image-to-video default. Passing an image to the former is refused
with a pointer to the latter.
"""

from __future__ import annotations

import difflib
import html
import threading
from collections.abc import Iterable
from typing import Any

from .._errors import ValidationError
from ._openapi import entry_spec, family_data
from ._spec import GIVEN, MODES, ModelSpec, Rule

__all__ = [
    "DEFAULT_MODEL",
    "GIVEN",
    "MODES",
    "ModelList",
    "ModelSpec",
    "Rule",
    "builtin_models",
    "get_model",
    "input_missing",
    "input_not_taken",
    "install",
    "models",
    "not_taken",
    "restore_builtin",
    "sibling",
]

DEFAULT_MODEL: str = family_data()["default"]
"""Veo 3 Fast image-to-video: the package's default, whatever the family grows to."""

_BUILTIN: tuple[ModelSpec, ...] = tuple(entry_spec(entry) for entry in family_data()["models"])


class _Table:
    """The family as it stands: its specs in order, and every name each answers to."""

    def __init__(self, specs: Iterable[ModelSpec]) -> None:
        self.specs = tuple(specs)
        self.lookup: dict[str, ModelSpec] = {}
        for spec in self.specs:
            for name in spec.names:
                self.lookup.setdefault(name.lower(), spec)


_table = _Table(_BUILTIN)
_table_lock = threading.Lock()


def builtin_models() -> tuple[ModelSpec, ...]:
    """The package's own table, whatever has been installed since."""
    return _BUILTIN


def install(specs: Iterable[ModelSpec], *, over_builtin: bool = False) -> None:
    """Use ``specs`` from now on, for every client and surface of this process: each replaces
    the model of the same id (a schema read from the API), and one the table does not have is
    added after the others. ``over_builtin``: start from the package's table, dropping what
    was installed before (a refresh says what the API serves now)."""
    global _table
    with _table_lock:
        current = list(_BUILTIN if over_builtin else _table.specs)
        for spec in specs:
            at = next((i for i, m in enumerate(current) if m.id.lower() == spec.id.lower()), None)
            if at is None:
                current.append(spec)
            else:
                current[at] = spec
        _table = _Table(current)


def restore_builtin() -> None:
    """Forget what :func:`install` put in place: the package's table again."""
    global _table
    with _table_lock:
        _table = _Table(_BUILTIN)


class ModelList(list[ModelSpec]):
    """The catalogue as a list that a notebook shows as a table."""

    _COLUMNS = ("name", "mode", "inputs", "durations", "resolutions", "aspect", "audio", "seed", "id")
    notice: str = ""
    """What could not be read when the list was made (``models(refresh=True)``), or ""."""

    def table(self) -> str:
        """A plain-text table, one model a line (``?`` marks an optional input)."""
        rows = [dict(zip(self._COLUMNS, self._COLUMNS, strict=True))] + [m.row() for m in self]
        widths = {c: max(len(r[c]) for r in rows) for c in self._COLUMNS}
        return "\n".join("  ".join(r[c].ljust(widths[c]) for c in self._COLUMNS).rstrip() for r in rows)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.table())

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{c}</th>" for c in self._COLUMNS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(m.row()[c])}</td>" for c in self._COLUMNS) + "</tr>" for m in self
        )
        return f'<table class="veo-models"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def models() -> ModelList:
    """Every Veo model, the default first, then 3.0, 3.1 and Veo 2: a list of
    :class:`ModelSpec` that shows as a table in a notebook."""
    return ModelList(_table.specs)


def get_model(name: object = None) -> ModelSpec:
    """The spec for a short name, a full id (with or without ``google/``) or an alias, in any
    letter case; None is the default model. Unknown names raise ``ValidationError("model")``
    suggesting the closest names."""
    if name is None:
        name = DEFAULT_MODEL
    if isinstance(name, ModelSpec):
        return name
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("model", f"expected a model name such as {get_model().short!r}, not {name!r}")
    key = name.strip().lower()
    table = _table
    found = table.lookup.get(key) or table.lookup.get(key.removeprefix("google/"))
    if found is not None:
        return found
    close = difflib.get_close_matches(key, [m.short for m in table.specs] + list(table.lookup), n=3, cutoff=0.5)
    shorts = list(dict.fromkeys(table.lookup[c].short for c in close))
    hint = f"did you mean {' or '.join(repr(s) for s in shorts)}?" if shorts else "see veo.models()"
    raise ValidationError("model", f"{name!r} is not a Veo model this package knows; {hint}")


_MODE_SUFFIX = {"text": "-t2v", "image": "-i2v", "first-last": "-first-last", "reference": "-reference",
                "extend": "-extend"}  # fmt: skip


def sibling(spec: ModelSpec, mode: str) -> ModelSpec | None:
    """The model of the same version and speed as ``spec`` for ``mode`` (for a hint such as
    "for image-to-video use veo-3-fast-i2v"), or None if the family has none."""
    base = spec.short
    for suffix in _MODE_SUFFIX.values():
        base = base.removesuffix(suffix)
    suffix = _MODE_SUFFIX.get(mode, "")
    for short in (base + suffix, base.replace("-fast", "") + suffix, "veo-3.1" + suffix):
        found = _table.lookup.get(short)
        if found is not None and found is not spec and mode in found.modes:
            return found
    return next((m for m in _table.specs if m.modes == (mode,)), None)


def not_taken(spec: ModelSpec, name: str) -> ValidationError:
    """The error for option ``name`` given to a model that does not take it: it names both,
    and a model of the same mode that does take it, if there is one."""
    takers = [m for m in _table.specs if m.option(name) is not None]
    others = [m.short for m in takers if m.modes == spec.modes][:2] or [m.short for m in takers][:2]
    hint = f", or use a model that takes it, e.g. {' or '.join(others)}" if others else ""
    return ValidationError(name, f"{spec.short} ({spec.id}) does not take {name}; leave it out{hint}")


_MODE_WORDS = {"text": "text-to-video", "image": "image-to-video", "first-last": "first-and-last-frame",
               "reference": "reference-images", "extend": "video-extension"}  # fmt: skip
_INPUT_MODE = {"image": "image", "last_image": "first-last", "reference_images": "reference", "video": "extend"}
_INPUT_WORDS = {"image": "first frame (image=...)", "last_image": "last frame (last_image=...)",
                "reference_images": "reference images (reference_images=[...])",
                "video": "video to extend (video=...)"}  # fmt: skip


def input_not_taken(spec: ModelSpec, name: str) -> ValidationError:
    """The error for input ``name`` given to a model without it: the choice of model is what
    is wrong (field ``model``), and the model of the same version that takes it is named."""
    words = " / ".join(_MODE_WORDS[m] for m in spec.modes)
    article = "an" if words[0] in "aeiou" else "a"
    other = sibling(spec, _INPUT_MODE[name])
    hint = f"; for {_MODE_WORDS[_INPUT_MODE[name]]} use {other.short}" if other else ""
    noun = _INPUT_WORDS[name].split(" (")[0]
    return ValidationError("model", f"{spec.short} ({spec.id}) is {article} {words} model and takes no {noun}{hint}")


def input_missing(spec: ModelSpec, name: str) -> ValidationError:
    """The error for a required input left out, with the text-only sibling for a first frame."""
    other = sibling(spec, "text") if name == "image" else None
    hint = f", or for text only use {other.short}" if other and not other.inputs else ""
    what = _INPUT_WORDS[name]
    return ValidationError(name, f"{spec.short} needs {'' if name == 'reference_images' else 'a '}{what}{hint}")
