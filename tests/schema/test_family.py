"""The catalogue: every Veo model, found by the names people type, with its documented facts."""

from __future__ import annotations

import pytest

import veo_widgets as veo
from veo_widgets.schema._family import get_model

ALL_IDS = {
    "veo2",
    "veo2/image-to-video",
    "google/veo3",
    "google/veo-3.0-fast",
    "google/veo-3.0-i2v",
    "google/veo-3.0-i2v-fast",
    "google/veo-3.1-t2v",
    "google/veo-3.1-t2v-fast",
    "google/veo-3.1-i2v",
    "google/veo-3.1-i2v-fast",
    "google/veo-3.1-first-last-image-to-video",
    "google/veo-3.1-first-last-image-to-video-fast",
    "google/veo-3.1-reference-to-video",
    "google/veo3-1-extend-video",
    "google/veo3-1-fast-extend-video",
    "google/veo-3-1-lite-generate-preview",
    "veo-3.1-lite-generate-001",
}


def test_models_lists_the_whole_family_with_the_default_first() -> None:
    listed = veo.models()
    assert {m.id for m in listed} == ALL_IDS
    assert listed[0].id == "google/veo-3.0-i2v-fast" and get_model().id == listed[0].id
    assert len({m.short for m in listed}) == len(listed)
    assert all(isinstance(m, veo.ModelSpec) for m in listed)


@pytest.mark.parametrize("spec", veo.models(), ids=lambda m: m.short)
def test_every_name_of_a_model_finds_it_in_any_case(spec: veo.ModelSpec) -> None:
    for name in (*spec.names, spec.short.upper(), f"  {spec.id}  "):
        assert get_model(name) is spec, name


def test_no_name_points_at_two_models() -> None:
    owners: dict[str, str] = {}
    for spec in veo.models():
        for name in {n.lower() for n in spec.names}:
            assert owners.setdefault(name, spec.id) == spec.id, f"{name} is ambiguous"


@pytest.mark.parametrize(
    ("name", "model_id"),
    [
        ("veo-3.1-fast", "google/veo-3.1-i2v-fast"),
        ("veo-3-fast", "google/veo-3.0-i2v-fast"),
        ("veo-3.0-fast", "google/veo-3.0-fast"),  # the API's own id (text to video) wins
        ("veo-3.0-i2v-fast", "google/veo-3.0-i2v-fast"),
        ("veo-3.1-fast-t2v", "google/veo-3.1-t2v-fast"),
        ("veo-3.1-extend", "google/veo3-1-extend-video"),
        ("veo-3.1-reference", "google/veo-3.1-reference-to-video"),
        ("veo-3.1-lite", "veo-3.1-lite-generate-001"),
        # The lite-001 page writes the id with google/, its spec without: both work.
        ("google/veo-3.1-lite-generate-001", "veo-3.1-lite-generate-001"),
        ("veo-3-1-lite-generate-preview", "google/veo-3-1-lite-generate-preview"),
        ("VEO2", "veo2"),
    ],
)
def test_short_names_and_id_variants(name: str, model_id: str) -> None:
    assert get_model(name).id == model_id


def test_an_unknown_name_suggests_the_close_ones() -> None:
    with pytest.raises(veo.ValidationError, match=r"veo-3\.1-fast-i2v") as caught:
        get_model("veo-3.1-fsat")
    assert caught.value.field == "model"
    with pytest.raises(veo.ValidationError, match=r"veo\.models\(\)"):
        get_model("sora")
    with pytest.raises(veo.ValidationError):
        get_model(3.1)


def test_the_documented_differences_between_models() -> None:
    fast30, i2v31, t2v31 = get_model("veo-3-fast-i2v"), get_model("veo-3.1-i2v"), get_model("veo-3.1-t2v")
    assert fast30.takes_seed and fast30.takes_audio and fast30.takes("enhance_prompt")
    # 3.1 image-to-video drops seed, negative_prompt and enhance_prompt; text-to-video keeps them.
    assert not i2v31.takes_seed and not i2v31.takes("negative_prompt") and not i2v31.takes("enhance_prompt")
    assert t2v31.takes_seed and t2v31.takes("auto_fix") and t2v31.takes("provider")
    assert not fast30.takes("provider") and not fast30.takes("auto_fix")
    ref = get_model("veo-3.1-reference")
    assert not ref.takes("aspect_ratio") and ref.durations == (8,) and ref.required == ("reference_images",)
    extend = get_model("veo-3.1-extend")
    assert extend.durations == (7,) and extend.resolutions == ("720p",) and extend.aspect_ratios[0] == "auto"
    assert extend.defaults()["auto_fix"] is False and t2v31.defaults()["auto_fix"] is True
    veo2 = get_model("veo-2-t2v")
    assert veo2.durations == (5, 6, 7, 8) and veo2.defaults()["duration"] == 5
    assert not veo2.takes_audio and not veo2.takes("resolution")
    lite = get_model("veo-3.1-lite")
    assert lite.modes == ("text", "image", "first-last") and lite.required == ()
    assert lite.takes("person_generation") and not lite.takes("provider")


def test_per_model_defaults() -> None:
    assert get_model().defaults() == {
        "aspect_ratio": "16:9",
        "resolution": "720p",
        "duration": 8,
        "enhance_prompt": True,
        "generate_audio": True,
    }
    assert get_model("veo-3.1-fast-i2v").defaults()["resolution"] == "1080p"
    assert get_model("veo-3.1-lite").defaults()["resolution"] == "720p"


def test_each_models_row_for_the_models_listing() -> None:
    row = get_model("veo-3.1-fast-first-last").row()
    assert row["name"] == "veo-3.1-fast-first-last" and row["mode"] == "first-last"
    assert row["inputs"] == "image, last_image" and row["durations"] == "4/6/8 s" and row["seed"] == "no"
    assert get_model("veo-3.1-lite-preview").row()["inputs"] == "image?, last_image?"
    assert repr(get_model()) == "ModelSpec('veo-3-fast-i2v', id='google/veo-3.0-i2v-fast', mode='image')"


def test_the_catalogue_shows_as_a_table_in_a_notebook_and_a_terminal() -> None:
    from IPython.lib.pretty import pretty

    listed = veo.models()
    text = pretty(listed)
    assert text.splitlines()[0].split()[:3] == ["name", "mode", "inputs"]
    assert len(text.splitlines()) == len(listed) + 1
    assert all(m.short in text and m.id in text for m in listed)
    page = listed._repr_html_()
    assert page.count("<tr>") == len(listed) + 1 and "veo-3.1-reference-to-video" in page
    assert listed == list(listed) and isinstance(listed, list)


def test_a_form_offers_only_lengths_the_selection_allows() -> None:
    fast30 = get_model()
    assert fast30.allowed("duration", resolution="1080p") == (8,)
    assert fast30.allowed("resolution", duration=4) == ("720p",)
    assert fast30.allowed("duration", resolution="720p") == (4, 6, 8)
    lite = get_model("veo-3.1-lite-preview")
    assert lite.allowed("duration", last_image=True) == (8,) and lite.allowed("duration", last_image=None) == (4, 6, 8)
    for short in (
        "veo-3-t2v",
        "veo-3.1-fast-i2v",
        "veo-3.1-t2v",
        "veo-3.1-first-last",
        "veo-3.1-lite",
        "veo-3.1-lite-preview",
    ):
        spec = get_model(short)
        assert spec.allowed("duration", resolution="1080p") == (8,), short
        assert "1080p needs duration 8" in spec.why("duration", resolution="1080p")
        assert spec.why("duration", resolution="720p") == ""
    assert get_model("veo-2-t2v").allowed("duration") == (5, 6, 7, 8)  # Veo 2 has no resolution and no such rule
    assert get_model("veo-3.1-reference").allowed("aspect_ratio") == ()
