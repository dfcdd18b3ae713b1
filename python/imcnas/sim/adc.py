"""ADC range rules shared by the C++ simulator and the NumPy reference, and lossless widths."""

from __future__ import annotations

from dataclasses import dataclass

from imcnas.hardware.config import MAX_ADC_BITS, HardwareConfig
from imcnas.hardware.devices import DeviceModel


@dataclass(frozen=True)
class AdcTransfer:
    """A uniform converter: code = clip(round_half_away(p / step), -L or 0, L)."""

    step: float
    """Unit-cell currents per code (a power of two >= 1)."""
    max_code: int
    """L, the largest code magnitude."""
    is_signed: bool
    """Sign-magnitude converter (2L+1 levels, zero exact) or unsigned (L+1 levels)."""


def unit_conductance_us(hw: HardwareConfig, device: DeviceModel) -> float:
    """Return dG = (g_max - g_min) / (2^cell_bits - 1) in uS, one level step."""
    return (device.g_max_us - device.g_min_us) / (2**hw.cell_bits - 1)


def g_min_units(hw: HardwareConfig, device: DeviceModel) -> float:
    """Return g0 = g_min / dG, the level-0 conductance in unit-cell conductances."""
    return device.g_min_us / unit_conductance_us(hw, device)


def max_conversion_input(hw: HardwareConfig, device: DeviceModel) -> float:
    """Return the largest input one conversion can see, in unit-cell currents.

    It is xbar_rows * (2^dac_bits - 1) * (2^cell_bits - 1) for the difference current, and
    xbar_rows * (2^dac_bits - 1) * (2^cell_bits - 1 + g0) per column, where G_min flows too.
    """
    top_cell = 2**hw.cell_bits - 1
    if hw.adc_conversion == "per_column":
        top_cell += g_min_units(hw, device)
    return hw.xbar_rows * (2**hw.dac_bits - 1) * top_cell


def adc_transfer(hw: HardwareConfig, device: DeviceModel) -> AdcTransfer:
    """Return the converter of ``hw`` for one conversion.

    Difference conversion is signed (sign-magnitude, L = 2^(adc_bits-1) - 1). Per-column
    conversion is unsigned (L = 2^adc_bits - 1): column currents are unipolar because
    signed inputs are then applied in a positive and a negative phase.
    """
    is_signed = hw.adc_conversion == "difference"
    max_code = 2 ** (hw.adc_bits - 1) - 1 if is_signed else 2**hw.adc_bits - 1
    step = 1.0
    if hw.adc_mode == "full_range":
        p_max = max_conversion_input(hw, device)
        while step * max_code < p_max:
            step *= 2.0
    return AdcTransfer(step=step, max_code=max_code, is_signed=is_signed)


def check_device(device: object, name: str = "device") -> DeviceModel | None:
    """Return the device model that ``device`` names: a preset name, a DeviceModel, or None.

    A preset name is looked up in ``DEVICE_PRESETS``, a DeviceModel is returned as is and
    None stays None, so the caller picks its own default. Anything else raises ValueError
    naming the argument ``name`` and the valid presets.
    """
    from imcnas.hardware.devices import DEVICE_PRESETS

    if device is None or isinstance(device, DeviceModel):
        return device
    if isinstance(device, str) and device in DEVICE_PRESETS:
        return DEVICE_PRESETS[device]
    raise ValueError(
        f"{name} must be a device preset name ({', '.join(sorted(DEVICE_PRESETS))}), "
        f"a DeviceModel or None; got {name}={device!r}"
    )


def lossless_adc_bits(hw: HardwareConfig, device: DeviceModel | str | None = None) -> int:
    """Return the smallest adc_bits at which the ADC of ``hw`` reproduces every sum exactly.

    The ADC is lossless when its step is one unit-cell current and its top code L covers
    the largest possible input: L >= max_conversion_input. The width depends on the
    crossbar rows, dac_bits, cell_bits, the conversion and (per column) the on/off ratio.
    It is the same for ``full_range`` and ``granular`` mode and for signed and unsigned
    inputs. ``device`` is a DeviceModel or a preset name and defaults to the ``hw.device``
    preset. Any other ``device`` raises ValueError.

    Raises ValueError when the width needed exceeds ``MAX_ADC_BITS``, the largest
    ``adc_bits`` a ``HardwareConfig`` accepts, because no supported ADC is then lossless
    for this tiling.
    """
    from imcnas.hardware.devices import DEVICE_PRESETS

    if not isinstance(hw, HardwareConfig):
        raise ValueError(f"hw must be a HardwareConfig; got {type(hw).__name__} {hw!r}")
    model = check_device(device)
    device = model if model is not None else DEVICE_PRESETS[hw.device]
    p_max = max_conversion_input(hw, device)
    is_signed = hw.adc_conversion == "difference"
    bits = 1
    while (2 ** (bits - 1) - 1 if is_signed else 2**bits - 1) < p_max:
        bits += 1
    if bits > MAX_ADC_BITS:
        raise ValueError(
            f"no ADC of at most {MAX_ADC_BITS} bits is lossless for xbar_rows={hw.xbar_rows}, "
            f"dac_bits={hw.dac_bits}, cell_bits={hw.cell_bits} ({hw.adc_conversion} conversion): "
            f"it needs {bits} bits; use fewer rows, dac_bits or cell_bits"
        )
    return bits
