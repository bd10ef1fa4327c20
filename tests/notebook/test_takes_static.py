"""The takes row's saved view: what a notebook saved mid-run or after a pick shows without widgets."""

from __future__ import annotations

from veo_widgets.notebook._takes_static import HIDE_WHERE_LIVE, TakeRow, takes_static_html, takes_static_text
from veo_widgets.notebook._takes_view import _STYLE


def test_a_take_running_when_saved_never_claims_to_be_running_now() -> None:
    rows = [
        TakeRow(1, 7, "completed", chosen=True, path="out/a.mp4"),
        TakeRow(2, 8, "generating"),
        TakeRow(3, None, "queued", seeded=False),
        TakeRow(4, None, "error"),
    ]
    text = takes_static_text(rows)
    assert text.splitlines() == [
        "veo_widgets: 4 takes (saved view, not live)",
        "#1  seed 7  completed  ★ chosen  out/a.mp4",
        "#2  seed 8  generating when saved",
        "#3  no seed: model has none  queued when saved",
        "#4  seed not known yet  error",
        "Run the cell again to use it.",
    ]
    page = takes_static_html(rows)
    assert page.count("★ chosen") == 1 and "generating when saved" in page and "Run the cell again" in page
    assert 'class="veo-static-takes"' in page


def test_the_saved_view_is_hidden_only_where_the_live_row_renders() -> None:
    # The rule ships in the row's own stylesheet: no live row, no rule, the saved view shows.
    assert HIDE_WHERE_LIVE in _STYLE and ".veo-static-takes { display: none; }" in HIDE_WHERE_LIVE
