"""Results in a notebook: progress labelled an estimate, front-end detection, players and their captions."""

from __future__ import annotations

from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.views import _display as display


def test_progress_is_labelled_an_estimate_and_never_leaps() -> None:
    shown = display.Progress(rate=1.0)
    values = [shown.update(t, now) for now, t in ((0.0, 0.2), (0.25, 0.3), (0.5, 1.0), (0.75, 1.0), (1.0, 0.4))]
    assert values == sorted(values) and values[2] <= 0.55  # glides toward 1.0 instead of jumping
    assert display.progress_text(0.42) == "~42 % (estimate)" and display.progress_text(1.0, done=True) == "100 %"
    assert "(estimate)" in display.status_line_html("generating", 12, 0.4, "abc")
    assert "(estimate)" in display.status_text("generating", 12, 0.4)


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
