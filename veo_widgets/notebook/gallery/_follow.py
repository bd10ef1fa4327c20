"""The gallery's Continue and Extend: a small form that says the new clip's length and price
before anything is sent, a live card (status, clock, progress) while it runs, and the result
selected when it ends, whatever the gallery's filters show."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from typing import Any, Protocol

import ipywidgets as w

from ..._errors import explain
from ...client._money import price_text
from ...schema._family import get_model
from ...schema._models import Job
from ..panel._cards import Card, Ticker

__all__ = ["FollowUp", "follow_card", "follow_up"]


class FollowUp(Protocol):
    """What the form uses of the gallery (``_gallery.Gallery``)."""

    workspace: w.Output
    selected: Job | None

    @property
    def client(self) -> Any: ...

    def continue_from(self, prompt: str, **options: Any) -> Any: ...

    def extend(self, prompt: str, **options: Any) -> Any: ...

    def show_result(self, job: Job) -> None: ...


def follow_card(
    card: Card, run: Any, go: w.Button, show: Callable[[Job], None], before: Callable[[], None] | None = None
) -> None:
    """Keep ``card`` live (status, clock) while ``run`` goes; when it ends, ``before()``, then
    the card says how, ``go`` is offered again, and a finished clip is shown (``show``)."""
    ticker = Ticker(lambda: [card], lambda _: 0.0)

    def ended(c: Card) -> None:
        if before is not None:
            before()
        if run.error is not None:
            c.failed(run.error)
        else:
            c.job = run.result()
            c.finish("completed")
        c.done.set()
        go.disabled = False
        if c.job is not None and c.status == "completed":
            show(c.job)

    card.watch(run, ended)
    ticker.ensure()


def _lengths(model: str, parent: Job) -> tuple[list[tuple[str, int]], int | None]:
    """The lengths ``model`` makes, and the one to offer first: the parent's own length
    where the model makes it, else the model's default."""
    spec = get_model(model)
    choices = list(spec.durations)
    if not choices:
        return [], None
    before = (parent.request or {}).get("duration")
    default = spec.defaults().get("duration")
    first = before if before in choices else default if default in choices else choices[0]
    return [(f"{d} s", d) for d in choices], first


def follow_up(relation: str) -> Callable[[FollowUp, Job], w.Widget]:
    """Continue or extend: the form (prompt, model, length, price) whose button starts the job."""

    def open_form(gallery: FollowUp, job: Job) -> w.Widget:
        from ...studio._studio import extend_model, image_models, short_name

        prompt = w.Textarea(
            value=str((job.request or {}).get("prompt", "")),
            placeholder="what happens next",
            layout=w.Layout(width="420px"),
        )
        extend_with = extend_model(job)
        extend_choice = [(short_name(extend_with), extend_with)] if extend_with else []
        models = extend_choice if relation == "extend" else image_models()
        model = w.Dropdown(options=models, layout=w.Layout(width="220px"))
        length = w.Dropdown(description="Length", layout=w.Layout(width="150px"), style={"description_width": "50px"})
        about = w.HTML()
        about.add_class("veo-follow-about")
        go = w.Button(description="Extend" if relation == "extend" else "Continue", button_style="primary")
        go.add_class(f"veo-follow-{relation}")
        status = w.HTML()
        cards = w.VBox()
        turn = [0]

        def options() -> dict[str, Any]:
            chosen = {"model": model.value}
            if length.value is not None:
                chosen["duration"] = length.value
            return chosen

        def priced(_: object = None) -> None:
            turn[0] += 1
            mine, chosen = turn[0], options()
            seconds = chosen.get("duration")
            what = f"makes a {seconds} s clip" if seconds else "makes a clip"
            about.value = f"<small>{html.escape(what)}: working out the price…</small>"

            def work() -> None:
                text = price_text(gallery.client, chosen)
                if mine == turn[0]:
                    about.value = f"<small>{html.escape(what)} with {html.escape(short_name(model.value))}: {html.escape(text)}</small>"

            threading.Thread(target=work, name="veo-gallery-price", daemon=True).start()

        def lengths(_: object = None) -> None:
            offered, first = _lengths(model.value, job) if model.value else ([], None)
            length.options = offered
            length.value = first
            length.layout.display = None if offered else "none"
            priced()

        def start(_: object) -> None:
            go.disabled = True
            begin = gallery.extend if relation == "extend" else gallery.continue_from
            try:
                gallery.selected = job
                run = begin(prompt.value, **options())
            except Exception as exc:  # refused before anything was sent: one sentence
                status.value = f'<span class="veo-error">{html.escape(explain(exc))}</span>'
                go.disabled = False
                return
            status.value = ""
            card = Card(len(cards.children) + 1, f"{relation}: {prompt.value.strip()}", gallery.client)
            cards.children = (*cards.children, card.widget)
            follow_card(card, run, go, gallery.show_result)

        model.observe(lengths, names="value")
        length.observe(priced, names="value")
        go.on_click(start)
        lengths()
        form = w.VBox(
            [
                w.HTML(f"<b>{relation.capitalize()} this clip</b>"),
                prompt,
                w.HBox([model, length, go], layout=w.Layout(align_items="center")),
                about,
                status,
                cards,
            ]
        )
        form.add_class(f"veo-follow-form-{relation}")
        # Beside what the workspace already holds (a re-run's panel, say): never in its place.
        gallery.workspace.append_display_data(form)
        return form

    return open_form
