"""Prices from the model catalogue: estimates, "price unknown", and the day-long disk cache."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from veo_widgets.money._pricing import (
    Catalogue,
    Estimate,
    catalogue_flow,
    estimate_usd,
    load_cached,
    parse_catalogue,
    save_cached,
)
from veo_widgets.protocol._flows import Outcome
from veo_widgets.schema._models import VideoRequest

from ..helpers import drive, response

NOW = datetime(2026, 11, 29, 23, 0, tzinfo=timezone.utc)
URL = "https://api.aimlapi.com"


def per_second(**prices: float) -> dict[str, Any]:
    return {
        "kind": "variants",
        "currency": "USD",
        "dimensions": ["resolution"],
        "variants": [{"when": {"resolution": r}, "price": p, "unit": "second", "per": 1} for r, p in prices.items()],
    }


CATALOGUE = {
    "object": "list",
    "data": [
        {
            "id": "google/veo-3.0-i2v-fast",
            "aliases": ["veo-3.0-fast-i2v"],
            "type": "video",
            "pricing": per_second(**{"720p": 0.39, "1080p": 0.65}),
        },
        {
            "id": "google/veo-2.0-generate-001",
            "aliases": ["veo-2.0-generate-001"],
            "pricing": {
                "kind": "fixed",
                "currency": "USD",
                "units": [{"name": "output", "measure": "second", "price": 5.0, "per": 10}],
            },
        },
        {
            "id": "google/veo-3.1-i2v",
            "aliases": [],
            "pricing": {
                "kind": "variants",
                "currency": "USD",
                "dimensions": ["resolution", "generate_audio"],
                "variants": [
                    {"when": {"resolution": "720p", "generate_audio": True}, "price": 0.4, "unit": "second", "per": 1},
                    {"when": {"resolution": "720p", "generate_audio": False}, "price": 0.2, "unit": "second", "per": 1},
                    {"when": {"resolution": "1080p"}, "price": 4.0, "unit": "video", "per": 1},
                ],
            },
        },
        {"id": "google/veo-3.1-t2v", "aliases": [], "pricing": {"kind": "variable"}},
        {"id": "google/veo3", "aliases": [], "info": {"simulated": True}},
        {
            "id": "google/veo-3.1-t2v-fast",
            "aliases": [],
            "pricing": {"kind": "fixed", "units": [{"name": "input", "measure": "1M tokens", "price": 2, "per": 1}]},
        },
    ],
}


def test_per_second_price_times_duration_any_letter_case() -> None:
    catalogue = parse_catalogue(CATALOGUE, now=NOW)
    # The API's worked example: 0.65 per 1 second, 5 s at 1080p costs $3.25.
    assert catalogue.estimate("google/veo-3.0-i2v-fast", resolution="1080P", duration=5) == pytest.approx(3.25)
    assert catalogue.estimate("GOOGLE/VEO-3.0-I2V-FAST", resolution="720p", duration=8) == pytest.approx(3.12)
    request = VideoRequest(prompt="waves", image="https://x/a.png", resolution="1080p", duration=8)
    assert estimate_usd(request, catalogue) == pytest.approx(5.2)


def test_price_is_read_with_per_and_ids_match_aliases() -> None:
    catalogue = parse_catalogue(CATALOGUE, now=NOW)
    assert catalogue.estimate("veo-3.0-fast-i2v", resolution="720p", duration=4) == pytest.approx(1.56)
    # 5.0 per 10 seconds; the spec id veo2 is documented as this catalogue entry.
    assert catalogue.estimate("veo2", duration=6) == pytest.approx(3.0)
    assert catalogue.estimate("veo-2.0-generate-001", duration=8) == pytest.approx(4.0)


def test_every_name_of_a_model_for_the_usage_logs() -> None:
    catalogue = parse_catalogue(CATALOGUE, now=NOW)
    assert catalogue.names_for("google/veo-3.0-i2v-fast") == ("google/veo-3.0-i2v-fast", "veo-3.0-fast-i2v")
    assert catalogue.names_for("veo2") == ("veo2", "google/veo-2.0-generate-001", "veo-2.0-generate-001")
    assert Catalogue().names_for("google/veo3") == ("google/veo3",)


def test_audio_dimension_and_per_video_units() -> None:
    catalogue = parse_catalogue(CATALOGUE, now=NOW)
    with_audio = catalogue.estimate("google/veo-3.1-i2v", resolution="720p", duration=8, generate_audio=True)
    silent = catalogue.estimate("google/veo-3.1-i2v", resolution="720p", duration=8, generate_audio=False)
    assert with_audio == pytest.approx(3.2) and silent == pytest.approx(1.6)
    assert catalogue.estimate("google/veo-3.1-i2v", resolution="1080p", duration=4, generate_audio=True) == 4.0


@pytest.mark.parametrize(
    ("model", "options"),
    [
        ("google/veo-3.1-t2v", {"resolution": "720p", "duration": 8}),  # variable
        ("google/veo3", {"resolution": "720p", "duration": 8}),  # no pricing in the entry
        ("google/veo-3.1-t2v-fast", {"duration": 8}),  # a unit a video cannot be counted in
        ("google/veo-3.1-first-last-image-to-video", {"duration": 8}),  # not in the catalogue
        ("google/veo-3.0-i2v-fast", {"resolution": "4k", "duration": 8}),  # no variant fits
        ("google/veo-3.0-i2v-fast", {"resolution": None, "duration": 8}),
        ("google/veo-3.1-i2v", {"resolution": "720p", "duration": 8}),  # audio unknown: two fit
    ],
)
def test_no_made_up_numbers(model: str, options: dict[str, Any]) -> None:
    assert parse_catalogue(CATALOGUE, now=NOW).estimate(model, **options) is None


def test_estimates_read_as_a_person_would() -> None:
    assert Estimate(3.2, "google/veo-3.0-i2v-fast").describe() == "about $3.20"
    assert Estimate(None, "x").describe() == "price unknown"
    assert Estimate(6.4, "x", simulated=True, count=3, unknown=1).describe() == (
        "about $6.40 + 1 of 3 with no price (simulated prices)"
    )


def test_fetch_parse_and_keep_the_etag() -> None:
    catalogue, sends = drive(
        catalogue_flow(None, base_url=URL, now=NOW), [response(200, CATALOGUE, {"ETag": 'W/"abc"'})]
    )
    assert [(s.method, s.path) for s in sends] == [("GET", "/v1/models?include=pricing")]
    assert "If-None-Match" not in sends[0].headers
    assert catalogue.etag == 'W/"abc"' and catalogue.fresh(NOW) and len(catalogue.models) == 6


def test_a_fresh_cache_sends_nothing_and_a_day_old_one_revalidates(tmp_path: Path) -> None:
    fetched = parse_catalogue(CATALOGUE, base_url=URL, etag='W/"abc"', now=NOW)
    save_cached(fetched, tmp_path / "catalogue.json")
    cached = load_cached(URL, tmp_path / "catalogue.json")
    assert cached is not None and cached.etag == 'W/"abc"' and cached.models == fetched.models
    same, sends = drive(catalogue_flow(cached, base_url=URL, now=NOW + timedelta(hours=23)), [])
    assert sends == [] and same.estimate("veo-3.0-fast-i2v", resolution="720p", duration=8) == pytest.approx(3.12)

    later = NOW + timedelta(days=1, minutes=1)
    revalidated, sends = drive(catalogue_flow(cached, base_url=URL, now=later), [response(304, b"")])
    assert sends[0].headers["If-None-Match"] == 'W/"abc"'
    assert revalidated.fetched_at == later and revalidated.models == cached.models


def test_the_demo_catalogue_never_answers_for_the_api(tmp_path: Path) -> None:
    save_cached(parse_catalogue(CATALOGUE, base_url="http://127.0.0.1:9", now=NOW), tmp_path / "c.json")
    assert load_cached(URL, tmp_path / "c.json") is None
    assert load_cached("http://127.0.0.1:9", tmp_path / "c.json") is not None
    (tmp_path / "c.json").write_text("{not json")
    assert load_cached(URL, tmp_path / "c.json") is None


def test_parallel_rows_saving_the_catalogue_at_once_never_fail(tmp_path: Path) -> None:
    # Regression: `veo batch rows.csv --budget 100` with no catalogue.json yet: the rows'
    # threads all saved it through one temporary file named after the process, and all but
    # one ended in FileNotFoundError (then the batch's client was closed under the rest).
    import threading

    target = tmp_path / "home" / "catalogue.json"
    fetched = parse_catalogue(CATALOGUE, base_url=URL, etag='"e"', now=NOW)
    start, errors = threading.Barrier(8), []

    def save() -> None:
        start.wait()
        try:
            for _ in range(20):
                save_cached(fetched, target)
        except Exception as exc:  # any escape is the bug
            errors.append(exc)

    threads = [threading.Thread(target=save) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    cached = load_cached(URL, target)
    assert cached is not None and cached.models == fetched.models
    assert sorted(p.name for p in target.parent.iterdir()) == ["catalogue.json"]  # no .part left behind


def test_two_servers_catalogues_saved_at_once_are_both_kept(tmp_path: Path) -> None:
    # Regression: a demo panel working out its price while a keyed client saved the API's
    # catalogue: each read the file, added its own server and wrote it back, and the one
    # written last dropped the other's.
    import threading

    target = tmp_path / "home" / "catalogue.json"
    urls = [f"http://127.0.0.1:{port}" for port in range(9001, 9009)]
    start = threading.Barrier(len(urls))

    def save(url: str) -> None:
        start.wait()
        for _ in range(10):
            save_cached(parse_catalogue(CATALOGUE, base_url=url, now=NOW), target)

    threads = [threading.Thread(target=save, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [url for url in urls if load_cached(url, target) is None] == []


def test_a_cache_that_cannot_be_written_is_not_the_callers_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    save_cached(parse_catalogue(CATALOGUE, base_url=URL, now=NOW), blocker / "catalogue.json")
    assert load_cached(URL, blocker / "catalogue.json") is None


def test_a_failed_fetch_keeps_old_prices_or_says_unknown() -> None:
    request = httpx.Request("GET", "http://x")
    stale = parse_catalogue(CATALOGUE, base_url=URL, etag='"e"', now=NOW - timedelta(days=3))
    down: list[Outcome] = [
        response(503, {"message": "busy"}),
        httpx.ConnectError("no", request=request),
        response(500, b""),
    ]
    kept, sends = drive(catalogue_flow(stale, base_url=URL, now=NOW), down)
    assert len(sends) == 3 and kept.problem and "500" in kept.problem
    assert kept.estimate("veo-3.0-fast-i2v", resolution="720p", duration=8) == pytest.approx(3.12)

    empty, _ = drive(catalogue_flow(None, base_url=URL, now=NOW), [response(404, {"message": "no"})])
    assert empty.problem and "404" in empty.problem
    assert empty.estimate("google/veo-3.0-i2v-fast", resolution="720p", duration=8) is None
