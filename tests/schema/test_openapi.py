"""Model specs from data: ``family.json`` and the mapping from a published request schema."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from veo_widgets._errors import ValidationError
from veo_widgets.schema._family import builtin_models, get_model, install, models, restore_builtin
from veo_widgets.schema._models import build_request
from veo_widgets.schema._openapi import (
    family_data,
    modes_of,
    openapi_document,
    request_schema,
    spec_for_schema,
    spec_from_schema,
)

ROOT = Path(__file__).resolve().parents[2]
URL = "https://example.com/a.png"


def schema(**props: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"model": {"type": "string", "enum": ["google/veo-9"]}, "prompt": {"type": "string"}, **props},
        "required": ["model", "prompt"],
    }


def test_the_family_table_is_package_data_read_through_importlib() -> None:
    data = family_data()
    assert data["source"]["repository"] == "aimlapi/api-docs"
    assert len(data["models"]) == len(builtin_models()) == 17
    assert (ROOT / "veo_widgets" / "schema" / "family.json").is_file()
    # hatch ships everything under the package folder: no include list to forget it in
    assert 'packages = ["veo_widgets"]' in (ROOT / "pyproject.toml").read_text()


def test_enum_default_and_wire_spelling_come_from_the_schema() -> None:
    spec = spec_from_schema(
        schema(
            duration={"type": "integer", "enum": [4, 6, 8], "default": "6"},
            resolution={"type": "string", "enum": ["720P", "1080P"], "default": "1080P"},
            generate_audio={"type": "boolean", "default": False},
            image_url={"type": "string"},
        ),
        short="veo-9",
        title="Veo 9",
    )
    assert spec.durations == (4, 6, 8) and spec.option("duration").default == 6  # type: ignore[union-attr]
    resolution = spec.option("resolution")
    assert resolution is not None and resolution.choices == ("720p", "1080p") and resolution.default == "1080p"
    assert resolution.to_wire("720p") == "720P"
    assert spec.option("generate_audio").default is False  # type: ignore[union-attr]
    assert spec.modes == ("text", "image") and spec.input("image").required is False  # type: ignore[union-attr]


def test_where_the_schema_is_silent_the_family_declaration_stands() -> None:
    spec = spec_from_schema(
        schema(provider={"type": "string"}, seed={"type": "integer"}, aspect_ratio={"enum": ["16:9", "9:16"]}),
        short="veo-9",
        title="Veo 9",
    )
    assert spec.choices("provider") == ("auto", "google", "fal")
    assert spec.option("seed").maximum == 4_294_967_295  # type: ignore[union-attr]
    assert spec.option("aspect_ratio").default == "16:9"  # type: ignore[union-attr]


def test_a_field_the_package_cannot_send_is_noted_not_sent() -> None:
    spec = spec_from_schema(schema(camera_motion={"type": "string"}), short="veo-9", title="Veo 9")
    assert "camera_motion" in spec.notes and not spec.takes("camera_motion")


@pytest.mark.parametrize(
    ("props", "required", "modes"),
    [
        ({}, [], ("text",)),
        ({"image_url": {}}, ["image_url"], ("image",)),
        ({"image_url": {}, "last_image_url": {}}, ["image_url", "last_image_url"], ("first-last",)),
        ({"image_url": {}, "tail_image_url": {}}, ["image_url"], ("image", "first-last")),
        ({"image_url": {}, "last_image_url": {}}, [], ("text", "image", "first-last")),
        ({"image_urls": {}}, ["image_urls"], ("reference",)),
        ({"video_url": {}}, ["video_url"], ("extend",)),
    ],
)
def test_modes_follow_what_the_schema_takes(props: dict[str, Any], required: list[str], modes: tuple[str, ...]) -> None:
    assert modes_of({"properties": props, "required": required}) == modes


def test_not_a_create_schema_is_refused() -> None:
    with pytest.raises(ValueError, match="prompt"):
        spec_from_schema({"properties": {"model": {"enum": ["x"]}}}, short="x", title="x")
    assert request_schema({"paths": {}}) is None
    assert request_schema(openapi_document(schema())) == schema()


def test_a_known_model_keeps_its_names_and_rules_over_a_new_schema() -> None:
    entry = next(e for e in family_data()["models"] if e["id"] == "google/veo-3.1-i2v-fast")
    newer = json.loads(json.dumps(entry["schema"]))
    newer["properties"]["duration"]["enum"] = [4, 6, 8, 10]
    spec = spec_for_schema(newer, names=["google/veo-3.1-i2v-fast"])
    assert spec.short == "veo-3.1-fast-i2v" and spec.origin == "refreshed" and spec.durations == (4, 6, 8, 10)
    assert spec.why("duration", resolution="1080p")  # 1080p still forces 8 s


def test_an_unseen_model_is_named_after_its_id() -> None:
    spec = spec_for_schema(schema(), names=["google/veo-9-preview", "veo-9"], title="Veo 9")
    assert (spec.id, spec.short, spec.title, spec.origin) == ("google/veo-9", "veo-9", "Veo 9", "new")
    assert "google/veo-9-preview" in spec.names


def test_install_replaces_adds_and_restore_goes_back() -> None:
    newer = spec_for_schema(schema(), names=[], title="Veo 9")
    install([newer])
    assert get_model("veo-9") is newer and models()[-1] is newer
    assert build_request("a comet", model="veo-9").body() == {"model": "google/veo-9", "prompt": "a comet"}
    restore_builtin()
    with pytest.raises(ValidationError, match="not a Veo model"):
        get_model("veo-9")
    assert tuple(models()) == builtin_models()


def test_the_built_in_table_keeps_the_cross_field_rules() -> None:
    with pytest.raises(ValidationError, match="1080p needs duration 8"):
        build_request("waves", URL, model="veo-3.1-fast-i2v", resolution="1080p", duration=4)
    with pytest.raises(ValidationError, match="at most 3"):
        build_request("x", model="veo-3.1-reference", reference_images=[URL] * 4)


def _make_family() -> Any:
    spec = importlib.util.spec_from_file_location("make_family", ROOT / "tools" / "make_family.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_family"] = module
    spec.loader.exec_module(module)
    return module


def test_the_data_file_is_what_the_script_makes_from_the_specs(tmp_path: Path) -> None:
    # A stand-in for the docs repository, holding each published spec as family.json has it:
    # the script must give back the same file (so nothing in it was edited by hand).
    tool = _make_family()
    repo = tmp_path / "api-docs"
    folder = repo / tool.FOLDER
    folder.mkdir(parents=True)
    for entry in family_data()["models"]:
        document = openapi_document(entry["schema"], server=entry["wire"]["server"], path=entry["wire"]["path"])
        (folder / entry["wire"]["spec"]).write_text(json.dumps(document), encoding="utf-8")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "specs"], check=True)
    out = tmp_path / "family.json"
    assert tool.main([str(repo), "--out", str(out)]) == 0
    made = json.loads(out.read_text(encoding="utf-8"))
    shipped = dict(family_data())
    assert made["models"] == shipped["models"] and made["rules"] == shipped["rules"]
