"""Lost create answers: paid jobs created and videos delivered, ours vs a POST-retrying client.

The emulator makes the job and then loses the answer (a 500, 502 or 504, a reset
connection, a read timeout, an unreadable 200), once or on every create in a row. Ours never
sends the create again: it finds the job in the usage logs by its client request id and
delivers the video. The baseline imitates what the official AI/ML API SDK does: it retries a
POST up to 2 more times on a 5xx, a timeout or a connection error, and pays for each job it
made. Paid jobs are counted by the emulator (the creates it accepted), not by the clients.
"""

from __future__ import annotations

import base64
import io
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.protocol._flows import RetryPolicy
from veo_widgets.protocol._schedule import DurationModel, PollSchedule

try:
    from ._table import machine, table
except ImportError:
    from _table import machine, table  # type: ignore[no-redef]

KINDS = ("500", "502", "504", "drop", "slow", "malformed")
LABELS = {"drop": "reset connection", "slow": "read timeout", "malformed": "unreadable 200"}
BODY = {"duration": 4, "seed": 1, "resolution": "720p", "aspect_ratio": "16:9"}
TIMEOUT = 1.0  # the read timeout both clients use; a "slow" fault answers after 2 s
QUICK = PollSchedule(DurationModel(median=2.0, sigma=0.5), first_poll=0.2, min_interval=0.1)


def ours(emu: Emulator, image: Path, journal: veo.Journal) -> bool:
    retry = RetryPolicy(base=0.05, cap=0.2)
    with veo.Client(emu.api_key, emu.url, timeout=TIMEOUT, retry=retry, schedule=QUICK, journal=journal) as client:
        client.on_notice = lambda text: None  # the table says it
        try:
            job = client.generate("a lost answer", image=image, timeout=60, **BODY)  # type: ignore[arg-type]
        except veo.VeoError:
            return False
        return job.path is not None and job.path.stat().st_size > 0


def retrying_post(http: httpx.Client, body: dict[str, Any], tries: int = 3) -> dict[str, Any] | None:
    """Our own imitation of an SDK's POST: up to 2 more tries on a 5xx, a timeout or a
    connection error, with exponential backoff; the same request each time."""
    for attempt in range(tries):
        try:
            answer = http.post("/v2/video/generations", json=body)
            if answer.status_code < 500:
                answer.raise_for_status()
                return answer.json()  # type: ignore[no-any-return]
        except (httpx.TimeoutException, httpx.TransportError):
            pass
        except ValueError:  # an unreadable 200: an SDK's JSON decoding error, not retried
            return None
        if attempt + 1 < tries:
            time.sleep(min(0.5 * 2**attempt, 8.0) / 10)  # a tenth of the SDK's waits: same count, faster run
    return None


def baseline(emu: Emulator, image: Path) -> bool:
    data = "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()
    body = {"model": "google/veo-3.0-i2v-fast", "prompt": "a lost answer", "image_url": data, **BODY}
    headers = {"Authorization": f"Bearer {emu.api_key}"}
    with httpx.Client(base_url=emu.url, headers=headers, timeout=TIMEOUT) as http:
        try:
            created = retrying_post(http, body)
        except httpx.HTTPError:
            return False
        if not created or not created.get("id"):
            return False
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                state = http.get("/v2/video/generations", params={"generation_id": created["id"]}).json()
            except (httpx.HTTPError, ValueError):
                continue
            if state.get("status") == "completed":
                video = http.get(state["video"]["url"], timeout=30)
                return video.status_code == 200 and len(video.content) > 0
            if state.get("status") not in ("queued", "generating", "waiting", "active"):
                return False
    return False


def main() -> str:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "input.png"
        buf = io.BytesIO()
        Image.new("RGB", (640, 360), (30, 120, 200)).save(buf, "PNG")
        image.write_bytes(buf.getvalue())
        journal = veo.Journal(Path(tmp) / "journal.sqlite3")
        with Emulator(timing=0.5, seed=7, **_lag()) as emu:
            for times, scenario in ((1, "once"), (3, "3 creates in a row")):
                for kind in KINDS:
                    line: list[object] = [LABELS.get(kind, kind), scenario]
                    for run in (lambda: ours(emu, image, journal), lambda: baseline(emu, image)):
                        emu.clear_faults()
                        emu.add_fault(kind, endpoint="create", times=times, delay=2 * TIMEOUT)
                        before = emu.stats.creates
                        delivered = run()
                        line += [emu.stats.creates - before, "yes" if delivered else "no"]
                    rows.append(line)
    paid = [sum(int(str(r[i])) for r in rows) for i in (2, 4)]
    videos = [sum(r[i] == "yes" for r in rows) for i in (3, 5)]
    rows.append(["all", f"{len(rows)} lost answers", paid[0], videos[0], paid[1], videos[1]])
    rows.append(
        ["", "paid jobs per video", f"{paid[0] / max(1, videos[0]):.2f}", "", f"{paid[1] / max(1, videos[1]):.2f}", ""]
    )
    return table(
        f"Lost create answers: paid jobs and videos per lost answer ({machine()})",
        ["lost answer", "happens", "ours: paid jobs", "ours: video", "POST retried x2: paid jobs", "its video"],
        rows,
    )


def _lag() -> dict[str, float]:
    """A short delay before a create's row shows in the usage logs, where the emulator has it."""
    import inspect

    return {"log_lag": 1.0} if "log_lag" in inspect.signature(Emulator.__init__).parameters else {}


if __name__ == "__main__":
    main()
