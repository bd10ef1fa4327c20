"""The gallery widget: pages of clips with posters, filters, a selected clip's actions, the sequence."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import ipywidgets as w

import veo_widgets as veo

from ...helpers import T0, gallery_clips, journal_with  # noqa: F401  (gallery_clips is the fixture "clips")


def captions(gallery: Any) -> list[str]:
    return [box.children[1].value for box in gallery.grid.children]


def test_the_grid_shows_the_newest_clips_with_posters(tmp_path: Path, clips: list[Path]) -> None:
    gallery = veo.Gallery(journal=journal_with(tmp_path, clips, failed=2, extra=30), page_size=12)
    assert len(gallery.grid.children) == 12
    first = captions(gallery)
    assert "clip 2 of the coast" in first[0] and "clip 1" in first[1] and "clip 0" in first[2]
    assert "veo-3-fast-i2v · 4s" in first[0]  # the short name `veo models` lists
    assert 'title="google/veo-3.0-i2v-fast"' in first[0]  # the full id on hover
    assert gallery.posters is not None
    gallery.posters.join(30)  # posters are made off the kernel's thread, once
    poster = gallery.grid.children[0].children[0]
    assert isinstance(poster, w.Image) and poster.value[:2] == b"\xff\xd8"  # a JPEG poster
    assert (tmp_path / ".saved2.mp4.poster.jpg").is_file()  # cached beside the video
    assert "failed" in first[3] and "missing" in first[5]  # failed and file-gone jobs are shown too
    assert gallery.page_label.value == "1-12 of 35 · page 1 of 3"
    gallery.older_button.click()
    gallery.older_button.click()
    assert len(gallery.grid.children) == 11 and gallery.older_button.disabled


def test_filters_narrow_the_grid(tmp_path: Path, clips: list[Path]) -> None:
    gallery = veo.Gallery(journal=journal_with(tmp_path, clips, failed=2, extra=5))
    gallery.status_filter.value = "failed"
    assert len(gallery.cards) == 2 and all(c.state == "failed" for c in gallery.cards)
    assert all("blocked" in c.hint for c in gallery.cards)
    gallery.status_filter.value = ""
    gallery.search.value = "COAST"
    assert [c.job.id for c in gallery.cards] == ["job-2", "job-1", "job-0"]
    gallery.search.value = "no such words"
    assert gallery.cards == [] and gallery.page_label.value == "no clips match"


def test_models_are_listed_and_filtered_by_their_short_names(tmp_path: Path, clips: list[Path]) -> None:
    journal = journal_with(tmp_path, clips, failed=2)  # clips on veo-3-fast-i2v, failures on veo-3-i2v
    journal.record(veo.Job("old-veo2", "error", request={"prompt": "old", "model": "veo2/image-to-video"}))
    gallery = veo.Gallery(journal=journal)
    labels = [label for label, _ in gallery.model_filter.options]
    assert labels[0] == "any model" and set(labels[1:]) == {spec.short for spec in veo.models()}
    assert not any("/" in label or label in ("veo3", "veo2", "image-to-video") for label in labels)
    gallery.model_filter.value = "veo-3-fast-i2v"
    assert [c.job.id for c in gallery.cards] == ["job-2", "job-1", "job-0"]
    gallery.model_filter.value = "veo-2-i2v"
    assert [c.job.id for c in gallery.cards] == ["old-veo2"] and gallery.cards[0].model == "veo-2-i2v"
    gallery.filter(model="google/veo-3.0-i2v")  # from code, a full id still works
    assert {c.job.id for c in gallery.cards} == {"bad-0", "bad-1"}


def test_text_search_matches_prompts_not_image_file_names(tmp_path: Path, clips: list[Path]) -> None:
    journal = veo.Journal(tmp_path / "journal.sqlite3")
    image = "/home/me/examples/lighthouse.jpg"
    journal.record(veo.Job("j-one", "error", request={"prompt": "one", "image": image}, created_at=T0))
    journal.record(veo.Job("j-two", "error", request={"prompt": "A lighthouse at dusk", "image": image}))
    gallery = veo.Gallery(journal=journal)
    gallery.search.value = "lighthouse"
    assert [c.job.id for c in gallery.cards] == ["j-two"]
    gallery.search.value = "j-on"  # the start of a job id finds it too
    assert [c.job.id for c in gallery.cards] == ["j-one"]


def test_selecting_a_clip_plays_it_with_its_settings_and_actions(tmp_path: Path, clips: list[Path]) -> None:
    gallery = veo.Gallery(journal=journal_with(tmp_path, clips))
    gallery.grid.children[1].children[2].click()  # "Open" on the second card
    assert gallery.selected is not None and gallery.selected.id == "job-1"
    assert "clip 1 of the coast" in gallery.info.value and "google/veo-3.0-i2v-fast" in gallery.info.value
    (video,) = gallery.player.outputs
    assert "video" in video["data"]["text/html"]
    labels = [b.description for b in gallery.actions.children]
    assert labels[:3] == ["Play", "Re-run", "Continue from last frame"]
    assert {"Add to sequence", "Reveal file", "Delete file"} <= set(labels)
    assert gallery.act("reveal") == str((tmp_path / "saved1.mp4").resolve())
    assert "autoplay" not in video["data"]["text/html"]  # opening a clip does not start it


def test_play_starts_the_clip(tmp_path: Path, clips: list[Path]) -> None:
    # Regression (issue 21, 8): Play only selected the clip; its video stayed at 0:00.
    gallery = veo.Gallery(journal=journal_with(tmp_path, clips))
    gallery.select("job-1")
    (play,) = [b for b in gallery.actions.children if b.description == "Play"]
    play.click()
    (video,) = gallery.player.outputs
    assert "<video" in video["data"]["text/html"] and " autoplay" in video["data"]["text/html"]


def test_card_metadata_is_never_cut_mid_line(tmp_path: Path, clips: list[Path]) -> None:
    # Regression (issue 21, 8): the caption had a fixed height and hid what did not fit.
    gallery = veo.Gallery(journal=journal_with(tmp_path, clips))
    caption = gallery.grid.children[0].children[1]
    assert caption.layout.overflow != "hidden" and caption.layout.height is None


def test_the_audit_button_is_never_cut_to_au(tmp_path: Path, clips: list[Path]) -> None:
    # Seen in JupyterLab at 1400 px: seven filters in one unwrapped row squeezed "Audit" to "Au...".
    gallery = veo.Gallery(journal=journal_with(tmp_path, clips))
    assert gallery.audit.button in gallery.toolbar.children
    assert gallery.toolbar.layout.flex_flow == "row wrap" and gallery.audit.button.layout.flex == "0 0 auto"


def test_dates_narrow_the_grid(tmp_path: Path, clips: list[Path]) -> None:
    gallery = veo.Gallery(journal=journal_with(tmp_path, clips, extra=4))  # extras are a day older
    assert gallery.pager.total == 7
    gallery.since.value = T0.date()
    assert {c.job.id for c in gallery.cards} == {"job-0", "job-1", "job-2"}
    gallery.since.value = None
    gallery.until.value = (T0 - timedelta(days=1)).date()
    assert len(gallery.cards) == 4 and all(c.job.id.startswith("old-") for c in gallery.cards)


def test_the_gallery_reads_as_one_line_of_text(tmp_path: Path, clips: list[Path]) -> None:
    gallery = veo.Gallery(journal=journal_with(tmp_path, clips, failed=2, extra=30), page_size=12)
    assert repr(gallery) == "Gallery(35 clips, page 1/3)"
    gallery.filter(text="coast")
    assert repr(gallery) == "Gallery(3 clips, page 1/1, text='coast')"
    gallery.select("job-1")
    bundle = gallery._repr_mimebundle_()
    assert bundle["text/plain"] == "Gallery(3 clips, page 1/1, text='coast', selected='job-1')"
    assert "HBox" not in bundle["text/plain"] and "application/vnd.jupyter.widget-view+json" in bundle
