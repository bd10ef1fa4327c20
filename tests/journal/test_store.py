"""The journal keeps every job across processes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from veo_widgets._errors import AmbiguousIdError, ValidationError
from veo_widgets.journal._store import NOT_SUBMITTED, RECOVERED, UNCONFIRMED, Journal
from veo_widgets.schema._models import Job, Usage


def test_a_submission_is_recorded_before_the_id_exists(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    journal.record_submission("veo-1", base_url="http://x", demo=False, request={"prompt": "p"})
    row = journal.find("veo-1")
    assert row is not None and row.status == UNCONFIRMED and row.id == "" and row.request == {"prompt": "p"}
    journal.record(Job("job-1", "queued", client_request_id="veo-1", base_url="http://x"))
    again = Journal(tmp_path / "j.sqlite3")  # another process, another day
    found = again.find("job-1")
    assert found is not None and found.client_request_id == "veo-1" and found.request == {"prompt": "p"}


def test_updates_keep_what_was_known(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    job = Job("job-2", "completed", video_url="https://x/v.mp4", usage=Usage(usd=1.0))
    journal.record(job)
    journal.record(job.evolve(path=Path("/tmp/v.mp4")))
    journal.record(job.evolve(video_url=None, usage=Usage()))  # a thinner copy does not erase
    found = journal.find("job-2")
    assert found is not None and found.video_url == "https://x/v.mp4" and found.path == Path("/tmp/v.mp4")
    assert found.usage.usd == 1.0


def test_history_is_newest_first_and_durations_by_kind(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    for n in range(3):
        journal.record_submission(f"c{n}", base_url="u", demo=n == 2, request={})
        journal.record_outcome(f"c{n}", status=NOT_SUBMITTED, error="refused")
    assert [j.client_request_id for j in journal.history()] == ["c2", "c1", "c0"]
    assert journal.history(1)[0].client_request_id == "c2"
    journal.record(Job("done", "completed"))
    assert len(journal.durations(demo=False)) == 1 and journal.durations(demo=True) == []


# ---------------------------------------------------------------- reads for a gallery


def filled(tmp_path: Path, n: int = 30) -> Journal:
    journal = Journal(tmp_path / "j.sqlite3")
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    for i in range(n):
        model = "google/veo-3.1-fast" if i % 3 == 0 else "google/veo-3.0-i2v-fast"
        when = start + timedelta(hours=i)
        journal.record(
            Job(
                f"job-{i:03d}",
                "completed" if i % 2 else "error",
                request={"prompt": f"shot {i} of the {'sea' if i % 5 == 0 else 'hills'}", "model": model},
                created_at=when,
                updated_at=when + timedelta(seconds=60),
            )
        )
    return journal


def test_pages_are_newest_first_and_filtered(tmp_path: Path) -> None:
    journal = filled(tmp_path)
    first, second = journal.page(0, 10), journal.page(10, 10)
    assert [j.id for j in first][:2] == ["job-029", "job-028"] and second[0].id == "job-019"
    assert journal.count() == 30
    sea = journal.page(0, 100, text="SEA")
    assert {j.id for j in sea} == {f"job-{i:03d}" for i in range(0, 30, 5)} and journal.count(text="sea") == 6
    fast31 = journal.page(0, 100, model="google/veo-3.1-fast", status="completed")
    assert {j.id for j in fast31} == {f"job-{i:03d}" for i in range(30) if i % 3 == 0 and i % 2}
    both = journal.count(model=["google/veo-3.1-fast", "google/veo-3.0-i2v-fast"])
    assert both == 30
    window = journal.page(
        0, 100, since=datetime(2026, 3, 1, 5, tzinfo=timezone.utc), until=datetime(2026, 3, 1, 8, tzinfo=timezone.utc)
    )
    assert [j.id for j in window] == ["job-007", "job-006", "job-005"]


def test_find_takes_an_unambiguous_prefix(tmp_path: Path) -> None:
    journal = filled(tmp_path, 12)
    journal.record(Job("3f2a9c1e-77:veo-3.0-fast-generate-001", "queued", client_request_id="veo-77aa"))
    assert journal.find("job-011").id == "job-011"  # type: ignore[union-attr]
    assert journal.find("3f2a").id == "3f2a9c1e-77:veo-3.0-fast-generate-001"  # type: ignore[union-attr]
    assert journal.find("veo-77").id.startswith("3f2a")  # type: ignore[union-attr]
    with pytest.raises(AmbiguousIdError) as caught:
        journal.find("job-01")
    assert sorted(caught.value.candidates) == ["job-010", "job-011"] and caught.value.field == "job"
    assert journal.find("nothing-like-it") is None


def journal_with(tmp_path: Path, *ids: str) -> Journal:
    journal = Journal(tmp_path / "j.sqlite3")
    for ident in ids:
        journal.record(Job(id=ident, status="completed", request={"prompt": ident}))
    return journal


def test_job_id_is_the_full_id_of_an_id_or_a_prefix(tmp_path: Path) -> None:
    journal = journal_with(tmp_path, "4a8bf61a-15dc-477f:veo-3", "9c1e5b2d-4680-aa11:veo-3")
    assert journal.job_id("4a8bf61a-15dc-477f:veo-3") == "4a8bf61a-15dc-477f:veo-3"
    assert journal.job_id(" 4a8b ") == "4a8bf61a-15dc-477f:veo-3"
    assert journal.job_id("9c1e5b2d") == "9c1e5b2d-4680-aa11:veo-3"


def test_the_file_name_spelling_of_a_prefix_finds_the_job(tmp_path: Path) -> None:
    # File names keep letters and digits only: "ab:cd-EF12..." is saved as "abcdef12".
    journal = journal_with(tmp_path, "ab:cd-EF1234567", "zz-other")
    assert journal.job_id("abcdef12") == "ab:cd-EF1234567"
    assert journal.find("ABCDEF12").id == "ab:cd-EF1234567"  # type: ignore[union-attr]


def test_an_ambiguous_file_name_prefix_names_the_candidates(tmp_path: Path) -> None:
    journal = journal_with(tmp_path, "abc:123-one", "abc-123-two")
    with pytest.raises(AmbiguousIdError, match="matches 2 jobs") as caught:
        journal.job_id("abc123")
    assert sorted(caught.value.candidates) == ["abc-123-two", "abc:123-one"]


def test_an_unknown_id_is_passed_on_for_the_api_to_judge(tmp_path: Path) -> None:
    assert journal_with(tmp_path).job_id("from-another-machine") == "from-another-machine"
    with pytest.raises(ValidationError, match="give a job id"):
        journal_with(tmp_path).job_id("  ")


def test_lineage_choice_and_poster_are_kept(tmp_path: Path) -> None:
    journal = filled(tmp_path, 3)
    journal.set_parent("job-002", "job-001", "extend")
    journal.set_chosen("job-002")
    journal.set_poster("job-002", tmp_path / "p.jpg")
    journal.record(Job("job-002", "completed"))  # a later update does not erase them
    row = journal.row("job-002")
    assert row is not None
    assert (row["parent_id"], row["relation"], row["chosen"], row["poster"]) == (
        "job-001",
        "extend",
        1,
        str(tmp_path / "p.jpg"),
    )
    journal.set_chosen("job-002", False)
    assert journal.row("job-002")["chosen"] == 0  # type: ignore[index]
    with pytest.raises(KeyError):
        journal.set_chosen("no-such-job")


def test_submission_fields_and_states(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    journal.record_submission(
        "veo-a", base_url="u", demo=False, request={"prompt": "p", "model": "m"}, batch="b1", estimate_usd=3.2
    )
    journal.record_submission("veo-b", base_url="u", demo=False, request={"prompt": "q"}, retry_of="veo-a")
    journal.record_outcome("veo-a", status=NOT_SUBMITTED, error="refused")
    row = journal.row("veo-a")
    assert row is not None and (row["state"], row["batch"], row["estimate_usd"], row["model"]) == (
        "not_created",
        "b1",
        3.2,
        "m",
    )
    assert journal.row("veo-b")["retry_of"] == "veo-a"  # type: ignore[index]
    assert [j.client_request_id for j in journal.unconfirmed()] == ["veo-b"]
    journal.set_state("veo-b", RECOVERED)
    journal.record(Job("found-b", "queued", client_request_id="veo-b"))
    assert journal.row("veo-b")["state"] == RECOVERED and journal.unconfirmed() == []  # type: ignore[index]


def test_two_phase_durations(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    job = Job("two-phase", "queued", request={"model": "m"}, created_at=start, updated_at=start)
    journal.record(job)
    journal.record(job.evolve(status="generating", updated_at=start + timedelta(seconds=20)))
    journal.record(job.evolve(status="generating", updated_at=start + timedelta(seconds=40)))
    journal.record(job.evolve(status="completed", updated_at=start + timedelta(seconds=90)))
    assert journal.durations(demo=False, model="m") == [90.0]
    assert journal.durations(demo=False, model="m", generating=True) == [70.0]
    assert journal.durations(demo=False, model="other") == []


def test_generating_is_measured_in_every_spelling_of_it(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    job = Job("spelt", "pending", request={"model": "m"}, created_at=start, updated_at=start)
    journal.record(job)
    journal.record(job.evolve(status="starting", updated_at=start + timedelta(seconds=5)))  # still queued
    journal.record(job.evolve(status="processing", updated_at=start + timedelta(seconds=30)))
    journal.record(job.evolve(status="completed", updated_at=start + timedelta(seconds=90)))
    assert journal.durations(demo=False, model="m", generating=True) == [60.0]


def takes_journal(tmp_path: Path, group: str = "takes-abc", n: int = 3) -> Journal:
    """``n`` takes of one request, as ``variations`` journals them, all completed."""
    journal = Journal(tmp_path / "j.sqlite3")
    for i in range(n):
        crid = f"veo-{group}-{i}"
        journal.record_submission(
            crid, base_url="u", demo=True, request={"prompt": "p", "seed": i}, relation="take", take_group=group
        )
        journal.record(Job(f"{group}-job-{i}", "completed", client_request_id=crid))
    return journal


def test_choosing_a_take_clears_its_siblings_and_no_other_group(tmp_path: Path) -> None:
    journal = takes_journal(tmp_path)
    for i in range(2):  # another request's takes, one of them chosen
        journal.record_submission(f"veo-other-{i}", base_url="u", demo=True, request={"prompt": "q"}, take_group="g2")
        journal.record(Job(f"other-{i}", "completed", client_request_id=f"veo-other-{i}"))
    journal.choose("other-1")
    journal.choose("takes-abc-job-0")
    journal.choose("takes-abc-job-2")  # changing one's mind: still one chosen take per group

    def chosen() -> dict[str, bool]:
        return {job.id: job.chosen for job in journal.history()}

    assert chosen() == {
        "takes-abc-job-0": False,
        "takes-abc-job-1": False,
        "takes-abc-job-2": True,
        "other-0": False,
        "other-1": True,
    }
    journal.set_chosen("takes-abc-job-1")  # the older spelling clears the siblings too
    assert [chosen()[f"takes-abc-job-{i}"] for i in range(3)] == [False, True, False]
    journal.record(Job("lone", "completed"))  # a job of no group is simply marked
    journal.choose("lone")
    assert chosen()["lone"] and chosen()["other-1"]
    with pytest.raises(KeyError):
        journal.choose("no-such-job")


def test_a_saved_file_is_found_by_its_resolved_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    saved = tmp_path / "out" / "veo-abc.mp4"
    saved.parent.mkdir()
    saved.write_bytes(b"mp4")
    journal.record(Job("job-saved", "completed", path=saved.resolve()))
    journal.record(Job("job-elsewhere", "completed", path=tmp_path / "other" / "veo-abc.mp4"))
    monkeypatch.chdir(tmp_path / "out")
    for given in (saved, "veo-abc.mp4", "../out/./veo-abc.mp4", str(saved)):
        found = journal.find_by_path(given)
        assert found is not None and found.id == "job-saved", given
    assert journal.find_by_path(tmp_path / "veo-abc.mp4") is None  # same name, another file


def test_text_search_reads_prompts_and_id_prefixes_not_file_names(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    image = "/home/me/examples/lighthouse.jpg"
    journal.record(Job("abc123-one", "completed", request={"prompt": "one", "image": image}))
    journal.record(Job("def456-two", "completed", request={"prompt": "The LIGHTHOUSE beam", "image": image}))
    assert [j.id for j in journal.page(0, 10, text="lighthouse")] == ["def456-two"]  # not "one" by its image
    assert journal.count(text="abc1") == 1 and journal.count(text="123") == 0  # an id's start, not its middle


def test_a_heartbeat_is_kept_and_cleared(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    journal.record(Job("job-1", "generating"))
    until = datetime(2026, 3, 1, 12, 0, 30, tzinfo=timezone.utc)
    journal.watch("job-1", until)
    assert journal.find("job-1").watched_until == until  # type: ignore[union-attr]
    journal.watch("job-1", None)
    assert journal.find("job-1").watched_until is None  # type: ignore[union-attr]


def test_writes_made_together_are_kept_together_or_not_at_all(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    with journal.together():
        journal.record_submission("veo-a", base_url="http://x", demo=False, request={"prompt": "a"})
        journal.record(Job("job-b", "queued", client_request_id="veo-b", base_url="http://x"))
    assert journal.find("veo-a") is not None and journal.find("job-b") is not None
    with pytest.raises(RuntimeError), journal.together():
        journal.record(Job("job-c", "queued", client_request_id="veo-c", base_url="http://x"))
        raise RuntimeError("the batch fails")
    assert journal.find("veo-c") is None
    journal.record(Job("job-d", "queued", base_url="http://x"))  # the journal works on after it
    assert journal.find("job-d") is not None
