"""Batch files: reading rows, typed cells, row-numbered errors, stable keys, progress and report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.studio._batch import (
    BatchError,
    BatchProgress,
    BatchRow,
    read_batch,
    summary_table,
    validate_rows,
    write_report,
)


def jsonl(path: Path, *rows: object) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_jsonl_rows_keep_their_line_numbers_and_options(tmp_path: Path) -> None:
    (tmp_path / "cat.png").write_bytes(b"")
    file = jsonl(
        tmp_path / "prompts.jsonl",
        {"prompt": "A cat turns", "image": "cat.png", "duration": 4, "seed": 7},
        "",
        {"prompt": "A dog runs", "model": "veo-3.1-fast", "aspect-ratio": "9:16", "generate_audio": False},
    )
    first, second = read_batch(file)
    assert (first.row, second.row) == (1, 3)
    assert first.prompt == "A cat turns"
    assert first.options == {"image": str(tmp_path / "cat.png"), "duration": 4, "seed": 7}
    assert second.options == {"model": "veo-3.1-fast", "aspect_ratio": "9:16", "generate_audio": False}


def test_csv_cells_become_typed_options(tmp_path: Path) -> None:
    file = tmp_path / "shots.csv"
    file.write_text(
        "Prompt,Image,Duration,Seed,Generate Audio,negative-prompt,reference_images,name\n"
        '"Waves, at dusk",beach.jpg,6s,42,no,,a.png|b.png,opening\n'
        "A gull,https://example.com/g.png,8,,yes,blur,,\n"
    )
    waves, gull = read_batch(file)
    assert waves.row == 2 and gull.row == 3
    assert waves.prompt == "Waves, at dusk" and waves.name == "opening"
    assert waves.options == {
        "image": str(tmp_path / "beach.jpg"),
        "duration": 6,
        "seed": 42,
        "generate_audio": False,
        "reference_images": [str(tmp_path / "a.png"), str(tmp_path / "b.png")],
    }
    assert gull.options == {
        "image": "https://example.com/g.png",
        "duration": 8,
        "generate_audio": True,
        "negative_prompt": "blur",
    }


def test_every_bad_row_is_named_at_once(tmp_path: Path) -> None:
    file = tmp_path / "bad.csv"
    file.write_text("prompt,duration,seed,generate_audio\nok,8,1,yes\nx,eight,1,yes\ny,8,1.5,yes\nz,8,1,maybe\n")
    with pytest.raises(BatchError) as err:
        read_batch(file)
    assert [row for row, _ in err.value.errors] == [3, 4, 5]
    message = str(err.value)
    assert "row 3: duration: must be a whole number, not 'eight'" in message
    assert "row 5: generate_audio: must be true or false, not 'maybe'" in message
    assert "nothing was" in message
    assert isinstance(err.value, veo.ValidationError)

    broken = jsonl(tmp_path / "bad.jsonl", {"prompt": "fine"}, "{not json", "[1, 2]", {"prompt": "  "})
    with pytest.raises(BatchError) as err:
        read_batch(broken)
    assert [row for row, _ in err.value.errors] == [2, 3, 4]  # a row that does not parse hides no other
    with pytest.raises(BatchError, match="row 4: prompt: is empty"):
        read_batch(jsonl(tmp_path / "empty.jsonl", {"prompt": "a"}, "", "", {"seed": 3}))


def test_unreadable_batch_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(veo.ValidationError, match=r"ends in \.jsonl or \.csv"):
        read_batch(tmp_path / "prompts.txt")
    with pytest.raises(veo.ValidationError, match="does not exist"):
        read_batch(tmp_path / "missing.jsonl")
    (tmp_path / "noprompt.csv").write_text("text,seed\nhello,1\n")
    with pytest.raises(BatchError, match="row 1: prompt: the header row needs a prompt column"):
        read_batch(tmp_path / "noprompt.csv")
    with pytest.raises(veo.ValidationError, match="is empty"):
        read_batch(jsonl(tmp_path / "blank.jsonl", ""))


def test_keys_are_stable_across_runs_and_edits(tmp_path: Path) -> None:
    a, b = {"prompt": "first", "seed": 1}, {"prompt": "second", "seed": 2}
    file = jsonl(tmp_path / "p.jsonl", a, b, b)
    keys = [r.key for r in read_batch(file)]
    assert keys == [r.key for r in read_batch(file)]  # the same file read again
    assert len(set(keys)) == 3  # two identical rows are two jobs
    jsonl(file, {"prompt": "new"}, b, a, b)  # a row inserted, two reordered
    again = {r.prompt + str(r.row): r.key for r in read_batch(file)}
    assert set(keys) < set(again.values())
    jsonl(file, {"prompt": "first", "seed": 9}, b, b)  # one row edited: only it changes
    edited = [r.key for r in read_batch(file)]
    assert edited[0] not in keys and edited[1:] == keys[1:]
    other = jsonl(tmp_path / "other.jsonl", a, b, b)
    assert not set(r.key for r in read_batch(other)) & set(keys)  # another file, other jobs


def test_validation_checks_every_row_before_anything_is_sent(tmp_path: Path) -> None:
    file = jsonl(tmp_path / "p.jsonl", *({"prompt": f"shot {i}", "duration": d} for i, d in enumerate([8, 5, 4, 7])))
    rows = read_batch(file)
    checked: list[int] = []

    def check(row: BatchRow) -> None:
        checked.append(row.row)
        if row.options["duration"] not in (4, 6, 8):
            raise veo.ValidationError("duration", f"{row.options['duration']} seconds is not one of (4, 6, 8)")

    with pytest.raises(BatchError) as err:
        validate_rows(file, rows, check)
    assert checked == [1, 2, 3, 4]
    assert [row for row, _ in err.value.errors] == [2, 4]
    assert "row 2: duration: 5 seconds is not one of (4, 6, 8)" in str(err.value)
    validate_rows(file, rows[:1], check)  # a good row passes


def test_progress_summary_and_report(tmp_path: Path) -> None:
    file = jsonl(tmp_path / "p.jsonl", *({"prompt": f"shot {i}"} for i in range(4)))
    rows = read_batch(file)
    progress = BatchProgress.of(rows)
    assert progress.describe() == "0/4 done · $0.00 spent" and progress.fraction == 0
    progress.update(rows[0].key, state="done", job_id="job-a", path="out/a.mp4", usd=0.4, resumed=True)
    progress.update(rows[1].key, state="done", job_id="job-b", path="out/b.mp4", usd=0.4)
    progress.update(rows[2].key, state="failed", job_id="job-c", error="content policy")
    progress.update(rows[3].key, state="running", job_id="job-d")
    # Row 1 was done in an earlier run: this run did one, and spent only its $0.40.
    line = "2/4 done (1 in an earlier run) · 1 running · 1 failed · $0.40 spent now ($0.80 in all)"
    assert progress.describe() == line
    assert progress.fraction == 0.75

    table = summary_table(progress)
    assert "done (earlier run)" in table and "content policy" in table and "job-d" in table
    assert table.splitlines()[-1] == progress.describe()

    csv_path, json_path = write_report(file, tmp_path / "out", progress)
    assert csv_path.parent == json_path.parent == tmp_path / "out"
    with csv_path.open() as handle:
        records = list(csv.DictReader(handle))
    assert [r["state"] for r in records] == ["done", "done", "failed", "running"]
    assert records[2]["error"] == "content policy" and records[0]["path"] == "out/a.mp4"
    document = json.loads(json_path.read_text())
    assert document["summary"]["done"] == 2 and document["summary"]["spent_usd"] == pytest.approx(0.8)
    assert document["summary"]["spent_this_run_usd"] == pytest.approx(0.4) and document["summary"]["done_earlier"] == 1
    assert [r["key"] for r in document["rows"]] == [r.key for r in rows]
    assert not list((tmp_path / "out").glob("*.part"))
