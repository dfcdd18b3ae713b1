"""Training weight-noise level derived from a device model and the crossbar mapping.

A signed weight level ``q`` is stored as ``S = ceil((w_bits - 1) / cell_bits)`` slices of
digits ``d_k`` (slice ``k`` weighs ``2**(cell_bits * k)``) on differential column pairs:
one cell of a pair is programmed to ``G_min + d_k * dG`` and the other ``G_min``, where
``dG = (G_max - G_min) / (2**cell_bits - 1)``. With independent errors of std
``sigma(G)`` on every cell, the weight error in level units has variance

    sum_k 4**(cell_bits * k) * (sigma(G_min + d_k * dG)**2 + sigma(G_min)**2) / dG**2

Training injects this error at the largest level ``q_max = 2**(w_bits - 1) - 1`` on
every weight, as a std relative to ``max|W|`` (which maps to ``q_max``).
"""

from __future__ import annotations

import math
from typing import Callable

from imcnas.hardware.config import HardwareConfig
from imcnas.train.quantize import weight_max_level


def relative_weight_noise(
    sigma_us: Callable[[float], float], g_min_us: float, g_max_us: float, cell_bits: int, w_bits: int
) -> float:
    """Return the std of the largest weight's error relative to its value (dimensionless).

    ``sigma_us(G)`` is the std in uS of one cell's conductance error at conductance ``G``
    in uS. ``cell_bits`` and ``w_bits`` (sign included) set the slicing.
    """
    if not g_max_us > g_min_us >= 0.0:
        raise ValueError(f"need 0 <= g_min_us < g_max_us; got g_min_us={g_min_us}, g_max_us={g_max_us}")
    max_digit = 2**cell_bits - 1
    step_us = (g_max_us - g_min_us) / max_digit
    q_max = weight_max_level(w_bits)
    n_slices = math.ceil((w_bits - 1) / cell_bits)

    variance = 0.0
    for k in range(n_slices):
        digit = (q_max >> (cell_bits * k)) & max_digit
        cell_variance = sigma_us(g_min_us + digit * step_us) ** 2 + sigma_us(g_min_us) ** 2
        variance += 4.0 ** (cell_bits * k) * cell_variance / step_us**2
    return math.sqrt(variance) / q_max


def training_noise_std(device: object, hw: HardwareConfig, w_bits: int) -> float:
    """Return the training weight noise relative to max|W| for ``device`` mapped with ``hw``.

    ``device`` is a preset name or a :class:`~imcnas.hardware.devices.DeviceModel`.
    Programming noise (drawn once per chip) and read noise (drawn per read) are taken as
    independent and both count, because training draws fresh noise every forward.
    """
    from imcnas.hardware.devices import DeviceModel, get_device

    model = get_device(device) if isinstance(device, str) else device
    if not isinstance(model, DeviceModel):
        raise TypeError(f"device must be a preset name or a DeviceModel; got {type(model).__name__}")
    coefficients = model.programming_sigma_coeffs()

    def sigma_us(conductance_us: float) -> float:
        ratio = conductance_us / model.g_max_us
        programming = max(model.g_max_us * sum(c * ratio**k for k, c in enumerate(coefficients)), 0.0)
        read = model.read_noise * conductance_us
        return math.hypot(programming, read)

    # NOTE: drift is left out: a global drift is a scale that drift compensation removes,
    # and the device-to-device spread of nu is not injected in training yet.
    return relative_weight_noise(sigma_us, model.g_min_us, model.g_max_us, hw.cell_bits, w_bits)
