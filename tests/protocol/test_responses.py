"""Reading the API's answers: every documented shape, both error bodies, Retry-After."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

import veo_widgets as veo
from veo_widgets.protocol._responses import api_error, parse_error_reason, parse_job, retry_after
from veo_widgets.schema._models import Job

from ..helpers import response


def test_create_answer_with_credits() -> None:
    body = {
        "id": "QC4qjlUKt8ZedNi7r09LM",
        "status": "queued",
        "meta": {"usage": {"credits_used": 3900000, "usd_spent": 1.95}},
    }
    job = parse_job(Job(id=""), response(200, body))
    assert (job.id, job.status, job.usage.credits, job.usage.usd) == ("QC4qjlUKt8ZedNi7r09LM", "queued", 3900000, 1.95)


def test_completed_answer_without_meta_or_error() -> None:
    body = {
        "id": "e0ab34a6-1d6b-4b60-99cc-de15e210dbfc:veo-3.0-fast-generate-001",
        "status": "completed",
        "video": {"url": "https://cdn.aimlapi.com/generations/guepard/1754988463411-e17d66b5.mp4"},
    }
    job = parse_job(Job(id=body["id"]), response(200, body))
    assert job.ok and job.video_url == body["video"]["url"] and job.error is None


def test_older_schema_tokens_and_duration() -> None:
    body = {
        "id": "a",
        "status": "completed",
        "duration": 8,
        "video": {"url": "https://x/v.mp4", "duration": 8},
        "meta": {"usage": {"tokens_used": 120000}},
    }
    job = parse_job(Job(id="a"), response(200, body))
    assert job.usage.tokens == 120000 and job.usage.credits is None


def test_usage_headers_fill_gaps() -> None:
    job = parse_job(
        Job(id="a"),
        response(
            200, {"id": "a", "status": "queued"}, {"x-aimlapi-credits-used": "840000", "x-aimlapi-usd-spent": "0.42"}
        ),
    )
    assert (job.usage.credits, job.usage.usd) == (840000, 0.42)


def test_id_from_x_inference_id_when_the_body_lacks_it() -> None:
    job = parse_job(Job(id=""), response(200, {"status": "queued"}, {"x-inference-id": "from-header"}))
    assert job.id == "from-header"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ({"name": "ModerationError", "message": "flagged"}, "ModerationError: flagged"),
        (
            {"detail": [{"loc": ["body", "image_url"], "msg": "bad image", "type": "value_error"}]},
            "body.image_url: bad image",
        ),
        ("plain words", "plain words"),
        ({"message": "only a message"}, "only a message"),
        (None, None),
    ],
)
def test_failure_reasons_in_every_shape(error: object, reason: str | None) -> None:
    assert parse_error_reason(error) == reason


@pytest.mark.parametrize(
    "status",
    [
        "queued",
        "waiting",
        "active",
        "generating",
        "pending",
        "processing",
        "in_progress",
        "running",
        "starting",
        "PENDING",
    ],
)
def test_pending_statuses(status: str) -> None:
    assert not parse_job(Job(id="a"), response(200, {"id": "a", "status": status})).done


@pytest.mark.parametrize("status", ["completed", "complete", "succeeded", "success", "Succeeded", "SUCCESS"])
def test_every_success_spelling_delivers_the_paid_video(status: str) -> None:
    answer = {"id": "a", "status": status, "video": {"url": "https://cdn/v.mp4"}}
    job = parse_job(Job(id="a", status="generating"), response(200, answer))
    assert job.ok and job.done and job.error is None and job.video_url == "https://cdn/v.mp4"


def test_an_answer_with_a_video_url_and_no_error_is_a_success_whatever_its_status() -> None:
    answer = {"id": "a", "status": "ready", "video": [{"url": "https://cdn/v.mp4"}]}
    assert parse_job(Job(id="a", status="generating"), response(200, answer)).ok


@pytest.mark.parametrize("status", ["error", "failed", "failure", "cancelled", "canceled", "rejected", "expired"])
def test_failure_spellings_end_the_job_with_a_reason(status: str) -> None:
    job = parse_job(Job(id="a"), response(200, {"id": "a", "status": status}))
    assert job.done and not job.ok and status in (job.error or "")


def test_an_error_object_fails_the_job_even_with_a_pending_status() -> None:
    answer = {"id": "a", "status": "processing", "error": {"name": "Safety", "message": "blocked"}}
    job = parse_job(Job(id="a"), response(200, answer))
    assert job.done and not job.ok and job.error == "Safety: blocked"


@pytest.mark.parametrize("status", ["brand-new-status", "finalizing"])
def test_an_unknown_status_keeps_polling_and_is_never_a_failure(status: str) -> None:
    job = parse_job(Job(id="a", status="generating"), response(200, {"id": "a", "status": status}))
    assert not job.done and job.error is None and job.status == "generating"


def test_an_unknown_status_is_said_once_per_job_not_on_every_poll(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="veo_widgets")
    job = Job(id="told-once", status="generating")
    for _ in range(5):
        job = parse_job(job, response(200, {"id": "told-once", "status": "finalizing"}))
    parse_job(Job(id="another-job"), response(200, {"id": "another-job", "status": "finalizing"}))
    said = [r.getMessage() for r in caplog.records if "unknown status" in r.getMessage()]
    assert len(said) == 2 and "told-once" in said[0] and "another-job" in said[1], said
    assert "'finalizing'" in said[0] and "still polling" in said[0]


def test_first_error_body_shape() -> None:
    body = {
        "message": "Too many",
        "path": "/v2/video/generations",
        "requestId": "r-1",
        "statusCode": "429",
        "timestamp": "2026-01-01T00:00:00Z",
    }
    err = api_error(response(429, body, {"retry-after": "3"}))
    assert isinstance(err, veo.RateLimitError) and err.retry_after == 3 and err.request_id == "r-1"
    assert "Too many" in str(err)


def test_second_error_body_shape_problem_json() -> None:
    body = {
        "title": "Unauthorized",
        "status": 401,
        "message": "Invalid key",
        "instance": "/v2/video/generations",
        "requestId": "r-2",
        "timestamp": "t",
        "error": {"name": "UnauthorizedException", "message": "Invalid key"},
    }
    err = api_error(response(401, body, {"content-type": "application/problem+json"}))
    assert isinstance(err, veo.AuthenticationError) and err.request_id == "r-2" and "AIMLAPI_KEY" in str(err)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, veo.APIError),
        (403, veo.InsufficientCreditsError),
        (404, veo.NotFoundError),
        (500, veo.ServerError),
        (502, veo.ServerError),
        (503, veo.ServerError),
        (504, veo.ServerError),
    ],
)
def test_status_codes_map_to_types(status: int, kind: type) -> None:
    err = api_error(response(status, b"<html>gateway</html>"))
    assert type(err) is kind and err.status_code == status


def test_retry_after_as_a_date() -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    assert 25 < (retry_after({"retry-after": format_datetime(when, usegmt=True)}) or 0) <= 30


def test_complete_is_read_as_completed() -> None:
    job = parse_job(
        Job(id="x"), response(200, {"id": "x", "status": "complete", "video": {"url": "https://cdn/v.mp4"}})
    )
    assert job.status == "completed" and job.ok and job.error is None


def test_a_403_says_a_key_s_spend_limit_may_have_been_reached() -> None:
    err = api_error(response(403, b'{"message": "Forbidden"}'))
    assert isinstance(err, veo.InsufficientCreditsError)
    assert "out of credits" in str(err) and "spend limit" in str(err) and "00:00 UTC" in str(err)
