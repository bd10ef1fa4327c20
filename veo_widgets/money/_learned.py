"""Estimates that learn: what this account was really charged per second, by model and setting.

The API publishes no Veo prices but its catalogue's, and public figures differ twenty-fold;
what an account is charged is the truth. After each completed job whose charge is known
(the poll's ``meta.usage``, the ``x-aimlapi-usd-spent`` header, or the ledger read by an
audit), :func:`learn_charge` records the US dollars per second charged for that server,
model, resolution and audio setting in ``<data dir>/charges.json`` (the last
:data:`KEPT` per setting, one per generation id). :func:`learned_estimate` then corrects
the catalogue's price by them: the more jobs, the more weight they get (``n / (n + 2)`` of
it), so an estimate moves toward the charged price after a few jobs, and says so ("about
$1.20, from your last 6 jobs"). Where the catalogue has no price, the charges are the
estimate.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .._config import data_dir
from ..schema._models import Job, JobStatus

__all__ = [
    "KEPT",
    "USED",
    "Learned",
    "charged_rate",
    "learn_charge",
    "learn_charges",
    "learn_job",
    "learn_jobs",
    "learned_estimate",
    "learned_settings",
    "setting_key",
]

KEPT = 20
#: How many of the most recent charges an estimate uses.
USED = 10
#: Prior weight of the catalogue, in jobs: after n jobs, the charges weigh n / (n + PRIOR).
PRIOR = 2.0
_FILE = "charges.json"
_LOCK = threading.Lock()
_CACHE: dict[Path, tuple[tuple[int, int], dict[str, list[dict[str, Any]]]]] = {}


def _path(folder: Path | None) -> Path:
    return (folder or data_dir()) / _FILE


def setting_key(base_url: str, model: str, resolution: str | None, generate_audio: bool | None) -> str:
    audio = "" if generate_audio is None else ("audio" if generate_audio else "silent")
    return "|".join((base_url.rstrip("/"), model, (resolution or "").lower(), audio))


def _read(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The file's rates, re-read only when it changed (one stat per call)."""
    try:
        stat = path.stat()
    except OSError:
        return {}
    mtime = (stat.st_mtime_ns, stat.st_size)
    with _LOCK:
        held = _CACHE.get(path)
        if held is not None and held[0] == mtime:
            return held[1]
    try:
        data = json.loads(path.read_text())
        rates = data.get("rates") if isinstance(data, Mapping) else None
        table = {str(k): list(v) for k, v in rates.items() if isinstance(v, list)} if isinstance(rates, Mapping) else {}
    except (OSError, ValueError):
        table = {}
    with _LOCK:
        _CACHE[path] = (mtime, table)
    return table


def learn_charge(
    base_url: str,
    request: Mapping[str, Any],
    generation_id: str,
    usd: float,
    *,
    folder: Path | None = None,
) -> bool:
    """Record ``usd`` charged for ``generation_id`` made from ``request`` (its model,
    resolution, audio setting and duration). Returns False when there is nothing to learn
    (no duration or model, or already recorded). Blocking: writes a small file."""
    return learn_charges([(base_url, request, generation_id, usd)], folder=folder) == 1


Charge = tuple[str, Mapping[str, Any], str, float]


def _rate_key(base_url: str, request: Mapping[str, Any], usd: float) -> tuple[str, float] | None:
    """The setting a charge is learned under and its dollars per second, or None when
    there is nothing to learn from it."""
    model, duration = request.get("model"), request.get("duration")
    if not model or not isinstance(duration, (int, float)) or isinstance(duration, bool) or duration <= 0:
        return None
    if not isinstance(usd, (int, float)) or usd <= 0:
        return None
    return setting_key(base_url, str(model), request.get("resolution"), request.get("generate_audio")), usd / duration


def learn_charges(charges: Iterable[Charge], *, folder: Path | None = None) -> int:
    """:func:`learn_charge` for several charges ``(base_url, request, generation_id, usd)``
    in one read and one write of the file (a thousand jobs completing together wrote it a
    thousand times). Returns how many were new."""
    learnable = [(*rated, gid) for url, request, gid, usd in charges if (rated := _rate_key(url, request, usd))]
    if not learnable:
        return 0
    path = _path(folder)
    learned = 0
    with _LOCK:
        try:
            data = json.loads(path.read_text())
            table = dict(data.get("rates", {}))
        except (OSError, ValueError, AttributeError):
            table = {}
        now = datetime.now(timezone.utc).isoformat()
        for key, rate, generation_id in learnable:
            kept = [o for o in table.get(key, []) if isinstance(o, Mapping)]
            if any(o.get("id") == generation_id for o in kept):
                continue
            kept.append({"id": generation_id, "usd_per_second": rate, "at": now})
            table[key] = kept[-KEPT:]
            learned += 1
        if not learned:
            return 0
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps({"version": 1, "rates": table}))
        tmp.replace(path)
    return learned


def _charge_of(job: Job) -> Charge | None:
    """A completed job's charge as the API reported it, or None."""
    usd = job.usage.usd
    if usd is None and job.usage.credits is not None:
        usd = job.usage.credits / 2_000_000
    if not job.id or usd is None or not JobStatus.is_success(job.status) or not job.request:
        return None
    return job.base_url or "", job.request, job.id, usd


def learn_job(job: Job, *, folder: Path | None = None) -> bool:
    """:func:`learn_charge` for a completed job whose charge the API reported."""
    return learn_jobs([job], folder=folder) == 1


def learn_jobs(jobs: Iterable[Job], *, folder: Path | None = None) -> int:
    """:func:`learn_job` for several jobs, in one write of the file; how many were new."""
    return learn_charges([c for c in map(_charge_of, jobs) if c is not None], folder=folder)


def charged_rate(
    base_url: str, model: str, resolution: str | None, generate_audio: bool | None, *, folder: Path | None = None
) -> tuple[float, int] | None:
    """The mean US dollars per second of the last :data:`USED` charges of this setting, and
    how many there were; None before the first."""
    kept = _read(_path(folder)).get(setting_key(base_url, model, resolution, generate_audio), [])
    rates = [float(o["usd_per_second"]) for o in kept[-USED:] if isinstance(o.get("usd_per_second"), (int, float))]
    return (sum(rates) / len(rates), len(rates)) if rates else None


def learned_settings(base_url: str, *, folder: Path | None = None) -> list[tuple[str, str | None, bool | None]]:
    """Every (model, resolution, audio setting) charged on this server, as :func:`charged_rate` takes them."""
    prefix = base_url.rstrip("/") + "|"
    found = []
    for key in _read(_path(folder)):
        if not key.startswith(prefix):
            continue
        model, resolution, audio = key[len(prefix) :].rsplit("|", 2)
        found.append((model, resolution or None, None if not audio else audio == "audio"))
    return found


@dataclass(frozen=True)
class Learned:
    """An estimate corrected by what this account was charged: ``jobs`` 0 means uncorrected."""

    usd: float | None
    jobs: int = 0
    listed: float | None = None
    """The catalogue's price, before the correction."""


def learned_estimate(
    base_url: str,
    model: str,
    resolution: str | None,
    duration: int | None,
    generate_audio: bool | None,
    listed: float | None,
    *,
    folder: Path | None = None,
) -> Learned:
    """``listed`` (the catalogue's price, or None) moved toward what was charged here."""
    if not duration:
        return Learned(listed, 0, listed)
    found = charged_rate(base_url, model, resolution, generate_audio, folder=folder)
    if found is None:
        return Learned(listed, 0, listed)
    rate, jobs = found
    charged = rate * duration
    if listed is None:
        return Learned(round(charged, 6), jobs, None)
    weight = jobs / (jobs + PRIOR)
    return Learned(round(listed + weight * (charged - listed), 6), jobs, listed)
