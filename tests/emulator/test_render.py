"""The video the emulator renders: real H.264 + AAC, made from the inputs, the same bytes for the same seed;
and the draft that test suites use, which keeps everything a test checks of the full render."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from veo_widgets.emulator import Emulator
from veo_widgets.emulator._render import DRAFT, FULL, encode
from veo_widgets.emulator._scenes import scene_for

from ..conftest import probe
from ..helpers import HTTP, own_emulator
from .conftest import auth, body, create, data_uri, patterned, wait_done

pytestmark = pytest.mark.timeout(120)

#: This module's ``emulator`` renders in full, as demo mode does: the picture, frame rate and
#: sound a person sees. ``drafts`` renders as every other test's emulator does; what each mode
#: draws, the frame size and the length are the same in both (the draft test below shows it).
_server, emulator = own_emulator("emulator", timing=0.5, seed=7, draft=False)
_drafting, drafts = own_emulator("drafts", timing=0.2, seed=7)


def test_the_video_is_real_and_made_from_the_image(emulator: Emulator, tmp_path: Path) -> None:
    source = patterned()
    job = HTTP.post(
        f"{emulator.url}/v2/video/generations",
        json=body(image_url=data_uri(source), seed=11),
        headers=auth(emulator),
        timeout=30,
    ).json()
    done = wait_done(emulator, job["id"])
    path = tmp_path / "v.mp4"
    path.write_bytes(HTTP.get(done["video"]["url"], timeout=60).content)
    info = probe(path)
    assert (info["video_codec"], info["width"], info["height"], info["audio_codec"]) == ("h264", 1280, 720, "aac")
    assert info["fps"] == 24 and info["duration"] == pytest.approx(4, abs=0.1)
    frames = frames_of(path.read_bytes(), 0, -1)
    first, last = frames[0], frames[-1]
    # The first frame is the input fitted to the frame: the centre matches the picture.
    expected = np.asarray(Image.open(io.BytesIO(source)).convert("RGB").resize((960, 720))).astype(int)
    assert np.abs(first[200:520, 300:980] - expected[200:520, 140:820]).mean() < 12
    assert np.abs(first - last).mean() > 3  # the camera moves
    with av.open(str(path)) as container:
        samples = np.concatenate([f.to_ndarray().ravel() for f in container.decode(audio=0)])
    assert 0.005 < float(np.sqrt(np.mean(samples**2))) < 0.5  # a soft sound, not silence


def test_portrait_without_audio_and_same_seed_same_bytes(emulator: Emulator) -> None:
    payload = body(aspect_ratio="9:16", generate_audio=False, seed=99)
    urls = []
    for _ in range(2):
        job = HTTP.post(f"{emulator.url}/v2/video/generations", json=payload, headers=auth(emulator), timeout=30).json()
        urls.append(wait_done(emulator, job["id"])["video"]["url"])
    first, second = (HTTP.get(u, timeout=30).content for u in urls)
    assert first == second
    with av.open(io.BytesIO(first)) as container:
        assert not container.streams.audio
        assert (container.streams.video[0].codec_context.width, container.streams.video[0].codec_context.height) == (
            720,
            1280,
        )


def test_1080p(drafts: Emulator, tmp_path: Path) -> None:
    job = HTTP.post(
        f"{drafts.url}/v2/video/generations",
        json=body(resolution="1080P", duration=8),
        headers=auth(drafts),
        timeout=30,
    ).json()
    path = tmp_path / "hd.mp4"
    path.write_bytes(HTTP.get(wait_done(drafts, job["id"], timeout=150)["video"]["url"], timeout=60).content)
    info = probe(path)
    assert (info["width"], info["height"]) == (1920, 1080) and info["duration"] == pytest.approx(8, abs=0.1)


def frames_of(data: bytes, *wanted: int) -> dict[int, np.ndarray]:
    """Frames ``wanted`` of a clip (``-1`` is its last) as arrays a test can subtract. Every
    frame is decoded, but only these become arrays: a 15 s clip at 720p is 360 frames."""
    kept: dict[int, np.ndarray] = {}
    last = None
    with av.open(io.BytesIO(data)) as container:
        for number, frame in enumerate(container.decode(video=0)):
            if number in wanted:
                kept[number] = frame.to_ndarray(format="rgb24").astype(int)
            last = frame
    if -1 in wanted and last is not None:
        kept[-1] = last.to_ndarray(format="rgb24").astype(int)
    return kept


RED, BLUE, GREEN = (data_uri(patterned(colour=c)) for c in ((230, 40, 40), (40, 40, 230), (40, 220, 40)))
COMMON = {"resolution": "720p", "generate_audio": False}


def render(emu: Emulator, payload: dict[str, object], tmp_path: Path, seconds: int) -> dict[int, np.ndarray]:
    """Create, wait, download; check it is a playable 720p H.264 clip of ``seconds``; its
    first, 25th and last frames."""
    answer = create(emu, {**payload, **COMMON})
    assert answer.status_code == 200, answer.text
    done = wait_done(emu, answer.json()["id"])
    assert done["status"] == "completed", done
    path = tmp_path / "clip.mp4"
    path.write_bytes(HTTP.get(done["video"]["url"], timeout=60).content)
    info = probe(path)
    assert (info["video_codec"], info["width"], info["height"]) == ("h264", 1280, 720)
    assert info["duration"] == pytest.approx(seconds, abs=0.1)
    return frames_of(path.read_bytes(), 0, 24, -1)


def test_text_to_video_shows_the_prompt_not_a_picture(drafts: Emulator, tmp_path: Path) -> None:
    payload = {"model": "google/veo-3.1-t2v-fast", "prompt": "a red kite over green hills", "duration": 4}
    frames = render(drafts, payload, tmp_path, 4)
    assert frames[0].std() > 10 and np.abs(frames[0] - frames[-1]).mean() > 1  # drawn, and moving


def test_first_and_last_frame_goes_from_one_to_the_other(drafts: Emulator, tmp_path: Path) -> None:
    payload = {
        "model": "google/veo-3.1-first-last-image-to-video-fast",
        "prompt": "dusk falls",
        "image_url": RED,
        "last_image_url": BLUE,
        "duration": 4,
    }
    frames = render(drafts, payload, tmp_path, 4)
    assert frames[0][..., 0].mean() > frames[0][..., 2].mean() and frames[-1][..., 2].mean() > frames[-1][..., 0].mean()


def test_references_make_a_clip_across_them(drafts: Emulator, tmp_path: Path) -> None:
    payload = {"model": "google/veo-3.1-reference-to-video", "prompt": "the same kite", "image_urls": [RED, BLUE]}
    frames = render(drafts, payload, tmp_path, 8)
    assert frames[0][..., 0].mean() > frames[0][..., 2].mean() and frames[-1][..., 2].mean() > frames[-1][..., 0].mean()


def test_extend_continues_from_the_last_frame_of_the_input(drafts: Emulator, tmp_path: Path) -> None:
    clip = tmp_path / "input.mp4"
    scene = scene_for(
        {"mode": "first-last", "width": 320, "height": 180}, [patterned(), patterned(colour=(40, 40, 230))], None, 1
    )
    encode(scene, clip, width=320, height=180, duration=1, seed=1, audio=False, label=None)
    by_url = drafts.host_asset("input.mp4", clip.read_bytes(), "video/mp4")  # as a finished job's URL is
    payload = {"model": "google/veo3-1-fast-extend-video", "prompt": "and on", "video_url": by_url}
    frames = render(drafts, payload, tmp_path, 8)  # the whole input (1 s), then 7 s more
    assert frames[0][..., 0].mean() > frames[0][..., 2].mean() + 20  # opens as the input opens: yellow
    assert frames[24][..., 2].mean() > frames[24][..., 0].mean() + 40  # goes on where the input ended: blue


@pytest.mark.parametrize("aspect", [None, "auto", "16:9"])
def test_extend_keeps_a_portrait_clip_portrait(drafts: Emulator, tmp_path: Path, aspect: str | None) -> None:
    """An extension is the input grown longer: it keeps the input's orientation, whatever
    ``aspect_ratio`` says."""
    clip = tmp_path / "tall.mp4"
    scene = scene_for({"mode": "image", "width": 180, "height": 320}, [patterned()], None, 1)
    encode(scene, clip, width=180, height=320, duration=1, seed=1, audio=False, label=None)
    by_url = drafts.host_asset(f"tall-{aspect}.mp4", clip.read_bytes(), "video/mp4")
    payload: dict[str, object] = {"model": "google/veo3-1-fast-extend-video", "prompt": "and on", "video_url": by_url}
    if aspect is not None:
        payload["aspect_ratio"] = aspect
    done = wait_done(drafts, create(drafts, {**payload, "generate_audio": False}).json()["id"])
    path = tmp_path / "longer.mp4"
    path.write_bytes(HTTP.get(done["video"]["url"], timeout=60).content)
    assert (probe(path)["width"], probe(path)["height"]) == (720, 1280)


def download(emu: Emulator, payload: dict[str, object], path: Path) -> Path:
    answer = create(emu, payload)
    assert answer.status_code == 200, answer.text
    path.write_bytes(HTTP.get(wait_done(emu, answer.json()["id"])["video"]["url"], timeout=60).content)
    return path


def ends(path: Path) -> tuple[np.ndarray, np.ndarray]:
    frames = frames_of(path.read_bytes(), 0, -1)
    return frames[0], frames[-1]


def test_a_draft_keeps_what_a_person_checks_of_the_full_render(
    emulator: Emulator, drafts: Emulator, tmp_path: Path
) -> None:
    """The same codecs, frame size, length and sound stream, and the same picture at both
    ends (the input image first, where the camera stops last): the same colours and shapes,
    softer (drawn at a quarter of the size), at two frames a second."""
    payload = body(image_url=data_uri(patterned()), seed=11)  # the first test's render, cached
    full = download(emulator, payload, tmp_path / "full.mp4")
    draft = download(drafts, payload, tmp_path / "draft.mp4")
    f, d = probe(full), probe(draft)
    assert (d["video_codec"], d["width"], d["height"], d["audio_codec"]) == ("h264", 1280, 720, "aac")
    assert (f["fps"], d["fps"]) == (FULL.fps, DRAFT.fps) and d["duration"] == pytest.approx(f["duration"], abs=0.1)
    for full_frame, draft_frame in zip(ends(full), ends(draft), strict=True):
        assert np.abs(full_frame.mean(axis=(0, 1)) - draft_frame.mean(axis=(0, 1))).max() < 4  # colour at a glance
        brightness = [frame.mean(axis=2).ravel() for frame in (full_frame, draft_frame)]
        assert np.corrcoef(*brightness)[0, 1] > 0.8  # the stripes where they are in full
    with av.open(str(draft)) as container:
        samples = np.concatenate([f.to_ndarray().ravel() for f in container.decode(audio=0)])
    assert 0.005 < float(np.sqrt(np.mean(samples**2))) < 0.5  # a soft sound, as in full


def test_a_draft_extension_is_its_input_grown_by_7_s(drafts: Emulator, tmp_path: Path) -> None:
    first = download(
        drafts,
        body(
            model="google/veo-3.1-first-last-image-to-video-fast",
            image_url=RED,
            last_image_url=BLUE,
            seed=...,
            resolution="720p",
        ),
        tmp_path / "first.mp4",
    )
    by_url = drafts.host_asset("first.mp4", first.read_bytes(), "video/mp4")
    payload = {"model": "google/veo3-1-fast-extend-video", "prompt": "and on", "video_url": by_url}
    extended = download(drafts, payload, tmp_path / "extended.mp4")
    assert probe(extended)["duration"] == pytest.approx(probe(first)["duration"] + 7, abs=0.1)
    assert np.abs(ends(extended)[0] - ends(first)[0]).mean() < 12  # it opens as its input opens


def quality_of(**options: object) -> object:
    emu = Emulator(start=False, **options)  # type: ignore[arg-type]
    try:
        return emu.app.renderer.quality
    finally:
        emu.close()


def test_emulators_render_drafts_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Demo mode (no setting) renders in full; a test suite's setting, or ``draft=True``, drafts."""
    monkeypatch.delenv("VEO_EMULATOR_DRAFT", raising=False)
    assert (quality_of(), quality_of(draft=True)) == (FULL, DRAFT)
    monkeypatch.setenv("VEO_EMULATOR_DRAFT", "1")
    assert (quality_of(), quality_of(draft=False)) == (DRAFT, FULL)
