"""client.spend(by=..., days=...): spend per day and model from /v2/usage/detail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.money._spend import SpendHistory

from ..conftest import FAST, QUICK_POLLS

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(timing=0.5, seed=4) as made:
        yield made


def test_spend_per_day_and_model_matches_the_ledger(emu: Emulator, image_file: Path) -> None:
    with veo.Client(emu.api_key, emu.url, schedule=QUICK_POLLS, budget_usd=20.0) as client:
        job = client.generate("a wave", image_file, **FAST)
        by_day = client.spend(by="day", days=30)
        assert isinstance(by_day, SpendHistory) and by_day.budget_usd == 20.0
        days = by_day.totals()
        today = datetime.now(timezone.utc).date().isoformat()
        assert len(days) == 30 and days[-1] == (today, pytest.approx(job.usage.usd))
        assert all(usd == 0 for _, usd in days[:-1])
        assert by_day.usd == pytest.approx(sum(e.usd for e in emu.ledger.charges()))
        by_model = client.spend(by="model", days=7)
        assert by_model.totals() == [("google/veo-3.0-i2v-fast", pytest.approx(job.usage.usd))]
        assert by_model.per_day()[-1] == (today, {"google/veo-3.0-i2v-fast": pytest.approx(job.usage.usd)})
        plain = client.spend("24h")  # the window total, as before
        assert not isinstance(plain, SpendHistory) and plain.usd == pytest.approx(job.usage.usd)


def test_bad_groupings_are_refused_before_anything_is_sent(emu: Emulator) -> None:
    with veo.Client(emu.api_key, emu.url) as client:
        with pytest.raises(veo.ValidationError, match="by"):
            client.spend(by="week")
        with pytest.raises(veo.ValidationError, match="days"):
            client.spend(by="day", days=93)
