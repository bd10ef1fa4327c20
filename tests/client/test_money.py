"""The clients' money methods against the emulator: estimates, the catalogue cache, budgets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

import veo_widgets as veo
from veo_widgets.client import _published
from veo_widgets.client._money import price_text
from veo_widgets.emulator import Emulator
from veo_widgets.money._budget import BudgetExceededError
from veo_widgets.protocol import _flows as flows
from veo_widgets.protocol._flows import RetryPolicy

from ..conftest import FAST, QUICK_POLLS, Counting, Flavour

#: The emulator's simulated per-second prices of Veo 3 Fast i2v: 720p with audio, and silent.
WITH_AUDIO, SILENT = 0.42, 0.28
RETRY = RetryPolicy(base=0.05, cap=0.2)


def catalogue_reads(client: Flavour) -> list[httpx.Request]:
    return [r for r in client.requests if r.url.path == "/v1/models"]


def test_estimates_before_anything_is_sent(client: Flavour) -> None:
    assert client.estimate().usd == pytest.approx(8 * WITH_AUDIO)  # the default request
    silent = client.estimate(duration=4, generate_audio=False)
    assert silent.usd == pytest.approx(4 * SILENT) and silent.describe() == "about $1.12 (simulated prices)"
    fast31 = client.estimate(model="veo-3.1-fast", resolution="720P", duration=6)  # a short name, any case
    assert fast31.model == "google/veo-3.1-i2v-fast" and fast31.usd == pytest.approx(6 * 0.32)
    batch = client.estimate([{"duration": 4}, {"duration": 8, "generate_audio": False}])
    assert batch.count == 2 and batch.usd == pytest.approx(4 * WITH_AUDIO + 8 * SILENT)
    assert [r.method for r in client.requests] == ["GET"]  # the catalogue, once; no create


def test_the_price_is_said_one_way_for_one_job_for_takes_and_when_unknown(emulator: Emulator) -> None:
    emulator.add_fault("500", endpoint="models", times=None)  # the catalogue cannot be had...
    with veo.Client(emulator.api_key, emulator.url, retry=RETRY) as client:
        assert price_text(client, {"duration": 4}) == "price unknown"  # ...and that is not a failed cell or command
        emulator.clear_faults()
        assert price_text(client, {"duration": 4}) == "about $1.68 (simulated prices)"
        assert price_text(client, {"duration": 4}, 4) == "about $6.72 for 4 takes (simulated prices)"
        lite = {"model": "google/veo-3-1-lite-generate-preview"}
        assert price_text(client, lite, 2) == "price unknown (simulated prices)"


def test_the_journal_keeps_each_create_s_estimate(client: Flavour, image_file: Path) -> None:
    client.estimate()  # prices at hand: a submit then journals its estimate without asking again
    job = client.submit("priced", image=image_file, **FAST)
    row = veo.Journal().row(job.client_request_id or "")
    assert row is not None and row["estimate_usd"] == pytest.approx(4 * WITH_AUDIO)
    assert len(catalogue_reads(client)) == 1


def test_a_variable_price_is_price_unknown(client: Flavour) -> None:
    estimate = client.estimate(model="google/veo-3-1-lite-generate-preview")
    assert estimate.usd is None and estimate.describe() == "price unknown (simulated prices)"
    mixed = client.estimate([{"duration": 4}, {"model": "google/veo-3-1-lite-generate-preview"}])
    assert mixed.usd == pytest.approx(4 * WITH_AUDIO) and "1 of 2 with no price" in mixed.describe()


def test_the_catalogue_is_cached_on_disk_for_a_day(make_client: Callable[..., Flavour], isolated: Path) -> None:
    first = make_client()
    first.estimate()
    assert len(catalogue_reads(first)) == 1
    second = make_client()  # a new session
    second.estimate()
    assert catalogue_reads(second) == []
    cache = isolated / "home" / "catalogue.json"
    stored = json.loads(cache.read_text())
    for entry in stored.values():
        entry["fetched_at"] = (datetime.now(timezone.utc) - timedelta(days=1, minutes=1)).isoformat()
    cache.write_text(json.dumps(stored))
    third = make_client()
    assert third.estimate().usd == pytest.approx(8 * WITH_AUDIO)
    (read,) = catalogue_reads(third)
    assert read.headers["if-none-match"].startswith('W/"')  # revalidated: the emulator answers 304


def test_the_budget_comes_from_the_environment_and_nothing_is_sent(
    make_client: Callable[..., Flavour], image_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEO_BUDGET_USD", "1.50")
    client = make_client()
    with pytest.raises(BudgetExceededError) as caught:
        client.submit("too dear", image=image_file, **FAST)
    assert caught.value.budget == 1.5 and caught.value.estimate == pytest.approx(4 * WITH_AUDIO)
    assert "VEO_BUDGET_USD" in str(caught.value)
    assert [r.method for r in client.requests] == ["GET"]
    assert veo.history() == []  # refused before the journal's row, too


def test_a_budget_refuses_a_price_it_cannot_know(make_client: Callable[..., Flavour], image_file: Path) -> None:
    client = make_client(budget_usd=100)
    with pytest.raises(BudgetExceededError, match="price of this job is unknown"):
        client.submit("lite", image=image_file, model="google/veo-3-1-lite-generate-preview")
    assert [r.method for r in client.requests] == ["GET"]


def test_a_sync_batch_keeps_the_budget(emulator: Emulator, image_file: Path) -> None:
    transport = Counting(emulator)
    with veo.Client(emulator.api_key, emulator.url, transport=transport, budget_usd=2.0) as client:
        items = [{"prompt": f"take {i}", "image": image_file, **FAST} for i in range(2)]
        with pytest.raises(BudgetExceededError) as caught:
            client.generate_many(items)
    assert caught.value.count == 2 and not [r for r in transport.requests if r.method == "POST"]


def test_a_batch_states_its_total_before_it_starts(emulator: Emulator, image_file: Path) -> None:
    notices: list[str] = []
    with veo.Client(emulator.api_key, emulator.url, transport=Counting(emulator), schedule=QUICK_POLLS) as client:
        client.on_notice = notices.append
        jobs = client.generate_many([{"prompt": f"take {i}", "image": image_file, **FAST} for i in range(2)])
    assert all(job.ok for job in jobs)
    assert notices == ["A batch of 2 videos, estimated at about $3.36 (simulated prices), is starting."]


def test_without_a_key_estimates_still_read_the_catalogue(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VEO_DEMO", "0")
    transport = Counting(emulator)
    with veo.Client(base_url=emulator.url, transport=transport) as client:
        assert client.estimate().usd == pytest.approx(8 * WITH_AUDIO)  # the catalogue needs no key
        with pytest.raises(veo.AuthenticationError):
            client.balance()
    assert [r.url.path for r in transport.requests] == ["/v1/models"]


def test_the_key_is_never_sent_to_the_catalogue_or_the_metrics(
    make_client: Callable[..., Flavour], image_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_published, "_PUBLISHED", {})  # nothing fetched earlier in the process
    client = make_client(schedule=None)  # a learned schedule: it asks for the published metrics
    client.estimate()
    client.generate("waves", image=image_file, **FAST)  # a first job of its model: asks for the metrics
    keyless = [r for r in client.requests if r.url.path in ("/v1/models", "/models/metrics")]
    assert {r.url.path for r in keyless} == {"/v1/models", "/models/metrics"}
    assert all("authorization" not in r.headers for r in keyless)
    assert all("authorization" in r.headers for r in client.requests if r.method == "POST")


def test_the_async_budget_check_and_recovery_read_the_journal_off_the_loop(
    emulator: Emulator, image_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: dict[str, set[bool]] = {}
    journal = veo.Journal

    def watched(name: str) -> Callable[..., object]:
        real = getattr(journal, name)

        def call(self: veo.Journal, *args: object, **kwargs: object) -> object:
            try:
                asyncio.get_running_loop()
                on_loop = True
            except RuntimeError:
                on_loop = False
            threads.setdefault(name, set()).add(on_loop)
            return real(self, *args, **kwargs)

        return call

    for name in ("page", "find", "unconfirmed", "set_state"):
        monkeypatch.setattr(journal, name, watched(name))

    def lose(request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST" and not lost:
            lost.append(request)
            emulator.transport().handler(request)  # the job is made ...
            return httpx.Response(502)  # ... and its answer lost
        return None

    lost: list[httpx.Request] = []

    async def run() -> veo.Job:
        transport = Counting(emulator, before=lose)
        async with veo.AsyncClient(
            emulator.api_key,
            emulator.url,
            transport=transport,
            budget_usd=50.0,
            schedule=QUICK_POLLS,
            retry=flows.RetryPolicy(base=0.01, cap=0.05),
        ) as c:
            c.on_notice = lambda text: None
            job = await c.generate("waves", image=image_file, **FAST)
            await c.reconcile()
            return job

    job = asyncio.run(run())
    assert job.ok and lost
    assert threads.get("page") == {False}  # the budget read today's spend in a worker thread
    assert threads.get("set_state", {False}) == {False} and threads.get("unconfirmed") == {False}
