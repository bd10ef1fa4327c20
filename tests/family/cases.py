"""What every family test asks and expects: the cases, each mode's inputs and options, and
what a person should get back (a video they can play, of the length and size asked for)."""

from __future__ import annotations

import io
import shlex
from pathlib import Path
from typing import Any

from PIL import Image

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.schema._options import OPTIONS

from ..conftest import probe

FAMILY = list(veo.models())
WAIT = 180.0
PROMPT = "a paper boat drifts across a pond"
SEED = 1
#: The length of the base clip every extend extends: an extension is it plus 7 s.
BASE_SECONDS = 4
SURFACES = ("panel", "magics", "cli")


def picture(color: tuple[int, int, int], mark: tuple[int, int, int]) -> bytes:
    """A 640x360 PNG with a square in one corner: first, last and reference frames differ."""
    image = Image.new("RGB", (640, 360), color)
    image.paste(mark, (40, 40, 200, 200))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


FIRST = picture((200, 60, 40), (250, 230, 90))
LAST = picture((40, 70, 190), (240, 240, 240))

#: (short name, mode) for every mode of every model: lite takes text, a first frame or both.
CASES = [(m.short, mode) for m in FAMILY for mode in m.modes]
#: A few cases asked in another shape, so frame sizes are checked beyond 16:9 at 720p.
SHAPES: dict[tuple[str, str], dict[str, str]] = {
    ("veo-3.1-fast-i2v", "image"): {"aspect_ratio": "9:16"},
    ("veo-3.1-fast-t2v", "text"): {"resolution": "1080p", "duration": 8},  # 1080p needs 8 s (Google's rule)
}


def surface_cases(surface: str) -> list[tuple[str, str]]:
    """Every model once on ``surface``; a model of several modes takes a different one on
    each surface (so the three together try each of its modes)."""
    turn = SURFACES.index(surface)
    return [(m.short, m.modes[(turn + k) % len(m.modes)]) for k, m in enumerate(FAMILY)]


def case_id(case: tuple[str, str]) -> str:
    return f"{case[0]}[{case[1]}]"


def spec_of(short: str) -> veo.ModelSpec:
    return next(m for m in FAMILY if m.short == short)


def options_for(short: str, mode: str, surface: str = "client") -> dict[str, Any]:
    """The quickest request of this model and mode: 720p, the shortest length it allows
    (Veo 2 starts at 5 s; lite-preview needs 8 s with a last frame; reference only makes
    8 s and extend 7 s, so neither is given one), the shared seed where it takes one."""
    spec = spec_of(short)
    out: dict[str, Any] = {}
    if mode not in ("reference", "extend"):
        out["duration"] = min(spec.allowed("duration", last_image=mode == "first-last"))
    if spec.resolutions and mode != "extend":
        out["resolution"] = "720p"
    if spec.takes_seed:
        out["seed"] = SEED
    if surface == "client":
        out.update(SHAPES.get((short, mode), {}))
    return out


def inputs_for(mode: str, base: veo.Job | None = None) -> dict[str, Any]:
    if mode == "image":
        return {"image": FIRST}
    if mode == "first-last":
        return {"image": FIRST, "last_image": LAST}
    if mode == "reference":
        return {"reference_images": [FIRST, LAST]}
    if mode == "extend":
        assert base is not None
        return {"video": base}
    return {}


def expected(short: str, mode: str, surface: str = "client") -> dict[str, Any]:
    """What a person should get, from the docs rather than from the catalogue: extend gives
    back its (landscape) input with 7 s added, as one clip; reference makes 8 s, Veo 2 is
    silent."""
    asked = options_for(short, mode, surface)
    duration = {"extend": BASE_SECONDS + 7, "reference": 8}.get(mode, asked.get("duration"))
    portrait = asked.get("aspect_ratio") == "9:16"
    size = (1920, 1080) if asked.get("resolution") == "1080p" else (1280, 720)
    return {
        "duration": duration,
        "size": size[::-1] if portrait else size,
        "audio": not spec_of(short).id.startswith("veo2"),
    }


def assert_playable(path: Path | None, short: str, mode: str, surface: str = "client") -> None:
    """The saved file is an MP4 a person can play: H.264 of the size and length asked for,
    AAC sound where the model makes it, and a first frame that decodes."""
    assert path is not None and path.exists(), f"{short} [{mode}]: no saved video"
    want = expected(short, mode, surface)
    got = probe(path)
    assert got["video_codec"] == "h264", f"{short} [{mode}]: {got}"
    assert (got["width"], got["height"]) == want["size"], f"{short} [{mode}]: {got}"
    assert abs(got["duration"] - want["duration"]) < 0.5, f"{short} [{mode}]: {got}, want {want['duration']} s"
    assert got["audio_codec"] == ("aac" if want["audio"] else None), f"{short} [{mode}]: {got}"
    import av

    with av.open(str(path)) as container:  # it decodes, not just parses: a frame comes out
        assert next(container.decode(video=0)).width == want["size"][0]


def flag(name: str, value: Any) -> list[str]:
    """An option as a flag of ``%%veo`` and ``veo generate`` (``--audio``/``--no-audio`` for a switch)."""
    option = next(o for o in OPTIONS if o.name == name)
    if option.type is bool:
        return [option.flag if value else "--no-" + option.flag.removeprefix("--")]
    return [option.flag, str(value)]


def cell_line(short: str, mode: str, options: dict[str, Any] | None = None, video: str = "{base}") -> str:
    """``%%veo``'s options line; ``options`` in place of the quick ones."""
    flags = [f"--model {short}"]
    if mode in ("image", "first-last"):
        flags.append("--image {first}")
    if mode == "first-last":
        flags.append("--last-image {last}")
    if mode == "reference":
        flags.append("--reference {first} --reference {last}")
    if mode == "extend":
        flags.append(f"--extend {video}")
    for name, value in (options_for(short, mode, "magics") if options is None else options).items():
        flags += [shlex.quote(word) for word in flag(name, value)]
    return " ".join(flags)


def cli_args(
    short: str, mode: str, files: dict[str, Path], video: str, options: dict[str, Any] | None = None
) -> list[str]:
    """``veo generate`` as a person types it; ``options`` in place of the quick ones."""
    args = ["generate", "--model", short]
    if mode == "first-last":
        args += ["--last-image", str(files["last"])]
    if mode == "reference":
        args += ["--reference", str(files["first"]), "--reference", str(files["last"])]
    if mode == "extend":
        args += ["--extend", video]
    for name, value in (options_for(short, mode, "cli") if options is None else options).items():
        args += flag(name, value)
    # `veo generate [IMAGE] PROMPT`: the two words together, after the flags
    return [*args, *([str(files["first"])] if mode in ("image", "first-last") else []), PROMPT]


#: A request each model's spec forbids, one (or more) for every model of the family:
#: (model, its inputs, options, the field the error names).
FORBIDDEN: list[tuple[str, str, dict[str, Any], str]] = [
    ("veo-3-fast-i2v", "image", {"resolution": "1080p", "duration": 4}, "resolution"),  # 1080p only at 8 s
    ("veo-3-i2v", "image", {"duration": 5}, "duration"),
    ("veo-3-fast-t2v", "image", {}, "model"),  # an image for a text model
    ("veo-3-t2v", "text", {"aspect_ratio": "1:1"}, "aspect_ratio"),
    ("veo-3.1-fast-i2v", "image", {"negative_prompt": "blur"}, "negative_prompt"),
    ("veo-3.1-i2v", "image", {"seed": 3}, "seed"),
    ("veo-3.1-fast-t2v", "text", {"duration": 7}, "duration"),
    ("veo-3.1-t2v", "image", {}, "model"),
    ("veo-3.1-fast-first-last", "image", {}, "last_image"),  # the last frame left out
    ("veo-3.1-first-last", "first-last", {"seed": 3}, "seed"),
    ("veo-3.1-reference", "reference", {"aspect_ratio": "16:9"}, "aspect_ratio"),
    ("veo-3.1-reference", "reference", {"duration": 4}, "duration"),
    ("veo-3.1-fast-extend", "extend", {"resolution": "1080p"}, "resolution"),
    ("veo-3.1-extend", "extend", {"seed": 3}, "seed"),
    ("veo-3.1-lite-preview", "first-last", {"duration": 4}, "duration"),
    ("veo-3.1-fast-i2v", "image", {"resolution": "1080p", "duration": 4}, "resolution"),  # 1080p only at 8 s
    ("veo-3.1-lite", "text", {"resolution": "1080p", "duration": 6}, "resolution"),
    ("veo-3.1-lite", "image", {"negative_prompt": "blur"}, "negative_prompt"),
    ("veo-2-i2v", "image", {"resolution": "720p"}, "resolution"),
    ("veo-2-t2v", "text", {"generate_audio": True}, "generate_audio"),
]


def forbidden_id(case: tuple[str, str, dict[str, Any], str]) -> str:
    return f"{case[0]}-{case[3]}"


def nothing_reached(emu: Emulator) -> None:
    """The emulator saw no create at all: the refusal was local."""
    stats = emu.stats
    assert (stats.create_attempts, stats.creates, stats.rejected) == (0, 0, 0), stats
