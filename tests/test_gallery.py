"""The gallery widget: pages of clips with posters, filters, a selected clip's actions, the sequence."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import av
import ipywidgets as w
import pytest
from PIL import Image

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.emulator._render import encode

from .conftest import QUICK_POLLS

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("clips")
    paths = []
    for i, colour in enumerate([(200, 40, 40), (40, 200, 40), (40, 40, 200)]):
        path = folder / f"clip{i}.mp4"
        encode(Image.new("RGB", (256, 144), colour), path, width=256, height=144, duration=1, seed=i, label=None)
        paths.append(path)
    return paths


def journal_with(tmp_path: Path, clips: list[Path], failed: int = 0, extra: int = 0) -> veo.Journal:
    journal = veo.Journal(tmp_path / "journal.sqlite3")
    for i, source in enumerate(clips):
        path = tmp_path / f"saved{i}.mp4"
        path.write_bytes(source.read_bytes())
        request = {"prompt": f"clip {i} of the coast", "model": "google/veo-3.0-i2v-fast", "duration": 4}
        journal.record(veo.Job(f"job-{i}", "completed", path=path, request=request, created_at=T0 + timedelta(hours=i)))
    for i in range(failed):
        request = {"prompt": f"failed shot {i}", "model": "google/veo-3.0-i2v"}
        when = T0 - timedelta(hours=i + 1)
        journal.record(veo.Job(f"bad-{i}", "error", error="blocked", request=request, created_at=when))
    for i in range(extra):
        request = {"prompt": f"old shot {i}"}
        when = T0 - timedelta(days=1, minutes=i)
        journal.record(veo.Job(f"old-{i}", "completed", path=tmp_path / "gone.mp4", request=request, created_at=when))
    return journal


def captions(gallery: Any) -> list[str]:
    return [box.children[1].value for box in gallery._grid.children]


def test_the_grid_shows_the_newest_clips_with_posters(tmp_path: Path, clips: list[Path]) -> None:
    gallery = veo.Gallery(journal=journal_with(tmp_path, clips, failed=2, extra=30), page_size=12)
    assert len(gallery._grid.children) == 12
    first = captions(gallery)
    assert "clip 2 of the coast" in first[0] and "clip 1" in first[1] and "clip 0" in first[2]
    assert "veo-3-fast-i2v · 4s" in first[0]  # the short name `veo models` lists
    assert 'title="google/veo-3.0-i2v-fast"' in first[0]  # the full id on hover
    assert gallery.posters is not None
    gallery.posters.join(30)  # posters are made off the kernel's thread, once
    poster = gallery._grid.children[0].children[0]
    assert isinstance(poster, w.Image) and poster.value[:2] == b"\xff\xd8"  # a JPEG poster
    assert (tmp_path / ".saved2.mp4.poster.jpg").is_file()  # cached beside the video
    assert "failed" in first[3] and "missing" in first[5]  # failed and file-gone jobs are shown too
    assert gallery._where.value == "1-12 of 35 · page 1 of 3"
    gallery._next.click()
    gallery._next.click()
    assert len(gallery._grid.children) == 11 and gallery._next.disabled


def test_filters_narrow_the_grid(tmp_path: Path, clips: list[Path]) -> None:
    gallery = veo.Gallery(journal=journal_with(tmp_path, clips, failed=2, extra=5))
    gallery._status.value = "failed"
    assert len(gallery.cards) == 2 and all(c.state == "failed" for c in gallery.cards)
    assert all("blocked" in c.hint for c in gallery.cards)
    gallery._status.value = ""
    gallery._text.value = "COAST"
    assert [c.job.id for c in gallery.cards] == ["job-2", "job-1", "job-0"]
    gallery._text.value = "no such words"
    assert gallery.cards == [] and gallery._where.value == "no clips match"


def test_models_are_listed_and_filtered_by_their_short_names(tmp_path: Path, clips: list[Path]) -> None:
    journal = journal_with(tmp_path, clips, failed=2)  # clips on veo-3-fast-i2v, failures on veo-3-i2v
    journal.record(veo.Job("old-veo2", "error", request={"prompt": "old", "model": "veo2/image-to-video"}))
    gallery = veo.Gallery(journal=journal)
    labels = [label for label, _ in gallery._model.options]
    assert labels[0] == "any model" and set(labels[1:]) == {spec.short for spec in veo.models()}
    assert not any("/" in label or label in ("veo3", "veo2", "image-to-video") for label in labels)
    gallery._model.value = "veo-3-fast-i2v"
    assert [c.job.id for c in gallery.cards] == ["job-2", "job-1", "job-0"]
    gallery._model.value = "veo-2-i2v"
    assert [c.job.id for c in gallery.cards] == ["old-veo2"] and gallery.cards[0].model == "veo-2-i2v"
    gallery.filter(model="google/veo-3.0-i2v")  # from code, a full id still works
    assert {c.job.id for c in gallery.cards} == {"bad-0", "bad-1"}


def test_text_search_matches_prompts_not_image_file_names(tmp_path: Path, clips: list[Path]) -> None:
    journal = veo.Journal(tmp_path / "journal.sqlite3")
    image = "/home/me/examples/lighthouse.jpg"
    journal.record(veo.Job("j-one", "error", request={"prompt": "one", "image": image}, created_at=T0))
    journal.record(veo.Job("j-two", "error", request={"prompt": "A lighthouse at dusk", "image": image}))
    gallery = veo.Gallery(journal=journal)
    gallery._text.value = "lighthouse"
    assert [c.job.id for c in gallery.cards] == ["j-two"]
    gallery._text.value = "j-on"  # the start of a job id finds it too
    assert [c.job.id for c in gallery.cards] == ["j-one"]


def test_portrait_and_landscape_posters_share_one_box(tmp_path: Path) -> None:
    journal = veo.Journal(tmp_path / "journal.sqlite3")
    for ident, size in (("wide", (256, 144)), ("tall", (144, 256))):
        path = tmp_path / f"{ident}.mp4"
        encode(
            Image.new("RGB", size, (90, 90, 200)), path, width=size[0], height=size[1], duration=1, seed=1, label=None
        )
        journal.record(veo.Job(ident, "completed", path=path, request={"prompt": ident}))
    gallery = veo.Gallery(journal=journal)
    assert gallery.posters is not None
    gallery.posters.join(30)
    again = veo.Gallery(journal=journal)  # posters cached now: made as finished widgets
    for grid in (gallery._grid, again._grid):
        boxes = [box.children[0].layout for box in grid.children]
        assert {(b.width, b.height, b.object_fit) for b in boxes} == {("180px", "101px", "contain")}
        assert {box.children[1].layout.height for box in grid.children} == {"72px"}  # captions too


def test_selecting_a_clip_plays_it_with_its_settings_and_actions(tmp_path: Path, clips: list[Path]) -> None:
    gallery = veo.Gallery(journal=journal_with(tmp_path, clips))
    gallery._grid.children[1].children[2].click()  # "Open" on the second card
    assert gallery.selected is not None and gallery.selected.id == "job-1"
    assert "clip 1 of the coast" in gallery._info.value and "google/veo-3.0-i2v-fast" in gallery._info.value
    (video,) = gallery.player.outputs
    assert "video" in video["data"]["text/html"]
    labels = [b.description for b in gallery._actions.children]
    assert labels[:3] == ["Play", "Re-run", "Continue from last frame"]
    assert {"Add to sequence", "Reveal file", "Delete file"} <= set(labels)
    assert gallery.act("reveal") == str((tmp_path / "saved1.mp4").resolve())


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
    assert [b.description for b in gallery._actions.children] == ["Download again", "Re-run"]


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


def test_the_sequence_strip_stitches_clips_in_the_chosen_order(tmp_path: Path, clips: list[Path]) -> None:
    gallery = veo.Gallery(journal=journal_with(tmp_path, clips))
    for ident in ("job-0", "job-1", "job-2"):
        gallery.select(ident)
        gallery.act("sequence")
    strip = gallery.sequence
    strip.move(2, -2)  # the blue clip first
    assert [j.id for j in strip.clips] == ["job-2", "job-0", "job-1"]
    strip.remove(2)
    film = strip.stitch(tmp_path / "film.mp4")
    with av.open(str(film)) as container:
        stream = container.streams.video[0]
        assert stream.frames == 48  # two one-second clips at 24 fps
        first = next(container.decode(stream)).to_ndarray(format="rgb24")
    assert first[72, 128, 2] > 150  # the blue clip leads
    assert strip.progress.value == 1.0 and len(strip.output.outputs) == 1


def test_continue_from_the_gallery_adds_a_card_with_its_lineage(emulator: Emulator, image_file: Path) -> None:
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
        first = client.generate("Waves roll in", image=image_file, duration=4, seed=1)
        gallery = veo.Gallery(client)
        gallery.select(first.id)
        form = gallery.act("continue")  # the form a person fills in
        prompt, (model, go) = form.children[1], form.children[2].children
        prompt.value = "The tide goes out"
        assert model.value == "google/veo-3.0-i2v-fast"
        go.click()
        (run,) = gallery.runs
        second = run.wait(timeout=60)
        deadline = time.monotonic() + 10
        while second.id not in [c.job.id for c in gallery.cards] and time.monotonic() < deadline:
            time.sleep(0.05)  # the gallery redraws when the run ends
        assert gallery.cards[0].job.id == second.id
        gallery.select(second.id)
        chain = [b.description for b in gallery._lineage.children[1:]]
        assert chain == [first.id[:12], "continue: " + second.id[:12]]


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


def test_a_running_job_can_be_resumed_from_the_gallery(emulator: Emulator, image_file: Path) -> None:
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
        job = client.submit("Waves roll in", image=image_file, duration=4, seed=1)  # as if the kernel died here
        gallery = veo.Gallery(client)
        assert gallery.select(job.id).state == "running"
        assert [b.description for b in gallery._actions.children] == ["Resume"]
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
        assert "resolution" in gallery._info.value and "720p" in gallery._info.value
        assert "enhance_prompt" not in gallery._info.value and "provider" not in gallery._info.value
        form = gallery.act("extend")
        prompt, (model, go) = form.children[1], form.children[2].children
        assert model.options == (("veo-3.1-fast-extend", "google/veo3-1-fast-extend-video"),)  # short name shown
        prompt.value = "The tide goes out"
        go.click()
        (run,) = gallery.runs
        extended = run.wait(timeout=120)
        assert extended.request is not None and extended.request["model"] == "google/veo3-1-fast-extend-video"
        found = client.journal.find(extended.id)
        assert found is not None and (found.parent_id, found.relation) == (first.id, "extend")


def test_dates_narrow_the_grid(tmp_path: Path, clips: list[Path]) -> None:
    gallery = veo.Gallery(journal=journal_with(tmp_path, clips, extra=4))  # extras are a day older
    assert gallery.pager.total == 7
    gallery._since.value = T0.date()
    assert {c.job.id for c in gallery.cards} == {"job-0", "job-1", "job-2"}
    gallery._since.value = None
    gallery._until.value = (T0 - timedelta(days=1)).date()
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
