"""GET /v2/usage/detail: spend by model and by day, from the ledger; request counts from the logs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from veo_widgets.emulator import Emulator

from ..helpers import HTTP
from .conftest import auth, body, create, wait_done

pytestmark = pytest.mark.timeout(120)


def detail(emu: Emulator, **params: Any) -> httpx.Response:
    return HTTP.get(f"{emu.url}/v2/usage/detail", params={"period": "1d", **params}, headers=auth(emu), timeout=30)


def test_spend_by_day_and_model_matches_the_ledger() -> None:
    with Emulator(timing=0.3, seed=2) as emu:
        ok = create(emu, body()).json()
        emu.add_fault("job_error")
        failed = create(emu, body()).json()
        for job in (ok, failed):
            wait_done(emu, job["id"])
        answer = detail(emu, group_by="day,model").json()
        charged = sum(e.usd for e in emu.ledger.charges())
        assert answer["spend"] == pytest.approx(charged) == pytest.approx(ok["meta"]["usage"]["usd_spent"])
        assert answer["requests"] == 1
        assert answer["models"] == [{"model": "google/veo-3.0-i2v-fast", "spend": answer["spend"], "requests": 1}]
        (group,) = answer["groups"]
        assert group["model"] == "google/veo-3.0-i2v-fast" and len(group["day"]) == 10
        assert group["requests"] == {"total": 2, "charged": 1, "succeeded": 1, "failed": 1}
        by_model = detail(emu, group_by="model").json()["groups"]
        assert "day" not in by_model[0] and by_model[0]["spend"] == answer["spend"]
        plain = HTTP.get(f"{emu.url}/v2/usage", params={"period": "1d"}, headers=auth(emu), timeout=30).json()
        assert plain["spend"] == answer["spend"] and "models" not in plain


def test_detail_rules() -> None:
    with Emulator(timing=0.3) as emu:
        assert detail(emu, group_by="week").status_code == 400
        assert detail(emu, tz="Mars/Olympus").status_code == 400
        assert detail(emu, tz="Europe/Paris").status_code == 200
        assert detail(emu, key_prefix="zzzzzzzz").status_code == 403
        assert detail(emu).json()["models"] == []
        assert "groups" not in detail(emu).json()
