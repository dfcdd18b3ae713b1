"""Hardware configuration of an analog IMC accelerator, shared by the simulator and the cost model."""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

ADC_MODES = ("full_range", "granular")
ADC_CONVERSIONS = ("difference", "per_column")
WEIGHT_MAPPINGS = ("differential",)

# Widths above these are outside what analog crossbar peripherals are built with and
# would overflow the simulator's exact float64 accumulation for large layers.
MAX_ADC_BITS = 24
MAX_DAC_BITS = 8
MAX_CELL_BITS = 8
MAX_XBAR_SIZE = 4096


class ConfigError(ValueError):
    """Invalid configuration value; the message names the key, the value and the valid range."""


def _require_int(name: str, value: Any, low: int, high: int) -> None:
    # numbers.Integral admits numpy integers; bool is an int subclass but never a size.
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"{name} must be an integer in [{low}, {high}], got {value!r}")
    if not low <= value <= high:
        raise ConfigError(f"{name} must be in [{low}, {high}], got {value}")


def _require_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


@dataclass(frozen=True)
class HardwareConfig:
    """Crossbar geometry, converter resolutions and device of one IMC accelerator.

    Validated on construction: an invalid value raises :class:`ConfigError` naming it.
    """

    xbar_rows: int = 128
    """Word lines per crossbar array (rows that are read in parallel)."""
    xbar_cols: int = 128
    """Bit lines per crossbar array. A differential weight column uses two bit lines."""
    cell_bits: int = 2
    """Bits stored per memory cell (2**cell_bits conductance levels)."""
    dac_bits: int = 1
    """Input bits applied per read cycle by the row DAC (1 = bit-serial inputs)."""
    adc_bits: int = 8
    """ADC resolution in bits. The signed difference converter needs at least 2 bits
    (one sign bit and one magnitude bit); per-column conversion accepts 1 bit."""
    adc_mode: str = "full_range"
    """ADC range: ``full_range`` covers the largest possible column sum with a
    power-of-two step; ``granular`` uses a step of one unit-cell current and clips."""
    adc_conversion: str = "difference"
    """``difference`` converts the G+ minus G- current of a differential pair with one
    signed conversion; ``per_column`` converts G+ and G- columns separately (unsigned)."""
    cols_per_adc: int = 8
    """Bit lines multiplexed onto one ADC; conversions of those columns are sequential."""
    weight_mapping: str = "differential"
    """Signed-weight mapping. Only ``differential`` (a G+ and a G- column) is built so far."""
    device: str = "rram"
    """Device preset name from :data:`imcnas.hardware.devices.DEVICE_PRESETS`."""

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
                # Plain ints keep the canonical JSON and hash of a candidate independent of numpy.
                object.__setattr__(self, field.name, int(value))
        _require_int("xbar_rows", self.xbar_rows, 1, MAX_XBAR_SIZE)
        _require_int("xbar_cols", self.xbar_cols, 2, MAX_XBAR_SIZE)
        _require_int("cell_bits", self.cell_bits, 1, MAX_CELL_BITS)
        _require_int("dac_bits", self.dac_bits, 1, MAX_DAC_BITS)
        _require_int("adc_bits", self.adc_bits, 1, MAX_ADC_BITS)
        _require_int("cols_per_adc", self.cols_per_adc, 1, self.xbar_cols)
        _require_choice("adc_mode", self.adc_mode, ADC_MODES)
        _require_choice("adc_conversion", self.adc_conversion, ADC_CONVERSIONS)
        _require_choice("weight_mapping", self.weight_mapping, WEIGHT_MAPPINGS)
        if self.adc_conversion == "difference" and self.adc_bits < 2:
            raise ConfigError(
                f"adc_bits={self.adc_bits} is too small for adc_conversion='difference': a signed "
                "converter needs a sign bit and at least one magnitude bit; use adc_bits >= 2 "
                "or adc_conversion='per_column'"
            )
        if self.weight_mapping == "differential" and self.xbar_cols % 2:
            raise ConfigError(
                f"xbar_cols={self.xbar_cols} must be even for differential mapping "
                "(each weight column uses a G+ and a G- bit line)"
            )
        from imcnas.hardware.devices import DEVICE_PRESETS

        if self.device not in DEVICE_PRESETS:
            raise ConfigError(
                f"device must be one of {', '.join(sorted(DEVICE_PRESETS))}; got {self.device!r}"
            )
        device = DEVICE_PRESETS[self.device]
        if not device.supports_cell_bits(self.cell_bits):
            max_bits = device.supported_cell_bits[-1]
            raise ConfigError(
                f"cell_bits={self.cell_bits} is not supported by device={self.device!r}, whose "
                f"cells store at most {max_bits} bit{'s' if max_bits > 1 else ''}; lower "
                "cell_bits or pick another device"
            )

    @property
    def weight_cols_per_xbar(self) -> int:
        """Weight columns that fit in one crossbar (half the bit lines when differential)."""
        return self.xbar_cols // 2

    def weight_slices(self, w_bits: int) -> int:
        """Return the number of cell slices for a signed ``w_bits`` weight (sign excluded)."""
        return math.ceil((w_bits - 1) / self.cell_bits)

    def input_cycles(self, magnitude_bits: int) -> int:
        """Return the DAC read cycles needed to stream ``magnitude_bits`` input bits."""
        return math.ceil(magnitude_bits / self.dac_bits)

    def replace(self, **changes: Any) -> "HardwareConfig":
        """Return a copy with ``changes`` applied and validated."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "HardwareConfig":
        """Build a config from a mapping, rejecting unknown keys by name."""
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"unknown hardware key {unknown[0]!r}; valid keys are {', '.join(sorted(known))}"
            )
        return cls(**dict(values))
