"""The selected clip's family in the gallery: the chain it was made from and the clips made
from it (continued, extended, re-run), each as a small poster with its relation, not an id."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from pathlib import Path

import ipywidgets as w

from ...schema._models import Job
from ._model import card, grown, lineage
from ._strip import poster_widget

__all__ = ["family"]

THUMB = 96


def _link(job: Job, label: str, current: bool, select: Callable[[Job], object]) -> w.Widget:
    prompt = str((job.request or {}).get("prompt", ""))
    ready = job.path is not None and Path(job.path).is_file()
    picture = (
        poster_widget(Path(job.path), THUMB)
        if ready and job.path is not None
        else w.HTML(
            f'<div style="width:{THUMB}px;height:{THUMB * 9 // 16}px;background:var(--jp-layout-color2, #e5e7eb)"></div>'
        )
    )
    button = w.Button(
        description=label,
        tooltip=f"{prompt} ({job.id})",
        disabled=current,
        layout=w.Layout(width=f"{THUMB}px"),
    )
    button.on_click(lambda _: select(job))
    box = w.VBox([picture, button], layout=w.Layout(margin="0 4px 0 0"))
    box.add_class("veo-lineage-link" if not current else "veo-lineage-current")
    return box


def family(
    job: Job, find: Callable[[str], Job | None], everyone: Iterable[Job], select: Callable[[Job], object]
) -> list[w.Widget]:
    """Widgets for the lineage row: "made from" the chain (oldest first, then this clip) and
    "made from it" its children, newest last; empty when it has neither."""
    chain = lineage(job, find)
    children = [j for j in everyone if (j.parent_id or (j.request or {}).get("parent_id")) == job.id]
    children.sort(key=lambda j: j.created_at)
    parts: list[w.Widget] = []
    if len(chain) > 1:
        parts.append(w.HTML("<small>lineage:</small>"))
        # A chain with an extension is one clip that grew: each link says its length then.
        extended = any(card(link).relation == "extend" for link in chain)
        for link, length in zip(chain, grown(chain) if extended else [""] * len(chain), strict=True):
            label = (card(link).relation or "original") + (f" ({length})" if length else "")
            parts.append(_link(link, label, link.id == job.id, select))
    if children:
        count = len(children)
        parts.append(w.HTML(f"<small>{html.escape(f'made from it ({count}):')}</small>"))
        parts += [_link(child, card(child).relation or "child", False, select) for child in children]
    return parts
