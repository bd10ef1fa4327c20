"""``veo doctor --live --budget USD``: one cheapest generation, watched on the wire.

The free checks (``_doctor``) cannot answer what only a paid call shows. This runs ONE
generation, the cheapest the family allows (a text model at its shortest duration, lowest
resolution and no sound), refused before anything is sent when its estimated price is over
the budget. A transport wrapped around the client's records every exchange: the status
spellings while polling, the cost headers on the create and each poll, the result link (its
lifetime read from ``X-Amz-Expires`` and its kin) and the ``Date`` headers. Meanwhile the
usage logs are looked at until the create's row appears. The job goes through the ordinary
client, so it is journaled before the create leaves and can be found, resumed and
downloaded like any other; nothing is ever sent twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from .._config import Secret, data_dir
from .._errors import ValidationError, VeoError, WaitCancelled
from ..client._client import Client
from ..client._drivers import tls_context
from ..schema._family import ModelSpec, models
from ._doctor import base_url_from_env
from ._doctor_wire import CREATE_PATHS, Recorder, kept_headers, wire_facts

__all__ = ["DEFAULT_LOGS_WAIT", "PROMPT", "cheapest", "live_run"]

#: Seconds between looks at the usage logs (their limit is 200 requests a minute).
LOGS_LOOK_EVERY = 5.0
#: How long after the job ends the logs are still looked at for the create's row.
DEFAULT_LOGS_WAIT = 120.0
PROMPT = "veo doctor: a slow pan over a calm grey sea, one gull"


def _cheapest_options(spec: ModelSpec) -> dict[str, Any]:
    options: dict[str, Any] = {"model": spec.short}
    duration = spec.option("duration")
    if duration is not None and duration.choices:
        options["duration"] = min(duration.choices)
    resolution = spec.option("resolution")
    if resolution is not None and resolution.choices:
        options["resolution"] = min(resolution.choices, key=lambda r: int("".join(c for c in str(r) if c.isdigit())))
    if spec.option("generate_audio") is not None:
        options["generate_audio"] = False
    return options


def cheapest(client: Client) -> tuple[ModelSpec, dict[str, Any], float]:
    """The cheapest generation the family allows with no input to upload: a text model at its
    shortest, lowest and silent, and its estimated price. ``ValidationError`` when no such
    model has a known price (a budget cannot be held without one)."""
    priced: list[tuple[float, str, ModelSpec, dict[str, Any]]] = []
    for spec in models():
        if "text" not in spec.modes or spec.required:
            continue
        options = _cheapest_options(spec)
        usd = client.estimate(**options).usd
        if usd is not None:
            priced.append((usd, spec.short, spec, options))
    if not priced:
        raise ValidationError("budget", "no Veo text model has a known price, so a budget cannot be held")
    usd, _, spec, options = min(priced, key=lambda p: (p[0], p[1]))
    return spec, options, usd


def _logs_rows(http: httpx.Client, crid: str, job_id: str | None) -> list[dict[str, Any]] | None:
    """This create's rows in the usage logs (None: the logs did not answer)."""
    try:
        answer = http.get("/v2/logs", params={"period": "1h", "limit": 100})
    except httpx.HTTPError:
        return None
    if answer.status_code != 200:
        return None
    rows = answer.json().get("data", [])
    return [
        row
        for row in rows
        if isinstance(row, dict)
        and (row.get("client_request_id") == crid or (job_id is not None and row.get("inference_id") == job_id))
    ]


@dataclass
class _Watch:
    """The usage logs, looked at while the job runs and after, until the create's row shows."""

    http: httpx.Client
    recorder: Recorder
    crid: str
    looks: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    appeared_after: float | None = None

    def look(self, created_at: float, job_id: str | None) -> bool:
        if self.appeared_after is not None:
            return True
        rows = _logs_rows(self.http, self.crid, job_id)
        after = round(self.recorder.now() - created_at, 2)
        self.looks.append({"after_create_s": after, "rows": None if rows is None else len(rows)})
        if rows:
            self.rows, self.appeared_after = rows, after
        return bool(rows)


def _free_extras(http: httpx.Client, spec: ModelSpec, job_id: str | None, crid: str) -> dict[str, Any]:
    """Free answers the questions need: a poll that sends our request id, the catalogue's
    Veo entries, the metrics of the model used, and the account routes' rate-limit headers."""
    extras: dict[str, Any] = {}
    if job_id:
        poll = http.get(CREATE_PATHS[0], params={"generation_id": job_id}, headers={"X-Client-Request-Id": crid})
        extras["poll_echo"] = {"status": poll.status_code, "echoed": poll.headers.get("x-client-request-id") == crid}
    answer = http.get("/v1/models", params={"include": "pricing"})
    items = answer.json().get("data", []) if answer.status_code == 200 else []
    wanted = {n.lower() for m in models() for n in m.names}
    catalogue = [
        {"id": i.get("id"), "aliases": i.get("aliases", []), "pricing": i.get("pricing")}
        for i in items
        if isinstance(i, dict) and {str(n).lower() for n in (i.get("id"), *i.get("aliases", []))} & wanted
    ]
    extras["catalogue"] = catalogue
    names = {n.lower() for n in spec.names}
    entry = next((c for c in catalogue if {str(n).lower() for n in (c["id"], *c["aliases"])} & names), None)
    asked = list(dict.fromkeys([*([entry["id"], *entry["aliases"]] if entry else []), spec.id]))
    metrics = http.get("/models/metrics", params=[("aliases", a) for a in asked])
    extras["metrics"] = {
        "asked": asked,
        "status": metrics.status_code,
        "models": metrics.json().get("models", []) if metrics.status_code == 200 else [],
    }
    limits: dict[str, dict[str, str]] = {}
    for path, params in (("/v2/usage", {"period": "1d"}), ("/v2/billing", {})):
        got = http.get(path, params=params)
        limits[path] = {"status": str(got.status_code), **kept_headers(got.headers)}
    extras["account_headers"] = limits
    return extras


def _wait_for_create(run: Any) -> None:
    """Until the job has its id (or the run ended); Ctrl-C is the run's (see ``Run.wait``)."""
    while run.job is None and not run.done:
        try:
            run.wait(timeout=0.2)
        except TimeoutError:
            continue
        except VeoError:
            return


def live_run(
    budget_usd: float,
    *,
    api_key: Secret,
    base_url: str | None = None,
    transport: httpx.BaseTransport | None = None,
    logs_wait: float = DEFAULT_LOGS_WAIT,
    timeout: float = 600.0,
    on_line: Callable[[str], Any] = print,
) -> dict[str, Any]:
    """Run the one generation and return what was seen (the report's ``live`` part).
    ``ValidationError`` before anything is sent when its estimate is over ``budget_usd``;
    ``WaitCancelled`` on Ctrl-C (the job, if created, is journaled and resumable)."""
    inner = transport or httpx.HTTPTransport()
    recorder = Recorder(inner)
    url = base_url or base_url_from_env()
    headers = {"Authorization": f"Bearer {api_key.reveal()}"}
    try:
        with (
            Client(api_key, url, transport=recorder) as client,
            httpx.Client(base_url=url, headers=headers, timeout=30.0, transport=recorder, verify=tls_context()) as http,
        ):
            spec, options, usd = cheapest(client)
            if usd > budget_usd:
                raise ValidationError(
                    "budget",
                    f"the cheapest generation ({_describe(options)}) is estimated at ${usd:.2f}, over the budget "
                    f"of ${budget_usd:.2f}; nothing was sent. Pass --budget {usd:.2f} or more",
                )
            on_line(f"live  sending one generation: {_describe(options)}, about ${usd:.2f} (budget ${budget_usd:.2f})")
            folder = data_dir() / "doctor"
            run = client.start(PROMPT, save_to=folder, timeout=timeout, **options)
            watch = _Watch(http, recorder, run.client_request_id)
            _wait_for_create(run)
            creates = recorder.of_kind("create")
            created_at = creates[0].at if creates else recorder.now()
            job_id = run.job.id if run.job is not None else None
            if job_id:
                watch.look(created_at, job_id)
            outcome = _follow(run, watch, created_at, logs_wait)
            job_id = run.job.id if run.job is not None else job_id
            wire = wire_facts(recorder, created_at)  # before the doctor's own extra poll below
            try:
                extras = _free_extras(http, spec, job_id, run.client_request_id)
            except (httpx.HTTPError, ValueError) as exc:  # the report is still written, saying so
                extras = {"extras_error": f"{type(exc).__name__}: {exc}"}
    finally:
        inner.close()
    return {
        "model": {"short": spec.short, "id": spec.id, "options": options, "estimate_usd": usd},
        "budget_usd": budget_usd,
        "job": {
            "id": job_id,
            "client_request_id": run.client_request_id,
            "outcome": outcome,
            "saved_to": str(run.job.path) if run.job is not None and run.job.path else None,
            "seconds_create_to_last_poll": wire.pop("seconds_create_to_last_poll"),
        },
        **wire,
        "logs": {"looks": watch.looks, "appeared_after_create_s": watch.appeared_after, "rows": watch.rows},
        **extras,
        "exchanges": [asdict(e) for e in recorder.exchanges],
    }


def _describe(options: Mapping[str, Any]) -> str:
    bits = [str(options["model"]), f"{options.get('duration', '?')} s"]
    if "resolution" in options:
        bits.append(str(options["resolution"]))
    if options.get("generate_audio") is False:
        bits.append("no sound")
    return ", ".join(bits)


def _follow(run: Any, watch: _Watch, created_at: float, logs_wait: float) -> str:
    """Wait for the run, looking at the logs between; then look on, at most ``logs_wait`` s."""
    outcome = "completed"
    while True:
        try:
            run.wait(timeout=LOGS_LOOK_EVERY)
            break
        except TimeoutError:
            watch.look(created_at, run.job.id if run.job is not None else None)
        except WaitCancelled:
            raise
        except VeoError as exc:
            outcome = f"{type(exc).__name__}: {exc}"
            break
    job_id = run.job.id if run.job is not None else None
    deadline = time.monotonic() + logs_wait
    while not watch.look(created_at, job_id) and time.monotonic() < deadline:
        time.sleep(LOGS_LOOK_EVERY)  # the logs may lag the job: their rate limit sets the pace
    return outcome
