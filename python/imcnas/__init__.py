"""imcnas: hardware-aware neural architecture search for analog in-memory computing.

The package searches network architecture, per-layer quantization and pruning, and
crossbar hardware in one flow. Each candidate is scored by its accuracy on a simulated
IMC chip (device noise and drift included) and by its energy, latency and area.
"""

import logging

from imcnas._core import __version__ as core_version
from imcnas.hardware.config import HardwareConfig

__version__ = "0.1.0"

logging.getLogger("imcnas").addHandler(logging.NullHandler())

__all__ = ["HardwareConfig", "__version__", "core_version"]
