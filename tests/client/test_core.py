"""What both clients share: settings, demo mode when there is no key, and a key that never shows."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets._errors import ValidationError
from veo_widgets.emulator import Emulator
from veo_widgets.journal._store import Journal

from ..conftest import FAST, QUICK_POLLS, SENTINEL_KEY, Flavour, image_bytes, probe
from ..helpers import hosted_clip, rendered


def test_no_key_and_no_demo_names_the_variable(monkeypatch: pytest.MonkeyPatch, image_file: Path) -> None:
    monkeypatch.setenv("VEO_DEMO", "0")
    client = veo.Client()
    assert not client.demo
    with pytest.raises(veo.AuthenticationError, match="AIMLAPI_KEY"):
        client.submit("x", image=image_file)
    assert veo.history() == []  # nothing was sent, so nothing was journaled


def test_repr_is_cheap_and_secret_free(emulator: Emulator) -> None:
    client = veo.Client(SENTINEL_KEY, emulator.url)
    text = repr(client)
    client.close()
    assert SENTINEL_KEY not in text and "live" in text and emulator.url in text


def test_demo_mode_without_a_key(capsys: pytest.CaptureFixture[str], image_file: Path) -> None:
    client = veo.Client()
    assert client.demo and "127.0.0.1" in client.base_url
    job = client.generate("demo", image=image_file, **FAST)
    assert job.demo and job.path is not None and probe(job.path)["audio_codec"] == "aac"
    client.close()


def test_demo_forced_with_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_KEY", SENTINEL_KEY)
    monkeypatch.setenv("VEO_DEMO", "1")
    client = veo.Client()
    assert client.demo and "127.0.0.1" in client.base_url
    client.close()


def test_the_poll_budget_is_a_client_setting(tmp_path: Path) -> None:
    with veo.Client(
        "k", "http://127.0.0.1:9", journal=Journal(tmp_path / "j.sqlite3"), max_polls_per_second=5
    ) as client:
        assert client.max_polls_per_second == 5
        client.max_polls_per_second = 50
        assert client.max_polls_per_second == 50
        with pytest.raises(ValidationError, match="max_polls_per_second"):
            client.max_polls_per_second = 0
    with pytest.raises(ValidationError, match="max_polls_per_second"):
        veo.Client("k", "http://127.0.0.1:9", max_polls_per_second=-1)


# ------------------------------------------------- a video to extend given as a link

EXTEND = "veo-3.1-fast-extend"


def creates(client: Flavour) -> list[dict[str, object]]:
    return [json.loads(r.content) for r in client.requests if r.method == "POST"]


def test_a_link_to_a_clip_over_eight_seconds_is_extended_through_google(
    client: Flavour, emulator: Emulator, tmp_path: Path
) -> None:
    """Its length is read from the link, so the create asks for Google's extend (fal's takes
    at most 8 s, and the emulator, as fal would, refuses a longer clip without it)."""
    url = hosted_clip(emulator, tmp_path, seconds=10)
    assert client.submit("and then", model=EXTEND, video=url).id
    assert creates(client)[-1]["video_url"] == url and creates(client)[-1]["provider"] == "google"
    short = client.submit("and then", model=EXTEND, video=hosted_clip(emulator, tmp_path, seconds=4))
    assert short.id and "provider" not in creates(client)[-1]  # 8 s or less: auto, as before
    with pytest.raises(ValidationError, match="fal's extend takes at most 8 s"):
        client.submit("and then", model=EXTEND, video=url, provider="fal")


@pytest.mark.timeout(300)
def test_the_link_of_an_extension_is_extended_through_google(emulator: Emulator, tmp_path: Path) -> None:
    """The API's own signed, ranged, expiring link to a 15 s clip (an 8 s clip extended): read
    for its length, and extended again through Google's extend."""
    base = rendered(tmp_path / "eight.mp4", (90, 90, 90), (160, 90), 8, audio=False)
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
        fifteen = client.generate("and then", model=EXTEND, video=base, save_to=tmp_path, timeout=240)
        assert fifteen.path is not None and probe(fifteen.path)["duration"] == pytest.approx(15, abs=0.15)
        link = client.get(fifteen.id).video_url
        assert link is not None and "/files/" in link
        again = client.submit("and on", model=EXTEND, video=link)
    assert again.id and (again.request or {}).get("provider") == "google"
    assert (again.request or {}).get("video") == link  # the link is sent as given


@pytest.mark.parametrize("kind", ["30 fps", "square", "a picture", "unreachable"])
def test_a_link_extend_would_refuse_is_refused_before_any_create(
    client: Flavour, emulator: Emulator, tmp_path: Path, kind: str
) -> None:
    url = {
        "30 fps": lambda: hosted_clip(emulator, tmp_path, fps=30),
        "square": lambda: hosted_clip(emulator, tmp_path, size=(120, 120)),
        "a picture": lambda: emulator.host_asset("frame.jpg", image_bytes(), "image/jpeg"),
        "unreachable": lambda: "http://127.0.0.1:1/clip.mp4",
    }[kind]()
    before = emulator.stats.create_attempts
    for call in (client.submit, client.start, client.build_request):
        with pytest.raises(ValidationError) as caught:
            call("and then", model=EXTEND, video=url)
        assert caught.value.field == "video"
    assert creates(client) == [] and emulator.stats.create_attempts == before  # nothing sent, nothing paid
    says = {"30 fps": "24 fps", "square": "16:9 or 9:16", "a picture": "an image", "unreachable": "could not read"}
    assert says[kind] in caught.value.message


def test_a_link_this_machine_cannot_read_is_sent_only_when_asked(
    client: Flavour, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The API's servers may reach a link this machine cannot: VEO_UNCHECKED_VIDEO_URLS=1
    sends it as given (what length it is is then unknown: the provider stays as asked),
    saying so once, though the request is checked before it is priced and again at start."""
    url = "http://127.0.0.1:1/only-the-api-can-see-this.mp4"
    with pytest.raises(ValidationError, match="VEO_UNCHECKED_VIDEO_URLS=1"):
        client.submit("and then", model=EXTEND, video=url)
    assert creates(client) == []
    monkeypatch.setenv("VEO_UNCHECKED_VIDEO_URLS", "1")
    with caplog.at_level(logging.WARNING, logger="veo_widgets"):
        assert client.build_request("and then", model=EXTEND, video=url).video == url
        job = client.submit("and then", model=EXTEND, video=url)
    assert job.id and creates(client)[-1]["video_url"] == url and "provider" not in creates(client)[-1]
    assert caplog.text.count("sent unchecked") == 1
