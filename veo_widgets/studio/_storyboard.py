"""A storyboard: scenes made in order, each from the last frame of the one before, stitched
into one film.

>>> board = veo.Storyboard(["A kite on the beach", "It climbs", "It dives"], path="kite.json")  # doctest: +SKIP
>>> board.make(crossfade=0.5)                                                                  # doctest: +SKIP

Each scene is a prompt with an optional image and a length (4, 6 or 8 s). The first scene
starts from its image (or from text); every later one starts from the previous scene's last
frame (Veo 3.1 image to video), and records that scene as its parent (``continue``), or,
with ``mode="extend"``, extends the previous scene's whole clip by 7 s (no cut, no
crossfade: the film plays the extension in its place). Scenes can be added, removed and
moved (``add``, ``remove``, ``move``); a scene already made keeps its clip. The
board is saved to a small JSON file after every scene, with each scene's job id: reopened
(``Storyboard.open(path)``), it goes on where it was, and a scene already made is never
paid for again. ``retake(i)`` makes scene ``i`` again, and only it. Before a create, the
price of every scene still to make is told and checked against the budget, whole.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .._config import output_dir
from .._errors import ValidationError
from ..client._client import Client
from ..media._media import stitch
from ..schema._models import Job
from ..schema._output import FILM_SUFFIXES, part_file, writable_output
from ._chain import EXTEND_SECONDS
from ._long_take_run import notice
from ._studio import FAST_EXTEND_MODEL, continue_from, extend

__all__ = ["MODES", "Scene", "Storyboard"]

TEXT_MODEL = "google/veo-3.1-t2v-fast"
IMAGE_MODEL = "google/veo-3.1-i2v-fast"
#: How a scene follows the one before: a new shot from its last frame, or 7 s more of it.
MODES = ("continue", "extend")
#: The lengths a new shot may have.
SHOT_SECONDS = (4, 6, 8)


@dataclass
class Scene:
    """One scene: what happens, how long (seconds), and an image for the first scene."""

    prompt: str
    seconds: int = 8
    image: str | None = None
    job: str | None = None
    """The id of the scene's made clip (None until made)."""
    mode: str = "continue"
    """``continue`` (a new shot from the previous scene's last frame) or ``extend`` (7 s more
    of the previous scene's clip)."""

    @classmethod
    def of(cls, item: Scene | str | Mapping[str, Any], index: int) -> Scene:
        if isinstance(item, Scene):
            return item
        if isinstance(item, str):
            return cls(item)
        if isinstance(item, Mapping) and isinstance(item.get("prompt"), str):
            scene = cls(**{k: item[k] for k in ("prompt", "seconds", "image", "job", "mode") if k in item})
            if scene.mode == "extend" and "seconds" not in item:
                scene.seconds = EXTEND_SECONDS
            return scene
        raise ValidationError(f"scenes[{index}]", "a scene is a prompt, or a dict with prompt, seconds and image")

    def check(self, index: int) -> None:
        """A ``ValidationError`` naming the field when this scene cannot be made as it is."""
        if not isinstance(self.prompt, str) or not self.prompt.strip():
            raise ValidationError(f"scenes[{index}].prompt", "write what happens in the scene")
        if self.mode not in MODES:
            raise ValidationError(f"scenes[{index}].mode", f"a scene continues or extends, not {self.mode!r}")
        if self.mode == "extend":
            if index == 0:
                raise ValidationError(f"scenes[{index}].mode", "the first scene has nothing before it to extend")
            if self.seconds != EXTEND_SECONDS:
                raise ValidationError(
                    f"scenes[{index}].seconds", f"an extend adds {EXTEND_SECONDS} s, not {self.seconds!r}"
                )
        elif self.seconds not in SHOT_SECONDS:
            raise ValidationError(f"scenes[{index}].seconds", f"a scene lasts 4, 6 or 8 s, not {self.seconds!r}")


class Storyboard:
    """Scenes that become one film; see the module's documentation."""

    def __init__(
        self,
        scenes: Sequence[Scene | str | Mapping[str, Any]] | None = None,
        *,
        path: str | os.PathLike[str] | None = None,
        client: Any = None,
        crossfade: float | None = None,
    ) -> None:
        self.film: str | None = None
        saved: list[Scene] = []
        if scenes is None:  # the board saved at ``path``, where it was
            data = _read(path)
            scenes = data["scenes"]
            crossfade = crossfade if crossfade is not None else float(data.get("crossfade") or 0.0)
            self.film = data.get("film")
        elif path is not None and Path(path).is_file():  # run again: scenes as saved keep their clips
            data = _read(path)
            saved = [Scene.of(item, i) for i, item in enumerate(data["scenes"])]
            crossfade = crossfade if crossfade is not None else float(data.get("crossfade") or 0.0)
        self.scenes = [Scene.of(item, i) for i, item in enumerate(scenes)]
        for mine, before in zip(self.scenes, saved, strict=False):
            if mine.job is None and _same(mine, before):
                mine.job = before.job
        if not self.scenes:
            raise ValidationError("scenes", "a storyboard has at least one scene")
        self.check()
        self.path = Path(path) if path is not None else None
        self.crossfade = crossfade or 0.0
        self.client = client if client is not None else Client()
        self._saving = threading.Lock()
        self.on_update: Callable[[str], Any] | None = None
        """Told what the board is doing (``scene 2 of 3: generating``), from its thread."""

    def check(self) -> None:
        """A ``ValidationError`` naming the first scene field that cannot be made as it is."""
        for i, scene in enumerate(self.scenes):
            scene.check(i)

    # ------------------------------------------------------------ editing

    def add(self, scene: Scene | str | Mapping[str, Any], index: int | None = None) -> Scene:
        """Add a scene (at the end, or at ``index``); saved."""
        made = Scene.of(scene, len(self.scenes))
        self.scenes.insert(len(self.scenes) if index is None else index, made)
        self.save()
        return made

    def remove(self, index: int) -> Scene:
        """Take scene ``index`` out (its clip stays in the journal); saved."""
        self._index(index)
        if len(self.scenes) == 1:
            raise ValidationError("index", "a storyboard keeps at least one scene")
        gone = self.scenes.pop(index)
        self.save()
        return gone

    def move(self, index: int, to: int) -> None:
        """Move scene ``index`` to place ``to``; made scenes keep their clips (re-take one
        whose first frame should follow its new neighbour); saved."""
        self._index(index)
        self._index(to)
        self.scenes.insert(to, self.scenes.pop(index))
        self.save()

    def _index(self, index: int) -> None:
        if not isinstance(index, int) or not 0 <= index < len(self.scenes):
            raise ValidationError("index", f"the storyboard has scenes 0 to {len(self.scenes) - 1}, not {index!r}")

    def _tell(self, text: str) -> None:
        if self.on_update is not None:
            self.on_update(text)

    # ------------------------------------------------------------ the file

    def save(self) -> None:
        """Write the board (its scenes, their jobs, the film) to :attr:`path`, atomically."""
        if self.path is None:
            return
        # One save at a time (the editor's thread and a making one), each through its own
        # temporary name: two sharing one ``.part`` could rename it from under each other.
        with self._saving:
            data = {"scenes": [asdict(s) for s in self.scenes], "crossfade": self.crossfade, "film": self.film}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            part = part_file(self.path)
            part.write_text(json.dumps(data, indent=1), encoding="utf-8")
            os.replace(part, self.path)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, client: Any = None) -> Storyboard:
        """The board saved at ``path``, where it was."""
        return cls(None, path=path, client=client)

    # ------------------------------------------------------------ making

    def _job(self, scene: Scene) -> Job | None:
        """The scene's made clip, if it is made and its file is still there."""
        if scene.job is None:
            return None
        found: Job | None = self.client.journal.find(scene.job)
        if found is None or not found.ok:
            return None
        if found.path is None or not Path(found.path).is_file():
            self.client.download(found.id)
            found = self.client.journal.find(found.id)
        return found

    def priced(self, indexes: Sequence[int]) -> list[dict[str, Any]]:
        """What making scenes ``indexes`` costs depends on (for ``client.estimate``)."""
        out: list[dict[str, Any]] = []
        for i in indexes:
            scene = self.scenes[i]
            if scene.mode == "extend":
                out.append({"model": FAST_EXTEND_MODEL, "duration": EXTEND_SECONDS})
            else:
                model = TEXT_MODEL if i == 0 and scene.image is None else IMAGE_MODEL
                out.append({"model": model, "duration": scene.seconds, "resolution": "720p"})
        return out

    def _make_scene(self, index: int, previous: Job | None) -> Job:
        scene = self.scenes[index]
        self._tell(f"scene {index + 1} of {len(self.scenes)}: submitting")
        lineage = {"batch": f"storyboard:{self.path or 'unsaved'}:{index}"}
        options: dict[str, Any] = {"duration": scene.seconds, "resolution": "720p"}
        if previous is None:
            model = IMAGE_MODEL if scene.image is not None else TEXT_MODEL
            run = self.client.start(scene.prompt, scene.image, model=model, lineage=lineage, **options)
        elif scene.mode == "extend":
            run = extend(self.client, previous, scene.prompt)
        else:
            run = continue_from(self.client, previous, scene.prompt, model=IMAGE_MODEL, **options)
        run.on_update(lambda r: self._tell(f"scene {index + 1} of {len(self.scenes)}: {r.status}"))
        job: Job = run.wait()
        scene.job = job.id
        self.save()
        self._tell(f"scene {index + 1} of {len(self.scenes)}: made")
        return job

    def make(self, *, crossfade: float | None = None, out: str | os.PathLike[str] | None = None) -> Path:
        """Make every scene not made yet, in order, then stitch the film; its path."""
        if crossfade is not None:
            self.crossfade = crossfade
        self._film_path(out)  # the film's name and folder: refused before any scene is sent
        self.check()
        todo = [i for i, s in enumerate(self.scenes) if self._job(s) is None]
        if todo:
            estimate = self.client.afford(self.priced(todo))
            said = f"A storyboard of {len(todo)} scene{'' if len(todo) == 1 else 's'} to make, estimated at {estimate.describe()}."
            if self.on_update is not None:
                self._tell(said)
            else:
                notice(self.client, said)
        previous: Job | None = None
        clips: list[Job] = []
        for index, scene in enumerate(self.scenes):
            made = self._job(scene)
            job = made if made is not None else self._make_scene(index, previous)
            clips.append(job)
            previous = job
        return self._stitch(clips, out)

    def retake(self, index: int, *, out: str | os.PathLike[str] | None = None) -> Path:
        """Make scene ``index`` again (from the previous scene's last frame), only it, and
        stitch the film again."""
        self._index(index)
        self.check()
        previous = self._job(self.scenes[index - 1]) if index > 0 else None
        if index > 0 and previous is None:
            raise ValidationError("index", f"scene {index - 1} is not made yet: make() the storyboard first")
        self._film_path(out)
        self.client.afford(self.priced([index]))
        self._make_scene(index, previous)
        return self.make(out=out)

    def _film_path(self, out: str | os.PathLike[str] | None) -> Path:
        """Where the film goes, once its name is a video's and its folder can be written in
        (a ``ValidationError`` otherwise, as :func:`stitch` would say after the scenes were paid)."""
        stem = self.path.stem if self.path is not None else "storyboard"
        target = Path(out) if out is not None else output_dir() / f"{stem}-film.mp4"
        if target.suffix.lower() not in FILM_SUFFIXES:
            raise ValidationError("out", f"{target} should end in .mp4: the film is one file")
        return writable_output(target, "out")

    def _stitch(self, clips: list[Job], out: str | os.PathLike[str] | None) -> Path:
        target = self._film_path(out)
        self._tell("stitching the film")
        film = stitch(clips, target, crossfade=self.crossfade)
        self.film = str(film)
        self._tell(f"the film is made: {film}")
        self.save()
        return film

    @property
    def seconds(self) -> float:
        """How long the film of these scenes lasts: each scene's length, less a crossfade at
        every cut (an extend is no cut: it plays on from the scene before)."""
        cuts = sum(scene.mode != "extend" for scene in self.scenes[1:])
        return sum(scene.seconds for scene in self.scenes) - cuts * self.crossfade

    def __repr__(self) -> str:
        made = sum(s.job is not None for s in self.scenes)
        return f"Storyboard({len(self.scenes)} scenes, {made} made, film={self.film!r})"


def _same(one: Scene, other: Scene) -> bool:
    """True when two scenes ask for the same clip (prompt, length, image, mode)."""
    return (one.prompt.strip(), one.seconds, one.image, one.mode) == (
        other.prompt.strip(),
        other.seconds,
        other.image,
        other.mode,
    )


def _read(path: str | os.PathLike[str] | None) -> dict[str, Any]:
    if path is None:
        raise ValidationError("scenes", "a storyboard has scenes, or the path of one saved")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError("path", f"cannot read the storyboard {path} ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("scenes"), list):
        raise ValidationError("path", f"{path} is not a storyboard (no list of scenes)")
    return data
