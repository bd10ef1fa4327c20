"""``veo doctor`` and ``%veo doctor``: free checks of what this package assumes about the AI/ML API, one line each.

With a key, every check is costless: a poll of an id that does not exist (the key is accepted
when the answer is not 401/403), the balance, the catalogue and the family's prices, what this
account was charged against those prices (more than 20 % apart is a warning), the usage logs
(answering, and echoing our ``X-Client-Request-Id``), the clock skew from the ``Date`` header,
and the package versions. Nothing is generated. Each line is ``ok``, ``warn`` or
``fail`` with what to do; the exit status is 1 when a line fails.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from .._config import DEFAULT_BASE_URL, env_api_key
from ..client._drivers import tls_context
from ..money._audit_run import price_drift
from ..money._learned import learned_settings
from ..money._pricing import parse_catalogue
from ..schema._family import models

__all__ = ["Check", "base_url_from_env", "checks", "clock_skew", "report"]

#: Clock skew past which signed links and log windows may misbehave.
SKEW_WARN_SECONDS = 60.0
_PACKAGES = ("veo_widgets", "httpx", "av", "pillow", "ipywidgets")


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    state: str
    """``ok``, ``warn`` or ``fail``."""
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"{self.state:<4}  {self.name}: {self.detail}"
        return text + (f" -> {self.fix}" if self.fix and self.state != "ok" else "")


def base_url_from_env() -> str:
    """``$AIMLAPI_BASE_URL``, else the API's address."""
    return (os.environ.get("AIMLAPI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def _key_check(http: httpx.Client) -> Check:
    answer = http.get("/v2/video/generations", params={"generation_id": f"doctor-{uuid.uuid4()}"})
    if answer.status_code in (401, 403):
        return Check("key", "fail", f"refused ({answer.status_code})", "check AIMLAPI_KEY at aimlapi.com/app/keys")
    if answer.status_code >= 500:
        return Check("key", "warn", f"the poll answered {answer.status_code}", "try again later")
    return Check("key", "ok", f"accepted (a poll of an unknown id answered {answer.status_code})")


def _balance_check(http: httpx.Client) -> Check:
    answer = http.get("/v2/billing")
    if answer.status_code != 200:
        return Check("balance", "fail", f"/v2/billing answered {answer.status_code}", "check the key's rights")
    body = answer.json()
    usd = body.get("current_balance", body.get("balance"))
    if not isinstance(usd, (int, float)):
        return Check("balance", "warn", f"no balance in the answer ({sorted(body)})", "report this answer")
    if usd <= 0:
        return Check("balance", "warn", f"{usd} USD", "top up before generating")
    return Check("balance", "ok", f"{usd:.2f} USD")


def _catalogue_check(http: httpx.Client) -> list[Check]:
    answer = http.get("/v1/models", params={"include": "pricing"})
    if answer.status_code != 200:
        return [Check("catalogue", "fail", f"/v1/models answered {answer.status_code}", "try again later")]
    listed: dict[str, dict[str, Any]] = {}
    for item in answer.json().get("data", []):
        for name in (item.get("id"), *item.get("aliases", [])):
            if isinstance(name, str):
                listed[name.lower()] = item
    family = list(models())
    found = {m.short: next((listed[n.lower()] for n in m.names if n.lower() in listed), None) for m in family}
    missing = [short for short, item in found.items() if item is None]
    priced = [s for s, item in found.items() if item is not None and (item.get("pricing") or {}).get("kind")]
    schemas = [s for s, item in found.items() if item is not None and (item.get("info") or {}).get("docsJson")]
    out = [
        Check(
            "catalogue",
            "ok" if not missing else "warn",
            f"{len(family) - len(missing)} of {len(family)} Veo models listed"
            + (f"; not listed: {', '.join(missing)}" if missing else ""),
            "a model not listed may be retired: see `veo models`",
        ),
        Check(
            "prices",
            "ok" if len(priced) == len(family) - len(missing) else "warn",
            f"{len(priced)} of {len(family) - len(missing)} listed models carry a price",
            "an unpriced model is generated without a cost estimate",
        ),
        Check(
            "schemas",
            "ok" if len(schemas) == len(family) - len(missing) else "warn",
            f"{len(schemas)} of {len(family) - len(missing)} listed models link their schema (info.docsJson)",
            "the built-in table is used for the others",
        ),
    ]
    out.append(_charges_check(answer.json(), str(http.base_url)))
    return out


def _charges_check(listed: Any, base_url: str) -> Check:
    """What this machine saw charged per setting (``money/_learned.py``) against the catalogue."""
    catalogue = parse_catalogue(listed, base_url=base_url, now=datetime.now(timezone.utc))
    settings = learned_settings(base_url)
    if not settings:
        return Check("charges", "ok", "no job charged here yet: estimates are the catalogue's")
    drift = price_drift(catalogue, base_url, settings)
    if not drift:
        n = len(settings)
        return Check("charges", "ok", f"{n} setting{'s' if n != 1 else ''} charged within 20 % of the catalogue")
    return Check(
        "charges",
        "warn",
        "; ".join(d.describe() for d in drift),
        "estimates and the budget use what was charged; `veo audit` lists the jobs",
    )


def _logs_check(http: httpx.Client) -> Check:
    crid = f"doctor-{uuid.uuid4()}"
    answer = http.get("/v2/logs", params={"period": "1h", "limit": 1}, headers={"X-Client-Request-Id": crid})
    if answer.status_code != 200:
        return Check("logs", "fail", f"/v2/logs answered {answer.status_code}", "lost creates cannot be found")
    if answer.headers.get("x-client-request-id") != crid:
        return Check(
            "logs", "warn", "answered, but without our X-Client-Request-Id", "a lost create is found by time only"
        )
    return Check("logs", "ok", "answered, and echoed our X-Client-Request-Id")


def clock_skew(answers: Iterable[httpx.Response]) -> float | None:
    """Seconds our clock runs ahead of the server's, from the first answer with a ``Date``
    header (None: no answer had one). Whole seconds: ``Date`` has no finer grain."""
    for answer in answers:
        stamp = answer.headers.get("date")
        if not stamp:
            continue
        try:
            theirs = parsedate_to_datetime(stamp)
        except (TypeError, ValueError):
            continue
        return (datetime.now(timezone.utc) - theirs).total_seconds()
    return None


def _clock_check(answers: Iterable[httpx.Response]) -> Check:
    skew = clock_skew(answers)
    if skew is None:
        return Check("clock", "warn", "no Date header in any answer", "clock skew cannot be measured")
    if abs(skew) > SKEW_WARN_SECONDS:
        return Check("clock", "warn", f"{skew:+.0f} s from the server's", "set the clock (NTP)")
    return Check("clock", "ok", f"{skew:+.0f} s from the server's Date")


def _versions_check() -> Check:
    found = []
    for name in _PACKAGES:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} not installed")
    return Check("versions", "ok", f"Python {platform.python_version()}; " + ", ".join(found))


def checks(base_url: str | None = None, transport: httpx.BaseTransport | None = None) -> list[Check]:
    """Every free check, in order; an unreachable server is one ``fail`` line."""
    key = env_api_key()
    if key is None:
        return [
            Check("key", "fail", "no AIMLAPI_KEY set", "set AIMLAPI_KEY (without it veo runs in demo mode)"),
            _versions_check(),
        ]
    seen: list[httpx.Response] = []
    headers = {"Authorization": f"Bearer {key.reveal()}"}
    with httpx.Client(
        base_url=base_url or base_url_from_env(),
        headers=headers,
        timeout=30.0,
        transport=transport,
        verify=tls_context(),
        event_hooks={"response": [seen.append]},
    ) as http:
        steps: list[Callable[[httpx.Client], Check | list[Check]]] = [
            _key_check,
            _balance_check,
            _catalogue_check,
            _logs_check,
        ]
        out: list[Check] = []
        for step in steps:
            try:
                got = step(http)
            except httpx.HTTPError as exc:
                name = step.__name__.strip("_").removesuffix("_check")
                out.append(Check(name, "fail", f"no answer ({type(exc).__name__})", "check the network"))
                continue
            out.extend(got if isinstance(got, list) else [got])
    out.append(_clock_check(seen))
    out.append(_versions_check())
    return out


def report(found: list[Check]) -> tuple[str, int]:
    """The lines and a closing count, and the exit status (1 when a line failed)."""
    failed = sum(c.state == "fail" for c in found)
    warned = sum(c.state == "warn" for c in found)
    lines = [c.line() for c in found] + [f"{failed} failed, {warned} warnings, {len(found) - failed - warned} ok"]
    return "\n".join(lines), 1 if failed else 0
