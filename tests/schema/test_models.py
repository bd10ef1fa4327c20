"""Validated requests for every model, and the Job value object."""

from __future__ import annotations

import base64
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import veo_widgets as veo
from veo_widgets.schema._family import get_model
from veo_widgets.schema._models import Job, JobStatus, Usage, VideoRequest, build_request, frame_size, validate_options
from veo_widgets.schema._options import OPTIONS

from ..conftest import image_bytes
from ..helpers import HTTP
from .test_images import mp4_bytes

URL = "https://example.com/a.png"


def minimal_inputs(spec: veo.ModelSpec) -> dict[str, Any]:
    """What a person must pass to this model, and nothing more."""
    inputs: dict[str, Any] = {}
    for name in spec.required:
        inputs[name] = {
            "image": image_bytes(),
            "last_image": image_bytes(color=(200, 40, 40)),
            "reference_images": [image_bytes(), URL],
            "video": mp4_bytes(),
        }[name]
    return inputs


@pytest.mark.parametrize("spec", veo.models(), ids=lambda m: m.short)
def test_every_model_builds_its_own_body_from_minimal_inputs(spec: veo.ModelSpec) -> None:
    request = build_request("a lighthouse at dusk", model=spec.short, **minimal_inputs(spec))
    body = request.body()
    assert body["model"] == spec.id and body["prompt"] == "a lighthouse at dusk"
    wires = {i.wire for i in spec.inputs} | {o.wire for o in spec.options} | {"model", "prompt"}
    assert set(body) <= wires, f"{spec.short} sends fields it does not take: {set(body) - wires}"
    for option in spec.options:
        if option.default is not None:
            assert body[option.wire] == option.to_wire(option.default)
    for name in spec.required:
        value = body[spec.input(name).wire]  # type: ignore[union-attr]
        assert (value[0] if isinstance(value, list) else value).startswith(("data:", "https://"))
    assert "base64" not in repr(request) and "base64" not in str(request.summary())


def test_the_default_models_body_is_unchanged() -> None:
    body = build_request("waves", URL, resolution="1080P", seed=0, negative_prompt="  ").body()
    assert body == {
        "model": "google/veo-3.0-i2v-fast",
        "prompt": "waves",
        "image_url": URL,
        "duration": 8,
        "aspect_ratio": "16:9",
        "resolution": "1080P",
        "enhance_prompt": True,
        "generate_audio": True,
        "seed": 0,
    }


@pytest.mark.parametrize(
    ("model", "given", "sent"),
    [
        ("veo-3-fast-i2v", "720p", "720P"),
        ("veo-3-t2v", "1080P", "1080P"),
        ("veo-3.1-fast-i2v", "720P", "720p"),
        ("veo-3.1-t2v", "1080p", "1080p"),
        ("veo-3.1-lite-preview", "720P", "720p"),
        ("veo-3.1-lite", "720p", "720P"),  # lite-001's spec spells it like 3.0
    ],
)
def test_resolution_is_spelled_as_each_model_spells_it(model: str, given: str, sent: str) -> None:
    image = URL if get_model(model).takes("image") else None
    assert build_request("x", image, model=model, resolution=given).body()["resolution"] == sent


def test_each_mode_sends_its_inputs_under_the_models_field_names(tmp_path: Path) -> None:
    first, last = image_bytes(), image_bytes(color=(200, 40, 40))
    fl = build_request("x", first, last_image=last, model="veo-3.1-first-last").body()
    assert fl["image_url"].startswith("data:image/") and fl["last_image_url"].startswith("data:image/")
    # Veo 2 calls the last frame tail_image_url.
    tail = build_request("x", URL, last_image=URL, model="veo-2-i2v").body()
    assert tail["tail_image_url"] == URL and "last_image_url" not in tail
    refs = build_request("x", reference_images=[first, URL, last], model="veo-3.1-reference").body()
    assert len(refs["image_urls"]) == 3 and refs["image_urls"][1] == URL and "aspect_ratio" not in refs
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(mp4_bytes())
    ext = build_request("and then it rains", video=clip, model="veo-3.1-fast-extend")
    body = ext.body()
    assert base64.b64decode(body["video_url"].split(",", 1)[1]) == clip.read_bytes()
    assert body["video_url"].startswith("data:video/mp4;base64,") and body["duration"] == 7
    assert body["aspect_ratio"] == "auto" and body["auto_fix"] is False
    assert ext.summary()["video"] == str(clip)
    text = build_request("x", model="veo-3.1-lite").body()
    assert "image_url" not in text and text["person_generation"] == "allow_adult"


@pytest.mark.parametrize(
    ("model", "option", "value"),
    [
        ("veo-3.1-i2v", "seed", 42),
        ("veo-3.1-fast-i2v", "negative_prompt", "blur"),
        ("veo-3.1-first-last", "enhance_prompt", False),
        ("veo-3.1-reference", "aspect_ratio", "16:9"),
        ("veo-3.1-extend", "seed", 1),
        ("veo-2-t2v", "generate_audio", False),
        ("veo-2-i2v", "resolution", "720p"),
        ("veo-3-fast-i2v", "provider", "google"),
        ("veo-3-fast-i2v", "person_generation", "dont_allow"),
    ],
)
def test_an_option_the_model_does_not_take_is_refused_by_name(model: str, option: str, value: object) -> None:
    spec = get_model(model)
    inputs = {k: URL if k != "reference_images" else [URL] for k in spec.required if k != "video"}
    inputs.update({"video": "https://example.com/a.mp4"} if "video" in spec.required else {})
    with pytest.raises(veo.ValidationError) as caught:
        build_request("x", model=model, **{option: value}, **inputs)
    assert caught.value.field == option
    assert spec.short in str(caught.value) and option in str(caught.value)
    # None means "not given": no error, nothing sent.
    assert (
        spec.option(option) is None and option not in build_request("x", model=model, **{option: None}, **inputs).body()
    )


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"model": "veo-3-fast-t2v", "image": URL}, "model", "veo-3-fast-i2v"),
        ({"model": "veo-3.1-t2v", "image": URL}, "model", "veo-3.1-i2v"),
        ({"model": "veo-3-fast-i2v"}, "image", "veo-3-fast-t2v"),
        ({"model": "veo-3-fast-i2v", "image": URL, "last_image": URL}, "model", "first-last"),
        ({"model": "veo-3.1-first-last", "image": URL}, "last_image", "last frame"),
        ({"model": "veo-3.1-reference"}, "reference_images", "reference"),
        ({"model": "veo-3.1-reference", "reference_images": [URL] * 4}, "reference_images", "at most 3"),
        ({"model": "veo-3.1-extend"}, "video", "video"),
        ({"model": "veo-3.1-extend", "video": "https://x/v.mp4", "duration": 8}, "duration", "only 7"),
        ({"model": "veo-3.1-reference", "reference_images": [URL], "duration": 4}, "duration", "only 8"),
        ({"model": "veo-3.1-lite", "last_image": URL}, "image", "first frame"),
        (
            {"model": "veo-3.1-lite-preview", "image": URL, "last_image": URL, "duration": 6},
            "duration",
            "needs duration 8",
        ),
        ({"model": "veo-3.1-fast-i2v", "image": URL, "resolution": "1080p", "duration": 4}, "resolution", "duration 8"),
        ({"model": "veo-3.1-t2v", "resolution": "1080p", "duration": 6}, "resolution", "duration 8"),
        ({"model": "veo-3.1-lite", "resolution": "1080p", "duration": 4}, "resolution", "duration 8"),
        ({"model": "veo-3-fast-i2v", "image": URL, "resolution": "1080p", "duration": 4}, "resolution", "duration 8"),
        ({"model": "veo-2-t2v", "duration": 4}, "duration", "5, 6, 7, 8"),
        ({"model": "veo-3.1-t2v", "provider": "openai"}, "provider", "auto, google, fal"),
        ({"model": "veo-3.1-nope"}, "model", "did you mean"),
        ({"image": URL, "colour": "red"}, "colour", "not an option"),
    ],
)
def test_inputs_and_constraints_are_checked_per_model(kwargs: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(veo.ValidationError, match=words) as caught:
        build_request("a cat", **kwargs)
    assert caught.value.field == field


def test_a_clip_longer_than_eight_seconds_is_extended_through_google() -> None:
    """fal's extend (which ``auto`` may fall back to) takes at most 8 s: a longer clip is
    sent with ``provider: "google"``, and an explicit ``fal`` is refused before sending."""
    eight, ten = mp4_bytes(frames=8 * 24, size=(32, 18)), mp4_bytes(frames=10 * 24, size=(32, 18))
    assert "provider" not in build_request("on", video=eight, model="veo-3.1-fast-extend").body()
    for given in ({}, {"provider": "auto"}, {"provider": "google"}):
        assert build_request("on", video=ten, model="veo-3.1-fast-extend", **given).body()["provider"] == "google"
    with pytest.raises(veo.ValidationError, match="fal's extend takes at most 8 s") as caught:
        build_request("on", video=ten, model="veo-3.1-fast-extend", provider="fal")
    assert caught.value.field == "provider"
    assert build_request("on", video=eight, model="veo-3.1-fast-extend", provider="fal").body()["provider"] == "fal"


def test_blank_inputs_from_a_form_count_as_not_given() -> None:
    assert "image_url" not in build_request("x", "  ", reference_images=[], model="veo-3-fast-t2v").body()
    with pytest.raises(veo.ValidationError, match="needs a first frame") as caught:
        build_request("x", "", model="veo-3-fast-i2v")
    assert caught.value.field == "image"


def test_lite_preview_accepts_a_last_frame_at_8_seconds_and_lite_001_at_any_length() -> None:
    assert build_request("x", URL, last_image=URL, model="veo-3.1-lite-preview").body()["duration"] == 8
    assert build_request("x", URL, last_image=URL, model="veo-3.1-lite", duration=4).body()["duration"] == 4


def test_option_values_are_checked_strictly_from_python() -> None:
    for kwargs, field in [
        ({"enhance_prompt": "yes"}, "enhance_prompt"),
        ({"generate_audio": 1}, "generate_audio"),
        ({"duration": True}, "duration"),
        ({"duration": "8"}, "duration"),  # a string from Python code is a bug, not a wish
        ({"seed": 1.5}, "seed"),
        ({"seed": 2**32}, "seed"),
        ({"negative_prompt": 3}, "negative_prompt"),
        ({"aspect_ratio": "4:3"}, "aspect_ratio"),
    ]:
        with pytest.raises(veo.ValidationError) as caught:
            build_request("x", URL, **kwargs)
        assert caught.value.field == field and isinstance(caught.value, ValueError)


def test_media_errors_name_the_input_that_is_wrong() -> None:
    with pytest.raises(veo.ValidationError) as caught:
        build_request("x", URL, last_image=b"not an image", model="veo-3.1-first-last")
    assert caught.value.field == "last_image"
    with pytest.raises(veo.ValidationError) as caught:
        build_request("x", reference_images=[URL, b""], model="veo-3.1-reference")
    assert caught.value.field == "reference_images[1]"
    with pytest.raises(veo.ValidationError, match="an image, not a video") as caught:
        build_request("x", video=image_bytes(), model="veo-3.1-extend")
    assert caught.value.field == "video"


def test_the_clients_legacy_path_matches_build_request() -> None:
    fields = validate_options(resolution="1080P", seed=7, model="veo-3-fast")
    legacy = VideoRequest(prompt="waves", image=URL, image_source=URL, **fields)
    assert legacy.body() == build_request("waves", URL, resolution="1080p", seed=7).body()
    assert validate_options(model="veo-3.1-fast")["model"] == "google/veo-3.1-i2v-fast"
    with pytest.raises(veo.ValidationError) as caught:
        validate_options(model="google/veo-3.0-fast")
    assert caught.value.field == "model"


def test_a_request_can_be_made_again_from_its_options() -> None:
    first = build_request("x", URL, last_image=URL, model="veo-3.1-fast-first-last", duration=6, provider="Google")
    assert first.options() == {
        "model": "google/veo-3.1-first-last-image-to-video-fast",
        "aspect_ratio": "16:9",
        "resolution": "720p",  # the default 1080p gives way to the 6 s asked for (1080p needs 8 s)
        "duration": 6,
        "generate_audio": True,
        "provider": "google",
    }
    again = build_request("x", URL, last_image=URL, **first.options())
    assert again.body() == first.body()


def test_summary_and_repr_show_sources_not_bytes() -> None:
    request = build_request("a very long prompt " * 5, image_bytes(), model="veo-3.1-fast-i2v")
    summary = request.summary()
    assert summary["image"] == "<bytes>" and summary["model"] == "google/veo-3.1-i2v-fast"
    assert "seed" not in summary and "video" not in summary  # not sent, so not recorded
    assert repr(request).startswith("VideoRequest(veo-3.1-fast-i2v, prompt='a very long prompt") and "seed" not in repr(
        request
    )


def test_local_inputs_are_recorded_by_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "examples").mkdir()
    for name in ("first.png", "last.png", "ref.png"):
        (tmp_path / "examples" / name).write_bytes(image_bytes())
    monkeypatch.chdir(tmp_path)  # typed relative to where the command runs
    request = build_request(
        "day to night", "examples/first.png", last_image=Path("examples/last.png"), model="veo-3.1-fast-first-last"
    )
    summary = request.summary()
    assert summary["image"] == str(tmp_path.resolve() / "examples" / "first.png")
    assert summary["last_image"] == str(tmp_path.resolve() / "examples" / "last.png")
    refs = build_request("a face", reference_images=["examples/ref.png", image_bytes()], model="veo-3.1-reference")
    assert refs.summary()["reference_images"] == [str(tmp_path.resolve() / "examples" / "ref.png"), "<bytes>"]
    assert build_request("x", URL).summary()["image"] == URL  # a URL stays as given


def test_frame_sizes() -> None:
    assert [frame_size(a, r) for a in ("16:9", "9:16") for r in ("720p", "1080p")] == [
        (1280, 720),
        (1920, 1080),
        (720, 1280),
        (1080, 1920),
    ]
    assert frame_size("auto", None) == (1280, 720)


def test_job_states_and_repr() -> None:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    job = Job("a:b", "generating", created_at=start, updated_at=start + timedelta(seconds=42))
    assert not job.done and job.elapsed == 42 and repr(job) == "Job('a:b', 'generating')"
    assert job.evolve(status="completed").ok and job.evolve(status="whatever").done
    assert JobStatus.is_pending("WAITING")
    # The extend pages spell the finished status "complete".
    assert job.evolve(status="complete").ok


def test_job_carries_its_lineage() -> None:
    job = Job("j2")
    assert (job.model, job.parent_id, job.relation, job.batch, job.chosen) == (None, None, None, None, False)
    extended = job.evolve(model="google/veo3-1-extend-video", parent_id="j1", relation="extend")
    assert extended.parent_id == "j1" and extended.relation == "extend"


def test_usage_describes_itself() -> None:
    assert Usage(credits=3_900_000, usd=1.95).describe() == "$1.95, 3,900,000 credits"
    assert not Usage() and Usage().describe() == "not reported"
    assert Usage(usd=1.0).merged(Usage(credits=5, usd=9.0)) == Usage(credits=5, usd=1.0)


@pytest.mark.parametrize("spec", veo.models(), ids=lambda m: m.short)
def test_every_combination_a_form_offers_is_accepted_and_no_other(spec: veo.ModelSpec) -> None:
    import itertools

    inputs = {"image": URL, "last_image": URL, "reference_images": [URL], "video": "https://x/v.mp4"}
    given = {n: inputs[n] for n in spec.required}
    names = [n for n in ("aspect_ratio", "resolution", "duration") if spec.takes(n)]
    for combo in itertools.product(*(spec.choices(n) for n in names)):
        values = dict(zip(names, combo, strict=True))
        offered = all(values[n] in spec.allowed(n, **{k: v for k, v in values.items() if k != n}) for n in names)
        try:
            body = build_request("x", **given, **values, model=spec.short).body()
        except veo.ValidationError:
            assert not offered, f"{spec.short} refuses {values}, which its form offers"
        else:
            assert offered, f"{spec.short} accepts {values}, which its form hides"
            assert all(body[spec.option(n).wire] == spec.option(n).to_wire(v) for n, v in values.items())  # type: ignore[union-attr]


def test_whatever_a_caller_passes_the_body_holds_only_the_models_fields() -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    values = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 2**33),
        st.text(max_size=8),
        st.sampled_from(["16:9", "9:16", "auto", "720P", "1080p", "google", "dont_allow", 4, 5, 7, 8]),
    )
    names = [o.name for o in OPTIONS]

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(spec=st.sampled_from(veo.models()), options=st.dictionaries(st.sampled_from(names), values, max_size=5))
    def check(spec: veo.ModelSpec, options: dict[str, Any]) -> None:
        given_inputs = {"image": URL, "last_image": URL, "reference_images": [URL], "video": "https://x/v.mp4"}
        try:
            body = build_request("x", model=spec.id, **{n: given_inputs[n] for n in spec.required}, **options).body()
        except veo.ValidationError as exc:
            assert exc.field in options or exc.field in ("resolution", "duration")
            return
        for option in spec.options:
            if option.wire in body and option.choices is not None:
                assert body[option.wire] in (option.wire_choices or option.choices)
        assert set(body) <= {"model", "prompt"} | {i.wire for i in spec.inputs} | {o.wire for o in spec.options}
        assert all(options.get(n) is None for n in names if not spec.takes(n))

    check()


def every_option_changed(spec: veo.ModelSpec) -> dict[str, Any]:
    """A value other than the default for every option the model takes."""
    out: dict[str, Any] = {}
    for option in spec.options:
        if option.choices:
            out[option.name] = next((c for c in reversed(option.choices) if c != option.default), option.choices[0])
        elif option.type is bool:
            out[option.name] = not option.default
        else:
            out[option.name] = 7 if option.type is int else "blurry frames"
    return out


@pytest.mark.parametrize(
    ("spec", "everything"),
    [
        pytest.param(m, every, id=f"{m.short}-{'every-option' if every else 'minimal'}")
        for m in veo.models()
        for every in (False, True)
    ],
)  # fmt: skip
def test_the_emulator_accepts_what_build_request_sends(emulator: Any, spec: veo.ModelSpec, everything: bool) -> None:
    media = {"image": image_bytes(), "last_image": image_bytes((640, 360), color=(9, 9, 9)),
             "reference_images": [image_bytes(), URL], "video": mp4_bytes()}  # fmt: skip
    inputs = {i.name: media[i.name] for i in spec.inputs if i.required or everything}
    options = every_option_changed(spec) if everything else {}
    if "duration" in options:  # the longest length the other choices allow (1080p on 3.0 needs 8)
        others = {k: v for k, v in options.items() if k != "duration"}
        options["duration"] = spec.allowed("duration", **others, **dict.fromkeys(inputs, True))[-1]
    body = build_request("a lighthouse at dusk", model=spec.short, **inputs, **options).body()
    answer = HTTP.post(
        f"{emulator.url}/v2/video/generations",
        json=body,
        headers={"Authorization": f"Bearer {emulator.api_key}"},
        timeout=30,
    )
    assert answer.status_code in (200, 201), answer.text


@pytest.mark.parametrize("short", [spec.short for spec in veo.models()])
def test_the_recorded_request_holds_exactly_what_was_sent(short: str) -> None:
    spec = get_model(short)
    inputs = {i.name: ([URL, URL] if i.multiple else URL) for i in spec.inputs if i.required}
    if "image" in {i.name for i in spec.inputs} and "image" not in inputs and "text" not in spec.modes:
        inputs["image"] = URL
    request = build_request("waves", model=short, **inputs)
    body, summary = request.body(), request.summary()
    wire = {o.wire: o.name for o in spec.options} | {i.wire: i.name for i in spec.inputs}
    sent = {wire.get(key, key) for key in body}
    recorded = {key for key in summary if not key.endswith(("_source", "_sources"))}
    assert recorded == sent, short  # no enhance_prompt or provider a model does not take
    for key in ("enhance_prompt", "provider"):
        assert (key in summary) == (spec.option(key) is not None and getattr(request, key) not in (None, "")), key


def test_a_rule_refuses_before_anything_is_sent_and_a_default_gives_way() -> None:
    # Both chosen and breaking Google's rule: refused, naming both fields.
    with pytest.raises(veo.ValidationError, match="1080p needs duration 8") as caught:
        build_request("x", URL, model="veo-3.1-fast-i2v", resolution="1080p", duration=4)
    assert caught.value.field == "resolution" and "duration" in str(caught.value)
    # Only the length chosen: the model's default 1080p gives way to 720p, never a 400.
    assert build_request("x", URL, model="veo-3.1-fast-i2v", duration=4).body()["resolution"] == "720p"
    assert build_request("x", URL, model="veo-3.1-fast-i2v").body()["resolution"] == "1080p"


def test_a_frame_under_720p_is_warned_about_but_sent(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="veo_widgets"):
        small = build_request("x", image_bytes((640, 360)), model="veo-3.1-fast-i2v")
        assert small.body()["image_url"].startswith("data:image/")
        assert "image is 640x360, under 720p" in caplog.text
        caplog.clear()
        build_request("x", image_bytes((1280, 720)), model="veo-3.1-fast-i2v")
        assert "under 720p" not in caplog.text
