"""A storyboard: scenes made in order, each from the last frame of the one before, stitched
into one film.

>>> board = veo.Storyboard(["A kite on the beach", "It climbs", "It dives"], path="kite.json")  # doctest: +SKIP
>>> board.make(crossfade=0.5)                                                                  # doctest: +SKIP

Each scene is a prompt with an optional image and a length (4, 6 or 8 s). The first scene
starts from its image (or from text); every later one starts from the previous scene's last
frame (Veo 3.1 image to video), and records that scene as its parent (``continue``). The
board is saved to a small JSON file after every scene, with each scene's job id: reopened
(``Storyboard.open(path)``), it goes on where it was, and a scene already made is never
paid for again. ``retake(i)`` makes scene ``i`` again, and only it. Before a create, the
price of every scene still to make is told and checked against the budget, whole.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .._config import output_dir
from .._errors import ValidationError
from ..client._client import Client
from ..media._media import stitch
from ..schema._models import Job
from ._long_take_run import notice
from ._studio import continue_from

__all__ = ["Scene", "Storyboard"]

TEXT_MODEL = "google/veo-3.1-t2v-fast"
IMAGE_MODEL = "google/veo-3.1-i2v-fast"


@dataclass
class Scene:
    """One scene: what happens, how long (seconds), and an image for the first scene."""

    prompt: str
    seconds: int = 8
    image: str | None = None
    job: str | None = None
    """The id of the scene's made clip (None until made)."""

    @classmethod
    def of(cls, item: Scene | str | Mapping[str, Any], index: int) -> Scene:
        if isinstance(item, Scene):
            return item
        if isinstance(item, str):
            return cls(item)
        if isinstance(item, Mapping) and isinstance(item.get("prompt"), str):
            return cls(**{k: item[k] for k in ("prompt", "seconds", "image", "job") if k in item})
        raise ValidationError(f"scenes[{index}]", "a scene is a prompt, or a dict with prompt, seconds and image")


class Storyboard:
    """Scenes that become one film; see the module's documentation."""

    def __init__(
        self,
        scenes: Sequence[Scene | str | Mapping[str, Any]],
        *,
        path: str | os.PathLike[str] | None = None,
        client: Any = None,
        crossfade: float = 0.0,
    ) -> None:
        self.scenes = [Scene.of(item, i) for i, item in enumerate(scenes)]
        if not self.scenes:
            raise ValidationError("scenes", "a storyboard has at least one scene")
        for i, scene in enumerate(self.scenes):
            if not scene.prompt.strip():
                raise ValidationError(f"scenes[{i}].prompt", "write what happens in the scene")
            if scene.seconds not in (4, 6, 8):
                raise ValidationError(f"scenes[{i}].seconds", f"a scene lasts 4, 6 or 8 s, not {scene.seconds!r}")
        self.path = Path(path) if path is not None else None
        self.crossfade = crossfade
        self.film: str | None = None
        self.client = client if client is not None else Client()

    # ------------------------------------------------------------ the file

    def save(self) -> None:
        """Write the board (its scenes, their jobs, the film) to :attr:`path`, atomically."""
        if self.path is None:
            return
        data = {"scenes": [asdict(s) for s in self.scenes], "crossfade": self.crossfade, "film": self.film}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        part = self.path.with_name(self.path.name + ".part")
        part.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(part, self.path)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, client: Any = None) -> Storyboard:
        """The board saved at ``path``, where it was."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValidationError("path", f"cannot read the storyboard {path} ({exc})") from None
        board = cls(data["scenes"], path=path, client=client, crossfade=float(data.get("crossfade") or 0.0))
        board.film = data.get("film")
        return board

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

    def _priced(self, scenes: Sequence[Scene]) -> list[dict[str, Any]]:
        return [
            {"model": TEXT_MODEL if i == 0 and s.image is None else IMAGE_MODEL, "duration": s.seconds}
            for i, s in enumerate(scenes)
        ]

    def _make_scene(self, index: int, previous: Job | None) -> Job:
        scene = self.scenes[index]
        lineage = {"batch": f"storyboard:{self.path or 'unsaved'}:{index}"}
        options: dict[str, Any] = {"duration": scene.seconds, "resolution": "720p"}
        if previous is None:
            model = IMAGE_MODEL if scene.image is not None else TEXT_MODEL
            run = self.client.start(scene.prompt, scene.image, model=model, lineage=lineage, **options)
        else:
            run = continue_from(self.client, previous, scene.prompt, model=IMAGE_MODEL, **options)
        job: Job = run.wait()
        scene.job = job.id
        self.save()
        return job

    def make(self, *, crossfade: float | None = None, out: str | os.PathLike[str] | None = None) -> Path:
        """Make every scene not made yet, in order, then stitch the film; its path."""
        if crossfade is not None:
            self.crossfade = crossfade
        todo = [i for i, s in enumerate(self.scenes) if self._job(s) is None]
        if todo:
            estimate = self.client.afford(self._priced([self.scenes[i] for i in todo]))
            notice(self.client, f"A storyboard of {len(todo)} scene(s) to make, estimated at {estimate.describe()}.")
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
        if not 0 <= index < len(self.scenes):
            raise ValidationError("index", f"the storyboard has scenes 0 to {len(self.scenes) - 1}, not {index}")
        previous = self._job(self.scenes[index - 1]) if index > 0 else None
        if index > 0 and previous is None:
            raise ValidationError("index", f"scene {index - 1} is not made yet: make() the storyboard first")
        self.client.afford(self._priced([self.scenes[index]]))
        self._make_scene(index, previous)
        return self.make(out=out)

    def _stitch(self, clips: list[Job], out: str | os.PathLike[str] | None) -> Path:
        stem = self.path.stem if self.path is not None else "storyboard"
        target = Path(out) if out is not None else output_dir() / f"{stem}-film.mp4"
        target.parent.mkdir(parents=True, exist_ok=True)
        film = stitch(clips, target, crossfade=self.crossfade)
        self.film = str(film)
        self.save()
        return film

    def __repr__(self) -> str:
        made = sum(s.job is not None for s in self.scenes)
        return f"Storyboard({len(self.scenes)} scenes, {made} made, film={self.film!r})"
