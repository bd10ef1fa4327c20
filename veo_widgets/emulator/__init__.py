"""A local AI/ML API for Veo 3 Fast: real HTTP, real MP4s, faults on demand.

>>> from veo_widgets.emulator import Emulator
>>> with Emulator(timing=2) as emu:                          # doctest: +SKIP
...     client = veo_widgets.Client(emu.api_key, emu.url)
"""

from ._faults import ALL_FAULTS, FAULT_KINDS, Fault
from ._jobs import EmulatorStats, Timing
from ._server import Emulator, demo_emulator

__all__ = ["ALL_FAULTS", "FAULT_KINDS", "Emulator", "EmulatorStats", "Fault", "Timing", "demo_emulator"]
