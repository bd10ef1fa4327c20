"""Validated requests and the Job value object."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import veo_widgets as veo
from veo_widgets._models import Job, JobStatus, Usage, VideoRequest, frame_size


def test_request_body_matches_the_3_0_schema() -> None:
    req = VideoRequest.create("waves", "https://x/a.png", resolution="1080P", seed=0, negative_prompt="  ")
    body = req.body()
    assert body == {
        "model": "google/veo-3.0-i2v-fast",
        "prompt": "waves",
        "image_url": "https://x/a.png",
        "duration": 8,
        "aspect_ratio": "16:9",
        "resolution": "1080P",
        "enhance_prompt": True,
        "generate_audio": True,
        "seed": 0,
    }


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"enhance_prompt": "yes"}, "enhance_prompt"),
        ({"generate_audio": 1}, "generate_audio"),
        ({"duration": True}, "duration"),
        ({"seed": 1.5}, "seed"),
        ({"negative_prompt": 3}, "negative_prompt"),
        ({"model": "google/veo3"}, "model"),
    ],
)
def test_each_field_is_checked(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(veo.ValidationError) as caught:
        VideoRequest.create("x", "https://x/a.png", **kwargs)
    assert caught.value.field == field and isinstance(caught.value, ValueError)


def test_frame_sizes() -> None:
    assert [frame_size(a, r) for a in ("16:9", "9:16") for r in ("720p", "1080p")] == [
        (1280, 720),
        (1920, 1080),
        (720, 1280),
        (1080, 1920),
    ]


def test_job_states_and_repr() -> None:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    job = Job("a:b", "generating", created_at=start, updated_at=start + timedelta(seconds=42))
    assert not job.done and job.elapsed == 42 and repr(job) == "Job('a:b', 'generating')"
    assert job.evolve(status="completed").ok and job.evolve(status="whatever").done
    assert JobStatus.is_pending("WAITING")


def test_usage_describes_itself() -> None:
    assert Usage(credits=3_900_000, usd=1.95).describe() == "$1.95, 3,900,000 credits"
    assert not Usage() and Usage().describe() == "not reported"
    assert Usage(usd=1.0).merged(Usage(credits=5, usd=9.0)) == Usage(credits=5, usd=1.0)
