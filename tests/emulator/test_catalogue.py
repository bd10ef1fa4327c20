"""The model catalogue with simulated prices, single lookups, ETags, and model metrics."""

from __future__ import annotations

from typing import Any

import pytest

from veo_widgets.emulator import Emulator

from ..helpers import HTTP
from .conftest import auth, body, create

pytestmark = pytest.mark.timeout(60)


def items(emu: Emulator, path: str = "/v1/models", **params: Any) -> list[dict[str, Any]]:
    answer = HTTP.get(f"{emu.url}{path}", params=params, timeout=30)  # no key needed
    assert answer.status_code == 200 and answer.json()["object"] == "list"
    return list(answer.json()["data"])


def test_every_veo_model_is_listed_with_a_simulated_price(emulator: Emulator) -> None:
    listed = {i["id"]: i for i in items(emulator, include="pricing")}
    fast = listed["google/veo-3.0-i2v-fast"]
    assert "simulated" in fast["info"]["description"].lower()
    assert fast["pricing"]["kind"] == "variants" and fast["pricing"]["dimensions"] == ["resolution", "generate_audio"]
    default = next(
        v for v in fast["pricing"]["variants"] if v["when"] == {"resolution": "720p", "generate_audio": True}
    )
    assert (default["price"], default["unit"], default["per"]) == (0.42, "second", 1)
    assert listed["google/veo-3-1-lite-generate-preview"]["pricing"]["kind"] == "variable"
    assert listed["google/veo-2.0-generate-001"]["pricing"]["kind"] == "fixed"
    assert "veo2" in listed["google/veo-2.0-generate-001"]["aliases"]
    assert listed["google/veo3-1-extend-video"]["pricing"]["dimensions"] == ["generate_audio"]
    assert len([i for i in listed.values() if "veo" in i["tags"]]) == 17  # every row of the family table


def test_a_job_is_charged_its_catalogue_price(emulator: Emulator) -> None:
    job = create(emulator, body(resolution="1080P", generate_audio=False, duration=8)).json()
    assert job["meta"]["usage"]["usd_spent"] == pytest.approx(0.35 * 8)


def test_pricing_and_other_facets_only_when_asked(emulator: Emulator) -> None:
    plain = items(emulator)[0]
    assert {"id", "aliases", "type", "info", "tags"} <= set(plain) and "pricing" not in plain
    assert "modalities" in items(emulator, "/models", include="modalities,pricing")[0]
    assert {"pricing", "modalities", "capabilities"} <= set(items(emulator, "/api/v1/models", details="true")[0])
    assert "pricing" in items(emulator, include="all")[0]


def test_filters(emulator: Emulator) -> None:
    (one,) = items(emulator, id="VEO-3.0-I2V-FAST", include="pricing")
    assert one["id"] == "google/veo-3.0-i2v-fast"
    chat = items(emulator, type="chat-completion")
    assert [i["id"] for i in chat] == ["openai/gpt-4o"]
    videos = items(emulator, output_modalities="video", capabilities="extend")
    assert {i["id"] for i in videos} == {"google/veo3-1-extend-video", "google/veo3-1-fast-extend-video"}


def test_single_lookup(emulator: Emulator) -> None:
    found = HTTP.get(f"{emulator.url}/model/Google/Veo-3.1-T2V-Fast", params={"include": "pricing"}, timeout=30).json()
    assert found["object"] == "model" and found["data"]["id"] == "google/veo-3.1-t2v-fast"
    assert "pricing" in found["data"]
    assert HTTP.get(f"{emulator.url}/model/veo2", timeout=30).json()["data"]["id"] == "google/veo-2.0-generate-001"
    missing = HTTP.get(f"{emulator.url}/model/google/veo-9", timeout=30)
    assert missing.status_code == 404


def test_etag_and_304(emulator: Emulator) -> None:
    first = HTTP.get(f"{emulator.url}/v1/models", params={"include": "pricing"}, timeout=30)
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    again = HTTP.get(
        f"{emulator.url}/v1/models", params={"include": "pricing"}, headers={"If-None-Match": etag}, timeout=30
    )
    assert again.status_code == 304 and again.content == b""
    other = HTTP.get(f"{emulator.url}/v1/models", headers={"If-None-Match": etag}, timeout=30)
    assert other.status_code == 200 and other.headers["etag"] != etag


def test_metrics_serve_duration_percentiles_per_model() -> None:
    with Emulator(timing=10) as emu:
        answer = HTTP.get(
            f"{emu.url}/models/metrics",
            params=[
                ("aliases", "google/veo-3.0-i2v-fast"),
                ("aliases", "google/veo-3.1-i2v"),
                ("aliases", "google/veo3-1-fast-extend-video"),
                ("aliases", "google/veo-3-1-lite-generate-preview"),
                ("aliases", "no/such-model"),
            ],
            timeout=30,
        ).json()
        assert answer["window_seconds"] == 300 and answer["generated_at"]
        by = {m["alias"]: m["metrics"]["duration_ms"] for m in answer["models"]}
        assert set(by) == {"google/veo-3.0-i2v-fast", "google/veo-3.1-i2v", "google/veo3-1-fast-extend-video"}
        assert by["google/veo-3.0-i2v-fast"]["p50"] == 10_000
        assert (
            by["google/veo-3.1-i2v"]["p50"]
            > by["google/veo-3.0-i2v-fast"]["p50"]
            > by["google/veo3-1-fast-extend-video"]["p50"]
        )
    with Emulator() as realistic:
        (model,) = HTTP.get(
            f"{realistic.url}/models/metrics", params={"aliases": "google/veo-3.0-i2v-fast"}, timeout=30
        ).json()["models"]
        p = model["metrics"]["duration_ms"]
        assert p["p50"] < p["p75"] < p["p90"] < p["p99"]


def test_metrics_refuse_other_parameters_and_comma_lists(emulator: Emulator) -> None:
    url = f"{emulator.url}/models/metrics"
    assert HTTP.get(url, params={"aliases": "google/veo3", "window": "300"}, timeout=30).status_code == 400
    assert HTTP.get(url, params={"aliases": "google/veo3,google/veo-3.0-fast"}, timeout=30).json()["models"] == []
    assert HTTP.get(url, headers=auth(emulator), params={"aliases": "google/veo3"}, timeout=30).json()["models"]


def _docs_json(emu: Emulator, model: str) -> str:
    listed = {i["id"]: i for i in items(emu)}
    return str(listed[model]["info"]["docsJson"])


def test_every_veo_model_links_its_schema_on_this_server_with_an_etag() -> None:
    with Emulator(timing=0.3, draft=True) as emu:
        listed = [i for i in items(emu) if "veo" in i["tags"]]
        assert len(listed) == 17
        for item in listed:
            url = item["info"]["docsJson"]
            assert url.startswith(emu.url + "/")
            answer = HTTP.get(url, timeout=30)
            assert answer.status_code == 200 and answer.headers["etag"]
            schema = answer.json()["paths"]["/v2/video/generations"]["post"]["requestBody"]["content"]
            props = schema["application/json"]["schema"]["properties"]
            assert "prompt" in props and props["model"]["enum"][0] in (item["id"], *item["aliases"], "veo2")
        url = _docs_json(emu, "google/veo-3.0-i2v-fast")
        etag = HTTP.get(url, timeout=30).headers["etag"]
        again = HTTP.get(url, headers={"If-None-Match": etag}, timeout=30)
        assert again.status_code == 304 and again.content == b""
        assert emu.schema_requests[-2:] == [("google/veo-3.0-i2v-fast", 200), ("google/veo-3.0-i2v-fast", 304)]


def test_a_changed_schema_is_served_with_a_new_etag_and_checks_creates() -> None:
    with Emulator(timing=0.3, draft=True) as emu:
        url = _docs_json(emu, "google/veo-3.1-t2v-fast")
        before = HTTP.get(url, timeout=30)
        schema = before.json()["paths"]["/v2/video/generations"]["post"]["requestBody"]["content"]
        schema = schema["application/json"]["schema"]
        t2v = {"model": "google/veo-3.1-t2v-fast", "prompt": "a pond", "resolution": "720p"}
        assert create(emu, {**t2v, "duration": 10}).status_code == 400
        schema["properties"]["duration"]["enum"] = [8, 10]
        emu.change_schema("google/veo-3.1-t2v-fast", schema)
        after = HTTP.get(url, headers={"If-None-Match": before.headers["etag"]}, timeout=30)
        assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
        assert create(emu, {**t2v, "duration": 10}).status_code == 200
        assert create(emu, {**t2v, "duration": 4}).status_code == 400  # dropped
        emu.reset_models()
        assert create(emu, {**t2v, "duration": 4}).status_code == 200


def test_a_model_added_to_the_catalogue_is_listed_with_its_schema_and_made() -> None:
    with Emulator(timing=0.3, draft=True) as emu:
        url = _docs_json(emu, "google/veo-3.1-t2v")
        schema = HTTP.get(url, timeout=30).json()["paths"]["/v2/video/generations"]["post"]["requestBody"]
        schema = schema["content"]["application/json"]["schema"]
        schema["properties"]["model"]["enum"] = ["google/veo-4-t2v"]
        assert emu.add_model(schema) == "google/veo-4-t2v"
        item = {i["id"]: i for i in items(emu, include="pricing")}["google/veo-4-t2v"]
        assert item["pricing"]["kind"] == "variable"  # no made-up rate for a model nobody priced
        served = HTTP.get(item["info"]["docsJson"], timeout=30).json()
        assert "google/veo-4-t2v" in str(served)
        made = create(emu, {"model": "google/veo-4-t2v", "prompt": "a comet", "duration": 4, "resolution": "720p"})
        # Made; whether it is still queued when the answer comes, the clock says.
        assert made.status_code == 200 and made.json()["status"] in ("queued", "generating")
        assert HTTP.get(f"{emu.url}/model/google/veo-4-t2v", timeout=30).status_code == 200


def test_a_schema_fault_spoils_only_the_schemas() -> None:
    with Emulator(timing=0.3, draft=True) as emu:
        emu.add_fault("500", endpoint="schemas", times=1)
        url = _docs_json(emu, "google/veo3")
        assert HTTP.get(url, timeout=30).status_code == 500
        assert HTTP.get(url, timeout=30).status_code == 200
