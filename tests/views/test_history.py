"""The job history as a terminal table (``veo history``) and as HTML (``%veo history``)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

import veo_widgets as veo
from veo_widgets.views import _history as display


def job(ident: str, prompt: str, status: str = "completed") -> veo.Job:
    when = datetime(2026, 11, 29, 23, 0, tzinfo=timezone.utc)
    return veo.Job(id=ident, status=status, request={"prompt": prompt}, created_at=when, updated_at=when, demo=True)


def test_history_text_has_a_header_aligned_columns_and_fits() -> None:
    jobs = [job("4a8bf61a-15dc:veo", "x" * 300), job("9c1e5b2d-4680:veo", "short", "generating")]
    text = display.history_text(jobs, width=80)
    lines = text.splitlines()
    assert lines[0].startswith("ID") and all(len(line) <= 80 for line in lines)
    assert lines[1].startswith("4a8bf61a") and lines[2].startswith("9c1e5b2d")
    assert lines[1].index("x") == lines[2].index("short") == lines[0].index("PROMPT")
    assert "generating?" in lines[2] and "veo resume" in lines[-1]  # nobody is watching it
    watched = display.history_text(jobs, width=80, watched=frozenset({"9c1e5b2d-4680:veo"}))
    assert "generating?" not in watched


@pytest.mark.parametrize("width", [40, 50, 60, 80])
def test_history_text_fits_narrow_terminals_footer_included(width: int) -> None:
    jobs = [
        job("4a8bf61a-15dc:veo", "a long prompt about the sea " * 5),
        job("9c1e5b2d-4680:veo", "short", "generating").evolve(chosen=True),
        job("", "lost answer", "unconfirmed"),
    ]
    lines = display.history_text(jobs, width=width).splitlines()
    assert all(len(line) <= width for line in lines), max(lines, key=len)
    assert lines[0].startswith("ID") and "PROMPT" in lines[0] and ("CREATED" in lines[0]) == (width >= 60)
    assert lines[1].startswith("4a8bf61a") and lines[1].endswith("…")  # the prompt is cut, not the row
    text = " ".join(display.history_text(jobs, width=width).split())
    assert "? = nobody is waiting for it here: `veo resume ID` picks it up again" in text  # wrapped, whole
    assert "`veo reconcile` looks for the job" in text


def test_history_tells_a_job_another_process_polls_from_one_nobody_does() -> None:
    now = datetime.now(timezone.utc)
    fresh = job("9c1e5b2d-4680:veo", "kept alive", "generating").evolve(watched_until=now + timedelta(seconds=20))
    stale = job("4a8bf61a-15dc:veo", "orphaned", "generating").evolve(watched_until=now - timedelta(seconds=5))
    lines = display.history_text([fresh, stale], width=80).splitlines()
    assert "generating (watched)" in lines[1] and "?" not in lines[1]
    assert "generating?" in lines[2]
    footer = " ".join(lines[3:])
    assert "another process" in footer and "veo resume ID" in footer
    assert "veo resume" not in " ".join(display.history_text([fresh], width=80).splitlines()[2:])
    html = display.history_table_html([fresh, stale])
    assert "watched by another process" in html and html.count("%veo resume") == 1


def test_history_html_offers_resume_for_unwatched_jobs() -> None:
    html = display.history_table_html([job("9c1e5b2d-4680:veo", "p", "queued")])
    assert "%veo resume 9c1e5b2d" in html and "9c1e5b2d-4680:veo" in html


def test_short_ids_are_what_file_names_use() -> None:
    assert display.short_id("ab:cd-ef1234567") == "abcdef12"


def test_unconfirmed_creates_point_at_reconcile() -> None:
    lost = job("", "lost answer", "unconfirmed")
    assert "veo reconcile" in display.history_text([lost])
    assert "%veo reconcile" in display.history_table_html([lost])


def test_history_marks_the_chosen_take_with_a_star_and_still_fits() -> None:
    plain, chosen = job("4a8bf61a-15dc:veo", "take one " * 40), job("9c1e5b2d-4680:veo", "take two " * 40)
    chosen = chosen.evolve(chosen=True)
    lines = display.history_text([plain, chosen], width=80).splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[2][lines[0].index("PROMPT") :].startswith("★ take two") and "★" not in lines[1]
    assert lines[-1] == "★ = the take chosen among the takes of its request"
    assert "★" not in display.history_text([plain], width=80)  # no legend without a chosen take
    html = display.history_table_html([plain, chosen])
    assert html.count("★") == 1 and 'title="the chosen take"' in html


def test_history_html_reads_left_to_right_even_without_the_stylesheet() -> None:
    """``%veo history`` prints the table alone; JupyterLab right-aligns table cells unless told."""
    html = display.history_table_html([job("9c1e5b2d-4680:veo", "A kite"), job("4a8bf61a-15dc:veo", "A boat")])
    cells = re.findall(r"<t[dh]\b[^>]*>", html)
    assert len(cells) == 15 and all("text-align:left" in cell for cell in cells)
