"""The panel's output-side widgets, how the two columns are arranged, and the panel's own
style (on top of ``_display.STYLE``, which the panel shares with ``%%veo`` and the gallery)."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ...schema._options import MAX_TAKES
from ...views._display import KEYS, STYLE
from ._summary import cover_html

__all__ = ["PANEL_STYLE", "TIDY", "arrange", "widgets"]

#: What ipywidgets leaves ragged in the panel, fixed with JupyterLab's own CSS variables (so
#: the light and dark themes and Voila all follow): option rows labelled like every other
#: field, the key row's buttons whole, the selected option as clear as the Generate button.
#: Once its kernel is gone, the panel keeps JupyterLab's one "disconnected" mark on itself,
#: not one on every control (its cover says what it is).
PANEL_STYLE = """<style>
.veo-panel { --veo-label-width: 92px; --jp-widgets-inline-label-width: var(--veo-label-width); }
.veo-panel .widget-toggle-buttons { align-items: center; }
.veo-panel .widget-toggle-buttons > .widget-label {
  flex: 0 0 var(--veo-label-width); width: var(--veo-label-width); min-width: var(--veo-label-width);
  margin: 0 calc(var(--jp-widgets-inline-margin, 4px) * 2) 0 var(--jp-widgets-margin, 2px);
  text-align: right; line-height: var(--jp-widgets-inline-height, 28px);
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.veo-panel .widget-toggle-buttons .widget-toggle-button.mod-active {
  color: var(--jp-ui-inverse-font-color1, #fff); background-color: var(--jp-brand-color1, #1976d2);
  box-shadow: inset 0 0 0 1px var(--jp-brand-color0, #0d47a1); }
.veo-panel .veo-job > .widget-html .widget-html-content { line-height: 1.5; }
.veo-panel .jupyter-widgets-disconnected::before { display: none; }
.veo-panel .veo-key-row .jupyter-button, .veo-panel .widget-upload { flex: 0 0 auto; white-space: nowrap; }
.veo-panel .veo-key-row .veo-key-use, .veo-panel .veo-key-row .veo-key-status {
  margin-left: calc(var(--veo-label-width) + var(--jp-widgets-inline-margin, 4px) * 2 + var(--jp-widgets-margin, 2px)); }
.veo-panel .veo-key-row .veo-key-status { flex: 1 1 100%; }
.veo-panel .veo-key-row .veo-key-status:empty, .veo-panel .veo-key-row .veo-key-status .widget-html-content:empty {
  display: none; }
</style>"""

#: ipywidgets writes an upload button as "Upload image (0)" (how many files it holds, always
#: 0 here: the panel takes an upload at once and empties the widget) and leaves a literal
#: "null" tooltip on buttons and option labels without one. Widget HTML is set as innerHTML,
#: where scripts do not run but handlers do: a 1-pixel image's onload watches its own panel
#: and tidies both wherever they appear (the button then reads, and is named, "Upload image").
TIDY = (
    '<img alt="" aria-hidden="true" style="display:none" '
    'src="data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==" '
    "onload=\"(function(i){var p=i.closest('.veo-panel');if(!p||p.dataset.veoTidy)return;p.dataset.veoTidy='1';"
    "var tidy=function(){p.querySelectorAll('.widget-upload').forEach(function(b){b.childNodes.forEach(function(n){"
    "if(n.nodeType===3&&/ [(][0-9]+[)]$/.test(n.data)){n.data=n.data.replace(/ [(][0-9]+[)]$/,'');}});});"
    "p.querySelectorAll('[title=null]').forEach(function(e){e.removeAttribute('title');});};"
    "tidy();new MutationObserver(tidy).observe(p,{childList:true,subtree:true,characterData:true,"
    "attributes:true,attributeFilter:['title']});})(this)\">"
)


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
    style = w.HTML(STYLE + PANEL_STYLE + KEYS + TIDY, layout=w.Layout(height="0px", overflow="hidden", margin="0"))
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
