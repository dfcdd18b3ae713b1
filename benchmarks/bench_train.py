"""Hardware-aware training epoch time vs plain torch, and the time of one full candidate.

Side by side in one run, on the same Fashion-MNIST subset and architecture:
- plain torch (nn.Linear / nn.Conv2d, float32);
- IMC layers without noise (straight-through weight and input quantization, range tracking);
- IMC layers with device weight noise (the default training of a candidate).
Then one candidate end to end as the search loop runs it: train_candidate followed by
evaluate_on_chip at one day on two chips. Writes ``benchmarks/results/bench_train.json``
with the machine, thread settings, versions and the command.

Run: ``OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_train.py``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import imcnas
from imcnas.candidate import Candidate, NetworkSpec
from imcnas.data import load_dataset
from imcnas.hardware.devices import DEVICE_PRESETS
from imcnas.train import TrainSettings, build_model, evaluate_on_chip, train_candidate, training_noise_std

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "bench_train.json"

NETWORKS = {
    "mlp-128": NetworkSpec("mlp", hidden=(128,)),
    "cnn-8-16": NetworkSpec("cnn", channels=(8, 16), kernels=(3, 3), hidden=(64,)),
}


def plain_model(network: NetworkSpec, input_shape: tuple[int, int, int], n_classes: int) -> nn.Module:
    """Return the float torch twin of :func:`imcnas.train.build_model` (same layers, pools and sizes)."""
    twin = build_model(network, input_shape, n_classes, (8,) * network.n_weight_layers, (8,) * network.n_weight_layers)
    layers: list[nn.Module] = []
    for conv, pool in zip(twin.convs, twin.pools):
        layers += [nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, padding=conv.padding), nn.ReLU()]
        if pool:
            layers.append(nn.MaxPool2d(2))
    layers.append(nn.Flatten())
    for index, linear in enumerate(twin.linears):
        layers.append(nn.Linear(linear.in_features, linear.out_features))
        if index < len(twin.linears) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def epoch_seconds(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int, repeats: int) -> float:
    """Return the best wall time in seconds of one Adam training epoch over ``repeats`` epochs."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        order = torch.randperm(len(y))
        for begin in range(0, len(y), batch_size):
            batch = order[begin : begin + batch_size]
            loss = F.cross_entropy(model(x[batch]), y[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        best = min(best, time.perf_counter() - start)
    return best


def timed(run: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-samples", type=int, default=6000, help="training images (default 6000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs per variant; the best is kept")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    dataset = load_dataset("fashion-mnist", train_samples=args.train_samples, test_samples=1000, seed=0)
    x, y = torch.from_numpy(dataset.x_train), torch.from_numpy(dataset.y_train)
    hardware = Candidate(NetworkSpec(), w_bits=(6, 6), in_bits=(6, 6), prune=(0.0, 0.0)).hardware
    noise_std = training_noise_std(hardware.device, hardware, 6)

    epochs: dict[str, dict[str, float]] = {}
    for name, network in NETWORKS.items():
        n_layers = network.n_weight_layers
        bits = (6,) * n_layers
        plain = epoch_seconds(plain_model(network, dataset.input_shape, 10), x, y, 64, args.repeats)
        quantized = epoch_seconds(build_model(network, dataset.input_shape, 10, bits, bits), x, y, 64, args.repeats)
        noisy_model = build_model(network, dataset.input_shape, 10, bits, bits, noise_std=noise_std)
        noisy = epoch_seconds(noisy_model, x, y, 64, args.repeats)
        epochs[name] = {
            "plain_s": plain,
            "imc_quantized_s": quantized,
            "imc_noisy_s": noisy,
            "ratio_quantized_vs_plain": quantized / plain,
            "ratio_noisy_vs_plain": noisy / plain,
        }
        print(f"{name}: plain {plain:.3f} s/epoch, IMC {quantized:.3f} s ({quantized / plain:.2f}x), "
              f"IMC + noise {noisy:.3f} s ({noisy / plain:.2f}x)")

    candidate = Candidate(NetworkSpec("mlp", hidden=(128,)), w_bits=(6, 6), in_bits=(6, 6), prune=(0.25, 0.0))
    settings = TrainSettings(epochs=3, finetune_epochs=1, threads=args.threads)
    # The first call pays one-time imports inside torch.optim, so the second one is timed.
    train_candidate(candidate, dataset, TrainSettings(epochs=1, finetune_epochs=0), seed=0)
    trained, train_s = timed(lambda: train_candidate(candidate, dataset, settings, seed=1))
    device = DEVICE_PRESETS[candidate.hardware.device]
    chip, chip_s = timed(
        lambda: evaluate_on_chip(trained.model, dataset, candidate.hardware, chips=2, seed=0, device=device)
    )
    end_to_end = {
        "candidate": candidate.to_dict(),
        "train_samples": dataset.n_train,
        "test_samples": dataset.n_test,
        "train_s": train_s,
        "chip_eval_s": chip_s,
        "total_s": train_s + chip_s,
        "software_accuracy": trained.software_accuracy,
        "chip_accuracy_mean": float(chip.mean[0]),
        "chip_accuracy_std": float(chip.std[0]),
    }
    print(f"candidate: train {train_s:.2f} s, chip evaluation (2 chips, 1 day) {chip_s:.2f} s, "
          f"total {train_s + chip_s:.2f} s")

    record = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "threads": {"torch": args.threads, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")},
        "versions": {"imcnas": imcnas.__version__, "torch": torch.__version__, "numpy": np.__version__},
        "train_samples": dataset.n_train,
        "batch_size": 64,
        "noise_std": noise_std,
        "epoch_time": epochs,
        "candidate_end_to_end": end_to_end,
    }
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {RESULTS_PATH}")


if __name__ == "__main__":
    main()
