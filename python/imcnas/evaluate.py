"""Evaluate one candidate end to end: train, map onto the simulated chip, price, return metrics.

This is the evaluator of the search loop. Each stage is also usable alone:
:func:`imcnas.train.train_candidate`, :func:`imcnas.train.evaluate_on_chip` and
:func:`imcnas.hardware.cost.estimate_cost`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from imcnas.candidate import Candidate
from imcnas.config import EvaluateSection, TrainSection


@dataclass(frozen=True)
class EvaluationSettings:
    """Everything an evaluation needs besides the candidate and the data."""

    train: TrainSection = TrainSection()
    evaluate: EvaluateSection = EvaluateSection()
    seed: int = 0
    """Seed of training and chip programming. It is combined with the candidate key, so every
    candidate gets its own stream and a re-run of the same candidate gives the same result."""


def candidate_seed(candidate: Candidate, seed: int) -> int:
    """Derive a 63-bit seed from the run seed and the candidate's canonical hash."""
    return (int(candidate.key()[:15], 16) ^ (seed * 0x9E3779B97F4A7C15)) & ((1 << 63) - 1)


def evaluate_candidate(candidate: Candidate, dataset: Any, settings: EvaluationSettings) -> dict[str, Any]:
    """Train ``candidate`` on ``dataset``, measure its accuracy on the simulated chip and price it.

    Returns a JSON-ready metrics dict. ``accuracy`` is the mean over chips at the first
    evaluation time, and ``accuracy_software`` that of the quantized model in float without
    device effects. The other keys are ``accuracy_std``, ``accuracy_at`` (per time in
    seconds), ``energy_pj``, ``latency_ns``,
    ``area_mm2``, ``edp`` (pJ*ns), ``tops_per_w``, ``crossbars``, per-layer ``cost_layers``,
    and the wall times of each stage in seconds.
    """
    from imcnas.hardware.cost import LayerSpec, estimate_cost
    from imcnas.hardware.devices import DEVICE_PRESETS
    from imcnas.train import TrainSettings, evaluate_on_chip, layer_geometry, train_candidate

    seed = candidate_seed(candidate, settings.seed)
    hw = candidate.hardware

    started = time.perf_counter()
    train_settings = TrainSettings(
        epochs=settings.train.epochs,
        finetune_epochs=settings.train.finetune_epochs,
        batch_size=settings.train.batch_size,
        lr=settings.train.lr,
        noise=settings.train.noise,
        device=hw.device,
    )
    trained = train_candidate(candidate, dataset, train_settings, seed=seed)
    train_s = time.perf_counter() - started

    started = time.perf_counter()
    geometry = layer_geometry(trained.model, dataset.input_shape)
    cost = estimate_cost([LayerSpec(**layer) for layer in geometry], hw)
    cost_s = time.perf_counter() - started

    started = time.perf_counter()
    chip = evaluate_on_chip(
        trained.model,
        dataset,
        hw,
        times_s=settings.evaluate.times_s,
        chips=settings.evaluate.chips,
        seed=seed,
        device=DEVICE_PRESETS[hw.device],
        drift_compensation=settings.evaluate.drift_compensation,
    )
    chip_s = time.perf_counter() - started

    accuracy_at = {str(t): float(mean) for t, mean in zip(settings.evaluate.times_s, chip.mean)}
    metrics: dict[str, Any] = {
        "accuracy": float(chip.mean[0]),
        "accuracy_std": float(chip.std[0]),
        "accuracy_software": float(trained.software_accuracy),
        "accuracy_at": accuracy_at,
        "accuracy_std_at": {str(t): float(std) for t, std in zip(settings.evaluate.times_s, chip.std)},
        "energy_pj": float(cost.energy_pj),
        "latency_ns": float(cost.latency_ns),
        "area_mm2": float(cost.area_mm2),
        "edp": float(cost.edp),
        "tops_per_w": float(cost.tops_per_w),
        "crossbars": float(sum(layer.crossbars for layer in cost.layers)),
        "cost_layers": cost.to_dict()["layers"],
        "layer_geometry": geometry,
        "train_s": train_s,
        "chip_s": chip_s,
        "cost_s": cost_s,
    }
    for name in ("accuracy", "energy_pj", "latency_ns", "area_mm2"):
        if not math.isfinite(metrics[name]):
            raise ArithmeticError(f"evaluation produced a non-finite {name}={metrics[name]} for {candidate.key()[:12]}")
    return metrics
