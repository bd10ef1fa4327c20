"""The panel's output-side widgets and how the two columns are arranged."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ._display import KEYS, STYLE
from ._options import MAX_TAKES
from ._panel_summary import cover_html

__all__ = ["arrange", "widgets"]


def widgets() -> dict[str, Any]:
    """Every widget of the panel that is not an input, by the attribute name it has there."""
    banner = w.HTML(layout=w.Layout(width="auto", max_width="100%"))
    banner.add_class("veo-banner")
    generate = w.Button(
        description="Generate", button_style="primary", icon="play", tooltip="Generate (Ctrl+Enter in the prompt)"
    )
    generate.add_class("veo-generate")
    takes = w.Dropdown(
        options=[(str(n), n) for n in range(1, MAX_TAKES + 1)],
        value=1,
        description="Takes",
        tooltip="how many takes of this request, side by side (seeds differ where the model takes one)",
        layout=w.Layout(width="auto"),
        style={"description_width": "initial"},
    )
    takes.add_class("veo-takes-count")
    estimate = w.HTML(layout=w.Layout(width="auto"))
    estimate.add_class("veo-estimate")
    show_code = w.ToggleButton(description="Show code", icon="code", value=False, tooltip="the same in Python")
    show_code.add_class("veo-show-code")
    code = w.HTML(layout=w.Layout(display="none", max_width="100%"))
    code.add_class("veo-code-box")
    form_message = w.HTML()
    form_message.add_class("veo-form-message")
    player = w.Output(layout=w.Layout(width="100%", max_width="100%"))
    player.add_class("veo-player")
    jobs = w.VBox(layout=w.Layout(max_width="100%"))
    jobs.add_class("veo-jobs")
    take_rows = w.VBox(layout=w.Layout(width="100%", max_width="100%"))  # full width: takes side by side
    take_rows.add_class("veo-take-rows")
    history = w.HBox(layout=w.Layout(flex_flow="row wrap", max_width="100%"))
    history.add_class("veo-history-strip")
    style = w.HTML(STYLE + KEYS, layout=w.Layout(height="0px", overflow="hidden", margin="0"))
    saved_cover = w.HTML(cover_html(0))
    saved_cover.add_class("veo-saved-cover-host")
    return {
        "banner": banner,
        "generate_button": generate,
        "takes": takes,
        "estimate": estimate,
        "show_code": show_code,
        "code": code,
        "form_message": form_message,
        "player": player,
        "jobs": jobs,
        "take_rows": take_rows,
        "history": history,
        "_style": style,
        "saved_cover": saved_cover,
    }


def arrange(panel: Any, inputs: Any) -> Any:
    """Inputs on the left, jobs, player and history on the right; they wrap into one column
    on a narrow screen."""
    actions = w.HBox(
        [panel.generate_button, panel.takes, panel.estimate, panel.show_code, panel.embed],
        layout=w.Layout(flex_flow="row wrap", align_items="center", grid_gap="6px", max_width="100%"),
    )
    inputs.children = (*inputs.children, actions, panel.form_message, panel.code, panel.key.box)
    outputs = w.VBox([panel.jobs, panel.player, panel.history], layout=w.Layout(flex="1 1 360px", min_width="0"))
    outputs.add_class("veo-outputs")
    columns = w.HBox([inputs, outputs], layout=w.Layout(flex_flow="row wrap", grid_gap="16px", width="100%"))
    columns.add_class("veo-columns")
    return columns
