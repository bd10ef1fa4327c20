"""Estimates that learn: the catalogue's price moves toward what this account was charged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.money._learned import charged_rate, learn_charge, learn_jobs, learned_estimate, learned_settings
from veo_widgets.views._audit import audit_html

from ..conftest import FAST, QUICK_POLLS

pytestmark = pytest.mark.timeout(240)

URL = "https://api.example"
REQUEST = {"model": "google/veo3", "resolution": "720p", "duration": 8, "generate_audio": True}


def test_the_estimate_moves_toward_the_charges_with_each_job(tmp_path: Path) -> None:
    listed = 6.72  # the catalogue: $0.84/s for 8 s
    assert learned_estimate(URL, "google/veo3", "720p", 8, True, listed, folder=tmp_path).usd == listed
    estimates = []
    for n in range(6):
        assert learn_charge(URL, REQUEST, f"gen-{n}", 9.6, folder=tmp_path)  # charged $1.20/s
        estimates.append(learned_estimate(URL, "google/veo3", "720p", 8, True, listed, folder=tmp_path))
    assert [e.jobs for e in estimates] == [1, 2, 3, 4, 5, 6]
    values = [e.usd or 0 for e in estimates]
    assert values == sorted(values) and listed < values[0] and values[-1] == pytest.approx(6.72 + 0.75 * 2.88)
    assert not learn_charge(URL, REQUEST, "gen-0", 9.6, folder=tmp_path)  # once per generation
    assert learned_estimate(URL, "google/veo3", "1080p", 8, True, listed, folder=tmp_path).jobs == 0
    assert learned_estimate("https://other", "google/veo3", "720p", 8, True, listed, folder=tmp_path).jobs == 0
    unpriced = learned_estimate(URL, "google/veo3", "720p", 4, True, None, folder=tmp_path)
    assert unpriced.usd == pytest.approx(4.8) and unpriced.jobs == 6
    assert charged_rate(URL, "google/veo3", "720p", True, folder=tmp_path) == (pytest.approx(1.2), 6)
    assert learned_settings(URL + "/", folder=tmp_path) == [("google/veo3", "720p", True)]
    assert learned_settings("https://other", folder=tmp_path) == []


def test_jobs_completing_together_are_all_learned_each_once(tmp_path: Path) -> None:
    """A batch's completed jobs, learned in one go (the async client's group write): every
    new charge counts, a generation seen before or a job without a charge does not."""
    paid = veo.Usage(usd=9.6)
    done = [veo.Job(f"gen-{n}", "completed", base_url=URL, request=REQUEST, usage=paid) for n in range(3)]
    unpaid = veo.Job("gen-x", "completed", base_url=URL, request=REQUEST)
    assert learn_jobs([*done, done[0], unpaid], folder=tmp_path) == 3
    assert learn_jobs(done, folder=tmp_path) == 0
    assert charged_rate(URL, "google/veo3", "720p", True, folder=tmp_path) == (pytest.approx(1.2), 3)


def test_nothing_is_learned_without_a_charge_or_a_duration(tmp_path: Path) -> None:
    assert not learn_charge(URL, {**REQUEST, "duration": None}, "g", 1.0, folder=tmp_path)
    assert not learn_charge(URL, REQUEST, "g", 0.0, folder=tmp_path)
    assert not (tmp_path / "charges.json").exists()


@pytest.fixture
def overcharging() -> Iterator[Emulator]:
    with Emulator(timing=0.5, seed=4, charge_factor=1.5) as emu:
        yield emu


def test_estimates_and_the_budget_follow_what_was_charged(overcharging: Emulator, image_file: Path) -> None:
    with veo.Client(overcharging.api_key, overcharging.url, schedule=QUICK_POLLS) as client:
        before = client.estimate(**FAST)
        assert before.learned_from == 0 and "from your last" not in before.describe()
        jobs = client.generate_many([{"prompt": f"take {n}", "image": image_file, **FAST} for n in range(3)])
        charged = jobs[0].usage.usd or 0
        assert before.usd is not None and charged == pytest.approx(before.usd * 1.5)
        after = client.estimate(**FAST)
        assert after.learned_from == 3 and "from your last 3 jobs" in after.describe()
        assert after.usd == pytest.approx(before.usd + 0.6 * (charged - before.usd))  # 3 / (3 + 2) of the way
        # A budget that the catalogue's price fits in, but the corrected one does not, refuses.
        spent = sum(j.usage.usd or 0 for j in jobs)
        client.budget_usd = spent + (before.usd + after.usd) / 2
        with pytest.raises(veo.BudgetExceededError):
            client.generate("one more", image_file, **FAST)
        audit = client.audit()
        assert audit.ok and [d.jobs for d in audit.summary.drift] == [3]
        assert "+50 %" in audit.describe() and "+50 %" in audit_html(audit)  # `veo audit` and the Audit view
