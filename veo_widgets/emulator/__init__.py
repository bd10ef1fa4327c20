"""A local AI/ML API for Veo 3 Fast: real HTTP, real MP4s, faults on demand.

>>> from veo_widgets.emulator import Emulator
>>> with Emulator(timing=2) as emu:                          # doctest: +SKIP
...     client = veo_widgets.Client(emu.api_key, emu.url)
"""

from ._app import FAULT_KINDS, EmulatorStats, Fault, Timing
from ._server import Emulator, demo_emulator

__all__ = ["FAULT_KINDS", "Emulator", "EmulatorStats", "Fault", "Timing", "demo_emulator"]
