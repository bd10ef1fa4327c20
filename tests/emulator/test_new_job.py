"""What a create makes: the job, the render it asks for, and what its answers say it used."""

from __future__ import annotations

import uuid

import pytest

from veo_widgets.emulator._catalogue import charge_usd
from veo_widgets.emulator._new_job import cost_headers, new_id, new_job, usage_of
from veo_widgets.emulator._specs import validate


def test_a_text_job_draws_its_prompt_and_an_image_job_shares_renders() -> None:
    text = validate({"model": "google/veo3", "prompt": "waves", "aspect_ratio": "9:16"})
    job, shape = new_job(text, "crid-1", [], run_time=4.0, seed=7, id_style="colon", charge_factor=1.5)
    assert shape == {"mode": "text", "prompt": "waves", "width": 720, "height": 1280, "duration": 8, "audio": True}
    assert job.ready_at == pytest.approx(job.created + 4.0)
    assert (job.seed, job.client_request_id) == (7, "crid-1")
    assert job.cost_usd == pytest.approx(round(charge_usd(text.spec, text.body) * 1.5, 4)) and job.cost_usd > 0
    image = validate({"model": "google/veo-3.1-i2v", "prompt": "waves", "image_url": "https://x/a.png"})
    _, shape = new_job(image, None, [], run_time=1.0, seed=0, id_style="colon", charge_factor=1.0)
    assert shape["mode"] == "image" and shape["prompt"] == "" and (shape["width"], shape["height"]) == (1920, 1080)


def test_ids_in_each_style() -> None:
    made, _, suffix = new_id("colon", "veo-3.0-generate-001").partition(":")
    assert uuid.UUID(made) and suffix == "veo-3.0-generate-001"
    assert len(new_id("colon", None)) == 21 and ":" not in new_id("uuid", "x")


def test_usage_says_credits_and_dollars_or_tokens_as_a_fault() -> None:
    text = validate({"model": "google/veo3", "prompt": "waves"})
    job, _ = new_job(text, None, [], run_time=1.0, seed=0, id_style="uuid", charge_factor=1.0)
    used = usage_of(job)
    assert used == {"credits_used": round(job.cost_usd * 2_000_000), "usd_spent": job.cost_usd}
    assert cost_headers(job, used) == {
        "x-inference-id": job.id,
        "x-aimlapi-credits-used": str(used["credits_used"]),
        "x-aimlapi-usd-spent": str(job.cost_usd),
    }
    odd, _ = new_job(text, None, ["tokens_used"], run_time=1.0, seed=0, id_style="uuid", charge_factor=1.0)
    assert usage_of(odd) == {"tokens_used": 120000}
    assert cost_headers(odd, usage_of(odd)) == {"x-inference-id": odd.id}
