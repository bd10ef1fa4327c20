"""The async driver's group commit: many plans' journal writes, one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from veo_widgets.client._group import GroupWriter
from veo_widgets.journal._store import Journal
from veo_widgets.protocol._steps import Local, Record
from veo_widgets.schema._models import Job


def test_the_writes_of_one_moment_share_a_transaction_and_each_waits_for_its_own(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    calls: list[int] = []

    def perform(step: Local) -> None:
        assert isinstance(step, Record)
        journal.record(step.job)

    real_together = journal.together

    def counted_together() -> Any:
        calls.append(1)
        return real_together()

    journal.together = counted_together  # type: ignore[method-assign]
    writer = GroupWriter(journal, perform)

    async def one(i: int) -> Job | None:
        await writer.write(Record(Job(f"job-{i}", "queued", base_url="http://x")))
        return journal.find(f"job-{i}")  # written by the time the write returns

    async def main() -> list[Job | None]:
        return await asyncio.gather(*(one(i) for i in range(50)))

    found = asyncio.run(main())
    assert all(job is not None for job in found)
    assert len(calls) < 5  # fifty writes, a handful of transactions


def test_a_failing_write_fails_only_its_own_plan(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")

    def perform(step: Local) -> None:
        assert isinstance(step, Record)
        if step.job.id == "bad":
            raise OSError("disk says no")
        journal.record(step.job)

    writer = GroupWriter(journal, perform)

    async def main() -> list[Any]:
        jobs = [Job(name, "queued", base_url="http://x") for name in ("a", "bad", "c")]
        return await asyncio.gather(*(writer.write(Record(job)) for job in jobs), return_exceptions=True)

    results = asyncio.run(main())
    assert results[0] is None and results[2] is None and isinstance(results[1], OSError)
    assert journal.find("a") is not None and journal.find("c") is not None and journal.find("bad") is None


def test_what_follows_a_write_is_done_once_for_the_whole_transaction(tmp_path: Path) -> None:
    """The charges of the jobs written together are learned in one go; when the shared
    transaction fails, each write that succeeds alone is followed alone."""
    journal = Journal(tmp_path / "j.sqlite3")
    followed: list[list[str]] = []

    def perform(step: Local) -> None:
        assert isinstance(step, Record)
        if step.job.id == "bad":
            raise OSError("disk says no")
        journal.record(step.job)

    def after(steps: Sequence[Local]) -> None:
        followed.append([step.job.id for step in steps if isinstance(step, Record)])

    async def main(names: list[str]) -> list[Any]:
        writer = GroupWriter(journal, perform, after)
        jobs = [Job(name, "queued", base_url="http://x") for name in names]
        return await asyncio.gather(*(writer.write(Record(job)) for job in jobs), return_exceptions=True)

    asyncio.run(main(["a", "b", "c"]))
    assert followed == [["a", "b", "c"]]
    followed.clear()
    asyncio.run(main(["d", "bad", "e"]))
    assert followed == [["d"], ["e"]]
