"""Downloading a result, as a flow with no I/O: resume where a broken stream stopped, give up clearly."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import veo_widgets as veo
from veo_widgets.protocol._download import FRESH_LINKS, Fetched, download_flow, refused, result_flow
from veo_widgets.protocol._flows import RetryPolicy, Sleep
from veo_widgets.protocol._steps import Fetch, Send
from veo_widgets.schema._models import Job

from ..helpers import response

URL = "http://files.test/v.mp4"


def fetches(part: Path, answers: list[Fetched], retry: RetryPolicy) -> tuple[int, list[Fetch]]:
    """Run the flow, answering each ``Fetch`` with the next of ``answers``; sleeps pass at once."""
    flow = download_flow(URL, part, retry)
    asked: list[Fetch] = []
    step = next(flow)
    try:
        while True:
            if isinstance(step, Sleep):
                step = flow.send(None)
                continue
            asked.append(step)
            step = flow.send(answers.pop(0))
    except StopIteration as done:
        return done.value, asked


def test_a_broken_stream_resumes_from_the_bytes_already_saved(tmp_path: Path) -> None:
    part = tmp_path / "v.mp4.part"
    cut = Fetched(0, False, 70_000, httpx.ReadError("cut"))
    size, asked = fetches(part, [cut, Fetched(206, True, 900_000)], RetryPolicy(base=0.01, cap=0.05))
    assert size == 900_000
    assert [(f.url, f.offset, f.part) for f in asked] == [(URL, 0, part), (URL, 70_000, part)]


def test_an_expired_url_is_not_found_and_endless_failures_give_up(tmp_path: Path) -> None:
    part = tmp_path / "v.mp4.part"
    with pytest.raises(veo.NotFoundError, match="expired"):
        fetches(part, [Fetched(403, False, 0)], RetryPolicy(base=0.01, cap=0.05))
    retry = RetryPolicy(base=0.01, cap=0.05)
    broken = [Fetched(0, False, 0, httpx.ReadError("cut")) for _ in range(retry.attempts)]
    with pytest.raises(veo.APIConnectionError, match=f"after {retry.attempts} tries"):
        fetches(part, broken, retry)


def test_an_error_page_is_never_taken_for_the_video() -> None:
    assert refused(httpx.Response(200, headers={"content-type": "text/html; charset=utf-8"}))
    assert refused(httpx.Response(503, headers={"content-type": "video/mp4"}))
    assert not refused(httpx.Response(206, headers={"content-type": "video/mp4"}))


class FileHost:
    """Answers a ``result_flow``: each poll hands out the next link of ``links``; a fetch of
    a link in ``good`` gets the whole file, any other link the file host's 403."""

    def __init__(self, links: list[str], good: set[str]) -> None:
        self.links, self.good = list(links), good
        self.fetched: list[str] = []
        self.polls = 0

    def run(self, job: Job, part: Path) -> Job:
        flow = result_flow(job, part, RetryPolicy(base=0.01, cap=0.05))
        step = next(flow)
        try:
            while True:
                if isinstance(step, Sleep):
                    step = flow.send(None)
                elif isinstance(step, Send):
                    self.polls += 1
                    assert step.method == "GET" and "generation_id=job-1" in step.path
                    body = {"id": "job-1", "status": "completed", "video": {"url": self.links.pop(0)}}
                    step = flow.send(response(200, body))
                else:
                    assert isinstance(step, Fetch)
                    self.fetched.append(step.url)
                    got = Fetched(200, True, 1000) if step.url in self.good else Fetched(403, False, 0)
                    step = flow.send(got)
        except StopIteration as done:
            result: Job = done.value
            return result


def test_a_refused_link_is_swapped_for_a_fresh_one_and_the_video_delivered(tmp_path: Path) -> None:
    host = FileHost(["http://files.test/v.mp4?sig=2"], good={"http://files.test/v.mp4?sig=2"})
    old = Job("job-1", "completed", video_url="http://files.test/v.mp4?sig=1")
    job = host.run(old, tmp_path / "v.mp4.part")
    assert host.polls == 1 and host.fetched == ["http://files.test/v.mp4?sig=1", "http://files.test/v.mp4?sig=2"]
    assert job.video_url == "http://files.test/v.mp4?sig=2"  # the job as last seen, with the link that worked


def test_a_link_refused_every_time_ends_in_a_clear_error_not_a_loop(tmp_path: Path) -> None:
    host = FileHost([f"http://files.test/v.mp4?sig={n}" for n in range(2, 20)], good=set())
    with pytest.raises(veo.NotFoundError, match=f"refused the result link of job-1 {FRESH_LINKS + 1} times"):
        host.run(Job("job-1", "completed", video_url="http://files.test/v.mp4?sig=1"), tmp_path / "v.mp4.part")
    assert host.polls == FRESH_LINKS and len(host.fetched) == FRESH_LINKS + 1


def test_a_poll_that_gives_back_the_same_link_ends_at_once(tmp_path: Path) -> None:
    host = FileHost(["http://files.test/v.mp4?sig=1"] * 5, good=set())
    with pytest.raises(veo.NotFoundError, match="expired"):
        host.run(Job("job-1", "completed", video_url="http://files.test/v.mp4?sig=1"), tmp_path / "v.mp4.part")
    assert host.polls == 1 and len(host.fetched) == 1
