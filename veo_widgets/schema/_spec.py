"""One Veo model as this package knows it: :class:`ModelSpec`, and :class:`Rule`, a constraint
between two of its fields (1080p needs 8 s).

A spec is data: ``_openapi.py`` makes one from a model's published request schema and our
additions (``family.json``), and ``_family.py`` keeps the table of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._errors import ValidationError
from ._fields import Input, Option

__all__ = ["GIVEN", "INPUT_NAMES", "MODES", "ModelSpec", "Rule"]

MODES = ("text", "image", "first-last", "reference", "extend")

GIVEN = "<given>"
"""In a :class:`Rule`, matches any input that was passed."""
INPUT_NAMES = frozenset({"image", "last_image", "reference_images", "video"})


@dataclass(frozen=True)
class Rule:
    """A constraint between fields: when ``if_field`` is ``if_value``, ``field`` must be one
    of ``allowed``. E.g. Veo 3.0 gives 1080p only at 8 seconds."""

    if_field: str
    if_value: Any
    field: str
    allowed: tuple[Any, ...]
    message: str
    blame: str = ""
    """The field the error names (default ``if_field``): what the person should change."""


@dataclass(frozen=True)
class ModelSpec:
    """One Veo model: what it takes, what it allows and how it spells it."""

    id: str
    """The model id as the create body sends it."""
    short: str
    """The short name this package uses, e.g. ``veo-3.1-fast-i2v``."""
    title: str
    """A human name, e.g. ``Veo 3.1 Fast, image to video``."""
    modes: tuple[str, ...]
    """What it does: ``text``, ``image``, ``first-last``, ``reference``, ``extend``."""
    inputs: tuple[Input, ...]
    """Media inputs it takes, each marked required or not, spelled as the model spells it."""
    options: tuple[Option, ...]
    """Every option it takes, with its allowed values, default and wire spelling."""
    aliases: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    notes: str = ""
    """What the docs leave unsettled about this model."""
    origin: str = "built-in"
    """Where it was read: ``built-in`` (the package's table), ``refreshed`` (the API's schema,
    read by ``models(refresh=True)``) or ``new`` (a model the table does not have)."""
    _index: dict[str, Option] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({o.name: o for o in self.options})

    @property
    def mode(self) -> str:
        """The mode, or several joined by ``/`` (``text/image/first-last`` for lite)."""
        return "/".join(self.modes)

    @property
    def names(self) -> tuple[str, ...]:
        """Everything :func:`get_model` accepts for this model."""
        bare = self.id.removeprefix("google/")
        return (self.short, self.id, bare, "google/" + bare, *self.aliases)

    def option(self, name: str) -> Option | None:
        """The model's own version of option ``name``, or None if it does not take it."""
        return self._index.get(name)

    def takes(self, name: str) -> bool:
        """Whether the model takes option or input ``name``."""
        return name in self._index or any(i.name == name for i in self.inputs)

    def input(self, name: str) -> Input | None:
        return next((i for i in self.inputs if i.name == name), None)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs if i.required)

    @property
    def takes_seed(self) -> bool:
        return "seed" in self._index

    @property
    def takes_audio(self) -> bool:
        return "generate_audio" in self._index

    def choices(self, name: str) -> tuple[Any, ...]:
        """Allowed values of option ``name`` for this model (empty if it does not take it)."""
        found = self._index.get(name)
        return found.choices or () if found is not None else ()

    def allowed(self, name: str, **current: Any) -> tuple[Any, ...]:
        """The choices of option ``name`` that the model's rules allow next to the
        ``current`` selections, e.g. only 8 s once 1080p is picked on Veo 3.0: what a form
        should offer. Inputs count as given when truthy (``last_image=True``)."""
        values = {k: (GIVEN if k in INPUT_NAMES and v else v) for k, v in current.items()}
        out = []
        for choice in self.choices(name):
            trial = {**values, name: choice}
            if all(
                trial.get(r.if_field) != r.if_value or r.field not in trial or trial[r.field] in r.allowed
                for r in self.rules
            ):
                out.append(choice)
        return tuple(out)

    def why(self, name: str, **current: Any) -> str:
        """Why the rules narrow option ``name`` next to ``current`` (empty if they do not),
        e.g. "resolution 1080p needs duration 8 on veo-3.1-fast-i2v": the note a form shows."""
        values = {k: (GIVEN if k in INPUT_NAMES and v else v) for k, v in current.items()}
        return "; ".join(
            f"{r.message} on {self.short}"
            for r in self.rules
            if r.field == name and values.get(r.if_field) == r.if_value
        )

    def check_rules(self, values: Mapping[str, Any]) -> None:
        """Refuse ``values`` (options, and inputs as :data:`GIVEN` or truthy) that break a
        cross-field rule: a ``ValidationError`` naming the field to change, whose message
        names both fields. An option absent from ``values`` breaks nothing; an input absent is
        not given."""
        given = {k: (GIVEN if k in INPUT_NAMES and v else v) for k, v in values.items()}
        for r in self.rules:
            if r.field not in given and r.field not in INPUT_NAMES:
                continue  # an option not chosen yet: nothing to compare
            if given.get(r.if_field) == r.if_value and given.get(r.field) not in r.allowed:
                raise ValidationError(r.blame or r.if_field, f"{r.message} on {self.short}")

    def settle(self, fields: dict[str, Any], chosen: Iterable[str]) -> dict[str, Any]:
        """``fields`` with each *default* that would break a rule next to a *chosen* value
        replaced by the first value of that option the rules allow: asking for 4 s on Veo 3.1
        (default 1080p) gets 720p, since a default never overrides what was asked for.
        Two chosen values that break a rule are left for :meth:`check_rules` to refuse."""
        picked = set(chosen)
        for r in self.rules:
            option = self._index.get(r.if_field)
            if (
                option is None
                or r.if_field in picked
                or r.field not in picked
                or fields.get(r.if_field) != r.if_value
                or fields.get(r.field) in r.allowed
            ):
                continue
            others = [c for c in option.choices or () if c != r.if_value]
            if others:
                fields[r.if_field] = others[0]
        return fields

    @property
    def durations(self) -> tuple[int, ...]:
        return self.choices("duration")

    @property
    def resolutions(self) -> tuple[str, ...]:
        return self.choices("resolution")

    @property
    def aspect_ratios(self) -> tuple[str, ...]:
        return self.choices("aspect_ratio")

    def defaults(self) -> dict[str, Any]:
        """The options sent when not given, with the values the model uses."""
        return {o.name: o.default for o in self.options if o.default is not None}

    def row(self) -> dict[str, str]:
        """One line of ``veo models`` / ``%veo models``, as text."""
        return {
            "name": self.short,
            "id": self.id,
            "mode": self.mode,
            "inputs": ", ".join(i.name + ("" if i.required else "?") for i in self.inputs) or "-",
            "durations": "/".join(str(d) for d in self.durations) + " s",
            "resolutions": "/".join(self.resolutions) or "-",
            "aspect": "/".join(self.aspect_ratios) or "-",
            "audio": "yes" if self.takes_audio else "no",
            "seed": "yes" if self.takes_seed else "no",
        }

    def __repr__(self) -> str:
        return f"ModelSpec({self.short!r}, id={self.id!r}, mode={self.mode!r})"
