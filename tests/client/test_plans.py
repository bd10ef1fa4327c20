"""The plans: the submit plan asks the money rules before a create is journaled or sent
(``admit``) and when a create's answer is lost (``recover``); the wait's heartbeat."""

from __future__ import annotations

import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import httpx
import pytest

import veo_widgets as veo
from veo_widgets.client._core import Core
from veo_widgets.client._drivers import SyncDriver
from veo_widgets.client._lost import LostCreates
from veo_widgets.client._money import Money
from veo_widgets.client._plans import Plans
from veo_widgets.journal._store import RECOVERED
from veo_widgets.protocol._steps import RecordState, Send
from veo_widgets.schema._models import Job, VideoRequest

from ..conftest import FAST
from ..helpers import until

pytestmark = pytest.mark.timeout(60)


class LosingAPI:
    """Makes the job, then answers the create with a 502; ``/lookup`` finds it by request id."""

    def __init__(self) -> None:
        self.made: dict[str, str] = {}
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "POST":
            self.made[request.headers["x-client-request-id"]] = f"gen-{len(self.made) + 1}"
            return httpx.Response(502, json={"message": "bad gateway"})
        if request.url.path == "/lookup":
            found = self.made.get(request.url.params["crid"])
            return httpx.Response(200, json={"id": found}) if found else httpx.Response(404)
        if request.url.path == "/v2/logs":  # the usage logs refuse this key: no reconciliation
            return httpx.Response(403, json={"message": "forbidden"})
        if request.url.path == "/models/metrics":
            return httpx.Response(200, json={"window_seconds": 300, "models": []})
        if request.url.path.endswith(".mp4"):
            return httpx.Response(200, content=b"\0" * 64, headers={"content-type": "video/mp4"})
        body = {
            "id": request.url.params["generation_id"],
            "status": "completed",
            "video": {"url": "http://api.test/v.mp4"},
        }
        return httpx.Response(200, json=body)


class HookedLost(LostCreates):
    """A lost answer looked up at the test API's ``/lookup`` instead of the usage logs."""

    def recover(
        self, request: VideoRequest, client_request_id: str, error: veo.VeoError, timeout: float | None = None
    ) -> Generator[Any, Any, Job]:
        answer = yield Send("GET", "/lookup", params={"crid": client_request_id})
        if not isinstance(answer, httpx.Response) or answer.status_code != 200:
            raise error
        yield RecordState(client_request_id, RECOVERED)
        return Job(answer.json()["id"], "queued", client_request_id=client_request_id, request=request.summary())


class HookedMoney(Money):
    """Money rules of the test's own: a budget of its own, and a lost answer looked up at ``/lookup``."""

    budget_left = 10.0

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.lost = HookedLost(core, self, notice=self._notice, known_catalogue=self._known_catalogue)

    def admit(self, request: VideoRequest) -> Generator[Any, Any, dict[str, Any]]:
        estimate = 2.5 * (request.duration or 8) / 8
        if estimate > self.budget_left:
            raise veo.ValidationError("budget", f"{estimate} over what is left")
        return {"estimate_usd": estimate}
        yield


class Hooked:
    """Plans over the hooked money rules, and a driver to run them (what a client holds)."""

    def __init__(self, api: LosingAPI, tmp_path: Path) -> None:
        self.core = Core("k", "http://api.test", transport=httpx.MockTransport(api.handle))
        self.money = HookedMoney(self.core)
        self.plans = Plans(self.core, self.money)
        self.driver = SyncDriver(self.core)
        self.save_to = tmp_path

    def request(self, image: Path, **options: Any) -> VideoRequest:
        request, _ = self.driver.drive(self.plans.prepare("x", image, options))
        return request

    def generate(self, image: Path, **options: Any) -> Job:
        return self.driver.drive(self.plans.generate(self.request(image, **options), self.save_to, 60, None, None))

    def submit(self, image: Path, **options: Any) -> Job:
        return self.driver.drive(self.plans.submit(self.request(image, **options)))


def test_a_lost_answer_found_again_goes_on_to_the_video(image_file: Path, tmp_path: Path) -> None:
    api = LosingAPI()
    hooked = Hooked(api, tmp_path)
    job = hooked.generate(image_file, **FAST)
    assert job.ok and job.id == "gen-1" and job.path is not None and job.path.exists()
    assert len([r for r in api.requests if r.method == "POST"]) == 1
    row = hooked.core.journal.row("gen-1")
    assert row is not None and row["state"] == RECOVERED and row["estimate_usd"] == 1.25


def test_a_refusing_budget_sends_and_journals_nothing(image_file: Path, tmp_path: Path) -> None:
    api = LosingAPI()
    hooked = Hooked(api, tmp_path)
    hooked.money.budget_left = 1.0
    with pytest.raises(veo.ValidationError, match="budget"):
        hooked.submit(image_file, duration=8)
    assert api.requests == [] and hooked.core.journal.history() == []


def test_when_the_logs_refuse_a_lost_answer_is_the_error_and_stays_unconfirmed(image_file: Path) -> None:
    api = LosingAPI()
    client = veo.Client("k", "http://api.test", transport=httpx.MockTransport(api.handle))
    with client, pytest.raises(veo.VeoError) as caught:
        client.submit("x", image=image_file, **FAST)
    assert caught.value.may_exist and len([r for r in api.requests if r.method == "POST"]) == 1
    assert [j.client_request_id for j in client.journal.unconfirmed()] == [caught.value.client_request_id]


def _history_elsewhere() -> str:
    """``veo history`` as another process (a terminal) prints it, from the same journal."""
    import os
    import subprocess
    import sys

    command = [sys.executable, "-m", "veo_widgets.cli", "history", "--width", "100"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=dict(os.environ), check=True)
    return done.stdout


def test_history_elsewhere_tells_a_job_being_waited_for_from_an_orphan(
    emulator: veo.Emulator, image_file: Path
) -> None:
    from ..conftest import QUICK_POLLS

    emulator.add_fault("never_finish")
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
        run = client.start("kept waiting for", image=image_file, timeout=120, **FAST)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the first heartbeat comes before the first sleep
            job = run.job
            row = client.journal.find(job.id) if job is not None and job.id else None
            if row is not None and row.watched_until is not None:
                break
            time.sleep(0.05)
        assert row is not None and row.watched_until is not None
        shown = _history_elsewhere()
        line = next(line for line in shown.splitlines() if "kept waiting for" in line)
        assert "(watched)" in line and "?" not in line, shown
        assert "another process" in shown and "veo resume" not in shown
        run.cancel()
        with pytest.raises(veo.WaitCancelled):
            run.wait(10)
    assert veo.Journal().find(row.id).watched_until is None  # type: ignore[union-attr]
    shown = _history_elsewhere()
    line = next(line for line in shown.splitlines() if "kept waiting for" in line)
    assert "?" in line and "(watched)" not in line and "veo resume ID" in shown, shown


class CountingJournal(veo.Journal):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.beats: list[object] = []

    def watch(self, job_id: str, until: Any) -> None:
        self.beats.append(until)
        super().watch(job_id, until)

    def record(self, job: Job) -> None:
        if job.watched_until is not None:  # a heartbeat carried by a status change's write
            self.beats.append(("with a status", job.status))
        super().record(job)


def test_the_heartbeat_is_written_only_when_its_promise_would_run_out(
    emulator: veo.Emulator, image_file: Path, tmp_path: Path
) -> None:
    from ..conftest import QUICK_POLLS, Counting

    emulator.add_fault("never_finish")
    journal = CountingJournal(tmp_path / "j.sqlite3")
    transport = Counting(emulator)
    client = veo.Client(emulator.api_key, emulator.url, journal=journal, schedule=QUICK_POLLS, transport=transport)
    with client:
        run = client.start("polled often", image=image_file, timeout=120, **FAST)

        def polls() -> int:
            return sum(r.method == "GET" and "generation_id" in str(r.url) for r in list(transport.requests))

        until(lambda: polls() >= 3)  # several quick polls, each promise still holding: one write
        run.cancel()
        with pytest.raises(veo.WaitCancelled):
            run.wait(10)
    assert polls() >= 3
    # One promise, in the same write as the first status seen; then "nobody polls it now".
    first, last = journal.beats  # exactly two heartbeat writes in all
    assert isinstance(first, tuple) and first[0] == "with a status" and last is None, journal.beats
