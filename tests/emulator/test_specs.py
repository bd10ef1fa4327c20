"""Each Veo model validates its create body as its spec in API.md says, before anything is made."""

from __future__ import annotations

from typing import Any

import pytest

from veo_widgets.emulator import Emulator
from veo_widgets.emulator._specs import MODELS, WireFamily, validate
from veo_widgets.emulator._wire import Problem
from veo_widgets.schema._family import builtin_models

from ..conftest import image_bytes
from ..helpers import HTTP
from .conftest import auth, create, data_uri

IMG = data_uri(image_bytes((64, 36)))
VIDEO = "http://127.0.0.1:1/files/clip.mp4"

#: A smallest valid body per model (model and prompt added).
MINIMAL: dict[str, dict[str, Any]] = {
    "veo2": {},
    "veo2/image-to-video": {"image_url": IMG},
    "google/veo3": {},
    "google/veo-3.0-fast": {},
    "google/veo-3.0-i2v": {"image_url": IMG},
    "google/veo-3.0-i2v-fast": {"image_url": IMG},
    "google/veo-3.1-t2v": {},
    "google/veo-3.1-t2v-fast": {},
    "google/veo-3.1-i2v": {"image_url": IMG},
    "google/veo-3.1-i2v-fast": {"image_url": IMG},
    "google/veo-3.1-first-last-image-to-video": {"image_url": IMG, "last_image_url": IMG},
    "google/veo-3.1-first-last-image-to-video-fast": {"image_url": IMG, "last_image_url": IMG},
    "google/veo-3.1-reference-to-video": {"image_urls": [IMG, IMG]},
    "google/veo3-1-extend-video": {"video_url": VIDEO},
    "google/veo3-1-fast-extend-video": {"video_url": VIDEO},
    "google/veo-3-1-lite-generate-preview": {},
    "veo-3.1-lite-generate-001": {},
}


def check(model: str, **fields: Any) -> Any:
    return validate({"model": model, "prompt": "a lighthouse at dusk", **MINIMAL.get(model, {}), **fields})


def refused(model: str, **fields: Any) -> str:
    with pytest.raises(Problem) as caught:
        check(model, **fields)
    assert caught.value.status == 400
    return caught.value.message


def test_every_model_in_the_family_table_is_served() -> None:
    assert {m.id for m in MODELS} == set(MINIMAL)


@pytest.mark.parametrize("model", sorted(MINIMAL))
def test_the_smallest_body_is_accepted_with_the_spec_defaults(model: str) -> None:
    accepted = check(model)
    default = {"veo2": 5, "veo2/image-to-video": 5}.get(model, 7 if "extend" in model else 8)
    assert accepted.body["duration"] == default
    if model.startswith("google/veo-3.0") or model in ("google/veo3", "veo-3.1-lite-generate-001"):
        assert accepted.body["resolution"] == "720p"
    elif model.startswith("veo2"):
        assert accepted.body["resolution"] is None and accepted.body["generate_audio"] is False
    elif "extend" not in model:
        assert accepted.body["resolution"] == "1080p"


@pytest.mark.parametrize(
    ("model", "fields", "words"),
    [
        ("google/veo-3.1-i2v", {"seed": 1}, "property seed should not exist"),
        ("google/veo-3.1-i2v-fast", {"negative_prompt": "blur"}, "negative_prompt"),
        ("google/veo-3.1-first-last-image-to-video", {"enhance_prompt": False}, "enhance_prompt"),
        ("google/veo-3.1-reference-to-video", {"aspect_ratio": "16:9"}, "aspect_ratio"),
        ("google/veo-3.1-reference-to-video", {"duration": 4}, "duration must be one of the following values: 8"),
        ("google/veo-3.1-reference-to-video", {"image_urls": []}, "image_urls"),
        ("google/veo3-1-extend-video", {"duration": 8}, "duration"),
        ("google/veo3-1-extend-video", {"resolution": "1080p"}, "resolution"),
        ("google/veo3-1-extend-video", {"video_url": "ftp://x/v.mp4"}, "video_url"),
        ("google/veo3-1-extend-video", {"video_url": IMG}, "video_url"),
        ("google/veo3-1-fast-extend-video", {"image_url": IMG}, "image_url"),
        ("google/veo-3.1-first-last-image-to-video", {"last_image_url": None}, "last_image_url"),
        ("google/veo-3-1-lite-generate-preview", {"image_url": IMG, "last_image_url": IMG, "duration": 4}, "8"),
        ("google/veo-3-1-lite-generate-preview", {"last_image_url": IMG}, "needs an image_url"),
        ("google/veo-3.1-t2v", {"resolution": "1080P"}, "720p, 1080p"),
        ("veo-3.1-lite-generate-001", {"resolution": "720p"}, "720P, 1080P"),
        ("veo-3.1-lite-generate-001", {"person_generation": "everyone"}, "person_generation"),
        ("veo2", {"generate_audio": True}, "generate_audio"),
        ("veo2", {"resolution": "720p"}, "resolution"),
        ("veo2", {"duration": 4}, "5, 6, 7, 8"),
        ("google/veo-3.0-fast", {"image_url": IMG}, "image_url"),
        ("google/veo-3.0-i2v", {"provider": "google"}, "provider"),
        ("google/veo-3.1-t2v", {"auto_fix": "yes"}, "auto_fix must be a boolean"),
        ("google/veo-3.0-i2v-fast", {"tail_image_url": IMG}, "tail_image_url"),
    ],
)
def test_what_a_model_does_not_take_is_a_400_naming_it(model: str, fields: dict[str, Any], words: str) -> None:
    assert words in refused(model, **fields)


def test_variants_the_docs_allow() -> None:
    assert check("google/veo-3.0-i2v-fast", resolution="1080p").body["resolution"] == "1080p"  # 3.0 folds case
    assert (
        check("google/veo-3.1-t2v", duration="6", resolution="720p").body["duration"] == 6
    )  # the docs' examples send strings
    assert check("google/veo-3.1-t2v", seed=7, auto_fix=False, provider="fal").body["auto_fix"] is False
    assert check("google/veo3-1-extend-video").body["auto_fix"] is False
    assert check("google/veo3-1-extend-video", aspect_ratio="auto").mode == "extend"
    as_data = check("google/veo3-1-extend-video", video_url="data:video/mp4;base64,AAAAIGZ0eXA=")
    assert as_data.video == b"\x00\x00\x00 ftyp"
    lite = check("google/veo-3.1-lite-generate-001", image_url=IMG, tail_image_url=IMG)  # the page's spelling
    assert lite.mode == "first-last" and len(lite.images) == 2
    assert check("veo-3.1-lite-generate-001").mode == "text"
    assert check("google/veo-3-1-lite-generate-preview", image_url=IMG).mode == "image"
    assert check("veo2/image-to-video", tail_image_url=IMG).mode == "first-last"
    assert check("google/veo-3.1-reference-to-video").mode == "reference"
    assert check("google/veo-3.1-i2v", seed=None).body["seed"] is None  # null is absent


def test_generation_ids_take_each_models_documented_shape(emulator: Emulator) -> None:
    def job_id(model: str) -> str:
        answer = create(emulator, {"model": model, "prompt": "ids", **MINIMAL[model], "duration": None})
        assert answer.status_code == 200, answer.text
        return str(answer.json()["id"])

    assert job_id("google/veo-3.1-t2v-fast").endswith(":google/veo-3.1-t2v-fast")
    assert job_id("google/veo-3.0-fast").endswith(":veo-3.0-fast-generate-001")
    for model in ("google/veo3-1-fast-extend-video", "veo-3.1-lite-generate-001"):
        ident = job_id(model)
        assert len(ident) == 21 and ":" not in ident


def test_a_refusal_in_the_api_shape(emulator: Emulator) -> None:
    answer = HTTP.post(
        f"{emulator.url}/v2/video/generations",
        json={"model": "google/veo-3.1-i2v", "prompt": "x", "image_url": IMG, "seed": 3},
        headers=auth(emulator),
        timeout=30,
    )
    assert answer.status_code == 400 and answer.json()["message"].startswith("property seed should not exist")


def test_every_model_and_mode_the_client_offers_is_accepted_as_the_client_sends_it() -> None:
    import veo_widgets as veo
    from veo_widgets.schema._models import build_request

    picture = image_bytes((1280, 720))
    inputs: dict[str, dict[str, Any]] = {
        "text": {},
        "image": {"image": picture},
        "first-last": {"image": picture, "last_image": picture},
        "reference": {"reference_images": [picture, picture]},
        "extend": {"video": VIDEO},
    }
    seen = set()
    for spec in veo.models():
        for mode in spec.mode.split("/"):
            request = build_request("a lighthouse at dusk", model=spec.id, **inputs[mode])
            accepted = validate(request.body())
            assert accepted.mode == mode, (spec.id, mode)
            seen.add(spec.id)
    assert seen == set(MINIMAL)


@pytest.mark.parametrize(
    "model",
    [
        "google/veo3",
        "google/veo-3.0-i2v-fast",
        "google/veo-3.1-t2v",
        "google/veo-3.1-i2v-fast",
        "google/veo-3.1-first-last-image-to-video",
        "google/veo-3-1-lite-generate-preview",
        "veo-3.1-lite-generate-001",
    ],
)
def test_1080p_at_less_than_8_seconds_is_a_400_as_google_rules(model: str) -> None:
    hd, sd = ("1080P", "720P") if model == "veo-3.1-lite-generate-001" else ("1080p", "720p")  # lite-001 is upper case
    assert "duration must be 8 when resolution is 1080p" in refused(model, resolution=hd, duration=4)
    assert check(model, resolution=hd, duration=8).body["duration"] == 8
    assert check(model, resolution=sd, duration=4).body["duration"] == 4


def test_the_emulator_and_the_client_read_one_table() -> None:
    # The same family.json drives both: every model the client knows is the emulator's, with
    # the same lengths, sizes and inputs, and the emulator's rules are the client's.
    wire = {m.id: m for m in MODELS}
    for spec in builtin_models():
        model = wire[spec.id]
        assert model.durations == spec.durations and model.modes == spec.modes
        assert [r.lower() for r in model.resolutions or ()] == list(spec.resolutions)
        assert (model.image != "none") == (spec.input("image") is not None)
        assert model.hd_needs_8 == any(r.if_value == "1080p" for r in spec.rules)


def test_a_family_told_of_a_new_schema_checks_by_it() -> None:
    family = WireFamily()
    schema = dict(next(m for m in MODELS if m.id == "google/veo3").schema)
    schema["properties"] = {**schema["properties"], "duration": {"type": "integer", "enum": [6, 10]}}
    family.change("google/veo3", schema)
    accepted = validate({"model": "google/veo3", "prompt": "sea", "duration": 10}, family)
    assert accepted.body["duration"] == 10
    with pytest.raises(Problem, match="6, 10"):
        validate({"model": "google/veo3", "prompt": "sea", "duration": 8}, family)
    assert check("google/veo3", duration=8).body["duration"] == 8  # the built-in family is unchanged
    with pytest.raises(Problem, match="1080p"):  # its rules stay with it
        validate({"model": "google/veo3", "prompt": "sea", "duration": 6, "resolution": "1080P"}, family)
