"""GET /v2/billing/transactions: the ledger charges what completed, and can be told to disagree."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from veo_widgets.emulator import Emulator

from ..helpers import HTTP
from .conftest import auth, body, create, wait_done

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(timing=0.3, seed=3, balance_usd=100.0) as emu:
        yield emu


def ledger(emu: Emulator, **params: Any) -> httpx.Response:
    return HTTP.get(f"{emu.url}/v2/billing/transactions", params=params, headers=auth(emu), timeout=30)


def charges(emu: Emulator) -> list[dict[str, Any]]:
    answer = ledger(emu, type="MODEL_USAGE", direction="CHARGE", limit=100)
    assert answer.status_code == 200
    return list(answer.json()["data"])


def test_a_completed_job_is_charged_once_under_its_generation_id(emu: Emulator) -> None:
    job = create(emu, body()).json()
    assert charges(emu) == []  # charged once it completes, not at the create
    wait_done(emu, job["id"])
    (entry,) = charges(emu)
    assert entry["reference_id"] == job["id"] and entry["model"] == "google/veo-3.0-i2v-fast"
    assert entry["amount"]["usd"] == job["meta"]["usage"]["usd_spent"]
    assert entry["amount"]["credits"] == job["meta"]["usage"]["credits_used"]
    assert entry["created_at"].endswith("Z") and emu.balance == pytest.approx(100.0 - entry["amount"]["usd"])
    init = [e for e in ledger(emu).json()["data"] if e["type"] == "INIT"]
    assert init[0]["direction"] == "TOPUP" and init[0]["amount"]["usd"] == 100.0


def test_a_failed_job_has_no_entry_unless_told_to_charge_it(emu: Emulator) -> None:
    emu.add_fault("job_error")
    failed = wait_done(emu, create(emu, body()).json()["id"])
    assert failed["status"] == "error" and charges(emu) == []
    emu.add_fault("charge_failed")
    billed = wait_done(emu, create(emu, body()).json()["id"])
    assert billed["status"] == "error"
    assert [e["reference_id"] for e in charges(emu)] == [billed["id"]]
    rows = HTTP.get(f"{emu.url}/v2/logs", params={"period": "1h"}, headers=auth(emu), timeout=30).json()["data"]
    logged = next(r for r in rows if r["inference_id"] == billed["id"])
    assert logged["status"] == "failed" and logged["cost"]["usd"] == 0  # the logs say it cost nothing


def test_charge_twice_and_charge_no_file(emu: Emulator) -> None:
    emu.add_fault("charge_twice")
    twice = wait_done(emu, create(emu, body()).json()["id"])
    assert [e["reference_id"] for e in charges(emu)] == [twice["id"], twice["id"]]
    emu.add_fault("charge_no_file")
    lost = wait_done(emu, create(emu, body()).json()["id"])
    assert lost["status"] == "completed" and lost["id"] in {e["reference_id"] for e in charges(emu)}
    assert HTTP.get(lost["video"]["url"], timeout=30).status_code == 404
    assert emu.balance == pytest.approx(100.0 - sum(e["amount"]["usd"] for e in charges(emu)))


def test_a_generation_made_elsewhere_is_charged_too(emu: Emulator) -> None:
    other = emu.charge_elsewhere()
    wait_done(emu, other)
    assert [e["reference_id"] for e in charges(emu)] == [other]
    assert [e.reference_id for e in emu.ledger.charges()] == [other]


def test_charge_factor_bills_more_than_the_catalogue() -> None:
    with Emulator(timing=0.3, charge_factor=1.5) as emu:
        job = create(emu, body(duration=4)).json()
        assert job["meta"]["usage"]["usd_spent"] == pytest.approx(0.42 * 4 * 1.5)


def test_pages_follow_the_cursor_newest_first(emu: Emulator) -> None:
    made = [create(emu, body()).json()["id"] for s in range(5)]
    for job_id in made:
        wait_done(emu, job_id)
    seen: list[str] = []
    params: dict[str, Any] = {"type": "MODEL_USAGE", "limit": 2}
    while True:
        page = ledger(emu, **params).json()
        assert len(page["data"]) <= 2
        seen += [e["reference_id"] for e in page["data"]]
        if not page["pagination"]["has_more"]:
            assert page["pagination"]["next_cursor"] is None
            break
        params["cursor"] = page["pagination"]["next_cursor"]
    assert sorted(seen) == sorted(made) and len(seen) == 5
    stamps = [e["created_at"] for e in ledger(emu, limit=100).json()["data"]]
    assert stamps == sorted(stamps, reverse=True)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"type": "USAGE"},
        {"direction": "OUT"},
        {"key_prefix": "abc"},
        {"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        {"from": "yesterday"},
        {"cursor": "WzEsICJ4Il0=.0000"},
    ],
)
def test_bad_queries_are_400(emu: Emulator, params: dict[str, Any]) -> None:
    assert ledger(emu, **params).status_code == 400


def test_a_window_narrows_the_entries(emu: Emulator) -> None:
    wait_done(emu, create(emu, body()).json()["id"])
    (entry,) = charges(emu)
    stamp = entry["created_at"]
    assert ledger(emu, type="MODEL_USAGE", to="2020-01-01T00:00:00Z").json()["data"] == []
    assert len(ledger(emu, type="MODEL_USAGE", **{"from": stamp}).json()["data"]) == 1
    assert HTTP.get(f"{emu.url}/v2/billing/transactions", timeout=30).status_code == 401
