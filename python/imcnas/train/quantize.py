"""Uniform quantizers of the crossbar mapping, as integer levels and as straight-through estimators.

Weights are quantized symmetrically per layer to ``w_bits`` bits, sign included:
``scale = max|W| / (2**(w_bits - 1) - 1)`` and ``level = round(W / scale)``. Inputs are
unsigned: ``scale = x_max / (2**in_bits - 1)`` and ``level = round(clip(x, 0, x_max) / scale)``.
A zero range (all-zero weights, or ``x_max = 0``) gives zero levels and a zero scale, never NaN.
Rounding is round-half-to-even, as in ``torch.round`` and ``numpy.rint``.
"""

from __future__ import annotations

import torch


def weight_max_level(w_bits: int) -> int:
    """Return the largest weight level, ``2**(w_bits - 1) - 1``."""
    return 2 ** (w_bits - 1) - 1


def input_max_level(in_bits: int) -> int:
    """Return the largest input level, ``2**in_bits - 1``."""
    return 2**in_bits - 1


def _safe_divide(values: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    # A zero scale only occurs with all-zero values, which map to level 0.
    return values / torch.where(scale > 0, scale, torch.ones_like(scale))


def weight_levels(weight: torch.Tensor, w_bits: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the integer weight levels (as floats, in ``[-max_level, max_level]``) and the scale.

    The scale is a 0-d tensor; ``levels * scale`` is the quantized weight.
    """
    max_level = weight_max_level(w_bits)
    scale = weight.detach().abs().max() / max_level
    levels = torch.round(_safe_divide(weight.detach(), scale)).clamp_(-max_level, max_level)
    return levels, scale


def input_levels(x: torch.Tensor, in_bits: int, x_max: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the unsigned integer input levels (as floats, in ``[0, 2**in_bits - 1]``) and the scale."""
    scale = x_max / input_max_level(in_bits)
    levels = torch.round(_safe_divide(x.detach().clamp(min=0.0).clamp(max=x_max), scale))
    return levels, scale


def quantize_weight_ste(weight: torch.Tensor, w_bits: int) -> torch.Tensor:
    """Return the quantized weight; the gradient passes straight through to ``weight``.

    No clipping happens because the scale comes from ``max|W|``, so the identity
    gradient is exact straight-through for every weight.
    """
    levels, scale = weight_levels(weight, w_bits)
    return weight + (levels * scale - weight).detach()


def quantize_input_ste(x: torch.Tensor, in_bits: int, x_max: torch.Tensor) -> torch.Tensor:
    """Return the quantized input; the gradient is 1 inside ``[0, x_max]`` and 0 outside."""
    # clamp passes the gradient at both bounds, unlike relu and minimum.
    clipped = x.clamp(min=0.0).clamp(max=x_max)
    levels, scale = input_levels(x, in_bits, x_max)
    return clipped + (levels * scale - clipped).detach()
