"""Downloading a result, as a flow with no I/O: resume where a broken stream stopped, give up clearly."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import veo_widgets as veo
from veo_widgets.protocol._download import Fetched, download_flow, refused
from veo_widgets.protocol._flows import RetryPolicy, Sleep
from veo_widgets.protocol._steps import Fetch

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
