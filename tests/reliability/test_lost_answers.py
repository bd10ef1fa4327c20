"""Exactly once, end to end, over real loopback HTTP: the emulator makes the job and then
loses the create's answer; the client finds the job in the usage logs and delivers the video,
and the emulator saw one create. A budget refuses a job before anything is sent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.money._budget import BudgetExceededError
from veo_widgets.money._reconcile import Found
from veo_widgets.money._recover import UnconfirmedCreateError
from veo_widgets.protocol._flows import RetryPolicy

from ..conftest import FAST, QUICK_POLLS, Counting, probe
from ..helpers import own_emulator, until

pytestmark = pytest.mark.timeout(90)

LOST = ("500", "502", "504", "drop", "slow", "malformed")
RETRY = RetryPolicy(base=0.05, cap=0.2)
#: The emulator's simulated price of FAST (4 s, 720p, with audio) on Veo 3 Fast i2v.
PRICE = 4 * 0.42


#: Rows reach the usage logs half a second after their create: found by looking again.
_lagging, emu = own_emulator("emu", timing=0.5, seed=7, log_lag=0.5)


def client_for(emu: Emulator, flavour: str, notices: list[str], **options: Any) -> Any:
    cls = veo.Client if flavour == "sync" else veo.AsyncClient
    client = cls(emu.api_key, emu.url, timeout=1.0, retry=RETRY, schedule=QUICK_POLLS, **options)
    client.on_notice = notices.append
    client.reconcile_timeout = 20.0
    return client


def generate(client: Any, flavour: str, method: str = "generate", **kwargs: Any) -> veo.Job:
    """``client.generate(**kwargs)`` (or another method), with either client flavour."""
    if flavour == "sync":
        with client:
            return getattr(client, method)(**kwargs)  # type: ignore[no-any-return]

    async def run() -> veo.Job:
        async with client:
            return await getattr(client, method)(**kwargs)  # type: ignore[no-any-return]

    return asyncio.run(run())


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize("kind", LOST)
def test_a_lost_answer_still_delivers_the_video_from_one_create(
    emu: Emulator, image_file: Path, kind: str, flavour: str
) -> None:
    emu.add_fault(kind, endpoint="create", times=1, delay=2.0)
    notices: list[str] = []
    before = emu.stats.creates
    job = generate(
        client_for(emu, flavour, notices), flavour, prompt=f"lost {kind}", image=image_file, timeout=30, **FAST
    )
    assert job.ok and job.path is not None and probe(job.path)["duration"] == pytest.approx(4, abs=0.1)
    assert emu.stats.creates - before == 1 and not emu.stats.duplicate_creates
    assert len(notices) == 1 and "answer was lost" in notices[0] and f"recovered {job.id}" in notices[0]
    row = veo.Journal().row(job.client_request_id or "")
    assert row is not None and row["state"] == "recovered" and row["path"]


def test_a_row_found_only_after_the_deadline_is_reconciled_later(image_file: Path) -> None:
    with Emulator(timing=0.5, seed=7, log_lag=4.0) as emu:
        emu.add_fault("502", endpoint="create", times=1)
        notices: list[str] = []
        client = client_for(emu, "sync", notices)
        client.reconcile_timeout = 1.0
        with pytest.raises(UnconfirmedCreateError) as caught, client:
            client.generate("found later", image=image_file, timeout=30, **FAST)
        crid = caught.value.client_request_id
        assert crid and f"client.reconcile('{crid}')" in str(caught.value)
        assert veo.Journal().row(crid)["state"] == "unconfirmed"  # type: ignore[index]

        # A new session (as after a kernel restart) finds it and fetches the video.
        with veo.Client(emu.api_key, emu.url, retry=RETRY, schedule=QUICK_POLLS) as later:
            results = later.reconcile(timeout=10)
            assert [type(r) for r in results] == [Found]
            job = later.wait(results[0].generation_id, timeout=30)  # type: ignore[union-attr]
            assert later.download(job).stat().st_size > 0
            again = later.reconcile(crid)  # a known job is not looked up again, nor set back
            assert again == [Found(crid, job.id)] and veo.Journal().find(crid).status == "completed"  # type: ignore[union-attr]
        assert emu.stats.creates == 1


def test_cancelling_while_looking_in_the_logs_is_a_clean_outcome(image_file: Path) -> None:
    with Emulator(timing=0.5, seed=7, log_lag=60.0) as emu:
        emu.add_fault("502", endpoint="create", times=1)
        with client_for(emu, "sync", []) as client:
            run = client.start("cancelled while looking", image=image_file, **FAST)
            until(lambda: emu.stats.creates >= 1)  # the create was made, its answer a 502...
            time.sleep(0.5)  # ...and the client is looking for it in the logs, where it is not yet
            run.cancel()
            with pytest.raises(veo.WaitCancelled) as caught:
                run.wait(timeout=10)
        crid = caught.value.client_request_id
        assert crid and "may exist" in str(caught.value) and emu.stats.creates == 1
        assert veo.Journal().row(crid)["state"] == "unconfirmed"  # type: ignore[index]


def test_cancelling_an_async_run_while_looking_in_the_logs(image_file: Path) -> None:
    async def scenario(emu: Emulator) -> BaseException:
        async with client_for(emu, "async", []) as client:
            run = await client.start("cancelled while looking", image=image_file, **FAST)
            deadline = time.monotonic() + 20
            while emu.stats.creates < 1 and time.monotonic() < deadline:  # made, its answer a 502...
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.5)  # ...and the client is looking for it in the logs
            run.cancel()
            with pytest.raises(veo.WaitCancelled) as caught:
                await run.wait()
            return caught.value

    with Emulator(timing=0.5, seed=7, log_lag=60.0) as emu:
        emu.add_fault("502", endpoint="create", times=1)
        error = asyncio.run(scenario(emu))
        assert isinstance(error, veo.WaitCancelled) and error.client_request_id and emu.stats.creates == 1
        assert veo.Journal().row(error.client_request_id)["state"] == "unconfirmed"  # type: ignore[index]


def test_refused_usage_logs_keep_todays_error_and_say_so(emulator: Emulator, image_file: Path) -> None:
    def refuse_logs(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == "/v2/logs":
            return httpx.Response(404, json={"message": "Cannot GET /v2/logs", "statusCode": "404"})
        return None

    transport = Counting(emulator, refuse_logs)
    emulator.add_fault("502", endpoint="create")
    with veo.Client(emulator.api_key, emulator.url, transport=transport, retry=RETRY, schedule=QUICK_POLLS) as client:
        client.on_notice = lambda text: None
        with pytest.raises(veo.ServerError) as caught:
            client.submit("no logs", image=image_file, duration=4, seed=1)
    error = caught.value
    assert error.may_exist and "could not be reconciled" in str(error) and "HTTP 404" in str(error)
    assert [r.method for r in transport.requests] == ["POST", "GET"]  # one create, one look
    assert veo.Journal().row(error.client_request_id or "")["state"] == "unconfirmed"  # type: ignore[index]


def budget_error(run: Callable[[], Any]) -> BudgetExceededError:
    with pytest.raises(BudgetExceededError) as caught:
        run()
    return caught.value


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_a_budget_below_the_next_job_sends_nothing(emu: Emulator, image_file: Path, flavour: str) -> None:
    before = emu.stats.creates
    client = client_for(emu, flavour, [], budget_usd=PRICE - 0.01)
    error = budget_error(lambda: generate(client, flavour, prompt="too dear", image=image_file, **FAST))
    assert emu.stats.creates == before
    assert error.budget == pytest.approx(PRICE - 0.01) and error.spent == 0 and error.estimate == pytest.approx(PRICE)
    assert f"${PRICE - 0.01:.2f}" in str(error) and "$0.00" in str(error) and f"${PRICE:.2f}" in str(error)


def test_todays_spend_counts_against_the_budget_and_a_batch_is_refused_whole(emu: Emulator, image_file: Path) -> None:
    with client_for(emu, "sync", [], budget_usd=2.5 * PRICE) as client:
        first = client.generate("the first", image=image_file, timeout=30, **FAST)
        assert first.ok
        before = emu.stats.creates
        items = [{"prompt": f"take {i}", "image": image_file, **FAST} for i in range(2)]
        error = budget_error(lambda: client.generate_many(items))
        assert error.count == 2 and error.spent == pytest.approx(PRICE) and emu.stats.creates == before
        assert client.generate("the second", image=image_file, timeout=30, **FAST).ok
        assert budget_error(lambda: client.generate("a third", image=image_file, **FAST)).spent == pytest.approx(
            2 * PRICE
        )


def test_estimate_balance_and_spend_against_the_emulator(emu: Emulator) -> None:
    with veo.Client(emu.api_key, emu.url, retry=RETRY) as client:
        estimate = client.estimate(duration=4, resolution="720p")
        assert estimate.usd == pytest.approx(PRICE) and estimate.describe() == "about $1.68 (simulated prices)"
        assert client.estimate([{"duration": 8}, {"duration": 4}]).usd == pytest.approx(3 * PRICE)
        assert client.balance().usd > 0
        assert client.spend("7d").usd >= 0


@pytest.mark.parametrize("method", ["generate", "submit"])
@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_the_callers_timeout_bounds_the_lookup_of_a_lost_answer(image_file: Path, flavour: str, method: str) -> None:
    with Emulator(timing=0.5, seed=7, log_lag=60.0) as emu:  # the row appears long after
        emu.add_fault("502", endpoint="create", times=1)
        client = client_for(emu, flavour, [])
        client.reconcile_timeout = 600.0
        began = time.monotonic()
        with pytest.raises(UnconfirmedCreateError) as caught:
            generate(client, flavour, method, prompt="bounded", image=image_file, timeout=2, **FAST)
        assert time.monotonic() - began < 20  # not the ten minutes of reconcile_timeout
        assert caught.value.looked_for <= 5 and emu.stats.creates == 1


def test_eight_unconfirmed_creates_each_end_found_or_not_made(emulator: Emulator, image_file: Path) -> None:
    # Issue 21, item 1: after a crashed batch, `veo reconcile` took 81 s for 8 rows and still
    # said each "may exist and be billed". Four creates here made a job whose answer was lost;
    # four were journaled and never sent (the process died first). One reconcile settles all
    # eight, with a logs query per round for the window that holds them, not per row.
    from veo_widgets.money._reconcile import NotMade

    transport = Counting(emulator)
    client = veo.Client(
        emulator.api_key, emulator.url, timeout=1.0, transport=transport, retry=RETRY, schedule=QUICK_POLLS
    )
    client.on_notice = lambda text: None
    client.reconcile_timeout = 0.1  # the creates give up on the logs at once: left unconfirmed
    before = emulator.stats.creates
    emulator.log_lag = 1.5  # their rows reach the logs a moment later
    emulator.add_fault("drop", endpoint="create", times=4)
    made = []
    try:
        for i in range(4):
            with pytest.raises(UnconfirmedCreateError) as caught:
                client.submit(f"lost answer {i}", image=image_file, **FAST)
            made.append(caught.value.client_request_id)
    finally:
        emulator.log_lag = 0.0
    never = [f"veo-never-sent-{i}" for i in range(4)]
    for crid in never:
        client.journal.record_submission(crid, base_url=emulator.url, demo=False, request={"prompt": "never sent"})
    assert {j.client_request_id for j in client.journal.unconfirmed()} == {*made, *never}

    client.logs_final_after = 3.0  # longer than the emulator's lag: a missing row means not made
    queries = len([r for r in transport.requests if r.url.path == "/v2/logs"])
    with client:
        results = client.reconcile(timeout=10)
        asked = len([r for r in transport.requests if r.url.path == "/v2/logs"]) - queries
        by_crid = {r.client_request_id: r for r in results}
        assert [type(by_crid[c]) for c in made] == [Found] * 4
        assert [type(by_crid[c]) for c in never] == [NotMade] * 4
        assert asked <= 4  # rounds of one query each (it was a lookup, and its waits, per row)
        assert client.journal.unconfirmed() == []
        assert {client.journal.find(c).status for c in never} == {"not_submitted"}  # type: ignore[union-attr]
        job = client.wait(by_crid[made[0]].generation_id, timeout=30)  # type: ignore[union-attr]
        assert job.ok
    assert emulator.stats.creates - before == 4 and not emulator.stats.duplicate_creates
