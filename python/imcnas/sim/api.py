"""Python API of the crossbar simulator: program a layer, then run MVMs on it."""

from __future__ import annotations

import logging
import numbers
from typing import Any

import numpy as np

from imcnas._core import sim as _sim
from imcnas.hardware.config import HardwareConfig
from imcnas.hardware.devices import DEVICE_PRESETS, DeviceModel
from imcnas.sim.quantize import MAX_IN_BITS, check_bits, check_matrix, quantize_inputs, quantize_weights

logger = logging.getLogger(__name__)

DEFAULT_READ_TIME_S = 86400.0
"""Default read time after programming: one day."""


def crossbar_config(hw: HardwareConfig) -> Any:
    """Return the C++ crossbar options of ``hw``."""
    if hw.weight_mapping != "differential":
        raise ValueError(
            f"weight_mapping={hw.weight_mapping!r} is not implemented in the simulator; "
            "use 'differential'"
        )
    return _sim.CrossbarConfig(
        xbar_rows=hw.xbar_rows,
        xbar_cols=hw.xbar_cols,
        cell_bits=hw.cell_bits,
        dac_bits=hw.dac_bits,
        adc_bits=hw.adc_bits,
        adc_mode=hw.adc_mode,
        adc_conversion=hw.adc_conversion,
    )


def device_params(device: DeviceModel) -> Any:
    """Return the C++ device parameters of ``device``."""
    return _sim.DeviceParams(
        g_min_us=device.g_min_us,
        g_max_us=device.g_max_us,
        programming_sigma_coeffs=list(device.programming_sigma_coeffs()),
        read_noise=device.read_noise,
        drift_nu_mean=device.drift_nu_mean,
        drift_nu_std=device.drift_nu_std,
        t0_s=device.t0_s,
        stuck_at_gmin_rate=device.stuck_at_gmin_rate,
        stuck_at_gmax_rate=device.stuck_at_gmax_rate,
    )


class ProgrammedLayer:
    """A weight matrix programmed onto crossbars; create it with :func:`program_layer`."""

    def __init__(
        self,
        core: Any,
        hw: HardwareConfig,
        device: DeviceModel,
        weight_int: np.ndarray,
        weight_scale: float | np.ndarray,
        *,
        w_bits: int,
        per_channel: bool,
    ) -> None:
        self._core = core
        self.hw = hw
        """Hardware configuration the layer was mapped with."""
        self.device = device
        """Device model the layer was programmed with."""
        self.weight_int = weight_int
        """Quantized weights, (n_out, n_in) int32."""
        self.weight_scale = weight_scale
        """Weight scale: a float, or an (n_out,) array when per_channel."""
        self.w_bits = w_bits
        self.per_channel = per_channel
        self.last_stats: dict[str, int] = {}
        """ADC counters of the most recent MVM: adc_conversions, adc_clipped."""

    @property
    def shape(self) -> tuple[int, int]:
        """(n_out, n_in)."""
        return (self._core.n_out, self._core.n_in)

    @property
    def slices(self) -> int:
        """Weight slices per magnitude: ceil((w_bits - 1) / cell_bits)."""
        return self._core.slices

    @property
    def row_tiles(self) -> int:
        return self._core.row_tiles

    @property
    def col_tiles(self) -> int:
        return self._core.col_tiles

    def forward_int(
        self,
        x_int: np.ndarray,
        *,
        in_bits: int,
        input_signed: bool = False,
        t_seconds: float = DEFAULT_READ_TIME_S,
        read_seed: int = 0,
        read_noise: bool = True,
    ) -> np.ndarray:
        """Run the MVM on integer inputs and return y_int, (batch, n_out) float64.

        ``x_int`` (batch, n_in) contains unsigned ``in_bits`` integers, or sign-magnitude
        integers with |x| <= 2^(in_bits-1) - 1 when ``input_signed``. ``t_seconds`` is the
        read time after programming; ``read_seed`` seeds this call's read noise, which
        ``read_noise=False`` switches off. With ideal devices and a lossless ADC the
        result equals ``x_int @ weight_int.T`` exactly.
        """
        x_int = check_matrix("x_int", x_int, columns=self._core.n_in)
        if not np.issubdtype(x_int.dtype, np.integer):
            raise ValueError(f"x_int must have an integer dtype, got {x_int.dtype}")
        input_signed = _flag("input_signed", input_signed)
        check_bits("in_bits", in_bits, 2 if input_signed else 1, MAX_IN_BITS)
        if not np.can_cast(x_int.dtype, np.int64):
            # The C++ core checks the range after the int64 cast, which would wrap uint64
            # values above 2^63 - 1 and report the wrapped value, so those are checked here.
            _check_input_range(x_int, in_bits, input_signed)
        # The C++ core takes C-contiguous int64 without copying; other layouts convert once.
        x_int = np.ascontiguousarray(x_int, dtype=np.int64)
        y_int, stats = self._core.forward_int(
            x_int,
            in_bits=in_bits,
            input_signed=input_signed,
            t_seconds=_read_time(t_seconds),
            read_seed=_seed("read_seed", read_seed),
            read_noise=_flag("read_noise", read_noise),
        )
        self.last_stats = stats
        return y_int

    def forward(
        self,
        x: np.ndarray,
        *,
        in_bits: int,
        input_signed: bool = False,
        x_max: float | None = None,
        t_seconds: float = DEFAULT_READ_TIME_S,
        read_seed: int = 0,
        read_noise: bool = True,
    ) -> np.ndarray:
        """Quantize float inputs (batch, n_in), run the MVM and return y (batch, n_out) float32.

        y = y_int * weight_scale * x_scale, with x_scale = x_max / (2^in_bits - 1) for
        unsigned inputs (x_max defaults to the batch max) or x_max / (2^(in_bits-1) - 1)
        for signed ones. See :meth:`forward_int` for the other arguments.
        """
        x = check_matrix("x", x, columns=self._core.n_in)
        # NumPy would cast complex inputs to float with only a ComplexWarning, dropping the
        # imaginary part, and would parse numeric strings, so only real number dtypes pass.
        if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
            raise ValueError(
                f"x must have a real numeric dtype (integer or floating), got {x.dtype}"
            )
        input_signed = _flag("input_signed", input_signed)
        t_seconds = _read_time(t_seconds)
        if x_max is not None and (
            isinstance(x_max, (bool, np.bool_)) or not isinstance(x_max, numbers.Real)
        ):
            raise ValueError(f"x_max must be a finite number > 0 or None, got {x_max!r}")
        x_int, x_scale = quantize_inputs(x, in_bits, input_signed=input_signed, x_max=x_max)
        y_int = self.forward_int(
            x_int,
            in_bits=in_bits,
            input_signed=input_signed,
            t_seconds=t_seconds,
            read_seed=read_seed,
            read_noise=read_noise,
        )
        return (y_int * (np.asarray(self.weight_scale) * x_scale)).astype(np.float32)

    def conductances_us(self, t_seconds: float = DEFAULT_READ_TIME_S) -> tuple[np.ndarray, np.ndarray]:
        """Return the programmed and drifted (G+, G-) in uS, each (slices, n_in, n_out)."""
        return self._core.conductances_us(_read_time(t_seconds))


def _check_input_range(x_int: np.ndarray, in_bits: int, input_signed: bool) -> None:
    """Raise ValueError naming the first value of ``x_int`` outside the ``in_bits`` input range."""
    high = 2 ** (in_bits - 1) - 1 if input_signed else 2**in_bits - 1
    low = -high if input_signed else 0
    outside = np.flatnonzero((x_int < low) | (x_int > high))
    if outside.size:
        index = int(outside[0])
        value = int(x_int.reshape(-1)[index])
        mode = "signed" if input_signed else "unsigned"
        raise ValueError(
            f"x_int value {value} at flat index {index} is outside [{low}, {high}] for "
            f"in_bits={in_bits} {mode} inputs; quantize the inputs first or raise in_bits"
        )


def _read_time(value: Any) -> float:
    """Return the read time ``value`` in seconds as a float after checking it is a real number.

    The range (finite, >= 0) is checked by the C++ core.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"t_seconds must be a real number of seconds, got {value!r} "
            f"({type(value).__name__})"
        )
    return float(value)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _seed(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < 2**64:
        raise ValueError(f"{name} must be an integer in [0, 2^64), got {value!r}")
    return int(value)


def program_layer(
    weights: np.ndarray,
    hw: HardwareConfig,
    *,
    w_bits: int,
    device: DeviceModel | None = None,
    seed: int = 0,
    per_channel: bool = False,
    drift_compensation: bool = False,
) -> ProgrammedLayer:
    """Quantize float weights (n_out, n_in) and program them onto the crossbars of ``hw``.

    ``device`` defaults to the ``hw.device`` preset with every non-ideality off (its
    conductance range kept). ``seed`` is the chip seed: programming noise, stuck-at faults
    and drift exponents are drawn here, once. ``drift_compensation`` rescales outputs by
    a noise-free all-ones calibration read at t0 over the same read at the read time.
    """
    if not isinstance(hw, HardwareConfig):
        raise TypeError(f"hw must be a HardwareConfig, got {type(hw).__name__}")
    if device is None:
        device = DEVICE_PRESETS[hw.device].noiseless()
    elif not isinstance(device, DeviceModel):
        raise TypeError(f"device must be a DeviceModel or None, got {type(device).__name__}")
    if device.max_cell_bits is not None and hw.cell_bits > device.max_cell_bits:
        raise ValueError(
            f"cell_bits={hw.cell_bits} exceeds what a {device.name} cell stores "
            f"(max_cell_bits={device.max_cell_bits}); lower cell_bits"
        )

    per_channel = _flag("per_channel", per_channel)
    drift_compensation = _flag("drift_compensation", drift_compensation)
    weight_int, weight_scale = quantize_weights(weights, w_bits, per_channel=per_channel)
    # quantize_weights keeps the input's memory order (a transposed view stays Fortran-ordered),
    # but the C++ core reads C-contiguous int32 rows.
    weight_int = np.ascontiguousarray(weight_int)
    core = _sim.ProgrammedLayer(
        weight_int,
        config=crossbar_config(hw),
        device=device_params(device),
        w_bits=w_bits,
        seed=_seed("seed", seed),
        drift_compensation=drift_compensation,
    )
    logger.debug(
        "programmed %dx%d layer on %s: %d slices, %d x %d tiles",
        weight_int.shape[0], weight_int.shape[1], device.name, core.slices, core.row_tiles,
        core.col_tiles,
    )
    return ProgrammedLayer(
        core, hw, device, weight_int, weight_scale, w_bits=w_bits, per_channel=per_channel
    )
