"""The panel's layout: inputs beside jobs, player and history, wrapping to one column on a narrow screen."""

from __future__ import annotations

import veo_widgets as veo
from veo_widgets.notebook.panel._layout import PANEL_STYLE, TIDY
from veo_widgets.notebook.panel._panel import Panel
from veo_widgets.schema._options import MAX_TAKES


def test_the_output_widgets_start_empty_with_one_take_and_the_code_hidden(panel_client: veo.Client) -> None:
    made = Panel(client=panel_client)
    assert made.generate_button.description == "Generate" and made.generate_button.button_style == "primary"
    assert made.takes.value == 1 and [v for _, v in made.takes.options] == list(range(1, MAX_TAKES + 1))
    assert made.show_code.value is False and made.code.layout.display == "none"
    assert made.jobs.children == () and made.history.children == () and made.player.outputs == ()
    style = made.children[0]  # the panel's own style comes first and takes no room
    assert PANEL_STYLE in style.value and TIDY in style.value and style.layout.height == "0px"


def test_a_panel_opens_with_the_takes_it_was_given(panel_client: veo.Client) -> None:
    panel = Panel(client=panel_client, takes=3)
    assert panel.takes.value == 3 and "n=3," in panel.code_text()  # Show code asks for the same takes


def test_inputs_and_outputs_are_two_columns_that_wrap(panel_client: veo.Client) -> None:
    panel = Panel(client=panel_client)
    columns = next(c for c in panel.children if "veo-columns" in c._dom_classes)
    inputs, outputs = columns.children
    assert columns.layout.flex_flow == "row wrap" and "veo-outputs" in outputs._dom_classes
    assert list(outputs.children) == [panel.jobs, panel.player, panel.history]
    assert (
        panel.generate_button in next(c for c in inputs.children if panel.takes in getattr(c, "children", ())).children
    )
    assert panel.key.box in inputs.children and panel.form_message in inputs.children
