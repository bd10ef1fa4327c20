"""A create whose answer was lost: recovered, sent again once when the API says it failed,
or a typed error saying what is known. Driven with fake responses on a fake clock."""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

import veo_widgets as veo
from veo_widgets.money._reconcile import Found, Lookup, NotFound, Reconciled
from veo_widgets.money._recover import UnconfirmedCreateError, create_or_recover
from veo_widgets.protocol._flows import Outcome, Send, Step, create_flow
from veo_widgets.schema._models import Job, VideoRequest

from ..helpers import drive, response

SENT = datetime(2026, 11, 29, 23, 0, tzinfo=timezone.utc)
REQUEST = VideoRequest(prompt="waves", image="https://example.com/a.png")
NET = httpx.Request("POST", "http://x")


class Server:
    """Creates answer from ``creates`` in turn; the logs hold ``rows`` (crid, status, id)."""

    def __init__(
        self, creates: list[Outcome], rows: Callable[[list[str]], list[dict[str, Any]]], refuse: int | None = None
    ) -> None:
        self.creates = creates
        self.rows = rows
        self.refuse = refuse
        self.posted: list[str] = []
        self.log_reads = 0
        self.events: list[str] = []

    def __call__(self, send: Send) -> Outcome:
        if send.method == "POST":
            crid = send.headers["X-Client-Request-Id"]
            self.posted.append(crid)
            self.events.append("post " + crid)
            return self.creates.pop(0)
        self.log_reads += 1
        if self.refuse:
            return response(self.refuse, {"message": "Cannot GET /v2/logs"})
        return response(200, {"data": self.rows(self.posted), "pagination": {"has_more": False}})


def row(crid: str, status: str = "succeeded", inference: str = "gen-1") -> dict[str, Any]:
    return {
        "created": "2026-11-29T23:00:01Z",
        "status": status,
        "model": REQUEST.model,
        "inference_id": inference,
        "client_request_id": crid,
        "cost": {"usd": 0 if status == "failed" else 3.2, "credits": 0},
    }


def note(into: list[Any], item: Any) -> Generator[Step, Outcome, None]:
    into.append(item)
    return
    yield  # a hook may yield steps; these do not


def run(server: Server, *, can_reconcile: bool = True, timeout: float = 60) -> tuple[Job, list[tuple[str, Reconciled]]]:
    now = [0.0]
    outcomes: list[tuple[str, Reconciled]] = []
    ids = iter(["veo-second", "veo-third"])

    def create(crid: str) -> Generator[Step, Outcome, Job]:
        return create_flow(REQUEST, client_request_id=crid)

    flow = create_or_recover(
        create,
        "veo-first",
        lookup=lambda crid: Lookup(crid, SENT, (REQUEST.model,)),
        timeout=timeout,
        new_id=lambda: next(ids),
        before_resend=lambda old, new: note(server.events, f"journal {old} -> {new}"),
        on_outcome=lambda crid, result: note(outcomes, (crid, result)),
        can_reconcile=can_reconcile,
        clock=lambda: now[0],
    )
    return drive(flow, server, now)[0], outcomes


LOST: dict[str, Callable[[], Outcome]] = {
    "500": lambda: response(500, {"message": "internal"}),
    "502": lambda: response(502, b"<html>bad gateway</html>"),
    "504": lambda: response(504, {"message": "timeout"}),
    "reset": lambda: httpx.RemoteProtocolError("peer closed", request=NET),
    "read timeout": lambda: httpx.ReadTimeout("timed out", request=NET),
    "unreadable 200": lambda: response(200, b'{"id": '),
}


@pytest.mark.parametrize("kind", sorted(LOST))
def test_a_lost_answer_is_recovered_with_one_create(kind: str) -> None:
    server = Server([LOST[kind]()], lambda posted: [row(c, inference="made-" + c) for c in posted])
    job, outcomes = run(server)
    assert job.id == "made-veo-first" and job.client_request_id == "veo-first"
    assert server.posted == ["veo-first"]
    assert [type(r) for _, r in outcomes] == [Found] and "recovered made-veo-first" in outcomes[0][1].describe()


def test_a_create_the_api_logged_as_failed_is_sent_again_once_linked() -> None:
    server = Server(
        [LOST["502"](), response(200, {"id": "fresh", "status": "queued"})], lambda posted: [row(posted[0], "failed")]
    )
    job, _ = run(server)
    assert job.id == "fresh" and job.client_request_id == "veo-second"
    assert server.events == ["post veo-first", "journal veo-first -> veo-second", "post veo-second"]


def test_never_a_third_send() -> None:
    server = Server([LOST["500"](), LOST["reset"]()], lambda posted: [row(c, "failed") for c in posted])
    with pytest.raises(veo.APIConnectionError) as caught:
        run(server)
    assert server.posted == ["veo-first", "veo-second"]
    assert "billed nothing" in str(caught.value) and "not sent again" in str(caught.value)


def test_not_found_by_the_deadline_is_a_typed_error_saying_what_is_known() -> None:
    server = Server([LOST["504"]()], lambda posted: [row("someone-else")])
    with pytest.raises(UnconfirmedCreateError) as caught:
        run(server, timeout=90)
    error = caught.value
    assert isinstance(error, veo.VeoError) and error.may_exist and error.client_request_id == "veo-first"
    assert isinstance(error.result, NotFound) and error.looked_for == 90
    assert "client.reconcile('veo-first')" in str(error) and "1 min 30 s" in str(error)
    assert isinstance(error.cause, veo.ServerError) and server.posted == ["veo-first"]


def test_unreadable_logs_fall_back_to_todays_error_and_say_so() -> None:
    server = Server([LOST["502"]()], lambda posted: [row(posted[0])], refuse=404)
    with pytest.raises(veo.ServerError) as caught:
        run(server)
    assert caught.value.may_exist and "cannot be read (GET /v2/logs answered HTTP 404" in str(caught.value)
    assert server.posted == ["veo-first"] and server.log_reads == 1


def test_without_a_key_nothing_is_looked_up() -> None:
    server = Server([LOST["reset"]()], lambda posted: [row(posted[0])])
    with pytest.raises(veo.APIConnectionError, match="no API key to read them with"):
        run(server, can_reconcile=False)
    assert server.log_reads == 0


def test_a_refused_create_is_not_reconciled() -> None:
    server = Server([response(400, {"message": "bad duration"})], lambda posted: [row(posted[0])])
    with pytest.raises(veo.APIError):
        run(server)
    assert server.log_reads == 0 and server.posted == ["veo-first"]
