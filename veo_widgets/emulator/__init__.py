"""A local AI/ML API for the Veo family: real HTTP, real MP4s, faults on demand.

>>> from veo_widgets.emulator import Emulator
>>> with Emulator(timing=2) as emu:                          # doctest: +SKIP
...     client = veo_widgets.Client(emu.api_key, emu.url)

It serves the video create and poll routes for every Veo model (``_specs`` checks each
body as that model's spec says), ``/v2/logs`` (``_logs``), ``/v1/models``, ``/model/{id}``
and ``/models/metrics`` (``_catalogue``), ``/v2/billing`` (``_account``), the ledger
``/v2/billing/transactions`` (``_ledger``), ``/v2/usage`` and ``/v2/usage/detail`` (``_usage``).
``_routes`` dispatches; ``_jobs`` holds the job timeline and its store; ``_faults`` the
faults; ``_renders`` runs renders that ``_scenes`` draws and ``_render`` encodes; ``_wire``
has the request, response and error shapes; ``_server`` puts it all on a socket; ``_demo_mode`` runs demo mode's one.
"""

from ._demo_mode import demo_address, demo_emulator
from ._faults import ALL_FAULTS, FAULT_KINDS, Fault
from ._jobs import EmulatorStats, Timing
from ._server import Emulator

__all__ = [
    "ALL_FAULTS",
    "FAULT_KINDS",
    "Emulator",
    "EmulatorStats",
    "Fault",
    "Timing",
    "demo_address",
    "demo_emulator",
]
