"""What ``%%veo`` and ``%veo`` put under a cell: every HTML output comes as a display
bundle with a readable ``text/plain`` too, so a terminal IPython, ``nbconvert --to
markdown``/``text`` and a notebook saved without its HTML still show the table or the line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .._config import output_dir
from ..schema._models import Job
from ..views._client_api import ClientAPI
from ..views._display import history_table_html, history_text, short_id, status_line_html, video_html

__all__ = ["bundle", "config_text", "final_bundle", "history_bundle", "live_bundle", "video_bundle"]


def bundle(html: str, plain: str) -> dict[str, str]:
    """``display(bundle(html, plain), raw=True)``: the HTML, and the words without it."""
    return {"text/html": html, "text/plain": plain}


def live_bundle(status: str, elapsed: float, progress: float, job: Job | None, *, demo: bool) -> dict[str, str]:
    """The running line. Saved mid-run, it must not pretend to be live after a restart."""
    ident = job.id if job else None
    if ident:
        note = f"live while this cell runs; seen in a saved copy, it was running then: %veo resume {short_id(ident)}"
    else:
        note = "live while this cell runs"
    html = status_line_html(status, elapsed, progress, ident, demo=demo, note=note)
    plain = f"veo: {status} when last saved" + (f"; %veo resume {short_id(ident)}" if ident else "")
    return bundle(html, plain)


def final_bundle(status: str, elapsed: float, job: Job | None, note: str = "", *, demo: bool) -> dict[str, str]:
    progress = 1.0 if status == "completed" else 0.0
    html = status_line_html(status, elapsed, progress, job.id if job else None, demo=demo, note=note)
    return bundle(html, f"veo: {status}" + (f" {job.id}" if job else "") + (f" ({note})" if note else ""))


def history_bundle(jobs: list[Job], watched: Iterable[str] = ()) -> dict[str, str]:
    """``%veo history``: the table, and the ``veo history`` text of the same jobs."""
    return bundle(history_table_html(jobs, watched=frozenset(watched)), history_text(jobs, width=100))


def video_bundle(path: Path, *, embed: bool = False) -> dict[str, str]:
    """The player (raises ``VeoError`` when too large to embed), and where the file is."""
    return bundle(video_html(path, embed=embed).html, f"video: {path}")


def config_text(client: ClientAPI, output_folder: str, traits: Mapping[str, Any]) -> str:
    """``%veo config``. In demo mode the client's key is the emulator's own, not the user's:
    it says so rather than "set"."""
    key = "demo mode (no key)" if client.demo else "set" if client.has_key else "missing"
    lines = [
        f"mode:          {'demo (emulator)' if client.demo else 'live'}",
        f"base URL:      {client.base_url}",
        f"API key:       {key}",
        f"journal:       {client.journal.path}",
        f"output folder: {output_folder or output_dir()}",
    ]
    lines += [f"VeoMagics.{name} = {value!r}" for name, value in sorted(traits.items())]
    return "\n".join(lines)
