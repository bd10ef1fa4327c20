"""The run handle: a generation in the background, watched, cancelled, waited for."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.protocol._flows import RetryPolicy

from ..conftest import FAST, QUICK_POLLS, Counting, probe
from ..helpers import Holding, press_ctrl_c

pytestmark = pytest.mark.timeout(60)
RETRY = RetryPolicy(base=0.01, cap=0.05)


def sync_client(emu: Emulator, transport: Any = None) -> veo.Client:
    return veo.Client(emu.api_key, emu.url, transport=transport or Counting(emu), retry=RETRY, schedule=QUICK_POLLS)


def async_client(emu: Emulator, transport: Any = None) -> veo.AsyncClient:
    return veo.AsyncClient(
        emu.api_key, emu.url, transport=transport or Counting(emu), retry=RETRY, schedule=QUICK_POLLS
    )


def test_a_run_goes_on_in_the_background_and_saves_the_video(emulator: Emulator, image_file: Path) -> None:
    with sync_client(emulator) as client:
        run = client.start("waves roll in", image=image_file, **FAST)
        seen: list[str] = []
        run.on_update(lambda r: seen.append(r.status))
        assert run.client_request_id.startswith("veo-")
        # The caller's thread is free while it runs (a notebook cell can sleep meanwhile).
        assert not run.done and run.status in ("submitting", "queued", "generating")
        job = run.wait(60)
    assert job.ok and job.path is not None and probe(job.path)["duration"] == pytest.approx(4, abs=0.1)
    assert run.done and run.status == "completed" and run.progress == 1.0 and run.job == job
    assert run.result() == job and seen[-1] == "completed" and "downloading" in seen
    ended = run.elapsed
    time.sleep(0.05)
    assert run.elapsed == ended  # the clock stops when the run ends
    assert veo.history()[0].path == job.path


def test_progress_grows_while_it_runs(emulator: Emulator, image_file: Path) -> None:
    emulator.add_fault("never_finish")
    with sync_client(emulator) as client:
        run = client.start("slow", image=image_file, timeout=30, **FAST)
        first = run.progress
        time.sleep(0.6)
        later = run.progress
        run.cancel()
        with pytest.raises(veo.WaitCancelled):
            run.wait(10)
    assert 0 <= first < later < 1 and run.status == "cancelled"


def test_bad_input_is_refused_by_start_before_anything_is_sent(emulator: Emulator, image_file: Path) -> None:
    transport = Counting(emulator)
    with sync_client(emulator, transport) as client, pytest.raises(veo.ValidationError) as caught:
        client.start("x", image=image_file, duration=5)
    assert caught.value.field == "duration" and transport.requests == []


def test_wait_with_a_timeout_leaves_the_run_going(emulator: Emulator, image_file: Path) -> None:
    emulator.add_fault("never_finish")
    with sync_client(emulator) as client:
        run = client.start("slow", image=image_file, timeout=30, **FAST)
        with pytest.raises(TimeoutError):
            run.wait(0.3)
        assert not run.done
        with pytest.raises(RuntimeError, match="still going"):
            run.result()
        run.cancel()
        with pytest.raises(veo.WaitCancelled) as caught:
            run.wait(10)
    assert caught.value.job is not None and caught.value.job.id == run.job.id  # type: ignore[union-attr]


def test_a_failed_generation_is_its_typed_error(emulator: Emulator, image_file: Path) -> None:
    emulator.add_fault("job_error")
    with sync_client(emulator) as client:
        run = client.start("x", image=image_file, **FAST)
        with pytest.raises(veo.GenerationFailedError):
            run.wait(30)
    assert run.status == "error" and isinstance(run.error, veo.GenerationFailedError)


# ---------------------------------------------------------------- cancelling around the create


def test_cancel_while_the_create_is_in_flight_lets_it_finish(emulator: Emulator, image_file: Path) -> None:
    holding = Holding(emulator.transport())
    before = emulator.stats.creates
    with sync_client(emulator, holding.sync()) as client:
        run = client.start("held", image=image_file, **FAST)
        assert holding.arrived.wait(10)
        run.cancel()
        time.sleep(0.2)
        assert not run.done and run.job is None  # still waiting for the create's answer
        holding.release.set()
        with pytest.raises(veo.WaitCancelled) as caught:
            run.wait(20)
    cancelled = caught.value
    assert run.job is not None and cancelled.job is not None and cancelled.job.id == run.job.id
    assert run.job.id in str(cancelled) and "nothing was submitted" not in str(cancelled)
    row = client.journal.row(run.job.id)
    assert row is not None and row["state"] == "confirmed" and row["client_request_id"] == run.client_request_id
    assert emulator.stats.creates == before + 1


def test_async_cancel_while_the_create_is_in_flight_lets_it_finish(emulator: Emulator, image_file: Path) -> None:
    holding = Holding(emulator.transport())

    async def scenario() -> tuple[veo.AsyncClient, Any, BaseException]:
        client = async_client(emulator, holding.asynchronous())
        async with client:
            run = await client.start("held", image=image_file, **FAST)
            while not holding.arrived.is_set():
                await asyncio.sleep(0.01)
            run.cancel()
            await asyncio.sleep(0.2)
            assert not run.done and run.job is None
            holding.release.set()
            with pytest.raises(veo.WaitCancelled) as caught:
                await run
            return client, run, caught.value

    client, run, cancelled = asyncio.run(scenario())
    assert isinstance(cancelled, veo.WaitCancelled) and cancelled.job is not None
    row = client.journal.row(run.job.id)
    assert row is not None and row["state"] == "confirmed" and run.status == "cancelled"


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_cancel_during_a_create_backoff_is_clean_and_nothing_was_submitted(
    emulator: Emulator, image_file: Path, flavour: str
) -> None:
    # 503 is a create the server refused: it is retried after Retry-After; cancel in that wait.
    emulator.add_fault("503", endpoint="create", times=None, retry_after=5)
    if flavour == "sync":
        with sync_client(emulator) as client:
            run: Any = client.start("refused", image=image_file, **FAST)
            time.sleep(0.5)
            run.cancel()
            with pytest.raises(veo.WaitCancelled) as caught:
                run.wait(10)
    else:

        async def scenario() -> Any:
            async with async_client(emulator) as aclient:
                arun = await aclient.start("refused", image=image_file, **FAST)
                await asyncio.sleep(0.5)
                arun.cancel()
                with pytest.raises(veo.WaitCancelled) as caught:
                    await arun.wait(10)
                return caught

        caught = asyncio.run(scenario())
    assert not caught.value.submitted and caught.value.job is None
    assert "nothing was submitted" in str(caught.value) and "_Stopped" not in veo._errors.explain(caught.value)
    row = veo.history()[0]
    assert row.status == "not_submitted" and row.client_request_id == caught.value.client_request_id


def test_on_update_callbacks_that_fail_do_not_stop_the_run(emulator: Emulator, image_file: Path) -> None:
    calls: list[str] = []

    def broken(run: Any) -> None:
        calls.append(run.status)
        raise RuntimeError("callback bug")

    with sync_client(emulator) as client:
        run = client.start("x", image=image_file, **FAST)
        run.on_update(broken)
        assert run.wait(60).ok
    assert calls and calls[-1] == "completed"


def test_many_runs_at_once_each_get_their_job(emulator: Emulator, image_file: Path) -> None:
    with sync_client(emulator) as client:
        runs = [client.start(f"shot {n}", image=image_file, **FAST) for n in range(3)]
        jobs = [run.wait(60) for run in runs]
    assert len({job.id for job in jobs}) == 3 and len({job.path for job in jobs}) == 3


def test_ctrl_c_in_wait_cancels_after_the_create_in_flight_is_journaled(emulator: Emulator, image_file: Path) -> None:
    holding = Holding(emulator.transport())
    with sync_client(emulator, holding.sync()) as client:
        run = client.start("held", image=image_file, **FAST)
        press_ctrl_c(holding, inside="wait")
        with pytest.raises(veo.WaitCancelled) as caught:
            run.wait(20)
    assert run.job is not None and caught.value.job is not None and caught.value.job.id == run.job.id
    assert "nothing was submitted" not in str(caught.value) and run.status == "cancelled"
    assert client.journal.row(run.job.id)["state"] == "confirmed"  # type: ignore[index]


def test_start_refuses_a_run_over_the_budget_at_once(emulator: Emulator, image_file: Path) -> None:
    transport = Counting(emulator)
    client = veo.Client(
        emulator.api_key, emulator.url, transport=transport, retry=RETRY, schedule=QUICK_POLLS, budget_usd=0.01
    )
    with client, pytest.raises(veo.BudgetExceededError) as caught:
        client.start("too dear", image=image_file, **FAST)
    assert caught.value.budget == 0.01 and not [r for r in transport.requests if r.method == "POST"]
    assert veo.history() == []


def test_a_run_journals_its_lineage_in_the_same_write_as_its_create(emulator: Emulator, image_file: Path) -> None:
    rows: list[Any] = []

    def look(request: Any) -> None:
        if request.method == "POST":
            rows.append(veo.Journal().row(request.headers["x-client-request-id"]))

    with sync_client(emulator, Counting(emulator, before=look)) as client:
        run = client.start("and then", image=image_file, lineage={"parent_id": "gen-1", "relation": "rerun"}, **FAST)
        job = run.wait(60)
    assert rows and (rows[0]["parent_id"], rows[0]["relation"]) == ("gen-1", "rerun")
    found = veo.Journal().find(job.id)
    assert found is not None and (found.parent_id, found.relation) == ("gen-1", "rerun")
