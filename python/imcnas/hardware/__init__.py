"""Hardware description: configuration, device catalog, technology table and cost API."""

from imcnas.hardware.config import ConfigError, HardwareConfig

__all__ = ["ConfigError", "HardwareConfig"]
