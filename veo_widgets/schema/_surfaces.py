"""What each surface derives from the option schema: ``%%veo`` and CLI flags, ``VeoMagics``
config traits, the panel's form, and "Show code".

Nothing here restates an option: flags, help, labels, choices and defaults all come from
``_fields.py`` and the model specs of ``_family.py``. Import these names from
``veo_widgets.schema._options``.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from typing_extensions import Unpack

from ._family import DEFAULT_MODEL, ModelSpec, get_model, input_not_taken, models, not_taken
from ._fields import BY_NAME, INPUTS, OPTIONS

__all__ = [
    "ArgSpec",
    "CodeInputs",
    "FormField",
    "TraitSpec",
    "argument_specs",
    "cell_code",
    "family_choices",
    "form_fields",
    "request_code",
    "takes_argument",
    "trait_specs",
]

#: The most takes the panel and ``%%veo -n`` make side by side.
MAX_TAKES = 4


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

    wanted = set(inputs)
    names = ", ".join(m.short for m in models())
    model_help = f"the model (default {get_model(DEFAULT_MODEL).short}): {names}"
    specs = [ArgSpec("model", ("--model", "-m"), {"dest": "model", "default": None, "help": model_help})]
    for item in INPUTS:
        if item.name in wanted:
            kwargs: dict[str, Any] = {"dest": item.name, "default": None, "help": item.help, "metavar": item.metavar}
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


def takes_argument() -> ArgSpec:
    """``--takes``/``-n``: how many takes of the one request to make side by side (not an
    option of the request, so not in ``OPTIONS``); a value outside 1..MAX_TAKES is refused
    when parsed."""

    def count(text: str) -> int:
        if not text.isdigit() or not 1 <= int(text) <= MAX_TAKES:
            raise argparse.ArgumentTypeError(f"takes are a whole number from 1 to {MAX_TAKES}, not {text!r}")
        return int(text)

    help_text = f"how many takes (1-{MAX_TAKES}, default 1): seeds seed, seed+1, ... where the model takes one"
    return ArgSpec("takes", ("--takes", "-n"), {"dest": "takes", "type": count, "default": 1, "help": help_text})


def _flags(flag: str, short: str | None) -> tuple[str, ...]:
    return (flag, short) if short else (flag,)


def family_choices(name: str) -> tuple[Any, ...]:
    """Every value some model of the family allows for option ``name``, in a stable order."""

    seen: dict[Any, None] = dict.fromkeys(BY_NAME[name].choices or ())
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


class CodeInputs(TypedDict, total=False):
    """What "Show code" and the ``%%veo`` cell take besides the prompt, image and options:
    the other inputs (as :func:`request_code` or :func:`cell_code` spell them) and the takes."""

    last_image: str | None
    reference_images: Sequence[str]
    video: str | None
    takes: int


def _code_inputs(image: str | None, extra: CodeInputs) -> tuple[dict[str, str | None], list[str], int]:
    """The single inputs by name, the reference images, and how many takes."""
    inputs = {"image": image, "last_image": extra.get("last_image"), "video": extra.get("video")}
    return inputs, list(extra.get("reference_images") or ()), int(extra.get("takes", 1))


def request_code(
    prompt: str,
    image: str | None = None,
    options: Mapping[str, Any] | None = None,
    *,
    client: str = "veo.Client()",
    **extra: Unpack[CodeInputs],
) -> str:
    """Runnable Python for "Show code": a ``client.generate(...)`` call, or with ``takes``
    over 1 the ``client.variations(..., n=takes)`` call that makes them.

    ``image``, ``last_image``, each of ``reference_images`` and ``video`` are Python
    *expressions* (``repr(path)``, a variable name); ``options`` are values (``model``
    among them), of which only those that differ from the model's defaults are written.
    An option or input the model does not take is a ``ValidationError``, as it would be
    when the code runs.
    """
    inputs, references, takes = _code_inputs(image, extra)
    inputs["reference_images"] = f"[{', '.join(references)}]" if references else None
    spec, changed = _changes(options, inputs)
    call = "takes = client.variations(" if takes > 1 else "job = client.generate("
    lines = ["import veo_widgets as veo", "", f"client = {client}", call, f"    {prompt.strip()!r},"]
    lines += [f"    {name}={expr}," for name, expr in inputs.items() if expr is not None]
    if not _is_default(spec):
        lines.append(f"    model={spec.short!r},")
    lines += [f"    {name}={value!r}," for name, value in changed.items()]
    if takes > 1:
        lines += [f"    n={takes},", ")", "[take.path for take in takes]"]
    else:
        lines += [")", "job.path"]
    return "\n".join(lines)


def cell_code(
    prompt: str, image: str | None = None, options: Mapping[str, Any] | None = None, **extra: Unpack[CodeInputs]
) -> str:
    """The same request as a ``%%veo`` cell (``-n takes`` over 1). Inputs are the text a
    person would type after the flag: a path, a URL, ``{variable}`` or a job id."""
    inputs, references, takes = _code_inputs(image, extra)
    spec, changed = _changes(options, {**inputs, "reference_images": "x" if references else None})
    words = ["%%veo"] + (["-n", str(takes)] if takes > 1 else [])
    if not _is_default(spec):
        words += ["--model", spec.short]
    flags = {i.name: i.flag for i in INPUTS}
    words += [w for name, text in inputs.items() if text is not None for w in (flags[name], text)]
    words += [w for text in references for w in (flags["reference_images"], text)]
    for name, value in changed.items():
        flag = BY_NAME[name].flag
        if isinstance(value, bool):
            words.append(flag if value else "--no-" + flag[2:])
        else:
            words += [flag, str(value)]
    return " ".join(shlex.quote(w) if w != "%%veo" else w for w in words) + "\n" + prompt.strip()


def _changes(options: Mapping[str, Any] | None, inputs: Mapping[str, Any]) -> tuple[ModelSpec, dict[str, Any]]:
    """The model, and the options that differ from its defaults, checked as it checks them."""

    opts = dict(options or {})
    spec = get_model(opts.pop("model", None))
    for name, value in inputs.items():
        if value is not None and spec.input(name) is None:
            raise input_not_taken(spec, name)
    changed: dict[str, Any] = {}
    chosen: dict[str, Any] = {}
    for name, value in opts.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        option = spec.option(name)
        if option is None:
            raise not_taken(spec, name)
        value = option.parse(value, model=spec.short)
        if value is not None:
            chosen[name] = value
            if value != option.default:
                changed[name] = value
    spec.check_rules({**chosen, **{k: v for k, v in inputs.items() if v is not None}})
    return spec, changed


def _is_default(spec: ModelSpec) -> bool:

    return spec is get_model()
