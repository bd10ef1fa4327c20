"""Balance, spend, and the API's 403 when the credits run out."""

from __future__ import annotations

import pytest

from veo_widgets.emulator import Emulator

from ..helpers import HTTP
from .conftest import auth, body, create, wait_done

pytestmark = pytest.mark.timeout(120)


def test_the_balance_falls_by_each_completed_job() -> None:
    with Emulator(timing=0.3, balance_usd=10.0) as emu:
        billing = HTTP.get(f"{emu.url}/v2/billing", headers=auth(emu), timeout=30).json()
        assert billing == {"current_balance": 10.0, "currency": "USD"}
        job = create(emu, body()).json()
        wait_done(emu, job["id"])
        after = HTTP.get(f"{emu.url}/v2/billing", headers=auth(emu), timeout=30).json()["current_balance"]
        assert after == pytest.approx(10.0 - job["meta"]["usage"]["usd_spent"]) and emu.balance == after
        usage = HTTP.get(f"{emu.url}/v2/usage", params={"period": "24h"}, headers=auth(emu), timeout=30).json()
        assert usage["spend"] == pytest.approx(job["meta"]["usage"]["usd_spent"]) and usage["requests"] == 1
        assert usage["currency"] == "USD" and usage["api_key_prefix"] is None
        assert usage["start"].endswith("Z") and usage["end"].endswith("Z")


def test_a_failed_job_costs_nothing() -> None:
    with Emulator(timing=0.3, balance_usd=10.0) as emu:
        emu.add_fault("job_error")
        wait_done(emu, create(emu, body()).json()["id"])
        assert emu.balance == 10.0
        usage = HTTP.get(f"{emu.url}/v2/usage", params={"period": "1h"}, headers=auth(emu), timeout=30).json()
        assert (usage["spend"], usage["requests"]) == (0, 0)


def test_out_of_credits_is_the_documented_403() -> None:
    with Emulator(timing=0.3, balance_usd=2.0) as emu:
        assert create(emu, body()).status_code == 200  # $1.68 held while it runs
        refused = create(emu, body(), **{"X-Client-Request-Id": "broke-1"})
        assert refused.status_code == 403 and refused.json()["message"].startswith("You've run out of credits")
        assert emu.stats.creates == 1 and "broke-1" not in emu.stats.creates_per_request


def test_the_last_create_that_fits_is_taken_and_the_next_refused() -> None:
    """$1.68 a job and $5: the third create would leave less than its price once the two
    running jobs' holds are counted, wherever the quick check and the exact one meet."""
    with Emulator(timing=30, balance_usd=5.0) as emu:
        assert [create(emu, body()).status_code for _ in range(2)] == [200, 200]
        refused = create(emu, body(), **{"X-Client-Request-Id": "third"})
        assert refused.status_code == 403 and emu.stats.creates == 2


def test_usage_window_rules() -> None:
    with Emulator(timing=0.3) as emu:
        for params in ({}, {"period": "1h", "group_by": "day"}, {"period": "1h", "tz": "UTC"}, {"period": "100d"}):
            assert HTTP.get(f"{emu.url}/v2/usage", params=params, headers=auth(emu), timeout=30).status_code == 400
        assert HTTP.get(f"{emu.url}/v2/billing", timeout=30).status_code == 401
