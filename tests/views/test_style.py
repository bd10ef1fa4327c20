"""The shared look: status badges and one stylesheet themed with JupyterLab's variables."""

from __future__ import annotations

from veo_widgets.views import _style as display


def test_badges_use_jupyterlab_theme_variables_with_fallbacks() -> None:
    for status, var in (
        ("generating", "--jp-brand-color1"),
        ("completed", "--jp-success-color1"),
        ("error", "--jp-error-color1"),
        ("stopped", "--jp-warn-color1"),
    ):
        html = display.badge_html(status)
        assert f"var({var}, #" in html and f'data-status="{status}"' in html
    assert "<script" not in display.badge_html("<script>")  # statuses from a server are escaped


def test_the_stylesheet_themes_text_and_backgrounds() -> None:
    for var in ("--jp-ui-font-color1", "--jp-layout-color1", "--jp-border-color2", "--jp-brand-color1"):
        assert f"var({var}" in display.STYLE
    assert "max-height: 70vh" in display.STYLE and ":focus-visible" in display.STYLE


def test_every_spelling_of_a_state_looks_like_that_state() -> None:
    """``succeeded`` is as green as ``completed``, ``processing`` as busy as ``generating``,
    ``failed`` as red as ``error``: a badge judges the API's status by the one rule."""

    def tone(status: str) -> str:
        return display.badge_html(status).split("var(")[1].split(",")[0]

    for spelling, same_as in (
        ("succeeded", "completed"),
        ("SUCCESS", "completed"),
        ("processing", "generating"),
        ("in_progress", "generating"),
        ("pending", "queued"),
        ("failed", "error"),
        ("rejected", "error"),
        ("canceled", "cancelled"),
    ):
        assert tone(spelling) == tone(same_as), spelling
    assert display.is_active("processing") and display.is_active("downloading")
    assert not display.is_active("succeeded") and not display.is_active("failed")


def test_show_code_reads_as_code_in_every_front_end() -> None:
    """Voila's ``.jp-OutputArea-output pre`` (inherit the UI font, 28 px lines) outranks a bare
    ``.veo-code``: the code box's font rule is at least as specific."""
    rule = display.STYLE.split(".jp-OutputArea-output pre.veo-code,")[1].split("}")[0]
    assert "font-family: var(--jp-code-font-family, monospace)" in rule and "line-height: 1.4" in rule
