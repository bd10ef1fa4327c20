"""What each of the gallery's action buttons does to the selected clip."""

from __future__ import annotations

import html
import inspect
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import ipywidgets as w

from ...journal._store import Journal
from ...media._media import poster_path
from ...schema._images import is_remote
from ...schema._models import Job
from ...views._client_api import ClientAPI
from ._follow import follow_up
from ._lengthen import open_lengthen
from ._model import Card
from ._strip import SequenceStrip

__all__ = ["GalleryLike", "input_file", "perform", "rerun_fields"]


class GalleryLike(Protocol):
    """What the actions use of the gallery (``_gallery.Gallery``): its public side only."""

    journal: Journal
    selected: Job | None
    message: w.HTML
    workspace: w.Output
    sequence: SequenceStrip
    posters: threading.Thread | None

    @property
    def client(self) -> ClientAPI: ...

    def select(self, job: Job | str, *, play: bool = False, keep: bool = False) -> Card: ...

    def show_result(self, job: Job) -> None: ...
    def refresh(self) -> object: ...
    def confirm(self, key: str) -> bool: ...
    def say(self, text: str, *, error: bool = False) -> None: ...
    def warn(self, html_text: str) -> None: ...
    def in_background(self, name: str, work: Callable[[], object]) -> threading.Thread: ...
    def continue_from(self, prompt: str, **options: Any) -> Any: ...
    def extend(self, prompt: str, **options: Any) -> Any: ...


def perform(gallery: GalleryLike, name: str, job: Job) -> Any:
    """Do action ``name`` (a key of ``ACTIONS``) on ``job``; return what it made, if anything."""
    action: Callable[[GalleryLike, Job], Any] = _ACTIONS[name]
    return action(gallery, job)


def _play(gallery: GalleryLike, job: Job) -> None:
    """Select the clip and start it playing (it stayed at 0:00)."""
    gallery.select(job, play=True)


#: Inputs a request names by a path or URL (reference images are a list of them).
_INPUTS = ("image", "last_image", "video")


def input_file(value: str, job: Job, folders: Sequence[Path] = ()) -> str | None:
    """Where the local input ``value`` of ``job``'s request is now, or None if it is gone.

    Newer journals keep absolute paths. Older ones kept the path as typed, relative to the
    folder the command ran in: so it is also looked for beside the journal and in and above
    the job's output folder (``veo_outputs/`` sits in the folder the command ran in).
    """
    given = Path(value).expanduser()
    if given.is_file():
        return str(given.resolve())
    if given.is_absolute():
        return None
    bases = list(folders)
    if job.path is not None:
        bases += [Path(job.path).parent, Path(job.path).parent.parent]
    for base in bases:
        candidate = base / given
        if candidate.is_file():
            return str(candidate.resolve())
    return None


def rerun_fields(job: Job, accepted: Callable[[str], bool], folders: Sequence[Path] = ()) -> dict[str, Any]:
    """The job's request as panel prefills: the fields the panel takes, and each input only
    where it can still be found (a URL, or a local file: see :func:`input_file`)."""
    fields = {k: v for k, v in (job.request or {}).items() if v is not None and accepted(k)}
    for name in _INPUTS:
        value = fields.get(name)
        if isinstance(value, str) and not is_remote(value) and not value.startswith("job "):
            found = input_file(value, job, folders)
            if found is None:
                del fields[name]
            else:
                fields[name] = found
    return fields


def _rerun(gallery: GalleryLike, job: Job) -> Any:
    from ..panel._panel import Panel

    parameters = inspect.signature(Panel).parameters
    accepted = lambda name: name in parameters and name not in ("client", "embed", "save_to")  # noqa: E731
    folders = [Path(gallery.journal.path).parent]
    fields = rerun_fields(job, accepted, folders)
    # Where its jobs come from is journaled with each create (a kernel dying mid-run keeps it).
    panel = Panel(client=gallery.client, lineage={"parent_id": job.id, "relation": "rerun"}, **fields)
    # The panel's own bundle (its widget view): append_display_data would call the panel's
    # _ipython_display_, which displays into the running cell, not into the workspace.
    # Beside what the workspace holds (a Continue form and its clip): never in its place.
    shown = {"output_type": "display_data", "data": panel._repr_mimebundle_(), "metadata": {}}
    gallery.workspace.outputs = (*gallery.workspace.outputs, shown)
    gallery.say("a panel with the same request is open below")
    if "image" not in fields and (job.request or {}).get("image"):
        gone = html.escape(str((job.request or {}).get("image")))
        gallery.warn(f"Pick the image again: its file <code>{gone}</code> is gone.")
    return panel


def _download(gallery: GalleryLike, job: Job) -> Any:
    gallery.say(f"downloading {job.id}…")

    def work() -> None:
        saved = gallery.client.download(job)
        gallery.say(f"saved again: {saved}")

    return gallery.in_background("download", work)


def _reveal(gallery: GalleryLike, job: Job) -> str:
    assert job.path is not None
    path = Path(job.path).resolve()
    gallery.message.value = (
        f"<code>{html.escape(str(path))}</code><br><small>in the folder "
        f"<code>{html.escape(str(path.parent))}</code></small>"
    )
    return str(path)


def _delete(gallery: GalleryLike, job: Job) -> bool:
    """Delete the local file (and its poster) on the second click; the journal row stays."""
    if not gallery.confirm(job.id):
        gallery.say("Click “Delete file” again to delete the video file (the journal keeps the job).")
        return False
    if gallery.posters is not None:  # a poster being made now would land after the delete
        gallery.posters.join(30)
    assert job.path is not None
    Path(job.path).unlink(missing_ok=True)
    poster_path(job.path).unlink(missing_ok=True)
    gallery.say(f"deleted {job.path}; the job stays in the journal and can be downloaded again")
    gallery.refresh()
    gallery.select(job.id)
    return True


def _sequence(gallery: GalleryLike, job: Job) -> None:
    gallery.sequence.add(job)
    count = len(gallery.sequence.clips)
    gallery.say(f"added to the sequence ({count} clip{'' if count == 1 else 's'})")


def _choose(gallery: GalleryLike, job: Job) -> None:
    """Mark this take as the one chosen (the journal's ``chosen``); its siblings are not."""
    gallery.journal.choose(job.id)
    gallery.say("chosen: this take is marked in the journal, and the other takes of its request are not")
    gallery.refresh()
    gallery.select(job.id)


def _resume(gallery: GalleryLike, job: Job) -> Any:
    gallery.say(f"waiting for {job.id}…")

    def work() -> None:
        done = gallery.client.wait(job.id)
        saved = gallery.client.download(done)
        gallery.say(f"finished and saved: {saved}")

    return gallery.in_background("resume", work)


def _reconcile(gallery: GalleryLike, job: Job) -> Any:
    return gallery.in_background("reconcile", lambda: gallery.client.reconcile(job))


_ACTIONS: dict[str, Callable[[GalleryLike, Job], Any]] = {
    "play": _play,
    "rerun": _rerun,
    "download": _download,
    "reveal": _reveal,
    "delete": _delete,
    "sequence": _sequence,
    "choose": _choose,
    "resume": _resume,
    "reconcile": _reconcile,
    "continue": follow_up("continue"),
    "extend": follow_up("extend"),
    "lengthen": open_lengthen,
}
