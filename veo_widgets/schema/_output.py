"""One rule for where a video or film is written, on every surface (``veo generate -o``,
``veo batch --out``, ``veo stitch -o``, ``veo.stitch``): a missing folder is made, a folder
that cannot be written in is refused with a :class:`ValidationError`, before anything is
sent, paid for or rendered."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from .._errors import ValidationError

__all__ = ["FILM_SUFFIXES", "is_folder_path", "part_file", "writable_folder", "writable_output"]

#: What a film's file may be called (a stitch's ``out``): an MP4 by its usual names.
FILM_SUFFIXES = (".mp4", ".m4v", ".mov")


def part_file(target: Path) -> Path:
    """A part file of its own beside ``target``, to write whole and then move into place:
    two writers of one target (a download resumed while an interrupted one still runs, two
    saves of one storyboard) never share one, so neither truncates nor moves the other's."""
    return target.with_name(f"{target.name}.{secrets.token_hex(4)}.part")


def is_folder_path(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a folder to save into rather than a file: one that exists,
    ends with a slash, or has no suffix (``clips``), as the client's downloads read it."""
    target = Path(path).expanduser()
    return target.is_dir() or str(path).endswith(("/", os.sep)) or not target.suffix


def writable_folder(folder: str | os.PathLike[str], what: str = "output") -> Path:
    """``folder``, made if missing, once a file was written and removed there; else a
    ``ValidationError`` saying why not (a file in the way, no permission, a read-only disk)."""
    path = Path(folder).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ValidationError(what, f"{path} is a file, not a folder") from None
    except OSError as exc:
        raise ValidationError(what, f"cannot make the folder {path}: {exc.strerror or exc}") from None
    if not path.is_dir():
        raise ValidationError(what, f"{path} is a file, not a folder")
    try:
        # Permission bits do not say it for root or a read-only disk: try it.
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise ValidationError(what, f"cannot write in the folder {path}: {exc.strerror or exc}") from None
    return path


def writable_output(path: str | os.PathLike[str], what: str = "output") -> Path:
    """``path`` (a file, or a folder by :func:`is_folder_path`) once its folder is ready to
    be written in (see :func:`writable_folder`)."""
    target = Path(path).expanduser()
    if is_folder_path(path):
        writable_folder(target, what)
        return target
    writable_folder(target.parent, what)
    return target
