"""One look for status and results: themed HTML for notebooks, aligned text for terminals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets import _display as display


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


def test_progress_is_labelled_an_estimate_and_never_leaps() -> None:
    shown = display.Progress(rate=1.0)
    values = [shown.update(t, now) for now, t in ((0.0, 0.2), (0.25, 0.3), (0.5, 1.0), (0.75, 1.0), (1.0, 0.4))]
    assert values == sorted(values) and values[2] <= 0.55  # glides toward 1.0 instead of jumping
    assert display.progress_text(0.42) == "~42 % (estimate)" and display.progress_text(1.0, done=True) == "100 %"
    assert "(estimate)" in display.status_line_html("generating", 12, 0.4, "abc")
    assert "(estimate)" in display.status_text("generating", 12, 0.4)


def job(ident: str, prompt: str, status: str = "completed") -> veo.Job:
    when = datetime(2026, 11, 29, 23, 0, tzinfo=timezone.utc)
    return veo.Job(id=ident, status=status, request={"prompt": prompt}, created_at=when, updated_at=when, demo=True)


def test_history_text_has_a_header_aligned_columns_and_fits() -> None:
    jobs = [job("4a8bf61a-15dc:veo", "x" * 300), job("9c1e5b2d-4680:veo", "short", "generating")]
    text = display.history_text(jobs, width=80)
    lines = text.splitlines()
    assert lines[0].startswith("ID") and all(len(line) <= 80 for line in lines)
    assert lines[1].startswith("4a8bf61a") and lines[2].startswith("9c1e5b2d")
    assert lines[1].index("x") == lines[2].index("short") == lines[0].index("PROMPT")
    assert "generating?" in lines[2] and "veo resume" in lines[-1]  # nobody is watching it
    watched = display.history_text(jobs, width=80, watched=frozenset({"9c1e5b2d-4680:veo"}))
    assert "generating?" not in watched


@pytest.mark.parametrize("width", [40, 50, 60, 80])
def test_history_text_fits_narrow_terminals_footer_included(width: int) -> None:
    jobs = [
        job("4a8bf61a-15dc:veo", "a long prompt about the sea " * 5),
        job("9c1e5b2d-4680:veo", "short", "generating").evolve(chosen=True),
        job("", "lost answer", "unconfirmed"),
    ]
    lines = display.history_text(jobs, width=width).splitlines()
    assert all(len(line) <= width for line in lines), max(lines, key=len)
    assert lines[0].startswith("ID") and "PROMPT" in lines[0] and ("CREATED" in lines[0]) == (width >= 60)
    assert lines[1].startswith("4a8bf61a") and lines[1].endswith("…")  # the prompt is cut, not the row
    text = " ".join(display.history_text(jobs, width=width).split())
    assert "? = nobody is waiting for it here: `veo resume ID` picks it up again" in text  # wrapped, whole
    assert "`veo reconcile` looks for the job" in text


def test_history_tells_a_job_another_process_polls_from_one_nobody_does() -> None:
    now = datetime.now(timezone.utc)
    fresh = job("9c1e5b2d-4680:veo", "kept alive", "generating").evolve(watched_until=now + timedelta(seconds=20))
    stale = job("4a8bf61a-15dc:veo", "orphaned", "generating").evolve(watched_until=now - timedelta(seconds=5))
    lines = display.history_text([fresh, stale], width=80).splitlines()
    assert "generating (watched)" in lines[1] and "?" not in lines[1]
    assert "generating?" in lines[2]
    footer = " ".join(lines[3:])
    assert "another process" in footer and "veo resume ID" in footer
    assert "veo resume" not in " ".join(display.history_text([fresh], width=80).splitlines()[2:])
    html = display.history_table_html([fresh, stale])
    assert "watched by another process" in html and html.count("%veo resume") == 1


def test_history_html_offers_resume_for_unwatched_jobs() -> None:
    html = display.history_table_html([job("9c1e5b2d-4680:veo", "p", "queued")])
    assert "%veo resume 9c1e5b2d" in html and "9c1e5b2d-4680:veo" in html


@pytest.mark.parametrize(
    ("env", "value", "expected"),
    [
        ({}, None, "jupyter"),
        ({"VSCODE_PID": "1"}, None, "vscode"),
        ({"COLAB_RELEASE_TAG": "r"}, None, "colab"),
        ({"SERVER_SOFTWARE": "voila/0.5.13"}, None, "voila"),
        ({"VOILA_KERNEL_ID": "k"}, None, "voila"),
    ],
)
def test_front_end_detection(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], value: None, expected: str) -> None:
    for name in (
        "VSCODE_PID",
        "VSCODE_CWD",
        "COLAB_RELEASE_TAG",
        "SERVER_SOFTWARE",
        "VOILA_KERNEL_ID",
        "VOILA_BASE_URL",
        "VOILA_SERVER_URL",
        "VOILA_APP_PORT",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, val in env.items():
        monkeypatch.setenv(name, val)
    assert display.frontend() == expected
    assert display.files_served() is (expected == "jupyter")


def test_embedding_is_capped_and_says_where_the_file_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\0" * 2000)
    monkeypatch.chdir(tmp_path)
    assert 'src="clip.mp4"' in display.video_html(video).html
    assert "data:video/mp4;base64," in display.video_html(video, embed=True).html
    monkeypatch.setattr(display, "EMBED_LIMIT", 1000)
    with pytest.raises(veo.VeoError, match=str(video)):
        display.video_html(video, embed=True)


def test_short_ids_are_what_file_names_use() -> None:
    assert display.short_id("ab:cd-ef1234567") == "abcdef12"


def test_unconfirmed_creates_point_at_reconcile() -> None:
    lost = job("", "lost answer", "unconfirmed")
    assert "veo reconcile" in display.history_text([lost])
    assert "%veo reconcile" in display.history_table_html([lost])


def test_history_marks_the_chosen_take_with_a_star_and_still_fits() -> None:
    plain, chosen = job("4a8bf61a-15dc:veo", "take one " * 40), job("9c1e5b2d-4680:veo", "take two " * 40)
    chosen = chosen.evolve(chosen=True)
    lines = display.history_text([plain, chosen], width=80).splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[2][lines[0].index("PROMPT") :].startswith("★ take two") and "★" not in lines[1]
    assert lines[-1] == "★ = the take chosen among the takes of its request"
    assert "★" not in display.history_text([plain], width=80)  # no legend without a chosen take
    html = display.history_table_html([plain, chosen])
    assert html.count("★") == 1 and 'title="the chosen take"' in html


def saved_job(path: Path) -> veo.Job:
    return veo.Job(id="gen-1", status="completed", path=path, demo=True)


def test_a_linked_player_offers_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\0" * 2000)
    monkeypatch.chdir(tmp_path)
    caption = display.caption_html(saved_job(video))
    assert '<a href="clip.mp4" download>download</a>' in caption and str(video) in caption


@pytest.mark.parametrize("served", [True, False])
def test_an_embedded_player_offers_its_bytes_not_a_dead_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served: bool
) -> None:
    # Regression: in Voila the video played (embedded) but "download" pointed at the file,
    # which Voila answers with 403.
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\0" * 2000)
    monkeypatch.chdir(tmp_path)
    if not served:
        monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    player = display.video_html(video, embed=served)
    assert player.embedded
    caption = display.caption_html(saved_job(video), embedded=True)
    assert 'href="clip.mp4"' not in caption and 'href="clip.mp4"' not in player.html
    assert 'download="clip.mp4"' in caption and 'href="data:video/mp4;base64,' in caption
    assert str(video) in caption and str(video) in player.html  # the saved path, as text


def test_past_the_embedding_limit_the_caption_names_the_path_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\0" * 2000)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    monkeypatch.setattr(display, "EMBED_LIMIT", 1000)
    caption = display.caption_html(saved_job(video))  # the player was refused: too big to embed
    assert "<a " not in caption and "download" not in caption and str(video) in caption
