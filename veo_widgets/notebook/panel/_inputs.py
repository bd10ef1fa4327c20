"""The panel's media inputs: an image (first or last frame), reference images, a video to extend.

Uploads always replace what was there and clear earlier complaints; uploaded bytes stay in
kernel memory only (never in saved widget state). A path field takes its text on Enter.
"""

from __future__ import annotations

import hashlib
import html
import io
from base64 import b64decode
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w
from PIL import Image

from ..._config import data_dir
from ..._errors import VeoError, explain
from ...schema._output import part_file
from ...views._lookup import resolve_video

__all__ = ["ImagePick", "ReferencePick", "VideoPick", "expression", "kept_upload", "resolve_video"]

THUMB = 192
PLACEHOLDER = (
    '<div class="veo-placeholder" role="img" aria-label="no image yet" style="width:192px;height:108px;'
    "display:flex;align-items:center;justify-content:center;border:1px dashed var(--jp-border-color1, #bdbdbd);"
    'border-radius:4px;color:var(--jp-ui-font-color2, #6b7280);font-size:12px">no image yet:<br>upload one or '
    "give a path</div>"
)


def _files(change: dict[str, Any]) -> list[tuple[str, bytes]]:
    out = []
    for item in change["new"] or ():
        content = item["content"] if isinstance(item, dict) else item.content
        name = item["name"] if isinstance(item, dict) else item.name
        out.append((str(name), bytes(content)))
    return out


def kept_upload(value: Any, name: str | None = None) -> Path | None:
    """An uploaded (or in-memory) image as a file "Show code" can name: bytes, a ``data:``
    URL or a PIL image, written once under ``<data folder>/uploads`` by its content's hash
    (so two panels with two pictures never share a name). None for anything else."""
    if isinstance(value, str) and value.startswith("data:") and "," in value:
        try:
            value = b64decode(value.split(",", 1)[1])
        except ValueError:
            return None
    if isinstance(value, Image.Image):
        buf = io.BytesIO()
        value.save(buf, "PNG")
        value, name = buf.getvalue(), name or "image.png"
    if not isinstance(value, (bytes, bytearray)):
        return None
    data = bytes(value)
    suffix = Path(name or "").suffix.lower() or ".png"
    folder = data_dir() / "uploads"
    path = folder / f"{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    try:
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            part = part_file(path)
            part.write_bytes(data)
            part.replace(path)
    except OSError:
        return None
    return path


def expression(value: Any, label: str | None, variable: str) -> tuple[list[str], str | None]:
    """Python for an input's value in "Show code": a literal for a path or URL; an upload is
    kept as a file (``kept_upload``) and named by its path, so the code uses this panel's
    picture wherever it is run. Always valid Python."""
    if value is None:
        return [], None
    if isinstance(value, Path) or (isinstance(value, str) and not value.startswith("data:")):
        return [], repr(str(value))
    kept = kept_upload(value, label)
    what = f"the uploaded {label}" if label else "the image given to the panel"
    if kept is not None:
        return [f"{variable} = {str(kept)!r}  # {what}, kept as a file"], variable
    return [f"{variable} = None  # {what} could not be kept as a file: give its path here"], variable


class ImagePick:
    """Upload or path/URL, with a preview of what will be sent (or a neat placeholder)."""

    def __init__(self, label: str, css: str, prepare: Callable[[Any], Any], changed: Callable[[], None]) -> None:
        self._prepare = prepare
        self._changed = changed
        self.value: Any = None
        self.label: str | None = None
        self.upload = w.FileUpload(
            accept="image/*",
            multiple=False,
            description=f"Upload {label.lower()}",
            icon="upload",
            tooltip=f"Choose the {label.lower()} from this computer",
        )
        self.upload.add_class(f"veo-{css}-upload")
        self.upload.layout = w.Layout(width="auto", flex="0 0 auto")
        self.path = w.Text(
            placeholder="or a path / https:// URL",
            description=label,
            continuous_update=False,
            layout=w.Layout(width="auto", flex="1 1 200px", max_width="100%"),
        )
        self.path.add_class(f"veo-{css}-path")
        self.preview = w.Image(format="jpeg", layout=w.Layout(max_width=f"{THUMB}px", max_height=f"{THUMB}px"))
        self.preview.add_class(f"veo-{css}-preview")
        self.placeholder = w.HTML(PLACEHOLDER)
        self.preview_box = w.Box([self.placeholder])
        self.note = w.HTML()
        self.upload.observe(self._uploaded, names="value")
        self.path.observe(self._typed, names="value")
        pick = w.HBox([self.upload, self.path], layout=w.Layout(flex_flow="row wrap", max_width="100%"))
        shown = w.HBox(
            [self.preview_box, self.note],
            layout=w.Layout(flex_flow="row wrap", align_items="flex-end", grid_gap="8px", max_width="100%"),
        )
        self.box = w.VBox([pick, shown], layout=w.Layout(max_width="100%"))
        self.box.add_class(f"veo-{css}-input")

    def _typed(self, change: dict[str, Any]) -> None:
        text = str(change["new"] or "").strip()
        if text:  # emptying the field (as an upload does) keeps whatever image there is
            self.set(text)

    def _uploaded(self, change: dict[str, Any]) -> None:
        files = _files(change)
        if not files:
            return
        name, data = files[0]
        self.upload.value = ()  # bytes in memory only: never in saved widget state
        self.path.value = ""
        self.set(data, label=name)

    def set(self, value: Any, label: str | None = None) -> None:
        """Replace the image (the latest pick wins) and forget earlier complaints."""
        self.value, self.label = value, label
        self.note.value = ""
        self.preview.value = b""
        self.preview_box.children = (self.placeholder,)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            self.note.value = "<small>sent as a URL</small>"
        elif value is not None:
            self.refresh()
        self._changed()

    def refresh(self) -> None:
        value = self.value
        if value is None or (isinstance(value, str) and value.startswith(("http://", "https://"))):
            return
        try:
            prepared = self._prepare(value)
        except VeoError as exc:
            self.note.value = f'<span class="veo-error">{html.escape(explain(exc))}</span>'
            self.preview_box.children = (self.placeholder,)
            return
        data = b64decode(prepared.image.split(",", 1)[1])
        thumb = Image.open(io.BytesIO(data)).convert("RGB")
        thumb.thumbnail((THUMB, THUMB))
        buf = io.BytesIO()
        thumb.save(buf, "JPEG", quality=80)
        self.preview.value = buf.getvalue()
        self.preview_box.children = (self.preview,)
        src = html.escape(self.label or prepared.image_source)
        self.note.value = f"<small>{src}<br>sent as {len(data) // 1024} KB</small>"


class ReferencePick:
    """Reference images: several uploads and/or paths (separated by commas)."""

    def __init__(self, changed: Callable[[], None]) -> None:
        self._changed = changed
        self.uploads: list[tuple[str, bytes]] = []
        self.upload = w.FileUpload(
            accept="image/*",
            multiple=True,
            description="Upload references",
            icon="upload",
            tooltip="Choose reference images from this computer",
        )
        self.upload.add_class("veo-references-upload")
        self.paths = w.Text(
            placeholder="or paths / URLs, separated by commas",
            description="References",
            continuous_update=False,
            layout=w.Layout(width="auto", max_width="100%"),
        )
        self.note = w.HTML()
        self.clear = w.Button(
            description="Clear", tooltip="forget the uploaded references", layout=w.Layout(width="auto")
        )
        self.upload.observe(self._uploaded, names="value")
        self.paths.observe(lambda _: self._changed(), names="value")
        self.clear.on_click(lambda _: self._forget())
        self.box = w.VBox([w.HBox([self.upload, self.clear, self.note]), self.paths])
        self.box.add_class("veo-references-input")

    def _uploaded(self, change: dict[str, Any]) -> None:
        files = _files(change)
        if not files:
            return
        self.upload.value = ()
        self.uploads += files
        self._show()

    def _forget(self) -> None:
        self.uploads = []
        self._show()

    def _show(self) -> None:
        names = ", ".join(name for name, _ in self.uploads)
        self.note.value = f"<small>{html.escape(names)}</small>" if names else ""
        self._changed()

    @property
    def value(self) -> list[Any]:
        return [data for _, data in self.uploads] + self._paths()

    def _paths(self) -> list[str]:
        return [part.strip() for part in self.paths.value.split(",") if part.strip()]

    def code(self) -> tuple[list[str], list[str]]:
        """Each uploaded reference by the path it is kept at (see ``kept_upload``)."""
        kept = [kept_upload(data, name) for name, data in self.uploads]
        uploads = [repr(str(path)) if path is not None else "None  # an upload that could not be kept" for path in kept]
        return [], uploads + [repr(path) for path in self._paths()]


class VideoPick:
    """The video to extend: a job id (or its first letters), a local MP4 or a URL."""

    def __init__(self, changed: Callable[[], None]) -> None:
        self.field = w.Text(
            placeholder="a job id, an MP4 path or a URL",
            description="Extend",
            continuous_update=False,
            layout=w.Layout(width="auto", max_width="100%"),
        )
        self.field.add_class("veo-video-input")
        self.field.observe(lambda _: changed(), names="value")
        self.box = w.VBox([self.field])

    @property
    def text(self) -> str | None:
        return self.field.value.strip() or None
