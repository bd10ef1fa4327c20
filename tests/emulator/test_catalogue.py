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
