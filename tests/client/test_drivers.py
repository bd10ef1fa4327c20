"""The drivers: interrupts and cancellations leave no part file and never abandon a create."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import veo_widgets as veo
from veo_widgets.client._adriver import AsyncDriver
from veo_widgets.client._core import Core
from veo_widgets.client._drivers import SyncDriver
from veo_widgets.emulator import Emulator
from veo_widgets.protocol._flows import RetryPolicy, Send
from veo_widgets.schema._models import Job

from ..conftest import FAST, QUICK_POLLS
from ..helpers import Holding, press_ctrl_c

pytestmark = pytest.mark.timeout(60)
RETRY = RetryPolicy(base=0.01, cap=0.05)
DONE = Job("job-1", "completed", video_url="http://files.test/v.mp4")


class Interrupting(httpx.SyncByteStream):
    """A video body that breaks off with Ctrl-C after its first chunk."""

    def __iter__(self) -> Iterator[bytes]:
        yield b"\0" * 70_000
        raise KeyboardInterrupt


class Stalling(httpx.AsyncByteStream):
    """A video body that stalls after its first chunk, until the task is cancelled."""

    def __init__(self, started: asyncio.Event) -> None:
        self.started = started

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"\0" * 70_000
        self.started.set()
        await asyncio.sleep(60)
        yield b""


def video(stream: Any) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "video/mp4", "content-length": "900000"}, stream=stream)


def test_ctrl_c_mid_download_leaves_no_part_file(tmp_path: Path) -> None:
    client = veo.Client("k", "http://api.test", transport=httpx.MockTransport(lambda r: video(Interrupting())))
    target = tmp_path / "clips" / "v.mp4"
    with client, pytest.raises(veo.WaitCancelled) as caught:
        client.download(DONE, target)
    assert isinstance(caught.value.__cause__, KeyboardInterrupt) and caught.value.job_id == "job-1"
    assert list(target.parent.iterdir()) == []


def test_cancelled_task_mid_download_leaves_no_part_file(tmp_path: Path) -> None:
    target = tmp_path / "v.mp4"

    async def scenario() -> None:
        started = asyncio.Event()
        transport = httpx.MockTransport(lambda r: video(Stalling(started)))
        async with veo.AsyncClient("k", "http://api.test", transport=transport) as client:
            task = asyncio.ensure_future(client.download(DONE, target))
            await asyncio.wait_for(started.wait(), 10)
            assert len(list(tmp_path.glob("v.mp4.*.part"))) == 1
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(scenario())
    assert list(tmp_path.iterdir()) == []


class Held(httpx.SyncByteStream):
    """A video body that stops after its first chunk until ``go`` is set."""

    def __init__(self, body: bytes, started: threading.Event, go: threading.Event) -> None:
        self.body, self.started, self.go = body, started, go

    def __iter__(self) -> Iterator[bytes]:
        yield self.body[:70_000]
        self.started.set()
        assert self.go.wait(30)
        yield self.body[70_000:]


def test_two_downloads_of_one_job_to_one_place_both_finish(tmp_path: Path) -> None:
    # A batch resumed while the interrupted run's thread still finishes the same download:
    # each must write a part file of its own, not truncate or move away the other's.
    body = bytes(range(256)) * 1000
    started, go = threading.Event(), threading.Event()
    sized = {"content-type": "video/mp4", "content-length": str(len(body))}
    stream = Held(body, started, go)
    held = veo.Client(
        "k",
        "http://api.test",
        transport=httpx.MockTransport(lambda r: httpx.Response(200, headers=sized, stream=stream)),
    )
    whole = veo.Client(
        "k",
        "http://api.test",
        transport=httpx.MockTransport(lambda r: httpx.Response(200, headers=sized, content=body)),
    )
    target = tmp_path / "clips" / "v.mp4"
    errors: list[BaseException] = []

    def first() -> None:
        try:
            held.download(DONE, target)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    with held, whole:
        thread = threading.Thread(target=first)
        thread.start()
        assert started.wait(30)
        assert whole.download(DONE, target) == target
        go.set()
        thread.join(30)
    assert errors == [] and target.read_bytes() == body
    assert list(target.parent.iterdir()) == [target]  # and no part file left behind


def test_ctrl_c_while_the_create_is_in_flight_journals_the_job(emulator: Emulator, image_file: Path) -> None:
    holding = Holding(emulator.transport())
    client = veo.Client(emulator.api_key, emulator.url, transport=holding.sync(), retry=RETRY, schedule=QUICK_POLLS)
    press_ctrl_c(holding)
    with client, pytest.raises(veo.WaitCancelled) as caught:
        client.generate("held", image=image_file, **FAST)
    cancelled = caught.value
    assert isinstance(cancelled.__cause__, KeyboardInterrupt)
    assert cancelled.job is not None and cancelled.job.id in str(cancelled)
    row = client.journal.row(cancelled.job.id)
    assert row is not None and row["state"] == "confirmed" and row["status"] != "unconfirmed"
    assert len([r for r in holding.requests if r.method == "POST"]) == 1


def test_cancelled_task_while_the_create_is_in_flight_journals_the_job(emulator: Emulator, image_file: Path) -> None:
    holding = Holding(emulator.transport())

    async def scenario() -> veo.AsyncClient:
        client = veo.AsyncClient(
            emulator.api_key, emulator.url, transport=holding.asynchronous(), retry=RETRY, schedule=QUICK_POLLS
        )
        async with client:
            task = asyncio.ensure_future(client.generate("held", image=image_file, **FAST))
            while not holding.arrived.is_set():
                await asyncio.sleep(0.01)
            task.cancel()
            await asyncio.sleep(0.2)
            assert not task.done()  # the create's answer is still awaited
            holding.release.set()
            with pytest.raises(asyncio.CancelledError):
                await task
        return client

    client = asyncio.run(scenario())
    (row,) = client.journal.history()
    assert row.id and client.journal.row(row.id)["state"] == "confirmed"  # type: ignore[index]


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_send_params_go_in_the_query_and_may_repeat(flavour: str) -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json={"data": []})

    def plan() -> Any:
        answer = yield Send("GET", "/v2/logs", params=[("model", "a"), ("model", "b"), ("status", "success")])
        return answer.json()

    core = Core("k", "http://api.test", transport=httpx.MockTransport(handler))
    if flavour == "sync":
        driver = SyncDriver(core)
        assert driver.drive(plan()) == {"data": []}
        driver.close()
    else:

        async def scenario() -> Any:
            driver = AsyncDriver(core)
            try:
                return await driver.drive(plan())
            finally:
                await driver.aclose()

        assert asyncio.run(scenario()) == {"data": []}
    assert seen[0].path == "/v2/logs"
    assert seen[0].params.get_list("model") == ["a", "b"] and seen[0].params["status"] == "success"


class WatchedJournal(veo.Journal):
    """A journal that notes which threads touch SQLite."""

    threads: set[int]

    def _connect(self) -> Any:
        self.threads.add(threading.get_ident())
        return super()._connect()


def test_the_async_client_never_touches_sqlite_on_the_event_loop(
    emulator: Emulator, image_file: Path, tmp_path: Path
) -> None:
    journal = WatchedJournal(tmp_path / "j.sqlite3")
    journal.threads = set()

    async def scenario() -> tuple[int, Job]:
        async with veo.AsyncClient(
            emulator.api_key, emulator.url, journal=journal, retry=RETRY, schedule=QUICK_POLLS
        ) as client:
            job = await client.generate("off the loop", image=image_file, **FAST)
            await client.get(job.id)
            run = await client.start("again", image=image_file, **FAST)
            await run
        return threading.get_ident(), job

    loop_thread, job = asyncio.run(scenario())
    seen = set(journal.threads)
    assert job.ok and len(journal.history()) == 2
    assert seen and loop_thread not in seen


def test_a_second_ctrl_c_gives_up_waiting_but_the_late_answer_is_journaled(
    emulator: Emulator, image_file: Path
) -> None:
    holding = Holding(emulator.transport())
    client = veo.Client(emulator.api_key, emulator.url, transport=holding.sync(), retry=RETRY, schedule=QUICK_POLLS)
    press_ctrl_c(holding, presses=2, release_after=None)
    with client, pytest.raises(veo.WaitCancelled) as caught:
        client.generate("held", image=image_file, **FAST)
    gave_up = caught.value
    assert gave_up.job is None and gave_up.submitted and gave_up.client_request_id in str(gave_up)
    assert "nothing was submitted" not in str(gave_up)
    row = client.journal.row(gave_up.client_request_id)  # type: ignore[arg-type]
    assert row is not None and row["state"] == "unconfirmed"  # the truth, until the answer comes
    holding.release.set()
    for _ in range(100):
        row = client.journal.row(gave_up.client_request_id)  # type: ignore[arg-type]
        if row is not None and row["job_id"]:
            break
        time.sleep(0.05)
    assert row is not None and row["job_id"] and row["state"] == "confirmed"
