"""Every create option and input, declared once.

An :class:`Option` says everything the package knows about one field of the create body:
its Python name, its JSON name, its type and allowed values, its default, the help text and
the label a form shows, and the flag ``%%veo`` and the ``veo`` command take. A model's spec
(``_family.py``) holds its own copy of each option it takes, specialised with
:meth:`Option.specialise`: the allowed values, the default and the wire spelling may differ
from model to model (Veo 3.0 sends ``720P``, Veo 3.1 ``720p``). An option a model does not
take is simply absent from its spec.

Values arrive two ways, and the rules differ on purpose:

- from Python (``client.generate(duration=8)``), :meth:`Option.check` is strict about types:
  ``duration="8"`` or ``seed=1.5`` is a ``ValidationError`` (one of the API's own examples
  wrongly sends ``"duration": "5"``; in Python code a string duration is a bug to report);
- from text (``%%veo --duration 8``, the CLI, a text box), :meth:`Option.parse` converts first:
  ``"8"`` becomes 8, ``"yes"`` becomes True, then the same check applies.

Choices fold letter case where the API's spelling varies (``resolution``, ``provider``): the
Python value is lower case (``"1080p"``), and the wire spelling is the model's.

The surfaces derive from these declarations: :func:`argument_specs` (``%%veo`` and the CLI),
:func:`trait_specs` (``VeoMagics`` config), :func:`form_fields` (the panel) and
:func:`request_code` ("Show code"). No ipywidgets or IPython here: data and small functions.

This module gathers the schema's parts, which import one another in one direction only:
``_fields.py`` (the declarations) <- ``_family.py`` (the models and their cross-field rules)
<- ``_surfaces.py`` (what each surface derives). Import from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._family import get_model, not_taken
from ._fields import (
    ASPECT_RATIO,
    AUTO_FIX,
    BY_NAME,
    DURATION,
    ENHANCE_PROMPT,
    GENERATE_AUDIO,
    IMAGE,
    INPUTS,
    LAST_IMAGE,
    NEGATIVE_PROMPT,
    OPTIONS,
    PERSON_GENERATION,
    PROVIDER,
    REFERENCE_IMAGES,
    RESOLUTION,
    SEED,
    SEED_MAX,
    VIDEO,
    Input,
    Option,
    frame_size,
)
from ._surfaces import (
    MAX_TAKES,
    ArgSpec,
    FormField,
    TraitSpec,
    argument_specs,
    cell_code,
    family_choices,
    form_fields,
    request_code,
    takes_argument,
    trait_specs,
)

__all__ = [
    "ASPECT_RATIO",
    "AUTO_FIX",
    "DURATION",
    "ENHANCE_PROMPT",
    "GENERATE_AUDIO",
    "IMAGE",
    "INPUTS",
    "LAST_IMAGE",
    "NEGATIVE_PROMPT",
    "OPTIONS",
    "PERSON_GENERATION",
    "PROVIDER",
    "REFERENCE_IMAGES",
    "RESOLUTION",
    "SEED",
    "SEED_MAX",
    "MAX_TAKES",
    "VIDEO",
    "ArgSpec",
    "FormField",
    "Input",
    "Option",
    "TraitSpec",
    "argument_specs",
    "cell_code",
    "family_choices",
    "form_fields",
    "frame_size",
    "parse_options",
    "request_code",
    "takes_argument",
    "trait_specs",
]


def parse_options(values: Mapping[str, object], model: object = None) -> dict[str, Any]:
    """Option values from text (flags, form fields), typed; None and names that are not
    options are left out, so the model's defaults apply.

    Without ``model`` only the types are converted (``"8"`` to 8) and the model's own check
    comes later, in ``build_request``. With a ``model`` each value is checked as that model
    allows, and an option it does not take is an error.
    """
    spec = get_model(model) if model is not None else None
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None or name not in BY_NAME:
            continue
        if spec is None:
            out[name] = BY_NAME[name].convert(value)
            continue
        option = spec.option(name)
        if option is None:
            raise not_taken(spec, name)
        out[name] = option.parse(value, model=spec.short)
    if spec is not None:
        spec.check_rules(out)
    return out
