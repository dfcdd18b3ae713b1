"""Technology table: the physical constants that price energy, latency and area.

Each constant names where it comes from. "Estimate" marks a value chosen by judgment
where no published figure was at hand; change it with :meth:`TechnologyTable.replace`.

Sources:

- NeuroSim V1.5: DNN+NeuroSim V1.5 C++ model, github.com/neurosim/NeuroSim,
  ``Inference_pytorch/NeuroSIM`` (``Param.cpp``, ``SubArray.cpp``, ``MultilevelSenseAmp.cpp``).
- Horowitz 2014: M. Horowitz, "Computing's energy problem (and what we can do about it)",
  ISSCC 2014, energy table for 45 nm at 0.9 V, as tabulated in secondary sources.
- Jonsson ADC survey: B. E. Jonsson, ADC performance survey updates 2011-2013,
  converterpassion.wordpress.com (Walden FOM P / (2^ENOB f_s); best SAR designs 2-10 fJ).
- Murmann survey: B. Murmann, "ADC Performance Survey 1997-2022", github.com/bmurmann/ADC-survey.
- Park 2013: S. Park et al., "40.4fJ/bit/mm low-swing on-chip signaling ... in 45nm SOI CMOS",
  DATE 2013 (a low-swing lower bound for the wire energy below).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from imcnas.hardware.config import ConfigError

ADC_TYPES = ("sar", "flash")
READ_SENSINGS = ("voltage", "current")

# C V^2 scaling from Horowitz's 45 nm / 0.9 V figures to 22 nm / 0.8 V, taking the switched
# capacitance proportional to the feature size. The scaling rule is an estimate.
_SCALE_45NM_TO_22NM = (22.0 / 45.0) * (0.8 / 0.9) ** 2


@dataclass(frozen=True)
class DeviceConductance:
    """Conductance range of a memory device as the cost model uses it."""

    g_min_us: float
    """Conductance of the lowest level, microsiemens."""
    g_max_us: float
    """Conductance of the highest level, microsiemens."""
    source: str = ""
    """Provenance of the values."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.g_min_us) and self.g_min_us >= 0.0):
            raise ConfigError(f"g_min_us must be a non-negative finite number, got {self.g_min_us}")
        if not (math.isfinite(self.g_max_us) and self.g_max_us > self.g_min_us):
            raise ConfigError(f"g_max_us must exceed g_min_us={self.g_min_us}, got {self.g_max_us}")

    @classmethod
    def from_resistance(cls, r_on_ohm: float, on_off_ratio: float, source: str = "") -> "DeviceConductance":
        """Build the range from the on-state resistance (ohm) and the on/off ratio."""
        g_max_us = 1e6 / r_on_ohm
        return cls(g_min_us=g_max_us / on_off_ratio, g_max_us=g_max_us, source=source)


@dataclass(frozen=True)
class TechnologyTable:
    """Constants of one technology node for the analytical cost model.

    Field names carry their units. Validated on construction: an invalid value raises
    :class:`~imcnas.hardware.config.ConfigError` naming it.
    """

    name: str = "22nm"
    """Label of the table, reported with every estimate."""
    feature_size_nm: float = 22.0
    """Feature size F, the unit of cell and transistor areas (the node)."""
    vdd_v: float = 0.8
    """Supply of the digital periphery. Estimate for a 22 nm low-power process."""
    read_voltage_v: float = 0.55
    """Full-scale row input. NeuroSim V1.5 Param.cpp, readVoltage at technode 22."""
    read_sensing: str = "voltage"
    """Pricing of a column read. ``voltage`` books the charge that brings each bit line to
    its read level, C_BL * V_read^2 per read, and no DC current through the cells. NeuroSim
    V1.5 does the same: SubArray.cpp prices the bit lines by capacitance, and its voltage-mode
    MultilevelSenseAmp.cpp sets the column current to zero. That is a lower bound: with
    low-resistance cells the bit line settles in picoseconds (C_BL / G_column), so a real read
    also draws the cell current for the sense window. ``current`` prices that current:
    V_read^2 * G per cell for one conversion time, the conservative bound."""
    access_drain_cap_ff: float = 0.07
    """Drain capacitance one 1T1R access transistor adds to its bit line, fF. Estimate for an
    access transistor about 0.12 um wide: NeuroSim V1.5 sizes it so that its linear-region
    resistance is at most 25% of R_on (IR_DROP_TOLERANCE 0.25 and LINEAR_REGION_RATIO 0.2 in
    constant.h); with its 22 nm PTM NMOS (1.5 mA/um on-current at 0.85 V, effective-resistance
    multiplier 1.54, Technology.cpp) that is 0.12 um for R_on = 6 kOhm. The junction constants
    of Technology.cpp (1 fF/um^2 bottom, 0.25 fF/um sidewall, 0.05 fF/um gate edge, graded for
    the bias) and a drain 3F long (estimate) give about 0.07 fF."""
    access_gate_cap_ff: float = 0.09
    """Gate capacitance one access transistor adds to its word line, fF: the 0.12 um transistor
    above with the 22 nm ideal-gate plus fringe capacitance of NeuroSim V1.5 Technology.cpp
    (0.33 + 0.45 fF/um). The width makes it an estimate."""
    wordline_voltage_v: float = 1.1
    """Gate voltage of an active 1T1R word line. NeuroSim V1.5 Param.cpp, accessVoltage."""
    cell_area_f2: float = 48.0
    """1T1R cell footprint, 4F x 12F. NeuroSim V1.5 Param.cpp (heightInFeatureSize1T1R,
    widthInFeatureSize1T1R)."""
    cell_width_f: float = 12.0
    """Cell pitch along a row, in F. NeuroSim V1.5 Param.cpp, widthInFeatureSize1T1R."""
    cell_height_f: float = 4.0
    """Cell pitch along a column, in F. NeuroSim V1.5 Param.cpp, heightInFeatureSize1T1R."""
    transistor_area_f2: float = 280.0 / 6.0
    """Footprint of one logic transistor: the 280 F^2 6T SRAM cell of NeuroSim V1.5 Param.cpp
    (10F x 28F above 14 nm) over its six transistors. Using it for logic is an estimate."""

    adc_type: str = "sar"
    """``sar`` (energy from a Walden FOM) or ``flash`` (2^bits - 1 comparators)."""
    sar_fom_fj: float = 10.0
    """Walden FOM of the SAR ADC, fJ per conversion step. The best SAR designs in the Jonsson
    ADC survey reach 2-10 fJ; 10 fJ for a non-record design is an estimate."""
    sar_cycle_ns: float = 0.25
    """One SAR bit cycle, so an 8-bit conversion takes 2 ns. Estimate."""
    sar_area_per_bit_um2: float = 5.0
    """SAR comparator and logic area per resolved bit. Estimate."""
    sar_unit_cap_area_um2: float = 0.5
    """Area of one unit capacitor of the SAR's binary-weighted DAC. Estimate."""
    flash_comparator_energy_fj: float = 0.5
    """One comparator decision: about ten minimum gates of ~0.08 fF switched at 0.8 V. Estimate."""
    flash_comparator_transistors: float = 9.0
    """Transistors per comparator. NeuroSim V1.5 MultilevelSenseAmp.cpp sizes each sense-amplifier
    level as nine minimum transistors."""
    flash_conversion_ns: float = 1.0
    """One flash conversion, before the resolution term. NeuroSim V1.5 MultilevelSenseAmp.cpp,
    voltage-mode latency per column."""
    flash_regeneration_ns_per_bit: float = 0.014
    """Extra latch regeneration per bit of resolution: a comparator needs tau * ln 2 longer to
    resolve half the input step. tau = 20 ps at 22 nm is an estimate."""

    dac_unit_energy_fj: float = 1.0
    """One unit element of a row DAC for one input cycle (a 1-bit driver has one). Estimate."""
    driver_transistors: float = 4.0
    """Row driver footprint without its DAC elements, in transistors. Estimate."""
    wire_cap_ff_per_um: float = 0.2
    """On-chip wire capacitance. NeuroSim V1.5 SubArray.cpp bit-line capacitance (0.2 fF/um)."""
    wire_res_ohm_per_um: float = 2.97e-8 / (40e-9 * 1.9 * 40e-9) * 1e-6
    """Resistance of a 40 nm wide wire with aspect ratio 1.9 and resistivity 2.97e-8 ohm m, the
    22 nm wire of NeuroSim V1.5 Param.cpp (its barrier-thickness correction left out)."""
    wire_activity: float = 0.5
    """Fraction of bus bits that toggle, for random data. Estimate. With the defaults a bit costs
    64 fJ/mm, above the 40.4 fJ/bit/mm low-swing link of Park 2013."""

    add_energy_fj_per_bit: float = (0.03 / 8 + 0.1 / 32) / 2 * 1e3 * _SCALE_45NM_TO_22NM
    """Adder energy per operand bit. Horowitz 2014 gives 0.03 pJ for an 8-bit add and 0.1 pJ for a
    32-bit add at 45 nm. Their mean per bit is scaled to 22 nm / 0.8 V by C V^2, an estimate."""
    adder_bit_transistors: float = 28.0
    """Transistors of one full-adder bit (a 28-transistor mirror adder). Estimate."""
    register_bit_transistors: float = 20.0
    """Transistors of one flip-flop bit. Estimate."""
    sram_energy_pj_per_bit: float = 10.0 / 64 * _SCALE_45NM_TO_22NM
    """Buffer read or write per bit. Horowitz 2014: 10 pJ per 64-bit access of an 8 KB SRAM at
    45 nm, scaled to 22 nm / 0.8 V by C V^2 (the scaling is an estimate)."""
    sram_cell_area_f2: float = 280.0
    """6T SRAM cell, 10F x 28F. NeuroSim V1.5 Param.cpp for nodes above 14 nm."""

    arrays_per_pe: int = 4
    """Crossbars per processing element (2 x 2). Estimate."""
    pes_per_tile: int = 16
    """Processing elements per tile (4 x 4). Estimate."""
    tile_buffer_kib: float = 64.0
    """SRAM buffer per tile, KiB. Estimate."""
    bus_width_bits: int = 256
    """Width of the bus across a tile, and the bits per clock cycle that enter or leave a
    layer's buffer. Estimate."""
    min_clock_ns: float = 1.0
    """Shortest clock period: the 1 GHz clkFreq of NeuroSim V1.5 Param.cpp. The clock is slowed
    to one ADC conversion per cycle when a conversion takes longer."""
    wire_pitch_nm: float = 80.0
    """Bus wire pitch: twice the 40 nm wire width of NeuroSim V1.5 Param.cpp at 22 nm."""
    input_activity: float | None = None
    """Mean squared row drive E[x^2]; ``None`` takes uniform input codes (0.5 for 1-bit DACs)."""

    devices: Mapping[str, DeviceConductance] = field(default_factory=dict)
    """Conductance ranges that override the device presets, by device name. By default the
    cost model and the simulator share the ``g_min_us`` / ``g_max_us`` of
    :data:`imcnas.hardware.devices.DEVICE_PRESETS`."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "devices", dict(self.devices))
        if self.adc_type not in ADC_TYPES:
            raise ConfigError(f"adc_type must be one of {', '.join(ADC_TYPES)}; got {self.adc_type!r}")
        if self.read_sensing not in READ_SENSINGS:
            raise ConfigError(
                f"read_sensing must be one of {', '.join(READ_SENSINGS)}; got {self.read_sensing!r}"
            )
        for name, value in self.devices.items():
            if not isinstance(value, DeviceConductance):
                raise ConfigError(f"devices[{name!r}] must be a DeviceConductance, got {value!r}")
        try:
            self.to_core().validate()  # the C++ checks name the invalid field
        except ValueError as error:
            raise ConfigError(str(error)) from None

    def conductance(self, device: str) -> DeviceConductance:
        """Return the conductance range of ``device`` (this table first, then the device presets)."""
        if device in self.devices:
            return self.devices[device]

        from imcnas.hardware.devices import DEVICE_PRESETS

        preset = DEVICE_PRESETS.get(device)
        if preset is None:
            raise ConfigError(
                f"no conductance range for device {device!r}: add it to TechnologyTable.devices "
                f"or use a preset ({', '.join(sorted(DEVICE_PRESETS))})"
            )
        return DeviceConductance(preset.g_min_us, preset.g_max_us, source=preset.source)

    def replace(self, **changes: Any) -> "TechnologyTable":
        """Return a copy with ``changes`` applied and validated."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Return the table as a JSON-ready dict."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "devices"}
        values["devices"] = {name: dataclasses.asdict(g) for name, g in self.devices.items()}
        return values

    def to_core(self) -> Any:
        """Return the table as the C++ ``imcnas._core.cost.Technology`` struct."""
        from imcnas._core import cost as core

        tech = core.Technology()
        for f in dataclasses.fields(self):
            if f.name in ("name", "devices", "input_activity"):
                continue
            setattr(tech, f.name, getattr(self, f.name))
        tech.input_activity_override = -1.0 if self.input_activity is None else self.input_activity
        return tech


TECH_22NM = TechnologyTable()
"""Default 22 nm table: NeuroSim V1.5 array and cell parameters, Horowitz 2014 digital energies,
and the conductance ranges of the device presets."""
