"""The gallery's Lengthen: more links on a finished clip (each extends the whole clip by
7 s), with the price of every link and the resulting length said before anything is sent,
then the chain's card with a row per link, and the long clip selected when it ends."""

from __future__ import annotations

import html
import threading
from typing import Any, Protocol

import ipywidgets as w

from ..._errors import BudgetExceededError, VeoError, explain
from ...schema._models import Job
from ...studio._chain import EXTEND_SECONDS, MAX_EXTENDS, clip_seconds, plan_lengthen
from ...studio._long_take import start_lengthen
from ..panel._cards import Card
from ..panel._long_take import LinkRows, Told
from ._follow import follow_card

__all__ = ["Lengthening", "open_lengthen"]

#: How many links the form offers at most (the API allows 20 extends in all).
OFFERED = 6


class Lengthening(Protocol):
    """What the form uses of the gallery (``_gallery.Gallery``)."""

    workspace: w.Output

    @property
    def client(self) -> Any: ...

    def show_result(self, job: Job) -> None: ...


def open_lengthen(gallery: Lengthening, job: Job) -> w.Widget:
    """The form: how many links (and the length they make), a prompt, the price; its button
    starts the chain."""
    start = clip_seconds(job)
    links = w.Dropdown(
        options=[
            (f"+{n * EXTEND_SECONDS} s ({n} link{'s' if n > 1 else ''}) = {start + n * EXTEND_SECONDS:g} s", n)
            for n in range(1, min(OFFERED, MAX_EXTENDS) + 1)
        ],
        value=2 if OFFERED > 1 else 1,
        description="Lengthen by",
        style={"description_width": "initial"},
        layout=w.Layout(width="auto"),
    )
    links.add_class("veo-lengthen-links")
    prompt = w.Textarea(
        value=str((job.request or {}).get("prompt", "")),
        placeholder="what happens next",
        layout=w.Layout(width="420px"),
    )
    about = w.HTML()
    about.add_class("veo-lengthen-about")
    go = w.Button(description="Lengthen", button_style="primary", icon="forward")
    go.add_class("veo-lengthen-go")
    status = w.HTML()
    cards = w.VBox()
    turn = [0]

    def priced(_: object = None) -> None:
        turn[0] += 1
        mine = turn[0]
        about.value = "<small>working out the price…</small>"

        def work() -> None:
            try:
                plan = plan_lengthen(job, links=int(links.value), prompt=prompt.value or "more")
                text = f"{plan.describe()}: {gallery.client.afford(plan.priced()).describe()}"
            except BudgetExceededError as exc:
                text = explain(exc)
            except Exception as exc:  # no price is not an error: say so, never a made-up number
                text = explain(exc) if isinstance(exc, VeoError) else "price unknown"
            if mine == turn[0]:
                about.value = (
                    f"<small>makes a {start + int(links.value) * EXTEND_SECONDS:g} s clip, {html.escape(text)}</small>"
                )

        threading.Thread(target=work, name="veo-gallery-lengthen-price", daemon=True).start()

    def begin(_: object) -> None:
        go.disabled = True
        said: list[str] = []
        told = Told(gallery.client, said.append)
        try:
            run = start_lengthen(job, links=int(links.value), prompt=prompt.value, client=told)
        except Exception as exc:  # refused before anything was sent: one sentence
            status.value = f'<span class="veo-error">{html.escape(explain(exc))}</span>'
            go.disabled = False
            return
        status.value = ""
        card = Card(len(cards.children) + 1, f"lengthen: {prompt.value.strip()}", gallery.client)
        rows = LinkRows(run)
        told.on_notice = rows.say
        for text in said:
            rows.say(text)
        card.widget.children = (*card.widget.children, rows.widget)
        cards.children = (*cards.children, card.widget)
        run.on_update(rows.update)
        rows.update(run)
        follow_card(card, run, go, gallery.show_result, before=lambda: rows.update(run))

    links.observe(priced, names="value")
    go.on_click(begin)
    priced()
    form = w.VBox(
        [
            w.HTML(f"<b>Lengthen this {start:g} s clip</b> <small>(each link extends the whole clip by 7 s)</small>"),
            prompt,
            w.HBox([links, go], layout=w.Layout(align_items="center")),
            about,
            status,
            cards,
        ]
    )
    form.add_class("veo-lengthen-form")
    gallery.workspace.append_display_data(form)
    return form
