"""What the journal's pages are filtered by: each filter of a ``JobQuery`` as SQL that SQLite runs."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone

from veo_widgets.journal._query import JobQuery, where_sql


def matching(query: JobQuery) -> list[str]:
    """The job ids of a small table that ``where_sql(query)`` selects."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE jobs (job_id TEXT, request TEXT, model TEXT, status TEXT, batch TEXT, created_at TEXT)")
    rows = [
        ("abc123", json.dumps({"prompt": "A Lighthouse at dusk", "image": "/x/beach.jpg"}), "m1", "completed", "b1"),
        ("def456", json.dumps({"prompt": "waves", "image": "/x/lighthouse.jpg"}), "m2", "failed", None),
        ("abd789", "not json", "m1", "generating", "b1"),
    ]
    for n, row in enumerate(rows):
        db.execute("INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?)", (*row, f"2026-03-0{n + 1}T00:00:00+00:00"))
    where, args = where_sql(query)
    return [r[0] for r in db.execute(f"SELECT job_id FROM jobs{where} ORDER BY job_id", args)]


def test_no_filter_selects_every_job() -> None:
    assert where_sql({}) == ("", [])
    assert matching({}) == ["abc123", "abd789", "def456"]


def test_each_filter_narrows_and_they_combine() -> None:
    assert matching({"text": "lighthouse"}) == ["abc123"]  # the prompt in any case, never an image path
    assert matching({"text": "ab"}) == ["abc123", "abd789"]  # the start of an id
    assert matching({"model": "m1", "status": ["completed", "failed"]}) == ["abc123"]
    assert matching({"batch": "b1"}) == ["abc123", "abd789"]
    march_2 = datetime(2026, 3, 2, tzinfo=timezone.utc)
    assert matching({"since": march_2}) == ["abd789", "def456"]
    assert matching({"until": march_2}) == ["abc123"]


def test_a_status_filter_ignores_letter_case() -> None:
    """The API's spellings vary in case too: a row journaled ``FAILED`` is a failed job."""
    assert matching({"status": ["FAILED"]}) == ["def456"]
    assert matching({"status": ("Completed", "succeeded")}) == ["abc123"]
