"""What the ``veo`` command and ``%veo`` share: a job already saved, seconds to wait, and what
``models --refresh`` says under its table."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pytest

from veo_widgets.journal._store import Journal
from veo_widgets.schema._family import models
from veo_widgets.schema._models import Job
from veo_widgets.views._lookup import already_saved, models_lines, positive_seconds, saved_video


def test_a_job_is_saved_only_while_its_file_is_there(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\0")
    journal.record(Job(id="ab:cd-1234", status="completed", path=clip))
    journal.record(Job(id="ef-5678", status="completed"))
    found = saved_video(journal, "ab:cd-1234")
    assert found is not None and found.path == clip
    assert already_saved(found) == f"ab:cd-1234 is already saved: {clip} (nothing to download)"
    assert saved_video(journal, "ef-5678") is None  # completed, never downloaded here
    assert saved_video(journal, "from-another-machine") is None
    clip.unlink()
    assert saved_video(journal, "ab:cd-1234") is None  # deleted: resume downloads it again


def test_seconds_to_wait_are_more_than_zero() -> None:
    assert positive_seconds("600") == 600.0
    for text in ("0", "-1", "nan", "inf", "soon"):
        with pytest.raises(argparse.ArgumentTypeError):
            positive_seconds(text)


def test_models_refresh_says_how_many_schemas_were_read_and_which_models_are_new() -> None:
    family = list(models())
    assert models_lines(family, refreshed=False) == []
    read = [replace(family[0], origin="refreshed"), replace(family[1], short="veo-4-t2v", origin="new"), *family[2:]]
    assert models_lines(read, refreshed=True) == [
        f"schemas: 2 of {len(read)} models as the API's schemas say now (kept a day)",
        "new:   veo-4-t2v: not in this release's table, checked by the API's schema",
    ]
