"""NumPy reference of the crossbar MVM: the test oracle for the C++ simulator.

It implements the same semantics (slicing, differential conductances, DAC digits, row
tiles, ADC and shift-and-add) with plain array operations, and agrees with the C++ path
exactly wherever no randomness is involved. Noise is not sampled here: to check a noisy
chip, pass its programmed conductances (``ProgrammedLayer.conductances_us``).
"""

from __future__ import annotations

import itertools

import numpy as np

from imcnas.hardware.config import HardwareConfig
from imcnas.hardware.devices import DEVICE_PRESETS, DeviceModel
from imcnas.sim.adc import adc_transfer, g_min_units, unit_conductance_us
from imcnas.sim.quantize import MAX_IN_BITS, MAX_W_BITS, check_bits, check_matrix, round_half_away


def slice_levels(weight_int: np.ndarray, w_bits: int, cell_bits: int) -> np.ndarray:
    """Return the unsigned cell levels of |weight_int|, shape (slices, n_out, n_in), LSB first."""
    slices = -(-(w_bits - 1) // cell_bits)
    magnitude = np.abs(weight_int.astype(np.int64))
    mask = 2**cell_bits - 1
    return np.stack([(magnitude >> (cell_bits * s)) & mask for s in range(slices)])


def ideal_levels(
    weight_int: np.ndarray, w_bits: int, cell_bits: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the target levels of (G+, G-), each shaped (slices, n_in, n_out).

    Positive weights put their levels on G+, negative weights on G-; the other device of
    the pair stays at level 0 (g_min).
    """
    levels = slice_levels(weight_int, w_bits, cell_bits).transpose(0, 2, 1)
    plus = np.where((weight_int > 0).T[None, :, :], levels, 0)
    minus = np.where((weight_int < 0).T[None, :, :], levels, 0)
    return plus.astype(np.float64), minus.astype(np.float64)


def digit_planes(x_int: np.ndarray, in_bits: int, input_signed: bool, dac_bits: int) -> np.ndarray:
    """Return the signed DAC digits, shape (cycles, batch, n_in), LSB cycle first."""
    magnitude_bits = in_bits - 1 if input_signed else in_bits
    cycles = -(-magnitude_bits // dac_bits)
    magnitude = np.abs(x_int)
    sign = np.where(x_int < 0, -1.0, 1.0)
    mask = 2**dac_bits - 1
    return np.stack([sign * ((magnitude >> (dac_bits * t)) & mask) for t in range(cycles)])


def input_phases(planes: np.ndarray, conversion: str) -> list[tuple[float, np.ndarray]]:
    """Return (sign, digits) per input phase.

    Difference conversion applies signed digits in one phase. Per-column conversion needs
    unipolar currents, so positive digits go in one phase and the magnitudes of negative
    digits in a second phase that is subtracted.
    """
    if conversion == "difference" or planes.min(initial=0.0) >= 0.0:
        return [(1.0, planes)]
    return [(1.0, np.maximum(planes, 0.0)), (-1.0, np.maximum(-planes, 0.0))]


def _convert(p: np.ndarray, step: float, max_code: int, is_signed: bool) -> np.ndarray:
    codes = np.clip(round_half_away(p / step), -max_code if is_signed else 0, max_code)
    return codes * step


def forward_int(
    weight_int: np.ndarray,
    x_int: np.ndarray,
    hw: HardwareConfig,
    *,
    w_bits: int,
    in_bits: int,
    input_signed: bool = False,
    device: DeviceModel | None = None,
    conductances_us: tuple[np.ndarray, np.ndarray] | None = None,
    compensation: float = 1.0,
) -> np.ndarray:
    """Compute the integer-domain output (batch, n_out) float64 of a crossbar layer.

    ``weight_int`` (n_out, n_in) and ``x_int`` (batch, n_in) are quantized integers.
    ``device`` supplies the conductance range (default: the ``hw.device`` preset); its
    noise is ignored. ``conductances_us`` replaces the ideal (G+, G-) with given values,
    each (slices, n_in, n_out). ``compensation`` scales the output, as drift compensation.
    """
    weight_int = check_matrix("weight_int", weight_int)
    x_int = check_matrix("x_int", x_int, columns=weight_int.shape[1])
    w_bits = check_bits("w_bits", w_bits, 2, MAX_W_BITS)
    in_bits = check_bits("in_bits", in_bits, 2 if input_signed else 1, MAX_IN_BITS)
    max_w = 2 ** (w_bits - 1) - 1
    if np.abs(weight_int).max(initial=0) > max_w:
        raise ValueError(f"weight_int exceeds the w_bits={w_bits} range [-{max_w}, {max_w}]")
    max_x = 2 ** (in_bits - 1) - 1 if input_signed else 2**in_bits - 1
    if x_int.size and (x_int.max() > max_x or x_int.min() < (-max_x if input_signed else 0)):
        raise ValueError(f"x_int is outside the in_bits={in_bits} range of the input mode")

    device = device if device is not None else DEVICE_PRESETS[hw.device]
    unit = unit_conductance_us(hw, device)
    g0 = g_min_units(hw, device)
    # Conductances above g_min in unit-cell conductances: G / dG - g0 (exact integer
    # levels for ideal devices).
    if conductances_us is None:
        g_plus, g_minus = ideal_levels(weight_int, w_bits, hw.cell_bits)
    else:
        g_plus = np.asarray(conductances_us[0], dtype=np.float64) / unit - g0
        g_minus = np.asarray(conductances_us[1], dtype=np.float64) / unit - g0
    adc = adc_transfer(hw, device)
    planes = digit_planes(x_int.astype(np.int64), in_bits, input_signed, hw.dac_bits)
    phases = input_phases(planes, hw.adc_conversion)

    batch, n_in = x_int.shape
    y = np.zeros((batch, weight_int.shape[0]))
    for i0 in range(0, n_in, hw.xbar_rows):
        rows = slice(i0, min(n_in, i0 + hw.xbar_rows))
        for s in range(g_plus.shape[0]):
            for (phase_sign, phase_planes), t in itertools.product(phases, range(planes.shape[0])):
                digits = phase_planes[t][:, rows]
                significance = phase_sign * 2.0 ** (hw.cell_bits * s + hw.dac_bits * t)
                if hw.adc_conversion == "difference":
                    p = digits @ (g_plus[s, rows] - g_minus[s, rows])
                    value = _convert(p, adc.step, adc.max_code, adc.is_signed)
                else:
                    # Column currents include G_min on every driven row, so the known
                    # g0 * sum(digits) is part of each converter's input.
                    offset = g0 * digits.sum(axis=1, keepdims=True)
                    p = digits @ g_plus[s, rows] + offset
                    q = digits @ g_minus[s, rows] + offset
                    value = _convert(p, adc.step, adc.max_code, adc.is_signed)
                    value = value - _convert(q, adc.step, adc.max_code, adc.is_signed)
                y += value * significance
    return y * compensation
