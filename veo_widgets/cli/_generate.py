"""``veo generate``'s arguments, for the whole family or for one model.

``veo generate --help`` lists every flag of the family with "the model's" default;
``veo generate --model NAME --help`` lists only what that model takes, with its own
allowed values and defaults (from the option schema of ``_family``).
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Sequence
from typing import Any

from .._errors import VeoError
from ..schema._family import DEFAULT_MODEL, ModelSpec, get_model
from ..schema._options import MAX_TAKES, OPTIONS, argument_specs, takes_argument

__all__ = ["add_generate_arguments", "chosen_model"]

_INPUTS = ("image", "last_image", "reference_images", "video")


def chosen_model(argv: Sequence[str]) -> ModelSpec | None:
    """The model a ``veo generate`` command line names with ``--model``/``-m``, or None
    (none given, or a name the catalogue does not know: that error comes when it runs)."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--model", "-m")
    known, _ = pre.parse_known_args(list(argv))
    if known.model is None:
        return None
    try:
        return get_model(known.model)
    except VeoError:
        return None


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _for_model(dest: str, kwargs: dict[str, Any], spec: ModelSpec) -> dict[str, Any]:
    """One flag's help as ``spec`` takes it: its own choices and default, or hidden."""
    if dest in _INPUTS:
        item = spec.input(dest)
        if item is None:
            return {**kwargs, "help": argparse.SUPPRESS}
        return {**kwargs, "help": f"{kwargs['help']}{' (this model needs one)' if item.required else ''}"}
    option = spec.option(dest)
    if option is None:
        return {**kwargs, "help": argparse.SUPPRESS}
    text = option.help
    if option.choices is not None and option.type is not bool:
        kwargs = {**kwargs, "metavar": "|".join(str(c) for c in option.choices)}
    if option.default is not None and "default" not in text.lower():
        text = f"{text} (default: {_value(option.default)})"
    elif option.default is None and "default" not in text.lower():
        text = f"{text} (default: none)"
    return {**kwargs, "help": text}


def add_generate_arguments(gen: argparse.ArgumentParser, spec: ModelSpec | None = None) -> None:
    """The words, ``--sample``, ``--model``, the inputs and every option; for ``spec`` (the
    ``--model`` given), that model's values and defaults and only the flags it takes."""
    takes_image = spec is None or spec.input("image") is not None
    words = "[IMAGE] PROMPT" if takes_image else "PROMPT"
    lead = "a path or URL (or --sample), then " if takes_image else ""
    gen.add_argument("words", nargs="+", metavar=words, help=f"{lead}what should happen")
    sample = "use the picture that ships with the package as the image (veo.sample_image())"
    gen.add_argument("--sample", action="store_true", help=sample if takes_image else argparse.SUPPRESS)
    # `-n 4` is four takes, as in `%%veo -n 4`; the negative prompt is --negative-prompt only.
    takes = takes_argument()
    gen.add_argument(
        *takes.flags,
        **{**takes.kwargs, "help": f"takes of the request, side by side (1-{MAX_TAKES}, each its own file)"},
    )
    for arg in argument_specs():
        kwargs = dict(arg.kwargs)
        if arg.dest == "model":
            kwargs["default"] = spec.short if spec is not None else DEFAULT_MODEL
            if spec is not None:
                kwargs["help"] = "the model; `veo models` lists them all"
        elif spec is not None:
            kwargs = _for_model(arg.dest, kwargs, spec)
        elif arg.dest not in _INPUTS and "default" not in str(kwargs.get("help", "")):
            kwargs["help"] = f"{kwargs.get('help', '')} (default: the model's)"
        gen.add_argument(*[flag for flag in arg.flags if flag not in takes.flags], **kwargs)
    if spec is not None:
        left_out = [o.flag for o in OPTIONS if spec.option(o.name) is None]
        left_out += [i for i in ("--image", "--last-image", "--reference", "--extend") if not _takes_flag(spec, i)]
        gen.description = textwrap.fill(
            f"{spec.title} ({spec.short}, {spec.mode}): make a video with this model. "
            "The values and defaults below are this model's."
            + (f" It takes no {', '.join(left_out)}." if left_out else "")
            + "".join(f" {rule.message[:1].upper()}{rule.message[1:]}." for rule in spec.rules),
            width=78,
            break_on_hyphens=False,
        )
    else:
        gen.epilog = "`veo generate --model NAME --help` shows one model's allowed values and defaults."


def _takes_flag(spec: ModelSpec, flag: str) -> bool:
    name = {"--image": "image", "--last-image": "last_image", "--reference": "reference_images", "--extend": "video"}
    return spec.input(name[flag]) is not None
