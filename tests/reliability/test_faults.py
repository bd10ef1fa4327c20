"""Every emulator fault, on both clients, over real loopback HTTP: each run ends in a
downloaded video or in the right typed error, and no job is ever created twice."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import veo_widgets as veo
from veo_widgets.emulator import FAULT_KINDS, Emulator
from veo_widgets.protocol._flows import RetryPolicy

from ..conftest import FAST, QUICK_POLLS, probe
from ..helpers import own_emulator

pytestmark = pytest.mark.timeout(60)

RESPONSE_OUTCOMES: dict[tuple[str, str], type[Exception] | None] = {}
for kind in ("429", "503"):
    RESPONSE_OUTCOMES[(kind, "create")] = None  # surely not accepted: retried
for kind in ("500", "502", "504", "malformed", "drop", "slow"):
    RESPONSE_OUTCOMES[(kind, "create")] = None  # may exist: never re-sent, found in the usage logs
RESPONSE_OUTCOMES[("401", "create")] = veo.AuthenticationError
RESPONSE_OUTCOMES[("403", "create")] = veo.InsufficientCreditsError
for kind in ("429", "500", "502", "503", "504", "drop", "slow", "malformed"):
    RESPONSE_OUTCOMES[(kind, "poll")] = None
    RESPONSE_OUTCOMES[(kind, "download")] = None
RESPONSE_OUTCOMES[("401", "poll")] = veo.AuthenticationError
RESPONSE_OUTCOMES[("403", "poll")] = veo.InsufficientCreditsError
# A file host refusing once (an expired link): a poll hands out a fresh link, which works.
RESPONSE_OUTCOMES[("401", "download")] = None
RESPONSE_OUTCOMES[("403", "download")] = None

JOB_OUTCOMES: dict[str, type[Exception] | None] = {
    "job_error": veo.GenerationFailedError,
    "job_error_detail": veo.GenerationFailedError,
    "job_error_string": veo.GenerationFailedError,
    "never_finish": veo.GenerationTimeoutError,
    "expired_url": veo.NotFoundError,
    "legacy_201": None,
    "waiting_active": None,
    "tokens_used": None,
}
CASES = [(k, e, o) for (k, e), o in RESPONSE_OUTCOMES.items()] + [(k, "create", o) for k, o in JOB_OUTCOMES.items()]


def test_the_matrix_covers_every_fault() -> None:
    assert {k for k, _, _ in CASES} == set(FAULT_KINDS)


# An emulator of this module's own: the session's may still be rendering other modules'
# clips (the Veo family's 8 s references, say), which would make these jobs wait in its
# render queue past their deadline.
_own_server, emulator = own_emulator("emulator", timing=0.5, seed=7)


@pytest.fixture
def run(flavour: str, emulator: Emulator, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    retry = RetryPolicy(base=0.05, cap=0.2)
    # A short read timeout only where the fault is a slow answer: elsewhere a loaded machine's
    # slow reply would spend the fault on a timed-out request and hide the error under test.
    timeout = 1.0 if request.node.callspec.params.get("kind") == "slow" else 30.0
    if flavour == "sync":
        client = veo.Client(emulator.api_key, emulator.url, timeout=timeout, retry=retry, schedule=QUICK_POLLS)
        yield lambda **kw: client.generate(**kw)
        client.close()
    else:
        loop = asyncio.new_event_loop()
        aclient = veo.AsyncClient(emulator.api_key, emulator.url, timeout=timeout, retry=retry, schedule=QUICK_POLLS)
        yield lambda **kw: loop.run_until_complete(aclient.generate(**kw))
        loop.run_until_complete(aclient.aclose())
        loop.close()


@pytest.mark.parametrize(("kind", "endpoint", "outcome"), CASES, ids=[f"{k}@{e}" for k, e, _ in CASES])
def test_fault(run: Any, emulator: Emulator, image_file: Path, kind: str, endpoint: str, outcome: type | None) -> None:
    emulator.add_fault(kind, endpoint=endpoint, times=1, retry_after=0.1, delay=2.0)
    creates_before = emulator.stats.creates
    if outcome is None:
        job = run(prompt=f"fault {kind}", image=image_file, timeout=30, **FAST)
        assert job.ok and job.path is not None and probe(job.path)["duration"] == pytest.approx(4, abs=0.1)
    else:
        with pytest.raises(outcome) as caught:
            run(prompt=f"fault {kind}", image=image_file, timeout=2 if kind == "never_finish" else 30, **FAST)
        assert isinstance(caught.value, veo.VeoError)
        if endpoint == "create" and kind in ("500", "502", "504", "drop", "slow", "malformed"):
            assert caught.value.may_exist and caught.value.client_request_id
    assert emulator.stats.creates - creates_before <= 1
    assert emulator.stats.duplicate_creates == {}
