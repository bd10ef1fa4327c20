"""The one retry rule for idempotent GETs, driven with fake answers and a fake clock; and the
four flows that read with it (poll, balance, catalogue, usage logs) retry the same statuses."""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

import veo_widgets as veo
from veo_widgets.money._billing import balance_flow
from veo_widgets.money._pricing import catalogue_flow
from veo_widgets.money._reconcile import CannotReconcile, Lookup, NotFound, RateWindow, reconcile_flow
from veo_widgets.protocol._flows import create_flow, poll_flow
from veo_widgets.protocol._responses import json_object
from veo_widgets.protocol._retry import RETRYABLE_STATUS, ClientClosed, RetryPolicy, failure_text, get_flow
from veo_widgets.protocol._schedule import PollSchedule
from veo_widgets.protocol._steps import Outcome, Send, Step
from veo_widgets.schema._models import Job, VideoRequest

from ..helpers import drive, response

FAST = RetryPolicy(attempts=3, base=1.0, cap=1.0)
DROP = httpx.ReadError("reset", request=httpx.Request("GET", "http://x"))


def read_object(answer: httpx.Response) -> Any:
    return json_object(answer) if answer.is_success else answer.status_code


def test_drops_busy_answers_and_unreadable_bodies_are_retried_until_an_answer() -> None:
    answers: list[Outcome] = [
        DROP,
        response(503, {"message": "busy"}),
        response(200, b"<html/>"),
        response(200, {"a": 1}),
    ]
    value, sends = drive(get_flow(Send("GET", "/x"), read_object, retry=RetryPolicy(attempts=4)), answers)
    assert value == {"a": 1} and len(sends) == 4


def test_an_answer_no_retry_can_change_is_read_at_once() -> None:
    value, sends = drive(get_flow(Send("GET", "/x"), read_object), [response(404, {"message": "no"})])
    assert value == 404 and len(sends) == 1


def test_after_its_tries_the_last_failure_is_a_typed_error() -> None:
    with pytest.raises(veo.ServerError) as caught:
        drive(get_flow(Send("GET", "/v2/billing?x=1"), read_object, retry=FAST), [DROP, DROP, response(502, b"")])
    assert (
        caught.value.status_code == 502 and failure_text(caught.value, "the balance") == "the balance answered HTTP 502"
    )
    with pytest.raises(veo.APIConnectionError) as dropped:
        drive(get_flow(Send("GET", "/v2/billing?x=1"), read_object, retry=FAST), [DROP, DROP, DROP])
    assert "GET /v2/billing failed: ReadError" in str(dropped.value)
    assert failure_text(dropped.value, "the balance") == "the balance could not be reached (ReadError)"


def test_the_last_try_is_right_at_the_deadline_never_after() -> None:
    now = [0.0]
    times: list[float] = []

    def down(send: Send) -> Outcome:
        times.append(now[0])
        return response(500, b"")

    flow = get_flow(
        Send("GET", "/x"),
        read_object,
        retry=RetryPolicy(attempts=99, base=4, cap=4),
        deadline=5.0,
        clock=lambda: now[0],
    )
    with pytest.raises(veo.ServerError):
        drive(flow, down, now)
    assert times[-1] == 5.0 and now[0] == 5.0 and times.count(5.0) == 1  # one try at the deadline, none after


def test_a_shared_pace_holds_429s_back_without_counting_them_as_failures() -> None:
    now = [0.0]
    times: list[float] = []
    answers = [response(429, {"message": "slow"}, {"Retry-After": "7"})] * 3 + [response(200, {"ok": True})]

    def logs(send: Send) -> Outcome:
        times.append(now[0])
        return answers.pop(0)

    flow = get_flow(
        Send("GET", "/v2/logs"), read_object, retry=RetryPolicy(attempts=1), clock=lambda: now[0], pace=RateWindow()
    )
    value, _ = drive(flow, logs, now)
    assert value == {"ok": True} and times == [0.0, 7.0, 14.0, 21.0]


# ---------------------------------------------------------------- one list for every GET

NOW = datetime(2026, 12, 7, tzinfo=timezone.utc)
CATALOGUE = {"data": [{"id": "m", "pricing": {"input": 0.0}}]}
LOGS = {"data": [{"client_request_id": "veo-1", "status": "succeeded", "inference_id": "gen-1"}]}


def poll() -> Generator[Step, Outcome, Any]:
    return poll_flow(Job("gen-1", "queued"), timeout=None, schedule=PollSchedule(), retry=FAST, once=True)


def logs() -> Generator[Step, Outcome, Any]:
    return reconcile_flow(Lookup("veo-1", NOW), timeout=60, retry=FAST, clock=lambda: 0.0)


FLOWS: dict[str, tuple[Callable[[], Generator[Step, Outcome, Any]], dict[str, Any]]] = {
    "poll": (poll, {"id": "gen-1", "status": "generating"}),
    "balance": (lambda: balance_flow(FAST), {"current_balance": 1.0}),
    "catalogue": (lambda: catalogue_flow(None, base_url="http://x", now=NOW, retry=FAST), CATALOGUE),
    "usage logs": (logs, LOGS),
}


@pytest.mark.parametrize("name", sorted(FLOWS))
@pytest.mark.parametrize("status", [400, 401, 404, 409, 429, 500, 501, 502, 503, 504])
def test_every_get_flow_retries_the_same_statuses(name: str, status: int) -> None:
    make, good = FLOWS[name]
    paths: list[str] = []

    def answer(send: Send) -> Outcome:
        paths.append(send.path)
        return response(status, {"message": "m"}) if len(paths) == 1 else response(200, good)

    try:
        result, _ = drive(make(), answer, [0.0])
    except veo.VeoError:
        result = None
    retried = paths[1:2] == paths[:1]  # the same request again (a balance's 404 asks the legacy route)
    assert retried == (status in RETRYABLE_STATUS), (name, status, result)
    if name == "usage logs" and not retried:
        assert isinstance(result, CannotReconcile) and not isinstance(result, NotFound)


def test_a_closed_client_fails_at_once_with_no_retry() -> None:
    # Regression: a closed client's call was tried again six times with backoff (11 s of
    # waiting) before saying what the first try already knew.
    closed = ClientClosed("the client has been closed; the request was not sent", request=httpx.Request("GET", "/x"))
    now = [0.0]
    with pytest.raises(veo.APIConnectionError, match="has been closed") as caught:
        drive(get_flow(Send("GET", "/x"), read_object, retry=FAST), [closed, closed, closed], now)
    assert now == [0.0] and caught.value.__cause__ is closed
    request = VideoRequest("p", duration=4)
    with pytest.raises(veo.APIConnectionError, match="has been closed") as created:
        drive(create_flow(request, client_request_id="veo-1", retry=FAST), [closed, closed, closed], now)
    assert now == [0.0] and not created.value.may_exist  # nothing left this machine
