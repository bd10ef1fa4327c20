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
from ..schema._output import FILM_SUFFIXES, is_folder_path, writable_output
from ._studio import EXTEND_MODEL, FAST_EXTEND_MODEL, extend_model

__all__ = [
    "EXTEND_SECONDS",
    "MAX_EXTENDS",
    "ChainPlan",
    "Link",
    "chain_path",
    "continue_links",
    "continue_model",
    "load_chain",
    "long_take_options",
    "longest_clip",
    "long_take_model",
    "plan_lengthen",
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
#: Seconds of crossfade between clips joined by the fallback (continue from the last frame).
FALLBACK_CROSSFADE = 0.5
#: What a chain may do when its model cannot extend, or extend keeps failing.
FALLBACKS = (None, "continue")
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
    """Seconds this link makes (the first clip's length, 7 for an extend, a whole clip for a continue)."""
    total: float
    """The whole clip's length once this link is made (a continue adds its clip less the crossfade)."""
    relation: str = "extend"
    """``first`` (a new clip), ``extend`` (the whole clip so far, 7 s longer), or ``continue``
    (a new clip from the last frame, stitched on with a crossfade: the fallback)."""


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
    origin: str | None = None
    """A finished clip's job id that the chain lengthens (None: the chain makes its first clip)."""
    fallback: str | None = None
    """``continue``: if the model cannot extend, or extend keeps failing, the rest of the chain
    continues from the last frame and is stitched with a crossfade (None: it stops, resumable)."""
    crossfade: float = FALLBACK_CROSSFADE

    @property
    def seconds(self) -> float:
        return self.links[-1].total

    @property
    def stitched(self) -> bool:
        """True when some link continues from a last frame: the take is a stitched film."""
        return any(link.relation == "continue" for link in self.links)

    def key(self, index: int) -> str:
        """The journal's ``batch`` value of link ``index``: every attempt at that link has it."""
        return f"{self.chain}:{index}"

    def describe(self) -> str:
        """``3 links (8 + 7 + 7 s = 22 s)``; a stitched one says its crossfades."""
        parts = " + ".join(str(link.duration) for link in self.links)
        count = len(self.links)
        fades = sum(link.relation == "continue" for link in self.links)
        less = f" - {fades} x {self.crossfade:g} s crossfade" if fades else ""
        return f"{count} link{'s' if count > 1 else ''} ({parts} s{less} = {self.seconds:g} s)"

    def priced(self, links: Sequence[Link] | None = None) -> list[dict[str, Any]]:
        """What each link (``links``: every one) costs depends on: its model, length,
        resolution and sound."""
        out = []
        for link in self.links if links is None else links:
            item: dict[str, Any] = {"model": link.model, "duration": link.duration, **self.shared}
            if link.relation != "extend":
                item.update(self.first_options(link))
            out.append(item)
        return out

    def first_options(self, link: Link) -> dict[str, Any]:
        """The options a new clip (the first, or a continue) is sent with: a continue keeps
        the first clip's shape and resolution where its model takes them."""
        if link.relation == "first":
            return dict(self.options)
        spec = get_model(link.model)
        return {k: v for k, v in self.options.items() if k in ("aspect_ratio", "resolution") and spec.takes(k)}

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
    if links and "relation" not in saved_link_keys(path) and not saved.get("origin"):
        links[0] = replace(links[0], relation="first")  # a plan saved before links said what they are
    return ChainPlan(links=links, **saved)


def saved_link_keys(path: Path) -> set[str]:
    """The keys the first saved link of the plan at ``path`` has."""
    links = json.loads(path.read_text(encoding="utf-8")).get("links") or [{}]
    return set(links[0])


def can_extend(spec: ModelSpec) -> bool:
    """True when ``spec``'s clips can be extended (Veo 3.1's text, image and first-last models)."""
    return ("3.1" in spec.id or "3-1" in spec.id) and spec.option("duration") is not None and "extend" not in spec.modes


def long_take_model(model: str | None, image: object, fallback: str | None = None) -> ModelSpec:
    """The first clip's model: the one named, or Veo 3.1 Fast (text or image to video). A
    model whose clips cannot be extended is refused, naming the ones that can, unless the
    chain may fall back to continuing from the last frame."""
    spec = get_model(model if model is not None else DEFAULT_IMAGE_MODEL if image is not None else DEFAULT_TEXT_MODEL)
    if fallback not in FALLBACKS:
        raise ValidationError(
            "fallback", f"a long take falls back to 'continue' or not at all (None), not {fallback!r}"
        )
    if spec.option("duration") is None or "extend" in spec.modes:
        raise ValidationError("model", f"{spec.short} cannot start a long take: it makes no clip of its own")
    if not can_extend(spec) and fallback != "continue":
        raise ValidationError(
            "model",
            f"{spec.short} clips cannot be extended: a long take starts with a Veo 3.1 model "
            "(veo-3.1-fast-t2v, veo-3.1-fast-i2v, veo-3.1-t2v, veo-3.1-i2v...), or pass "
            "fallback='continue' to continue from each clip's last frame and stitch them",
        )
    return spec


def continue_model(model: str) -> ModelSpec:
    """The image-to-video model that continues ``model``'s clips from a last frame: itself if
    it takes an image, else its family's image model (Veo 3.1 image to video otherwise)."""
    spec = get_model(model)
    if "image" in spec.modes:
        return spec
    for name in (spec.short.replace("-t2v", "-i2v"), "veo-3.1-fast-i2v" if "fast" in spec.short else "veo-3.1-i2v"):
        try:
            found = get_model(name)
        except ValidationError:
            continue
        if "image" in found.modes:
            return found
    return get_model(DEFAULT_IMAGE_MODEL)


def continue_links(plan: ChainPlan, start: int) -> None:
    """Make links ``start`` on of ``plan`` continue from the last frame (each a whole clip of
    the image model's longest length, stitched on with the plan's crossfade)."""
    base = plan.links[0].model if plan.links[0].relation == "first" else DEFAULT_IMAGE_MODEL
    spec = continue_model(base)
    longest = longest_clip(spec.id)
    total = plan.links[start - 1].total if start > 0 else 0.0
    for i in range(start, len(plan.links)):
        total += longest - plan.crossfade
        plan.links[i] = replace(plan.links[i], model=spec.id, duration=longest, total=total, relation="continue")


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
    fallback: str | None = None,
) -> ChainPlan:
    """The links that make a clip of ``seconds`` (rounded up to the next length a chain
    reaches: 8, 15, 22, ... 148 s). ``prompts`` gives each link its own prompt (the first for
    the first clip; missing ones repeat ``prompt``). ``fallback="continue"``: a model that
    cannot extend continues from each clip's last frame instead (stitched with a crossfade)."""
    spec = long_take_model(model, image, fallback)
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
    _check_save_to(save_to, fallback)
    extender = FAST_EXTEND_MODEL if "fast" in spec.id else EXTEND_MODEL
    links = [
        Link(i, texts[i].strip(), spec.id if i == 0 else extender, first if i == 0 else EXTEND_SECONDS, 0, "extend")
        for i in range(count)
    ]
    links = [replace(link, total=reachable(first, link.index + 1)) for link in links]
    links[0] = replace(links[0], relation="first")
    given = {k: v for k, v in (options or {}).items() if v is not None}
    unknown = sorted(set(given) - SHARED_OPTIONS - FIRST_OPTIONS)
    if unknown:
        raise ValidationError(unknown[0], "is not an option of a long take (its links choose their own lengths)")
    first_options = {k: v for k, v in given.items() if k in FIRST_OPTIONS}
    if count > 1 and can_extend(spec):
        first_options.setdefault("resolution", "720p")  # extends are 720p: the whole take is
        if str(first_options["resolution"]).lower() != "720p":
            raise ValidationError("resolution", "a long take is 720p (extend makes 720p clips only)")
    image_text = str(Path(image).expanduser().resolve()) if isinstance(image, Path) else image
    if isinstance(image_text, str) and "://" not in image_text and not image_text.startswith("data:"):
        image_text = str(Path(image_text).expanduser().resolve())
    plan = ChainPlan(
        chain=new_chain_id(),
        links=links,
        options=first_options,
        shared={k: v for k, v in given.items() if k in SHARED_OPTIONS},
        image=image_text if isinstance(image_text, str) else None,
        save_to=save_to,
        fallback=fallback,
    )
    if not can_extend(spec) and count > 1:  # fallback="continue" (long_take_model checked it)
        continue_links(plan, 1)
    return plan


def _check_save_to(save_to: str | None, fallback: str | None) -> None:
    """``schema/_output``'s rule before any link is sent; a film stitched by the fallback is an MP4."""
    if save_to is None:
        return
    target = writable_output(save_to, "save_to")
    if fallback == "continue" and not is_folder_path(target) and target.suffix.lower() not in FILM_SUFFIXES:
        raise ValidationError("save_to", f"{target} should end in .mp4 (a fallback stitches one film)")


def new_chain_id() -> str:
    return "chain-" + secrets.token_hex(6)


def plan_lengthen(
    job: Any,
    *,
    links: int,
    prompt: str | None = None,
    prompts: Sequence[str] | None = None,
    options: Mapping[str, Any] | None = None,
    save_to: str | None = None,
    fallback: str | None = None,
) -> ChainPlan:
    """``links`` extends of the finished clip ``job`` (each 7 s more of the whole clip): a
    chain whose first link extends ``job`` (its ``origin``). ``prompt`` defaults to ``job``'s."""
    if isinstance(links, bool) or not isinstance(links, int) or not 1 <= links <= MAX_EXTENDS:
        raise ValidationError("links", f"a clip is lengthened by 1 to {MAX_EXTENDS} extends, not {links!r}")
    if fallback not in FALLBACKS:
        raise ValidationError(
            "fallback", f"a long take falls back to 'continue' or not at all (None), not {fallback!r}"
        )
    if not getattr(job, "ok", False) or not getattr(job, "id", None):
        raise ValidationError("job", "only a finished clip can be lengthened")
    extender = extend_model(job)
    if extender is None and fallback != "continue":
        raise ValidationError(
            "model", "only Veo 3.1 clips can be extended; pass fallback='continue' to continue from its last frame"
        )
    text = prompt if prompt is not None else str((job.request or {}).get("prompt") or "")
    texts = [str(p) for p in (prompts or [])]
    if len(texts) > links:
        raise ValidationError("prompts", f"{len(texts)} prompts for {links} links")
    texts += [text] * (links - len(texts))
    for i, one in enumerate(texts):
        if not one.strip():
            raise ValidationError(f"prompts[{i}]" if prompts else "prompt", "write what happens next")
    _check_save_to(save_to, fallback)
    start = clip_seconds(job)
    chain = [
        Link(i, texts[i].strip(), extender or FAST_EXTEND_MODEL, EXTEND_SECONDS, start + EXTEND_SECONDS * (i + 1))
        for i in range(links)
    ]
    given = {k: v for k, v in (options or {}).items() if v is not None}
    unknown = sorted(set(given) - SHARED_OPTIONS)
    if unknown:
        raise ValidationError(unknown[0], "is not an option of an extend (it follows the clip it extends)")
    plan = ChainPlan(new_chain_id(), chain, shared=given, save_to=save_to, origin=job.id, fallback=fallback)
    if extender is None:
        continue_links(plan, 0)
    return plan


def clip_seconds(job: Any) -> float:
    """How long ``job``'s clip is: its file's length, else its length in the chain it ends
    (an extend's request says 7 s, its clip is the whole clip so far), else its request's."""
    path = getattr(job, "path", None)
    if path is not None and Path(path).is_file():
        from ..media._clips import probe_clip  # PyAV: only for a clip on disk, not with the panel

        return float(round(probe_clip(path).duration))
    batch = str(getattr(job, "batch", None) or "")
    chain, _, index = batch.rpartition(":")
    if chain.startswith("chain-") and index.isdigit():
        try:
            return load_chain(chain).links[int(index)].total
        except (ValidationError, IndexError):
            pass
    return float((job.request or {}).get("duration") or 8)
