"""Hardware-aware training of one candidate: dense training, structured pruning, noise-aware fine-tuning."""

from __future__ import annotations

import logging
import math
import numbers
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from imcnas.candidate import Candidate
from imcnas.data.dataset import Dataset
from imcnas.hardware.devices import DeviceModel
from imcnas.sim import check_device
from imcnas.train.model import IMCNet, build_model
from imcnas.train.noise import training_noise_std
from imcnas.train.prune import prune_model

logger = logging.getLogger(__name__)

MAX_NOISE_STD = 1.0
"""Largest ``TrainSettings.noise_std``: a std of max|W| already drowns every weight level,
and much larger values overflow float32 weights, which training would misreport as divergence."""

EVAL_BATCH = 1000
"""Images per forward pass when measuring accuracy; bounds the memory of the float64 eval path."""


@dataclass(frozen=True)
class TrainSettings:
    """Optimisation settings of :func:`train_candidate`, checked on construction (ValueError)."""

    epochs: int = 3
    """Dense training epochs (full passes over the training set), at least 1."""
    batch_size: int = 64
    lr: float = 1e-3
    """Adam learning rate, for both dense training and fine-tuning."""
    finetune_epochs: int = 1
    """Epochs of training after pruning (run even when nothing is pruned)."""
    noise: bool = True
    """Inject device weight noise in every training forward. ``False`` rejects a ``noise_std``."""
    threads: int = 1
    """Torch intra-op threads (``torch.set_num_threads``)."""
    device: str | DeviceModel | None = None
    """Device preset name or model that sets the noise level; ``None`` uses the candidate's hardware device."""
    noise_std: float | None = None
    """Weight noise std relative to max|W|, in [0, MAX_NOISE_STD], overriding the device-derived value when set."""

    def __post_init__(self) -> None:
        _check_integer(self, "epochs", 1)
        _check_integer(self, "finetune_epochs", 0)
        _check_integer(self, "batch_size", 1)
        _check_integer(self, "threads", 1)
        lr = self.lr
        is_number = isinstance(lr, numbers.Real) and not isinstance(lr, (bool, np.bool_))
        if not (is_number and math.isfinite(lr) and lr > 0.0):
            raise ValueError(f"lr must be a finite number > 0; got lr={lr!r}")
        object.__setattr__(self, "lr", float(lr))
        if not isinstance(self.noise, (bool, np.bool_)):
            raise ValueError(f"noise must be True or False; got noise={self.noise!r}")
        object.__setattr__(self, "noise", bool(self.noise))
        check_device(self.device)
        self._check_noise_std()

    def _check_noise_std(self) -> None:
        noise_std = self.noise_std
        if noise_std is None:
            return
        is_number = isinstance(noise_std, numbers.Real) and not isinstance(noise_std, (bool, np.bool_))
        if not (is_number and 0.0 <= noise_std <= MAX_NOISE_STD):
            raise ValueError(
                f"noise_std must be None or a number in [0, {MAX_NOISE_STD:g}] relative to max|W|; "
                f"got noise_std={noise_std!r}"
            )
        if not self.noise:
            raise ValueError(
                f"noise_std={noise_std!r} contradicts noise=False, which trains without noise; "
                "drop noise_std or set noise=True"
            )
        object.__setattr__(self, "noise_std", float(noise_std))


def _check_integer(settings: TrainSettings, name: str, low: int) -> None:
    """Check that the field ``name`` is an integer >= ``low`` and store it as a Python int."""
    value = getattr(settings, name)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {name}={value!r}")
    object.__setattr__(settings, name, int(value))


def check_seed(value: object, name: str = "seed") -> int:
    """Return the seed ``value`` as an int after checking it is an integer in [0, 2^64).

    2^64 - 1 is the largest seed ``torch.manual_seed`` takes; NumPy's ``SeedSequence``
    takes any non-negative integer.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= value < 2**64:
        raise ValueError(f"{name} must be an integer in [0, 2^64); got {name}={value!r}")
    return int(value)


def check_batch_size(value: object, name: str = "batch_size") -> int:
    """Return the batch size ``value`` as an int after checking it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1; got {name}={value!r}")
    return int(value)


class TrainingDivergedError(RuntimeError):
    """Training produced a non-finite loss or non-finite weights."""


@dataclass
class TrainedModel:
    """Result of :func:`train_candidate`."""

    model: IMCNet
    """The trained and pruned network, in eval mode."""
    software_accuracy: float
    """Test-set accuracy of the quantized model in evaluation mode (no noise), in [0, 1]."""
    train_time_s: float
    """Wall time of training, pruning and fine-tuning, in seconds."""
    noise_std: list[float] = field(default_factory=list)
    """Training weight noise per layer, relative to max|W|."""
    kept_channels: list[list[int]] = field(default_factory=list)
    """Output channels each layer kept after pruning, as indices into the dense layer."""
    losses: list[float] = field(default_factory=list)
    """Mean training loss of each epoch, dense epochs first."""


def train_candidate(candidate: Candidate, dataset: Dataset, settings: TrainSettings, seed: int) -> TrainedModel:
    """Train ``candidate`` on ``dataset``: dense training, pruning, fine-tuning, then test accuracy.

    Adam with the candidate's per-layer bits and pruning fractions. The result is
    deterministic on CPU for the same inputs and ``seed``, an integer in [0, 2^64).
    """
    seed = check_seed(seed)
    started = time.perf_counter()
    torch.set_num_threads(settings.threads)
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)

    noise_std = _noise_levels(candidate, settings)
    model = build_model(
        candidate.network, dataset.input_shape, dataset.n_classes, candidate.w_bits, candidate.in_bits
    )
    for layer, std in zip(model.weight_layers, noise_std):
        layer.noise_std = std

    x_train = torch.from_numpy(dataset.x_train)
    y_train = torch.from_numpy(dataset.y_train)
    losses = _fit(model, x_train, y_train, settings, settings.epochs, generator)
    kept = prune_model(model, candidate.prune)
    losses += _fit(model, x_train, y_train, settings, settings.finetune_epochs, generator)
    train_time_s = time.perf_counter() - started

    accuracy = software_accuracy(model, dataset)
    logger.debug("trained %s in %.2f s: software accuracy %.4f", candidate.key()[:12], train_time_s, accuracy)
    return TrainedModel(
        model=model,
        software_accuracy=accuracy,
        train_time_s=train_time_s,
        noise_std=noise_std,
        kept_channels=[indices.tolist() for indices in kept],
        losses=losses,
    )


def _noise_levels(candidate: Candidate, settings: TrainSettings) -> list[float]:
    n_layers = candidate.network.n_weight_layers
    if not settings.noise:
        return [0.0] * n_layers
    if settings.noise_std is not None:
        return [settings.noise_std] * n_layers
    device = settings.device if settings.device is not None else candidate.hardware.device
    return [training_noise_std(device, candidate.hardware, bits) for bits in candidate.w_bits]


def _fit(
    model: IMCNet,
    x: torch.Tensor,
    y: torch.Tensor,
    settings: TrainSettings,
    epochs: int,
    generator: torch.Generator,
) -> list[float]:
    if epochs == 0:
        return []
    # A fresh optimizer: pruning replaced the parameters.
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    model.train()
    losses = []
    for epoch in range(epochs):
        order = torch.randperm(len(y), generator=generator)
        total = 0.0
        for start in range(0, len(y), settings.batch_size):
            batch = order[start : start + settings.batch_size]
            loss = F.cross_entropy(model(x[batch]), y[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            try:
                optimizer.step()
            except RuntimeError as error:
                # Adam's first step is lr / (1 - beta1) = 10 * lr, which torch rejects
                # when it does not fit the float32 weights (lr above about 3e37).
                if "overflow" not in str(error):
                    raise
                raise TrainingDivergedError(
                    f"training diverged: the Adam step overflowed float32 at epoch {epoch + 1}; "
                    f"lower the learning rate (lr={settings.lr:g})"
                ) from error
            batch_loss = loss.item()
            if not math.isfinite(batch_loss):
                raise TrainingDivergedError(
                    f"training diverged: the loss became {batch_loss} at epoch {epoch + 1}; "
                    f"lower the learning rate (lr={settings.lr:g})"
                )
            total += batch_loss * len(batch)
        losses.append(total / len(y))
        if not all(bool(torch.isfinite(parameter).all()) for parameter in model.parameters()):
            raise TrainingDivergedError(
                f"training diverged: the weights became NaN or infinite in epoch {epoch + 1}; "
                f"lower the learning rate (lr={settings.lr:g})"
            )
    model.eval()
    return losses


@torch.no_grad()
def predict(model: torch.nn.Module, images: np.ndarray, batch_size: int = EVAL_BATCH) -> np.ndarray:
    """Return the predicted class of each image, running ``model`` in eval mode in batches."""
    batch_size = check_batch_size(batch_size)
    model.eval()
    predictions = []
    for start in range(0, len(images), batch_size):
        logits = model(torch.from_numpy(images[start : start + batch_size]))
        predictions.append(logits.argmax(dim=1).numpy())
    if not predictions:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(predictions)


def software_accuracy(model: torch.nn.Module, dataset: Dataset) -> float:
    """Return the test accuracy of the quantized model without device effects, in [0, 1]."""
    if dataset.n_test == 0:
        raise ValueError(f"{dataset.name} has no test images to measure accuracy on")
    return float(np.mean(predict(model, dataset.x_test) == dataset.y_test))
