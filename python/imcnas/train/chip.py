"""Accuracy of a trained model on simulated IMC chips, over time after programming.

Every IMC layer is programmed onto the crossbar simulator once per chip instance. The
whole test set then runs through the model with each matrix product on the simulator
(a conv as one batch of im2col rows) while bias, ReLU and pooling stay in float.
"""

from __future__ import annotations

import logging
import math
import numbers
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from imcnas.data.dataset import Dataset, check_sample_count, stratified_subset
from imcnas.hardware.config import HardwareConfig
from imcnas.train.geometry import mvm_backend
from imcnas.train.layers import IMCLayer, imc_layers
from imcnas.train.trainer import check_batch_size, check_seed, predict

logger = logging.getLogger(__name__)

CHIP_EVAL_BATCH = 250
"""Images per simulator pass; bounds the size of the im2col matrices."""


@dataclass(frozen=True)
class ChipAccuracy:
    """Test accuracy of each simulated chip instance at each time after programming."""

    times_s: tuple[float, ...]
    """Times after programming, in seconds."""
    per_chip: np.ndarray
    """Accuracy in [0, 1], shape (chips, len(times_s))."""

    @property
    def mean(self) -> np.ndarray:
        """Mean accuracy over chips at each time."""
        return self.per_chip.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        """Sample standard deviation (ddof=1) over chips at each time; 0 for one chip."""
        if self.per_chip.shape[0] < 2:
            return np.zeros(len(self.times_s))
        return self.per_chip.std(axis=0, ddof=1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "times_s": list(self.times_s),
            "mean": self.mean.tolist(),
            "std": self.std.tolist(),
            "per_chip": self.per_chip.tolist(),
        }


def derive_seed(seed: int, *keys: int) -> int:
    """Return a 63-bit seed for the stream named by ``keys`` under ``seed``, independent of other keys."""
    seed = check_seed(seed)
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=tuple(keys))
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def evaluate_on_chip(
    model: nn.Module,
    dataset: Dataset,
    hw: HardwareConfig,
    *,
    times_s: Sequence[float] = (86400.0,),
    chips: int = 1,
    seed: int,
    device: Any = None,
    test_samples: int | None = None,
    drift_compensation: bool = False,
    batch_size: int = CHIP_EVAL_BATCH,
) -> ChipAccuracy:
    """Return the test accuracy of ``model`` on ``chips`` simulated chips at each time in ``times_s``.

    ``times_s`` is a non-empty sequence (list, tuple, range or 1-D NumPy array) of finite
    times >= 0 in seconds after programming. A single number is taken as one time.

    ``device`` is a device model, a preset name from ``DEVICE_PRESETS``, or ``None`` for
    the ``hw.device`` preset with every non-ideality off (ideal devices with its
    conductance range). Pass ``hw.device`` to simulate the hardware's own preset.

    Chip ``c`` is programmed from ``derive_seed(seed, c, 0)`` and read at time index ``j``
    from ``derive_seed(seed, c, 1, j)``, so chips differ and the result repeats for the
    same ``seed``, an integer in [0, 2^64). ``test_samples`` picks a stratified subset of
    the test set, seeded by ``seed``. ``batch_size`` is the number of images per simulator
    pass. Returns the accuracy of every chip at every time.
    """
    times = check_times(times_s)
    if isinstance(chips, bool) or not isinstance(chips, numbers.Integral) or chips < 1:
        raise ValueError(f"chips must be a positive integer; got {chips!r}")
    chips = int(chips)
    seed = check_seed(seed)
    batch_size = check_batch_size(batch_size)
    device_model = _resolve_device(device)
    layers = [layer for _, layer in imc_layers(model)]
    if not layers:
        raise ValueError("the model has no IMC layers to map onto the chip; convert it with convert_module first")
    images, labels = dataset.x_test, dataset.y_test
    if test_samples is not None:
        check_sample_count("test_samples", test_samples, len(labels), f"test images of {dataset.name}")
        index = stratified_subset(labels, test_samples, seed)
        images, labels = images[index], labels[index]

    per_chip = np.zeros((chips, len(times)))
    for chip in range(chips):
        programmed = program_chip(
            model, hw, device=device_model, seed=derive_seed(seed, chip, 0), drift_compensation=drift_compensation
        )
        for time_index, t_seconds in enumerate(times):
            predictions = predict_on_chip(
                model,
                programmed,
                images,
                t_seconds=t_seconds,
                read_seed=derive_seed(seed, chip, 1, time_index),
                batch_size=batch_size,
            )
            per_chip[chip, time_index] = float(np.mean(predictions == labels))
        logger.debug("chip %d accuracy %s at times %s s", chip, per_chip[chip], times)
    return ChipAccuracy(times, per_chip)


def program_chip(
    model: nn.Module, hw: HardwareConfig, *, device: Any = None, seed: int, drift_compensation: bool = False
) -> dict[IMCLayer, Any]:
    """Program every IMC layer of ``model`` onto one simulated chip.

    Returns a dict from each IMC layer to its programmed simulator layer.

    Layer ``i`` is programmed with seed ``derive_seed(seed, i)``. ``device`` is as in
    :func:`evaluate_on_chip`.
    """
    from imcnas.sim import program_layer

    device_model = _resolve_device(device)
    programmed = {}
    for index, (_, layer) in enumerate(imc_layers(model)):
        layer._require_range()
        programmed[layer] = _program(
            program_layer, layer, hw, device=device_model, seed=derive_seed(seed, index),
            drift_compensation=drift_compensation,
        )
    return programmed


def predict_on_chip(
    model: nn.Module,
    programmed: dict[IMCLayer, Any],
    images: np.ndarray,
    *,
    t_seconds: float,
    read_seed: int = 0,
    batch_size: int = CHIP_EVAL_BATCH,
) -> np.ndarray:
    """Return the predicted classes of ``images`` with every matrix product on the programmed chip at ``t_seconds``."""
    layers = [layer for _, layer in imc_layers(model)]
    missing = [index for index, layer in enumerate(layers) if layer not in programmed]
    if missing:
        raise ValueError(f"IMC layers {missing} are not programmed; call program_chip on this model after pruning")
    backend = _SimulatorBackend(programmed, layers, t_seconds, read_seed)
    with mvm_backend(model, backend):
        return predict(model, images, batch_size)


class _SimulatorBackend:
    """Runs each IMC layer's product on its programmed simulator layer at one read time."""

    def __init__(self, programmed: dict, layers: list[IMCLayer], t_seconds: float, read_seed: int) -> None:
        self.programmed = programmed
        self.layer_index = {layer: index for index, layer in enumerate(layers)}
        self.t_seconds = t_seconds
        self.read_seed = read_seed
        self.calls = 0

    def __call__(self, layer: IMCLayer, rows: torch.Tensor) -> torch.Tensor:
        # The layer's own input quantizer feeds the DACs, and the output is scaled exactly
        # as IMCLayer.integer_mvm scales the exact level product.
        x_levels, x_scale = layer.input_levels(rows)
        _, w_scale = layer.weight_levels()
        self.calls += 1
        y_int = self.programmed[layer].forward_int(
            x_levels.numpy().astype(np.int64),
            in_bits=layer.in_bits,
            input_signed=False,
            t_seconds=self.t_seconds,
            read_seed=derive_seed(self.read_seed, self.layer_index[layer], self.calls),
        )
        return (torch.from_numpy(y_int) * (w_scale.double() * x_scale.double())).float()


def _program(program_layer: Any, layer: IMCLayer, hw: HardwareConfig, **options: Any) -> Any:
    # The crossbars store the software levels themselves. Every nonzero level set has
    # max |level| = q_max, so the simulator's quantizer finds scale 1 and keeps them.
    levels, _ = layer.weight_levels()
    levels = levels.double().numpy()
    programmed = program_layer(levels, hw, w_bits=layer.w_bits, per_channel=False, **options)
    if not np.array_equal(programmed.weight_int, levels):
        raise RuntimeError(f"the simulator changed the weight levels of a {layer.n_out}x{layer.n_in} layer")
    return programmed


def check_times(times_s: object) -> tuple[float, ...]:
    """Return ``times_s`` as a tuple of floats after checking it contains finite times >= 0 in seconds.

    ``times_s`` is a non-empty sequence or 1-D array of real numbers, or one real number,
    which is taken as a single time. Strings, bytes, mappings, sets, booleans and
    non-finite or negative times raise ValueError naming ``times_s``.
    """
    if isinstance(times_s, np.ndarray):
        # A 0-d array becomes one number and a 2-D array nested lists, which fail the check below.
        values = times_s.item() if times_s.ndim == 0 else times_s.tolist()
    else:
        values = times_s
    if _is_real(values):
        values = [values]
    is_sequence = isinstance(values, Sequence) and not isinstance(values, (str, bytes, bytearray))
    if not (is_sequence and values and all(_is_real(t) and math.isfinite(t) and t >= 0.0 for t in values)):
        raise ValueError(
            "times_s must be a non-empty list of finite times >= 0 in seconds (or one such number); "
            f"got times_s={times_s!r}"
        )
    return tuple(float(t) for t in values)


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _resolve_device(device: Any) -> Any:
    from imcnas.sim import check_device

    return check_device(device)
