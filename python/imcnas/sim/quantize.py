"""Symmetric weight quantization and unsigned / sign-magnitude input quantization."""

from __future__ import annotations

import numpy as np

MAX_W_BITS = 24
MAX_IN_BITS = 32


def round_half_away(values: np.ndarray) -> np.ndarray:
    """Round to the nearest integer, halves away from zero (as C's ``round``), exactly.

    ``floor(|x| + 0.5)`` can round up values just below a half, so the fraction is compared
    instead: ``|x| - floor(|x|)`` is exact in binary floating point.
    """
    magnitude = np.abs(values)
    whole = np.floor(magnitude)
    rounded = whole + (magnitude - whole >= 0.5)
    return np.copysign(rounded, values)


def check_bits(name: str, value: object, low: int, high: int) -> int:
    """Return ``value`` as an int after checking it is an integer in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {value}")
    return int(value)


def check_matrix(name: str, array: object, columns: int | None = None) -> np.ndarray:
    """Return ``array`` as a 2-D ndarray, raising ValueError for other ranks or widths."""
    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array, got shape {array.shape}")
    if columns is not None and array.shape[1] != columns:
        raise ValueError(f"{name} must have shape (batch, {columns}), got {array.shape}")
    return array


def quantize_weights(
    weights: np.ndarray, w_bits: int, *, per_channel: bool = False
) -> tuple[np.ndarray, np.ndarray | float]:
    """Quantize float weights (n_out, n_in) symmetrically to signed ``w_bits`` integers.

    Returns ``(q, scale)`` with q in [-(2^(w_bits-1)-1), 2^(w_bits-1)-1] (int32) and
    ``weights ~ q * scale``; ``scale`` is a float, or an (n_out,) array when ``per_channel``.
    An all-zero layer or channel gets scale 0 and q = 0, never NaN.
    """
    weights = check_matrix("weights", weights)
    if not np.issubdtype(weights.dtype, np.floating) and not np.issubdtype(weights.dtype, np.integer):
        raise ValueError(f"weights must have a real numeric dtype, got {weights.dtype}")
    weights = weights.astype(np.float64)
    if not np.all(np.isfinite(weights)):
        raise ValueError("weights contain NaN or infinity; clean the weights before programming")
    w_bits = check_bits("w_bits", w_bits, 2, MAX_W_BITS)

    max_q = 2 ** (w_bits - 1) - 1
    if per_channel:
        max_abs = np.max(np.abs(weights), axis=1)
    else:
        max_abs = np.max(np.abs(weights)) if weights.size else 0.0
    scale = np.asarray(max_abs, dtype=np.float64) / max_q

    # A zero scale divides by 1 instead, which leaves the all-zero weights at q = 0.
    divisor = np.where(scale > 0.0, scale, 1.0)
    divisor = divisor[:, None] if per_channel else divisor
    q = np.clip(round_half_away(weights / divisor), -max_q, max_q).astype(np.int32)
    return q, (scale if per_channel else float(scale))


def quantize_inputs(
    x: np.ndarray, in_bits: int, *, input_signed: bool = False, x_max: float | None = None
) -> tuple[np.ndarray, float]:
    """Quantize float inputs to ``in_bits`` integers and return ``(x_int, scale)``.

    Unsigned: x_int in [0, 2^in_bits - 1], scale = x_max / (2^in_bits - 1); negative inputs
    raise ValueError. Signed (sign-magnitude): |x_int| <= 2^(in_bits-1) - 1. ``x_max``
    defaults to the batch's max |x|; inputs beyond it clip. A zero range gives x_int = 0.
    """
    x = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains NaN or infinity; clean the inputs first")
    low_bits = 2 if input_signed else 1
    in_bits = check_bits("in_bits", in_bits, low_bits, MAX_IN_BITS)
    if not input_signed and x.size and x.min() < 0.0:
        raise ValueError(
            f"x contains negative values (min {x.min():g}) but input_signed=False; pass "
            "input_signed=True or apply a ReLU before this layer"
        )
    if x_max is None:
        x_max = float(np.max(np.abs(x))) if x.size else 0.0
    elif not (np.isfinite(x_max) and x_max > 0.0):
        raise ValueError(f"x_max must be a finite number > 0, got {x_max!r}")

    max_q = 2 ** (in_bits - 1) - 1 if input_signed else 2**in_bits - 1
    scale = float(x_max) / max_q
    if scale == 0.0:
        return np.zeros(x.shape, dtype=np.int64), 0.0
    x_int = np.clip(round_half_away(x / scale), -max_q if input_signed else 0, max_q)
    return x_int.astype(np.int64), scale
