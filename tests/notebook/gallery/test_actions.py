"""What the gallery's action buttons do to the selected clip: delete, download again, re-run, continue, extend, resume, choose."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import ipywidgets as widgets
import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator

from ...conftest import QUICK_POLLS
from ...helpers import T0, gallery_clips, journal_with, until  # noqa: F401  (gallery_clips is the fixture "clips")


def test_delete_removes_the_file_but_keeps_the_job(tmp_path: Path, clips: list[Path]) -> None:
    journal = journal_with(tmp_path, clips)
    gallery = veo.Gallery(journal=journal)
    gallery.select("job-0")
    assert gallery.act("delete") is False and (tmp_path / "saved0.mp4").exists()  # asks first
    assert gallery.act("delete") is True
    assert not (tmp_path / "saved0.mp4").exists() and not (tmp_path / ".saved0.mp4.poster.jpg").exists()
    assert journal.find("job-0") is not None
    gone = next(c for c in gallery.cards if c.job.id == "job-0")
    assert gone.state == "missing" and gone.actions == ("download", "rerun")
    assert [b.description for b in gallery.actions.children] == ["Download again", "Re-run"]


def test_rerun_opens_a_prefilled_panel(tmp_path: Path, clips: list[Path]) -> None:
    gallery = veo.Gallery(journal=journal_with(tmp_path, clips))
    gallery.select("job-2")
    panel = gallery.act("rerun")
    assert isinstance(panel, veo.Panel)
    assert panel.prompt.value == "clip 2 of the coast"
    assert len(gallery.workspace.outputs) == 1


def test_a_rerun_finds_an_image_journaled_by_a_relative_path(
    tmp_path: Path, clips: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"  # where `veo generate examples/lighthouse.jpg ...` ran
    (project / "examples").mkdir(parents=True)
    (project / "examples" / "lighthouse.jpg").write_bytes(b"jpeg")
    (project / "veo_outputs").mkdir()
    saved = project / "veo_outputs" / "clip.mp4"
    saved.write_bytes(clips[0].read_bytes())
    journal = veo.Journal(tmp_path / "home" / "journal.sqlite3")
    for ident, image in (("rel-1", "examples/lighthouse.jpg"), ("gone-1", "examples/moved.jpg")):
        request = {"prompt": "waves", "image": "examples/lighthouse.jpg", "model": "google/veo-3.0-i2v-fast"}
        journal.record(veo.Job(ident, "completed", path=saved, request={**request, "image": image}, created_at=T0))
    elsewhere = tmp_path / "notebooks"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the gallery runs in another folder
    gallery = veo.Gallery(journal=journal)
    gallery.select("rel-1")
    panel = gallery.act("rerun")
    assert panel.image == str((project / "examples" / "lighthouse.jpg").resolve())
    assert "gone" not in gallery.message.value and "Pick the image again" not in gallery.message.value
    gallery.select("gone-1")
    gallery.act("rerun")
    said = gallery.message.value
    assert "Pick the image again" in said and "examples/moved.jpg" in said
    assert "var(--jp-warn-color1" in said and "#6b7280" not in said and "#374151" not in said  # themed, not grey


def test_a_request_recorded_before_exact_summaries_still_reruns(tmp_path: Path, clips: list[Path]) -> None:
    journal = veo.Journal(tmp_path / "journal.sqlite3")
    path = tmp_path / "old.mp4"
    path.write_bytes(clips[0].read_bytes())
    request = {  # as an earlier release journaled a Veo 3.1 image-to-video request: every field
        "prompt": "an old clip",
        "image": "https://example.com/a.png",
        "model": "google/veo-3.1-i2v",
        "aspect_ratio": "16:9",
        "resolution": "720p",
        "duration": 8,
        "negative_prompt": None,
        "seed": None,
        "enhance_prompt": None,
        "generate_audio": True,
        "image_source": "https://example.com/a.png",
    }
    journal.record(veo.Job("old-1", "completed", path=path, request=request, created_at=T0))
    gallery = veo.Gallery(journal=journal)
    gallery.select("old-1")
    panel = gallery.act("rerun")
    assert panel.prompt.value == "an old clip" and panel.image == "https://example.com/a.png"
    assert panel.form.options(lambda text: text)["model"] == "google/veo-3.1-i2v"


def test_choosing_a_take_in_the_gallery_unmarks_the_others(tmp_path: Path, clips: list[Path]) -> None:
    journal = veo.Journal(tmp_path / "journal.sqlite3")
    for i, source in enumerate(clips):  # three takes of one request, as variations journals them
        crid = f"veo-take-{i}"
        request = {"prompt": f"take {i} of the coast", "model": "google/veo-3.0-i2v-fast", "seed": i}
        journal.record_submission(crid, base_url="u", demo=True, request=request, relation="take", take_group="g")
        path = tmp_path / f"take{i}.mp4"
        path.write_bytes(source.read_bytes())
        when = T0 + timedelta(hours=i)
        journal.record(veo.Job(f"take-{i}", "completed", path=path, client_request_id=crid, created_at=when))
    gallery = veo.Gallery(journal=journal)
    for pick in ("take-0", "take-2"):  # the second choice replaces the first
        gallery.select(pick)
        gallery.act("choose")
    stars = {c.job.id: c.title.startswith("★") for c in gallery.cards}
    assert stars == {"take-0": False, "take-1": False, "take-2": True}
    assert [journal.find(f"take-{i}").chosen for i in range(3)] == [False, False, True]  # type: ignore[union-attr]
    assert "chosen" in gallery.message.value  # said about the clip just chosen...
    gallery.select("take-1")  # ...and not about the next one opened
    assert gallery.message.value == "" and "chosen" not in gallery.message.value
    gallery.select("take-2")
    gallery.act("sequence")
    gallery.refresh()  # a redraw of the same clip keeps what was just said about it
    assert "added to the sequence" in gallery.message.value


def test_continue_from_the_gallery_adds_a_card_with_its_lineage(emulator: Emulator, image_file: Path) -> None:
    # Regression (issue 21, 8): no price or length before (a 4 s clip continued into an
    # unannounced 8 s one), bare text while running, the result not shown (not even in the
    # grid with a model filter set), and Continue removed a re-run's panel from the page.
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
        first = client.generate("Waves roll in", image=image_file, duration=4, seed=1)
        gallery = veo.Gallery(client)
        gallery.model_filter.value = "veo-3.1-fast-i2v"  # a filter the result does not match
        gallery.select(first.id)
        rerun = gallery.act("rerun")
        form = gallery.act("continue")  # the form a person fills in
        prompt, (model, length, go) = form.children[1], form.children[2].children
        about, cards = form.children[3], form.children[5]
        prompt.value = "The tide goes out"
        assert model.value == "google/veo-3.0-i2v-fast"
        assert length.value == 4  # as long as the clip it continues
        until(lambda: "$" in about.value)
        assert "4 s clip" in about.value
        assert len(gallery.workspace.outputs) == 2  # the re-run's panel stays, the form beside it
        go.click()
        (run,) = gallery.runs
        (live,) = cards.children  # a live card: status badge, clock and progress bar
        assert "veo-job" in live._dom_classes
        second = run.wait(timeout=60)
        until(lambda: gallery.selected is not None and gallery.selected.id == second.id)
        assert second.request is not None and second.request["duration"] == 4
        assert "completed" in live.children[0].children[1].value
        assert any("<video" in o["data"].get("text/html", "") for o in gallery.player.outputs)
        assert len(gallery.workspace.outputs) == 2 and rerun is not None  # the re-run's panel is still there
        links = [b.children[1].description for b in gallery.lineage.children[1:]]
        assert links == ["original", "continue"]  # posters with their relation, not ids
        assert all(isinstance(b.children[0], widgets.Image) for b in gallery.lineage.children[1:])
        gallery.select(first.id)  # the parent lists its child
        made = [b for b in gallery.lineage.children if hasattr(b, "children") and len(b.children) == 2]
        assert [b.children[1].tooltip.endswith(f"({second.id})") for b in made] == [True]


def test_a_deleted_clip_can_be_downloaded_again(emulator: Emulator, image_file: Path) -> None:
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
        job = client.generate("Waves roll in", image=image_file, duration=4, seed=1)
        gallery = veo.Gallery(client)
        gallery.select(job.id)
        gallery.act("delete")
        gallery.act("delete")
        assert job.path is not None and not job.path.exists()
        thread = gallery.act("download")
        thread.join(30)
        again = client.journal.find(job.id)
        assert again is not None and again.path is not None and again.path.is_file()
        assert gallery.cards[0].state == "ready" and "saved again" in gallery.message.value


def test_a_rerun_from_the_gallery_records_its_parent_when_created(emulator: Emulator, image_file: Path) -> None:
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
        first = client.generate("Waves roll in", image=image_file, duration=4, seed=1)
        gallery = veo.Gallery(client)
        gallery.select(first.id)
        panel = gallery.act("rerun")
        assert panel.prompt.value == "Waves roll in"
        emulator.add_fault("never_finish", times=1)  # the re-run is created and never ends
        panel.generate()
        card = panel.cards[0]
        deadline = time.monotonic() + 30
        while card.job is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert card.job is not None
        found = client.journal.find(card.job.id)  # the row has its parent from the create on
        assert found is not None and (found.parent_id, found.relation) == (first.id, "rerun")
        panel.cancel()
        until(card.done.is_set)  # its thread has stopped polling before the client closes


def test_a_running_job_can_be_resumed_from_the_gallery(emulator: Emulator, image_file: Path) -> None:
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
        job = client.submit("Waves roll in", image=image_file, duration=4, seed=1)  # as if the kernel died here
        gallery = veo.Gallery(client)
        assert gallery.select(job.id).state == "running"
        assert [b.description for b in gallery.actions.children] == ["Resume"]
        gallery.act("resume").join(60)
        assert gallery.select(job.id).state == "ready" and "finished and saved" in gallery.message.value


def test_a_veo_3_1_clip_is_extended_from_the_gallery(emulator: Emulator) -> None:
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
        first = client.generate(
            "Waves roll in", image=veo.sample_image(), model="veo-3.1-fast-i2v", resolution="720p", duration=4
        )
        gallery = veo.Gallery(client)
        assert "extend" in gallery.select(first.id).actions
        # Its settings are what was sent: Veo 3.1 image-to-video takes no enhance_prompt or provider.
        assert "resolution" in gallery.info.value and "720p" in gallery.info.value
        assert "enhance_prompt" not in gallery.info.value and "provider" not in gallery.info.value
        form = gallery.act("extend")
        prompt, (model, _length, go) = form.children[1], form.children[2].children
        until(lambda: "$" in form.children[3].value or "price unknown" in form.children[3].value)
        assert "clip" in form.children[3].value  # what it makes is said before it is sent
        assert model.options == (("veo-3.1-fast-extend", "google/veo3-1-fast-extend-video"),)  # short name shown
        prompt.value = "The tide goes out"
        go.click()
        (run,) = gallery.runs
        extended = run.wait(timeout=120)
        assert extended.request is not None and extended.request["model"] == "google/veo3-1-fast-extend-video"
        found = client.journal.find(extended.id)
        assert found is not None and (found.parent_id, found.relation) == (first.id, "extend")
        gallery.select(extended.id)  # one clip that grew: 4 s, then 11 s
        chain = [box.children[1].description for box in gallery.lineage.children[1:]]
        assert chain == ["original (4s)", "extend (11s)"], chain
