"""The panel's widgets by name (``PanelParts``), how the two columns are arranged, and the panel's own
style (on top of ``_display.STYLE``, which the panel shares with ``%%veo`` and the gallery)."""

from __future__ import annotations

from typing import TypeVar

import ipywidgets as w

from ...schema._options import MAX_TAKES
from ...views._display import KEYS, STYLE
from ._form import Form
from ._key import KeyRow
from ._money import MoneyRow
from ._summary import cover_html

__all__ = ["PANEL_STYLE", "TIDY", "PanelParts"]

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
.veo-panel .veo-job.veo-card-shown { box-shadow: inset 3px 0 0 var(--jp-brand-color1, #1976d2); padding-left: 6px; }
.veo-panel .veo-history-item.veo-history-shown { box-shadow: inset 0 -2px 0 var(--jp-brand-color1, #1976d2); }
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


W = TypeVar("W")


def _classed(widget: W, css: str) -> W:
    widget.add_class(css)  # type: ignore[attr-defined]
    return widget


class PanelParts:
    """Every widget of the panel, created here by the name code and tests use: the form's
    controls (``prompt``, ``model``, ``seed``, ...), the key and money rows, and the output
    side (``generate_button``, ``takes``, ``jobs``, ``player``, ...). ``Panel`` is built on
    it, so each is a declared attribute that grep and mypy see."""

    def __init__(self, form: Form, key: KeyRow, money: MoneyRow, takes: int) -> None:
        self.form = form
        image, c = form.image, form.controls
        self.model, self.prompt, self.dice, self.embed = form.model, form.prompt, form.dice, form.embed
        self.upload, self.image_path, self.preview, self.image_note = (
            image.upload,
            image.path,
            image.preview,
            image.note,
        )
        self.negative_prompt, self.aspect_ratio, self.resolution = (
            c["negative_prompt"],
            c["aspect_ratio"],
            c["resolution"],
        )
        self.duration, self.seed = c["duration"], c["seed"]
        self.enhance_prompt, self.generate_audio = c["enhance_prompt"], c["generate_audio"]
        self.auto_fix, self.provider, self.person_generation = c["auto_fix"], c["provider"], c["person_generation"]
        self.key, self.api_key, self.money = key, key.field, money

        self.banner = _classed(w.HTML(layout=w.Layout(width="auto", max_width="100%")), "veo-banner")
        self.generate_button = _classed(
            w.Button(
                description="Generate",
                button_style="primary",
                icon="play",
                tooltip="Generate (Ctrl+Enter in the prompt)",
            ),
            "veo-generate",
        )
        self.takes = _classed(
            w.Dropdown(
                options=[(str(n), n) for n in range(1, MAX_TAKES + 1)],
                value=takes,
                description="Takes",
                tooltip="how many takes of this request, side by side (seeds differ where the model takes one)",
                layout=w.Layout(width="auto"),
                style={"description_width": "initial"},
            ),
            "veo-takes-count",
        )
        self.estimate = _classed(w.HTML(layout=w.Layout(width="auto")), "veo-estimate")
        self.show_code = _classed(
            w.ToggleButton(description="Show code", icon="code", value=False, tooltip="the same in Python"),
            "veo-show-code",
        )
        self.code = _classed(w.HTML(layout=w.Layout(display="none", max_width="100%")), "veo-code-box")
        self.form_message = _classed(w.HTML(), "veo-form-message")
        self.player = _classed(w.Output(layout=w.Layout(width="100%", max_width="100%")), "veo-player")
        self.jobs = _classed(w.VBox(layout=w.Layout(max_width="100%")), "veo-jobs")
        # Full width: takes side by side.
        self.take_rows = _classed(w.VBox(layout=w.Layout(width="100%", max_width="100%")), "veo-take-rows")
        self.history = _classed(w.HBox(layout=w.Layout(flex_flow="row wrap", max_width="100%")), "veo-history-strip")
        self.saved_cover = _classed(w.HTML(cover_html(0)), "veo-saved-cover-host")
        # Ctrl+Enter in the prompt writes "nonce\nprompt" here (see _style.KEYS): the prompt
        # as typed, even when its last characters are still on their way to the kernel.
        self.submit = _classed(w.Textarea(value="", layout=w.Layout(display="none")), "veo-submit")
        self._style = w.HTML(
            STYLE + PANEL_STYLE + KEYS + TIDY, layout=w.Layout(height="0px", overflow="hidden", margin="0")
        )

    def columns(self) -> w.HBox:
        """Inputs on the left, jobs, player and history on the right; they wrap into one
        column on a narrow screen."""
        actions = w.HBox(
            [self.generate_button, self.takes, self.estimate, self.show_code, self.embed],
            layout=w.Layout(flex_flow="row wrap", align_items="center", grid_gap="6px", max_width="100%"),
        )
        inputs = self.form.column
        inputs.children = (*inputs.children, actions, self.form_message, self.code, self.key.box)
        outputs = w.VBox([self.jobs, self.player, self.history], layout=w.Layout(flex="1 1 360px", min_width="0"))
        outputs.add_class("veo-outputs")
        columns = w.HBox([inputs, outputs], layout=w.Layout(flex_flow="row wrap", grid_gap="16px", width="100%"))
        columns.add_class("veo-columns")
        return columns
