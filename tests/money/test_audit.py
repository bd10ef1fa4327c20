"""client.audit() against the emulator: each seeded fault is found once, with its amount and action."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.money._audit import Audit, Finding
from veo_widgets.money._spend import SpendHistory

from ..conftest import FAST, QUICK_POLLS
from ..helpers import HTTP, until

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    """One account for the module (renders are shared); each test audits only its own window."""
    with Emulator(timing=0.5, seed=11) as made:
        yield made


@pytest.fixture
def client(emu: Emulator) -> Iterator[veo.Client]:
    emu.clear_faults()
    with veo.Client(emu.api_key, emu.url, schedule=QUICK_POLLS) as made:
        yield made
    emu.clear_faults()
    emu.log_lag = 0.0


@pytest.fixture
def since() -> datetime:
    return datetime.now(timezone.utc)


def charged(emu: Emulator, generation_id: str) -> list[float]:
    return [e.usd for e in emu.ledger.charges() if e.reference_id == generation_id]


def wait_charged(emu: Emulator, generation_id: str) -> None:
    until(lambda: charged(emu, generation_id))


def only(audit: Audit) -> Finding:
    assert len(audit.findings) == 1, audit.describe()
    return audit.findings[0]


def test_a_clean_run_of_ten_jobs_finds_nothing_and_totals_the_ledger(
    emu: Emulator, client: veo.Client, image_file: Path, since: datetime
) -> None:
    jobs = client.generate_many([{"prompt": f"clean {n}", "image": image_file, **FAST} for n in range(10)])
    audit = client.audit(since)
    assert audit.ok and audit.findings == (), audit.describe()
    ours = {j.id for j in jobs}
    ledger = [e.usd for e in emu.ledger.charges() if e.reference_id in ours]
    assert len(ledger) == 10 and audit.summary.charges == 10
    assert audit.summary.charged_usd == pytest.approx(sum(ledger))
    assert audit.summary.delivered == 10 and audit.summary.delivered_usd == pytest.approx(sum(ledger))
    assert "Nothing to do" in audit.describe()


def test_a_charge_for_a_failed_job(emu: Emulator, client: veo.Client, image_file: Path, since: datetime) -> None:
    emu.add_fault("charge_failed")
    with pytest.raises(veo.GenerationFailedError) as caught:
        client.generate("billed anyway", image_file, **FAST)
    job_id = caught.value.job.id
    wait_charged(emu, job_id)
    finding = only(client.audit(since))
    assert (finding.kind, finding.generation_id, finding.action) == ("charged_failed", job_id, "refund")
    assert finding.usd == pytest.approx(charged(emu, job_id)[0]) and "refund" in finding.advice


def test_a_double_charge(emu: Emulator, client: veo.Client, image_file: Path, since: datetime) -> None:
    emu.add_fault("charge_twice")
    job = client.generate("billed twice", image_file, **FAST)
    until(lambda: len(charged(emu, job.id)) == 2)
    finding = only(client.audit(since))
    assert (finding.kind, finding.generation_id, finding.action) == ("charged_twice", job.id, "refund")
    assert finding.usd == pytest.approx(charged(emu, job.id)[1])  # the extra charge
    assert finding.client_request_id == job.client_request_id


def test_two_generations_for_one_client_request_id(
    emu: Emulator, client: veo.Client, image_file: Path, since: datetime
) -> None:
    job = client.generate("sent twice", image_file, **FAST)
    body = {"model": "google/veo-3.0-fast", "prompt": "sent twice", "duration": 4}
    headers = {"Authorization": f"Bearer {emu.api_key}", "X-Client-Request-Id": job.client_request_id or ""}
    second = HTTP.post(f"{emu.url}/v2/video/generations", json=body, headers=headers, timeout=30).json()["id"]
    wait_charged(emu, second)
    finding = only(client.audit(since))
    assert (finding.kind, finding.generation_id, finding.action) == ("charged_twice", second, "adopt")
    assert finding.client_request_id == job.client_request_id
    assert finding.usd == pytest.approx(charged(emu, second)[0])


def test_a_charge_whose_file_never_arrives(
    emu: Emulator, client: veo.Client, image_file: Path, since: datetime
) -> None:
    emu.add_fault("charge_no_file")
    with pytest.raises(veo.VeoError):
        client.generate("never arrives", image_file, **FAST)
    (row,) = [j for j in veo.Journal().history() if j.id]
    wait_charged(emu, row.id)
    finding = only(client.audit(since))
    assert (finding.kind, finding.generation_id, finding.action) == ("charged_not_saved", row.id, "download")
    assert finding.usd == pytest.approx(charged(emu, row.id)[0])


def test_a_deleted_video_is_downloaded_again(
    emu: Emulator, client: veo.Client, image_file: Path, since: datetime
) -> None:
    job = client.generate("deleted", image_file, **FAST)
    assert job.path is not None
    job.path.unlink()
    finding = only(client.audit(since))
    assert (finding.kind, finding.action) == ("charged_not_saved", "download")
    assert client.download(finding.generation_id or "").is_file()  # the action
    assert client.audit(since).ok


def test_a_charge_for_a_generation_made_elsewhere(emu: Emulator, client: veo.Client, since: datetime) -> None:
    other = emu.charge_elsewhere()
    wait_charged(emu, other)
    finding = only(client.audit(since))
    assert (finding.kind, finding.generation_id, finding.action) == ("charged_unknown", other, "adopt")
    assert finding.usd == pytest.approx(charged(emu, other)[0]) and finding.client_request_id.startswith("elsewhere-")
    assert client.download(other).is_file()  # adopt: journaled and saved
    assert client.audit(since).ok


def test_an_unconfirmed_create_is_settled_by_the_audit(
    emu: Emulator, client: veo.Client, image_file: Path, since: datetime
) -> None:
    emu.log_lag = 3.0
    emu.add_fault("502", endpoint="create", times=1)
    client.reconcile_timeout = 0.2
    client.on_notice = lambda text: None
    with pytest.raises(veo.UnconfirmedCreateError) as caught:
        client.generate("lost answer", image_file, timeout=30, **FAST)
    crid = caught.value.client_request_id or ""
    assert emu.stats.creates_per_request.get(crid) == 1
    (job_id,) = [j.id for j in emu.app.jobs.all() if j.client_request_id == crid]
    wait_charged(emu, job_id)
    # The create's row shows in the usage logs 3 s after it was made: the audit looks for it then.
    until(lambda: time.time() > emu.app.logs.rows()[-1].visible_at)
    finding = only(client.audit(since))
    assert (finding.kind, finding.generation_id, finding.client_request_id) == ("unconfirmed", job_id, crid)
    assert finding.action == "download" and finding.usd == pytest.approx(charged(emu, job_id)[0])
    assert veo.Journal().find(crid).id == job_id  # type: ignore[union-attr]
    client.download(job_id)
    assert client.audit(since).ok


def test_an_audit_needs_a_key(emu: Emulator) -> None:
    with veo.Client(None, emu.url) as keyless, pytest.raises(veo.ValidationError):
        keyless.audit()


def test_the_async_client_audits_and_reads_spend_too(emu: Emulator, since: datetime) -> None:
    other = emu.charge_elsewhere()
    wait_charged(emu, other)

    async def both() -> tuple[Audit, veo.Spend]:
        async with veo.AsyncClient(emu.api_key, emu.url) as client:
            return await client.audit(since), await client.spend(by="model", days=1)

    audit, spend = asyncio.run(both())
    finding = only(audit)
    assert (finding.kind, finding.generation_id) == ("charged_unknown", other)
    assert isinstance(spend, SpendHistory) and spend.usd == pytest.approx(sum(e.usd for e in emu.ledger.charges()))
