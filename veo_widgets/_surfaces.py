"""What each surface derives from the option schema: ``%%veo`` and CLI flags, ``VeoMagics``
config traits, the panel's form, and "Show code".

Nothing here restates an option: flags, help, labels, choices and defaults all come from
``_options.py`` and the model specs of ``_family.py``. Import these names from
``veo_widgets._options``. The catalogue is imported inside each function because it is
itself built on ``_options``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._options import _BY_NAME, INPUTS, OPTIONS

__all__ = [
    "ArgSpec",
    "FormField",
    "TraitSpec",
    "argument_specs",
    "family_choices",
    "form_fields",
    "request_code",
    "trait_specs",
]


@dataclass(frozen=True)
class ArgSpec:
    """One ``add_argument`` call: ``parser.add_argument(*spec.flags, **spec.kwargs)``.

    Values stay strings (so ``%%veo`` can expand ``{var}`` first); convert them with
    :func:`parse_options`. Every default is None: the chosen model's default applies.
    """

    dest: str
    flags: tuple[str, ...]
    kwargs: Mapping[str, Any]


def argument_specs(inputs: Iterable[str] = ("image", "last_image", "reference_images", "video")) -> list[ArgSpec]:
    """Flags for ``--model``, the given inputs and every option of the family.

    Bools get a pair (``--audio`` / ``--no-audio``, argparse's ``BooleanOptionalAction``)
    because their default is the model's. ``--reference`` may repeat (a list).
    """
    from ._family import DEFAULT_MODEL, get_model, models  # the catalogue is built on _options

    wanted = set(inputs)
    names = ", ".join(m.short for m in models())
    model_help = f"the model (default {get_model(DEFAULT_MODEL).short}): {names}"
    specs = [ArgSpec("model", ("--model", "-m"), {"dest": "model", "default": None, "help": model_help})]
    for item in INPUTS:
        if item.name in wanted:
            kwargs: dict[str, Any] = {"dest": item.name, "default": None, "help": item.help}
            if item.multiple:
                kwargs["action"] = "append"
            specs.append(ArgSpec(item.name, _flags(item.flag, item.short), kwargs))
    for option in OPTIONS:
        kwargs = {"dest": option.name, "default": None, "help": option.help}
        flags = _flags(option.flag, option.short)
        if option.kind == "bool":
            kwargs["action"] = argparse.BooleanOptionalAction
        elif option.choices is not None:
            kwargs["metavar"] = "|".join(str(c) for c in family_choices(option.name))
        specs.append(ArgSpec(option.name, flags, kwargs))
    return specs


def _flags(flag: str, short: str | None) -> tuple[str, ...]:
    return (flag, short) if short else (flag,)


def family_choices(name: str) -> tuple[Any, ...]:
    """Every value some model of the family allows for option ``name``, in a stable order."""
    from ._family import models

    seen: dict[Any, None] = dict.fromkeys(_BY_NAME[name].choices or ())
    for spec in models():
        found = spec.option(name)
        if found is not None and found.choices is not None:
            seen.update(dict.fromkeys(found.choices))
    values = list(seen)
    return tuple(sorted(values)) if all(isinstance(v, int) for v in values) else tuple(values)


@dataclass(frozen=True)
class TraitSpec:
    """A ``VeoMagics`` configurable: build ``Unicode``/``Int``/``Bool(default, allow_none=True)``."""

    name: str
    kind: str
    """``unicode``, ``int`` or ``bool``."""
    default: Any
    help: str


def trait_specs() -> list[TraitSpec]:
    """Config defaults for ``%%veo``: None means "the chosen model's own default"."""
    from ._family import DEFAULT_MODEL

    out = [TraitSpec("model", "unicode", DEFAULT_MODEL, "The model %%veo uses unless --model says otherwise")]
    for option in OPTIONS:
        kind = "bool" if option.type is bool else "int" if option.type is int else "unicode"
        out.append(TraitSpec(option.name, kind, None, f"Default for --{option.flag[2:]}: {option.help}"))
    return out


@dataclass(frozen=True)
class FormField:
    """What the panel shows for one input or option of one model."""

    name: str
    kind: str
    """``image``, ``images``, ``video`` (inputs); ``toggle``, ``dropdown``, ``checkbox``,
    ``int``, ``text`` (options)."""
    label: str
    help: str
    choices: tuple[tuple[str, Any], ...] = ()
    """(label, value) pairs for toggles and dropdowns."""
    default: Any = None
    required: bool = False


def form_fields(model: object = None) -> list[FormField]:
    """The inputs, then the options, that ``model`` takes: exactly what its form shows."""
    from ._family import get_model

    spec = get_model(model)
    fields = [
        FormField(i.name, "images" if i.multiple else i.name if i.name == "video" else "image", i.label, i.help,
                  required=i.required)
        for i in spec.inputs
    ]  # fmt: skip
    for o in spec.options:
        if o.kind == "choice":
            pairs = tuple((o.describe(c), c) for c in o.choices or ())
            kind = "toggle" if len(pairs) <= 4 else "dropdown"
        else:
            pairs, kind = (), {"bool": "checkbox"}.get(o.kind, o.kind)
        fields.append(FormField(o.name, kind, o.label, o.help, pairs, o.default))
    return fields


def request_code(
    prompt: str,
    image: str | None = None,
    options: Mapping[str, Any] | None = None,
    *,
    last_image: str | None = None,
    reference_images: Sequence[str] = (),
    video: str | None = None,
    client: str = "veo.Client()",
) -> str:
    """Runnable Python for "Show code": a ``client.generate(...)`` call.

    ``image``, ``last_image``, each of ``reference_images`` and ``video`` are Python
    *expressions* (``repr(path)``, a variable name); ``options`` are values, of which only
    those that differ from the model's defaults are written.
    """
    from ._family import DEFAULT_MODEL, get_model, not_taken

    opts = dict(options or {})
    spec = get_model(opts.pop("model", None))
    lines = ["import veo_widgets as veo", "", f"client = {client}", "job = client.generate(", f"    {prompt.strip()!r},"]
    if image is not None:
        lines.append(f"    image={image},")
    if last_image is not None:
        lines.append(f"    last_image={last_image},")
    if reference_images:
        lines.append(f"    reference_images=[{', '.join(reference_images)}],")
    if video is not None:
        lines.append(f"    video={video},")
    if spec.id != get_model(DEFAULT_MODEL).id:
        lines.append(f"    model={spec.short!r},")
    for name, value in opts.items():
        option = spec.option(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if option is None:
            raise not_taken(spec, name)
        value = option.parse(value, model=spec.short)
        if value is not None and value != option.default:
            lines.append(f"    {name}={value!r},")
    lines += [")", "job.path"]
    return "\n".join(lines)
