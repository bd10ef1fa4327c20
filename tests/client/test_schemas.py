"""``client.models(refresh=True)``: the family as the API's schemas (``info.docsJson``) say now.

Each test has its own emulator, since telling one that a schema changed lasts for its life.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from veo_widgets._errors import ValidationError
from veo_widgets.emulator import Emulator
from veo_widgets.schema._family import get_model, restore_builtin
from veo_widgets.schema._models import build_request
from veo_widgets.schema._openapi import find_entry

from ..conftest import Flavour

FAST_I2V = "google/veo-3.0-i2v-fast"
T2V = "google/veo-3.1-t2v-fast"


def schema_of(model: str) -> dict[str, Any]:
    """A copy of the model's request schema as the package ships it, to change."""
    entry = find_entry(model)
    assert entry is not None
    return copy.deepcopy(dict(entry["schema"]))


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(timing=0.3, seed=3, draft=True) as made:
        yield made


@pytest.fixture
def flavour_client(flavour: str, emu: Emulator) -> Iterator[Flavour]:
    made = Flavour(flavour, emu)
    yield made
    made.close()


def schema_hits(emu: Emulator, model: str) -> list[int]:
    return [status for name, status in emu.schema_requests if name == model]


def test_a_changed_schema_lets_through_a_value_the_table_refuses_and_refuses_one_it_dropped(
    flavour_client: Flavour, emu: Emulator
) -> None:
    with pytest.raises(ValidationError, match="duration"):
        build_request("waves", "https://example.com/a.png", model=FAST_I2V, duration=10)
    build_request("waves", "https://example.com/a.png", model=FAST_I2V, duration=4)  # the table takes 4 s
    changed = schema_of(FAST_I2V)
    changed["properties"]["duration"]["enum"] = [6, 8, 10]
    emu.change_schema(FAST_I2V, changed)

    listed = flavour_client.models(refresh=True)

    spec = next(m for m in listed if m.id == FAST_I2V)
    assert spec.durations == (6, 8, 10) and spec.origin == "refreshed"
    request = build_request("waves", "https://example.com/a.png", model=FAST_I2V, duration=10)
    assert request.body()["duration"] == 10
    with pytest.raises(ValidationError, match="4 is not one of 6, 8, 10"):
        build_request("waves", "https://example.com/a.png", model=FAST_I2V, duration=4)


def test_a_refreshed_value_is_generated_end_to_end(flavour_client: Flavour, emu: Emulator) -> None:
    changed = schema_of(T2V)
    changed["properties"]["aspect_ratio"]["enum"] = ["16:9", "9:16", "1:1"]
    emu.change_schema(T2V, changed)
    with pytest.raises(ValidationError, match="aspect_ratio"):
        flavour_client.generate("a square pond", model=T2V, aspect_ratio="1:1", duration=4, resolution="720p")
    flavour_client.models(refresh=True)
    job = flavour_client.generate("a square pond", model=T2V, aspect_ratio="1:1", duration=4, resolution="720p")
    assert job.ok and job.path is not None and job.path.exists()


def test_an_unchanged_schema_is_revalidated_with_its_etag_and_not_sent_again(
    flavour_client: Flavour, emu: Emulator
) -> None:
    flavour_client.models(refresh=True)
    assert schema_hits(emu, FAST_I2V) == [200]
    flavour_client.models(refresh=True)
    assert schema_hits(emu, FAST_I2V) == [200, 304]  # the body came once; the copy on disk was reused
    assert get_model(FAST_I2V).origin == "refreshed"
    changed = schema_of(FAST_I2V)
    changed["properties"]["duration"]["enum"] = [8]
    emu.change_schema(FAST_I2V, changed)
    flavour_client.models(refresh=True)
    assert schema_hits(emu, FAST_I2V) == [200, 304, 200] and get_model(FAST_I2V).durations == (8,)


def test_saved_schemas_apply_for_a_day_without_a_request(flavour: str, emu: Emulator) -> None:
    changed = schema_of(FAST_I2V)
    changed["properties"]["duration"]["enum"] = [8, 10]
    emu.change_schema(FAST_I2V, changed)
    first = Flavour(flavour, emu)
    first.models(refresh=True)
    first.close()
    restore_builtin()  # as a new process would start
    asked = len(emu.schema_requests)
    later = Flavour(flavour, emu)
    try:
        listed = later.models()
    finally:
        later.close()
    assert len(emu.schema_requests) == asked and not later.requests
    assert next(m for m in listed if m.id == FAST_I2V).durations == (8, 10)


def test_a_veo_model_never_seen_is_listed_and_usable_end_to_end(flavour_client: Flavour, emu: Emulator) -> None:
    unseen = schema_of(T2V)
    unseen["properties"]["model"]["enum"] = ["google/veo-4-t2v"]
    unseen["properties"]["duration"]["enum"] = [4, 8, 12]
    emu.add_model(unseen)
    with pytest.raises(ValidationError, match="not a Veo model this package knows"):
        get_model("google/veo-4-t2v")

    listed = flavour_client.models(refresh=True)

    spec = next(m for m in listed if m.id == "google/veo-4-t2v")
    assert spec.origin == "new" and spec.short == "veo-4-t2v" and spec.modes == ("text",)
    assert spec.durations == (4, 8, 12)
    with pytest.raises(ValidationError, match="duration"):
        flavour_client.generate("a comet", model="veo-4-t2v", duration=6)
    job = flavour_client.generate("a comet over the sea", model="veo-4-t2v", duration=4, resolution="720p")
    assert job.ok and job.path is not None and job.path.exists() and job.model == "google/veo-4-t2v"


def test_an_unreadable_schema_leaves_the_built_in_spec_and_says_so_once(
    flavour_client: Flavour, emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    changed = schema_of(FAST_I2V)
    changed["properties"]["duration"]["enum"] = [8, 10]
    emu.change_schema(FAST_I2V, changed)
    emu.add_fault("500", endpoint="schemas", times=None)
    caplog.set_level(logging.WARNING, logger="veo_widgets")

    first = flavour_client.models(refresh=True)
    second = flavour_client.models(refresh=True)

    assert get_model(FAST_I2V).durations == (4, 6, 8) and get_model(FAST_I2V).origin == "built-in"
    assert all(m.origin == "built-in" for m in first)
    told = [r for r in caplog.records if "could not read the model schemas" in r.getMessage()]
    assert len(told) == 1 and "the built-in table stands" in told[0].getMessage()
    assert "HTTP 500" in first.notice and second.notice == first.notice
    assert not any(r.exc_info for r in caplog.records)
    # a failing host is asked once per refresh, not once per model (each try would be a wait)
    asked = [r for r in flavour_client.requests if "/video-models/" in r.url.path]
    assert len(asked) == 2


def test_a_schema_that_is_not_a_create_keeps_the_built_in_spec(flavour_client: Flavour, emu: Emulator) -> None:
    emu.change_schema(FAST_I2V, {"properties": {"model": {"enum": [FAST_I2V]}}})  # no prompt: not a create
    listed = flavour_client.models(refresh=True)
    assert next(m for m in listed if m.id == FAST_I2V).origin == "built-in"
    assert f"{FAST_I2V}: the schema has no prompt property" in listed.notice
    assert get_model(T2V).origin == "refreshed"  # the others were read
