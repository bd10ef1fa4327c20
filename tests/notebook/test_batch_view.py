"""A batch's progress in a notebook: counts, a bar and one live line per row."""

from __future__ import annotations

import json
from pathlib import Path

from veo_widgets.notebook._batch_view import BatchView
from veo_widgets.studio._batch import BatchProgress, read_batch


def test_the_view_shows_every_row_and_the_counts(tmp_path: Path) -> None:
    path = tmp_path / "shots.jsonl"
    path.write_text("\n".join(json.dumps({"prompt": f"shot {i}"}) for i in range(3)) + "\n")
    rows = read_batch(path)
    state = BatchProgress.of(rows)
    view = BatchView(interval=0)
    view.update(state)
    assert view.table.value.count("data-state='queued'") == 3 and view.bar.value == 0
    state.update(rows[0].key, state="done", job_id="job-a", usd=0.5, path="out/a.mp4")
    state.update(rows[1].key, state="failed", error="blocked <by> policy")
    state.update(rows[2].key, state="running", job_id="job-c")
    view.update(state)
    assert "1/3 done · 1 running · 1 failed · $0.50 spent" in view.summary.value
    assert view.bar.value == 2 / 3
    assert "out/a.mp4" in view.table.value and "blocked &lt;by&gt; policy" in view.table.value
    assert view.table.value.count("<tr data-state=") == 3


def test_the_table_is_redrawn_at_most_every_interval_but_always_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "shots.jsonl"
    path.write_text(json.dumps({"prompt": "one"}) + "\n" + json.dumps({"prompt": "two"}) + "\n")
    rows = read_batch(path)
    state = BatchProgress.of(rows)
    view = BatchView(interval=3600)
    view.update(state)  # the first draw is due
    state.update(rows[0].key, state="done")
    view.update(state)
    assert "data-state='done'" not in view.table.value and "1/2 done" in view.summary.value
    state.update(rows[1].key, state="done")
    view.update(state)  # the batch is over: drawn whatever the interval
    assert view.table.value.count("data-state='done'") == 2
