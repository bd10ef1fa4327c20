"""Running a batch file against the emulator: everything validated first, resumable, never twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.studio._batch import BatchError, BatchProgress
from veo_widgets.studio._batch_run import run_batch

from ..conftest import QUICK_POLLS, image_bytes
from ..helpers import hosted_clip, own_emulator

# An emulator of this module's own: these tests count every create the server saw, over
# whole batches, and change its log lag; other modules' threads must not add to either.
_own_server, emulator = own_emulator("emulator", timing=0.5, seed=7)


@pytest.fixture
def client(emulator: Emulator) -> Iterator[veo.Client]:
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as made:
        yield made


def batch_file(folder: Path, rows: int) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "shot.png").write_bytes(image_bytes((320, 180)))
    lines = [
        json.dumps({"prompt": f"shot {i}: waves", "image": "shot.png", "duration": 4, "seed": i % 2})
        for i in range(rows)
    ]
    path = folder / "shots.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_an_interrupted_batch_resumes_without_creating_any_job_twice(
    tmp_path: Path, client: veo.Client, emulator: Emulator
) -> None:
    path = batch_file(tmp_path, 20)
    creates = emulator.stats.creates

    def interrupt_half_way(state: BatchProgress) -> None:
        if state.count("done") >= 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(client, path, concurrency=4, progress=interrupt_half_way)
    first = json.loads((tmp_path / "shots-videos" / "shots.report.json").read_text())
    assert 10 <= first["summary"]["done"] < 20

    seen: list[str] = []
    state = run_batch(client, path, concurrency=4, progress=lambda s: seen.append(s.describe()))
    assert state.count("done") == 20, [
        (r.row.row, r.state, r.error) for r in state.results.values() if r.state != "done"
    ]
    assert seen[-1].startswith("20/20 done")
    assert emulator.stats.creates - creates == 20  # every row made exactly one job
    videos = sorted((tmp_path / "shots-videos").glob("*.mp4"))
    assert len(videos) == 20 and videos[0].name == "0001-shot-0-waves.mp4"
    resumed = [r for r in state.results.values() if r.resumed]
    assert len(resumed) >= 10  # found in the journal, not made again
    report = json.loads((tmp_path / "shots-videos" / "shots.report.json").read_text())
    assert report["summary"]["done"] == 20 and len({r["job_id"] for r in report["rows"]}) == 20

    again = run_batch(client, path)  # a third run: nothing to do
    assert again.count("done") == 20 and emulator.stats.creates - creates == 20


def test_a_bad_row_stops_the_batch_before_anything_is_sent(
    tmp_path: Path, client: veo.Client, emulator: Emulator
) -> None:
    (tmp_path / "a.png").write_bytes(image_bytes())
    path = tmp_path / "shots.csv"
    path.write_text("prompt,image,duration\nwaves,a.png,4\ngulls,a.png,5\nsky,missing.png,4\n")
    creates = emulator.stats.creates
    with pytest.raises(BatchError) as err:
        run_batch(client, path)
    assert [row for row, _ in err.value.errors] == [3, 4]
    assert "row 3: duration" in str(err.value) and "row 4: image" in str(err.value)
    assert emulator.stats.creates == creates
    assert not (tmp_path / "shots-videos").exists()


def test_a_video_link_extend_would_refuse_stops_the_batch_before_anything_is_sent(
    tmp_path: Path, client: veo.Client, emulator: Emulator
) -> None:
    good, thirty = hosted_clip(emulator, tmp_path), hosted_clip(emulator, tmp_path, fps=30)
    path = tmp_path / "more.csv"
    rows = [f"and then,veo-3.1-fast-extend,{url}" for url in (good, thirty, "http://127.0.0.1:1/clip.mp4")]
    path.write_text("prompt,model,video\n" + "\n".join(rows) + "\n")
    creates = emulator.stats.create_attempts
    with pytest.raises(BatchError) as err:
        run_batch(client, path)
    assert [row for row, _ in err.value.errors] == [3, 4]
    assert "row 3: video" in str(err.value) and "30 fps" in str(err.value) and "could not read" in str(err.value)
    assert emulator.stats.create_attempts == creates


def test_a_budget_stops_new_rows_starting(tmp_path: Path, client: veo.Client, emulator: Emulator) -> None:
    price = client.estimate(duration=4).usd
    assert price is not None and price > 0
    path = batch_file(tmp_path, 5)
    # One at a time: the first two fit in 2.5 jobs' worth; the third would not.
    state = run_batch(client, path, concurrency=1, budget=2.5 * price)
    assert state.count("done") == 2 and state.count("skipped") == 3
    assert state.spent == pytest.approx(2 * price)
    assert {r.error for r in state.results.values() if r.state == "skipped"} == {f"over the ${2.5 * price:.2f} budget"}


def test_a_row_whose_create_answer_was_lost_is_found_not_sent_again(
    tmp_path: Path, client: veo.Client, emulator: Emulator
) -> None:
    path = batch_file(tmp_path, 2)
    creates = emulator.stats.creates
    client.reconcile_timeout = 0.5  # the first run gives up on the logs quickly...
    emulator.log_lag = 3.0  # ...before the lost create's log row appears
    emulator.add_fault("drop", endpoint="create")  # the job is made; its answer never arrives
    try:
        first = run_batch(client, path, concurrency=1)
    finally:
        emulator.log_lag = 0.0
    assert first.count("unconfirmed") == 1 and first.count("done") == 1
    assert emulator.stats.creates - creates == 2
    second = run_batch(client, path)  # looks the lost create up in the logs and resumes it
    assert second.count("done") == 2
    assert emulator.stats.creates - creates == 2  # still two: nothing was sent again


def test_rows_that_never_left_the_machine_are_started_not_left_unconfirmed(
    tmp_path: Path, client: veo.Client, emulator: Emulator
) -> None:
    # Issue 21, item 1: rows the crashed batch marked started, one with no journal row (it died
    # before the create's row was written) and one journaled and never sent, stayed
    # "unconfirmed" for good ("run veo reconcile, then this batch again", which changed nothing).
    from veo_widgets.studio._batch import parse_batch
    from veo_widgets.studio._batch_run import Ledger

    path = batch_file(tmp_path, 3)
    rows, _ = parse_batch(path)
    ledger = Ledger(path)
    ledger.note(rows[0].key)  # started; the process died before anything was journaled
    ledger.note(rows[1].key, "veo-journaled-never-sent")
    client.journal.record_submission(
        "veo-journaled-never-sent", base_url=emulator.url, demo=False, request={"prompt": rows[1].prompt}
    )
    client.logs_final_after = 0.0  # the emulator's logs have no lag: final at once
    creates = emulator.stats.creates
    state = run_batch(client, path)
    assert state.count("done") == 3 and state.count("unconfirmed") == 0
    assert emulator.stats.creates - creates == 3 and not emulator.stats.duplicate_creates
    assert client.journal.find("veo-journaled-never-sent").status == "not_submitted"  # type: ignore[union-attr]
    assert client.journal.unconfirmed() == []
