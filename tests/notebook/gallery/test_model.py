"""The gallery's model: one page at a time, filters, each job's state and actions, lineage."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import veo_widgets as veo
from veo_widgets.notebook.gallery._model import Filters, Pager, card, grown, lineage

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


class Rows:
    """A journal of ``n`` jobs that records what the gallery asked it for."""

    def __init__(self, jobs: list[veo.Job]) -> None:
        self.jobs = sorted(jobs, key=lambda j: j.created_at, reverse=True)
        self.asked: list[tuple[int, int, dict[str, Any]]] = []

    def _match(self, job: veo.Job, text: str | None = None, status: tuple[str, ...] | None = None, **_: Any) -> bool:
        prompt = str((job.request or {}).get("prompt", ""))
        return (text is None or text.lower() in prompt.lower()) and (status is None or job.status in status)

    def page(self, offset: int, limit: int, **filters: Any) -> list[veo.Job]:
        self.asked.append((offset, limit, filters))
        return [j for j in self.jobs if self._match(j, **filters)][offset : offset + limit]

    def count(self, **filters: Any) -> int:
        return sum(self._match(j, **filters) for j in self.jobs)


def job(i: int, status: str = "completed", request: dict[str, Any] | None = None, **kwargs: Any) -> veo.Job:
    fields = {"prompt": f"shot {i} of the sea", "model": "google/veo-3.0-i2v-fast", "duration": 8, **(request or {})}
    return veo.Job(id=f"job-{i}", status=status, request=fields, created_at=T0 + timedelta(minutes=i), **kwargs)


def test_pages_load_one_at_a_time_newest_first() -> None:
    rows = Rows([job(i) for i in range(2_500)])
    pager = Pager(rows, size=12)
    first = pager.refresh()
    assert [j.id for j in first[:2]] == ["job-2499", "job-2498"]
    assert pager.describe() == "1-12 of 2,500 · page 1 of 209"
    last = pager.go(208)
    assert [j.id for j in last] == ["job-3", "job-2", "job-1", "job-0"]
    assert pager.describe() == "2,497-2,500 of 2,500 · page 209 of 209"
    assert all(limit == 12 for _, limit, _ in rows.asked)  # never the whole journal
    pager.go(10_000)
    assert pager.index == 208  # past the end: the last page


def test_filters_start_again_at_page_one() -> None:
    rows = Rows([job(i, status="error" if i % 10 == 0 else "completed") for i in range(100)])
    pager = Pager(rows, size=5)
    pager.go(3)
    failed = pager.narrow(status="failed")
    assert pager.index == 0 and pager.total == 10
    assert {j.status for j in failed} == {"error"}
    assert [j.id for j in pager.narrow(text="SHOT 7", status=None)] == [
        "job-79",
        "job-78",
        "job-77",
        "job-76",
        "job-75",
    ]
    assert pager.narrow(text="nothing like this") == [] and pager.describe() == "no clips match"
    assert Filters(text="  ").query() == {}


def test_status_filters_cover_every_spelling_of_their_state() -> None:
    spellings = ["completed", "succeeded", "processing", "pending", "failed", "cancelled", "error"]
    rows = Rows([job(i, status=s) for i, s in enumerate(spellings)])
    pager = Pager(rows, size=20)
    assert {j.status for j in pager.narrow(status="finished")} == {"completed", "succeeded"}
    assert {j.status for j in pager.narrow(status="running")} == {"processing", "pending"}
    assert {j.status for j in pager.narrow(status="failed")} == {"failed", "cancelled", "error"}


def test_each_state_says_what_can_be_done(tmp_path: Path) -> None:
    video = tmp_path / "a.mp4"
    video.write_bytes(b"...")
    ready = card(job(1, path=video, usage=veo.Usage(usd=0.8)))
    assert ready.state == "ready" and ready.actions[:3] == ("play", "rerun", "continue")
    assert "extend" not in ready.actions
    assert ready.facts() == f"veo-3-fast-i2v · 8s · $0.80 · {ready.date}"  # the short name
    assert ready.model_id == "google/veo-3.0-i2v-fast"
    assert "extend" in card(job(1, path=video), can_extend=lambda j: True).actions
    assert card(job(1, path=video, demo=True)).facts().endswith("· demo (simulated)")  # never mistaken for Veo
    take = card(job(1, path=video, relation="take"))
    assert "choose" in take.actions and not take.title.startswith("★")
    chosen = card(job(1, path=video, relation="take", chosen=True))
    assert "choose" not in chosen.actions and chosen.title.startswith("★ ")

    gone = card(job(2, path=tmp_path / "deleted.mp4", video_url="https://x/y.mp4"))
    assert gone.state == "missing" and gone.actions == ("download", "rerun")
    assert "download it again" in gone.hint

    failed = card(job(3, status="error", error="The prompt was blocked"))
    assert failed.state == "failed" and failed.actions == ("rerun",) and "blocked" in failed.hint
    running = card(job(4, status="generating"))
    assert running.state == "running" and running.actions == ("resume",)
    unconfirmed = card(job(5, status="unconfirmed"))
    assert unconfirmed.state == "unconfirmed" and unconfirmed.actions == ("reconcile",)
    assert "before trying again" in unconfirmed.hint
    assert card(job(6, status="not_submitted")).hint.startswith("never reached the API")


def test_lineage_follows_parents_and_stops_at_loops() -> None:
    def child(i: int, parent: str | None, relation: str) -> veo.Job:
        return job(i, request={"prompt": f"shot {i}", "parent_id": parent, "relation": relation})

    root, middle, leaf = child(1, None, ""), child(2, "job-1", "continue"), child(3, "job-2", "extend")
    known = {j.id: j for j in (root, middle, leaf)}
    assert [j.id for j in lineage(leaf, known.get)] == ["job-1", "job-2", "job-3"]
    assert card(leaf).relation == "extend" and card(leaf).parent_id == "job-2"
    assert [j.id for j in lineage(child(4, "gone", "rerun"), known.get)] == ["job-4"]
    loop = {"job-7": child(7, "job-8", "continue"), "job-8": child(8, "job-7", "continue")}
    assert [j.id for j in lineage(loop["job-7"], loop.get)] == ["job-8", "job-7"]


def test_a_chain_of_extensions_is_one_clip_that_grew() -> None:
    """An extension holds the clip it extends: 8 s, then 15 s, then 22 s, not three clips."""

    def link(i: int, parent: str | None, relation: str | None, seconds: int) -> veo.Job:
        fields = {"duration": seconds, "parent_id": parent, "relation": relation}
        return job(i, request={k: v for k, v in fields.items() if v is not None})

    chain = [link(1, None, None, 8), link(2, "job-1", "extend", 7), link(3, "job-2", "extend", 7)]
    assert grown(chain) == ["8s", "15s", "22s"]
    assert [card(j).duration for j in chain] == ["8s", "+7s", "+7s"]
    assert grown([link(1, None, None, 8), link(2, "job-1", "continue", 4)]) == ["8s", "4s"]  # a new clip
