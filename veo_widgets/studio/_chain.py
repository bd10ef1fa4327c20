"""A long take's plan, and the small file that keeps it between kernels.

A Veo clip is at most 8 s; an extend returns the whole clip with about 7 s added, up to 20
times (shared/API.md, "Learned since (2026-12-07)"). :func:`plan_long_take` turns "22 s of
this" into links: a first clip of the model's longest length, then 7 s extends, each of the
whole clip so far. The plan is written to ``<data dir>/chains/<chain id>.json`` before the
first link is sent, so ``veo resume CHAIN`` knows the prompts and options of the links still
to make; which links are made (and paid for) is read from the journal, never from this file.
"""

from __future__ import annotations

import json
import math
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .._config import data_dir
from .._errors import ValidationError
from ..schema._family import DEFAULT_MODEL, ModelSpec, get_model
from ..schema._output import writable_output
from ._studio import EXTEND_MODEL, FAST_EXTEND_MODEL

__all__ = [
    "EXTEND_SECONDS",
    "MAX_EXTENDS",
    "ChainPlan",
    "Link",
    "chain_path",
    "load_chain",
    "long_take_options",
    "longest_clip",
    "long_take_model",
    "plan_long_take",
    "reachable",
]

#: What one extend adds, and how many a clip may have (Google's limits).
EXTEND_SECONDS = 7
MAX_EXTENDS = 20
#: The model a long take starts with when none is named: Veo 3.1 Fast (it can be extended).
DEFAULT_TEXT_MODEL = "google/veo-3.1-t2v-fast"
DEFAULT_IMAGE_MODEL = "google/veo-3.1-i2v-fast"
#: Options a long take passes to every link (the extend model takes these too).
SHARED_OPTIONS = frozenset({"generate_audio"})
#: Options only the first clip takes (extends follow the input clip).
FIRST_OPTIONS = frozenset(
    {"aspect_ratio", "resolution", "negative_prompt", "seed", "enhance_prompt", "auto_fix", "person_generation"}
)


@dataclass(frozen=True)
class Link:
    """One generation of a chain: the first clip (``index`` 0) or an extend of the one before."""

    index: int
    prompt: str
    model: str
    duration: int
    """Seconds this link adds (the first clip's length, or 7)."""
    total: int
    """The whole clip's length once this link is made."""


@dataclass
class ChainPlan:
    """A long take: its id, its links, and what the first clip is made from."""

    chain: str
    links: list[Link]
    options: dict[str, Any] = field(default_factory=dict)
    """The first clip's options (aspect ratio, resolution, seed...)."""
    shared: dict[str, Any] = field(default_factory=dict)
    """Options every link is sent with (``generate_audio``)."""
    image: str | None = None
    """The first clip's image, as a path or URL (None: text to video, or not savable)."""
    save_to: str | None = None

    @property
    def seconds(self) -> int:
        return self.links[-1].total

    def key(self, index: int) -> str:
        """The journal's ``batch`` value of link ``index``: every attempt at that link has it."""
        return f"{self.chain}:{index}"

    def describe(self) -> str:
        """``3 links (8 + 7 + 7 s = 22 s)``."""
        parts = " + ".join(str(link.duration) for link in self.links)
        count = len(self.links)
        return f"{count} link{'s' if count > 1 else ''} ({parts} s = {self.seconds} s)"

    def priced(self) -> list[dict[str, Any]]:
        """What each link costs depends on: its model, length, resolution and sound."""
        out = []
        for link in self.links:
            item: dict[str, Any] = {"model": link.model, "duration": link.duration, **self.shared}
            if link.index == 0 and self.options.get("resolution"):
                item["resolution"] = self.options["resolution"]
            out.append(item)
        return out

    def save(self) -> Path:
        """Write the plan to its file (atomically: a crash leaves the old one or the new one)."""
        path = chain_path(self.chain)
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".part")
        part.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        os.replace(part, path)
        return path


def chain_path(chain: str) -> Path:
    if not chain or any(c in chain for c in "/\\:") or chain.startswith("."):
        raise ValidationError("chain", f"{chain!r} is not a chain id (they look like 'chain-1a2b3c4d5e6f')")
    return data_dir() / "chains" / f"{chain}.json"


def load_chain(chain: str) -> ChainPlan:
    """The plan of ``chain`` as it was saved; ``ValidationError`` when there is none."""
    path = chain_path(chain.strip())
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError("chain", f"no long take {chain!r} on this machine (looked in {path.parent})") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError("chain", f"the plan of {chain!r} cannot be read ({exc})") from None
    links = [Link(**link) for link in saved.pop("links")]
    return ChainPlan(links=links, **saved)


def long_take_model(model: str | None, image: object) -> ModelSpec:
    """The first clip's model: the one named, or Veo 3.1 Fast (text or image to video). A
    model whose clips cannot be extended is refused, naming the ones that can."""
    spec = get_model(model if model is not None else DEFAULT_IMAGE_MODEL if image is not None else DEFAULT_TEXT_MODEL)
    if ("3.1" not in spec.id and "3-1" not in spec.id) or spec.option("duration") is None or "extend" in spec.modes:
        raise ValidationError(
            "model",
            f"{spec.short} clips cannot be extended: a long take starts with a Veo 3.1 model "
            "(veo-3.1-fast-t2v, veo-3.1-fast-i2v, veo-3.1-t2v, veo-3.1-i2v...)",
        )
    return spec


def longest_clip(model: object = None) -> int:
    """The longest clip ``model`` makes in one generation (8 s for Veo 3 and 3.1)."""
    option = get_model(model).option("duration")
    if option is None:
        return 8
    return max(int(d) for d in option.choices or (option.default,))


def long_take_options(options: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """A surface's checked options (``veo generate``, ``%%veo``) as a long take's model and
    options. The package's default model cannot be extended: it becomes None (a long take
    starts with Veo 3.1 Fast); options a chain does not take are refused by its plan."""
    rest = {k: v for k, v in options.items() if v is not None}
    model = rest.pop("model", None)
    if model is not None and get_model(model).id == DEFAULT_MODEL:
        model = None
    return model, rest


def reachable(first: int, links: int) -> int:
    return first + EXTEND_SECONDS * (links - 1)


def plan_long_take(
    prompt: str,
    *,
    seconds: float,
    image: object = None,
    prompts: Sequence[str] | None = None,
    model: str | None = None,
    options: Mapping[str, Any] | None = None,
    save_to: str | None = None,
) -> ChainPlan:
    """The links that make a clip of ``seconds`` (rounded up to the next length a chain
    reaches: 8, 15, 22, ... 148 s). ``prompts`` gives each link its own prompt (the first for
    the first clip; missing ones repeat ``prompt``)."""
    spec = long_take_model(model, image)
    option = spec.option("duration")
    assert option is not None  # long_take_model checked it
    durations = sorted(int(d) for d in option.choices or (option.default,))
    longest = durations[-1]
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds <= 0:
        raise ValidationError("seconds", f"a long take's length is a number of seconds, not {seconds!r}")
    most = reachable(longest, MAX_EXTENDS + 1)
    if seconds > most:
        raise ValidationError("seconds", f"a chain reaches at most {most} s ({MAX_EXTENDS} extends), not {seconds:g}")
    if seconds <= longest:
        count, first = 1, next(d for d in durations if d >= seconds)
    else:
        count, first = 1 + math.ceil((seconds - longest) / EXTEND_SECONDS), longest
    texts = [str(p) for p in (prompts or [])]
    if len(texts) > count:
        raise ValidationError("prompts", f"{len(texts)} prompts for a chain of {count} links")
    texts += [prompt] * (count - len(texts))
    for i, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            raise ValidationError(f"prompts[{i}]" if prompts else "prompt", "write what should happen in the video")
    if save_to is not None:
        writable_output(save_to, "save_to")  # one rule for every output: refused before any link is sent
    extender = FAST_EXTEND_MODEL if "fast" in spec.id else EXTEND_MODEL
    links = [
        Link(i, texts[i].strip(), spec.id if i == 0 else extender, first if i == 0 else EXTEND_SECONDS, 0)
        for i in range(count)
    ]
    links = [replace(link, total=reachable(first, link.index + 1)) for link in links]
    given = {k: v for k, v in (options or {}).items() if v is not None}
    unknown = sorted(set(given) - SHARED_OPTIONS - FIRST_OPTIONS)
    if unknown:
        raise ValidationError(unknown[0], "is not an option of a long take (its links choose their own lengths)")
    first_options = {k: v for k, v in given.items() if k in FIRST_OPTIONS}
    if count > 1:
        first_options.setdefault("resolution", "720p")  # extends are 720p: the whole take is
        if str(first_options["resolution"]).lower() != "720p":
            raise ValidationError("resolution", "a long take is 720p (extend makes 720p clips only)")
    image_text = str(Path(image).expanduser().resolve()) if isinstance(image, Path) else image
    if isinstance(image_text, str) and "://" not in image_text and not image_text.startswith("data:"):
        image_text = str(Path(image_text).expanduser().resolve())
    return ChainPlan(
        chain="chain-" + secrets.token_hex(6),
        links=links,
        options=first_options,
        shared={k: v for k, v in given.items() if k in SHARED_OPTIONS},
        image=image_text if isinstance(image_text, str) else None,
        save_to=save_to,
    )
