"""`veo doctor --live`'s report: one line per open question of the API contract, always."""

from __future__ import annotations

from pathlib import Path

from veo_widgets.views._doctor import Check
from veo_widgets.views._doctor_report import QUESTIONS, answers, write_report


def test_every_question_gets_a_line_even_when_the_run_saw_nothing(tmp_path: Path) -> None:
    given = answers({})
    assert [a.number for a in given] == list(range(1, 12)) == [q.number for q in QUESTIONS]
    assert all(a.state in ("answered", "partly", "not probed") and a.seen for a in given)
    json_path, md_path, shown = write_report([Check("key", "ok", "accepted")], {}, tmp_path)
    assert json_path.is_file() and md_path.is_file()
    assert sum(line.startswith("Q") for line in shown) == 11


def test_the_terminal_status_and_pricing_are_answered_from_what_was_seen() -> None:
    facts = {
        "statuses_seen": ["queued", "processing", "succeeded"],
        "catalogue": [
            {
                "id": "google/veo3",
                "aliases": [],
                "pricing": {
                    "kind": "variants",
                    "dimensions": ["resolution"],
                    "variants": [{"when": {"resolution": "720P"}}],
                },
            }
        ],
    }
    by_id = {a.id: a for a in answers(facts)}
    assert by_id["terminal-status"].state == "answered" and "'succeeded'" in by_id["terminal-status"].seen
    assert by_id["veo-pricing"].state == "answered" and "upper case" in by_id["veo-pricing"].seen
