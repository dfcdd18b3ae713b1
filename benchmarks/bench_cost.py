"""Full-network cost evaluations per second: one call per network vs one batched call.

Networks: VGG-8 (8 layers) on a sweep of hardware configs (crossbar size, ADC bits, cell
bits, conversion mode). Writes ``benchmarks/results/bench_cost.json`` with the machine,
thread settings, versions and the command.

Run: ``OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_cost.py``
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

import imcnas
from imcnas.hardware.config import HardwareConfig
from imcnas._core import cost as core
from imcnas.hardware.cost import AnalyticalEstimator, LayerSpec, estimate_cost, estimate_cost_batch

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "bench_cost.json"

VGG8 = [
    LayerSpec("conv1", 27, 128, 1024, 8, 8),
    LayerSpec("conv2", 1152, 128, 1024, 8, 8),
    LayerSpec("conv3", 1152, 256, 256, 8, 8),
    LayerSpec("conv4", 2304, 256, 256, 8, 8),
    LayerSpec("conv5", 2304, 512, 64, 8, 8),
    LayerSpec("conv6", 4608, 512, 64, 8, 8),
    LayerSpec("fc1", 8192, 1024, 1, 8, 8),
    LayerSpec("fc2", 1024, 10, 1, 8, 8),
]


def hardware_sweep(count: int) -> list[HardwareConfig]:
    grid = itertools.product((64, 128, 256, 512), (3, 4, 5, 6, 7, 8), (1, 2, 4), ("difference", "per_column"))
    configs = [
        HardwareConfig(xbar_rows=size, xbar_cols=size, adc_bits=bits, cell_bits=cell, adc_conversion=mode)
        for size, bits, cell, mode in grid
    ]
    return [configs[i % len(configs)] for i in range(count)]


def best_rate(run: Callable[[], None], evaluations: int, repeats: int) -> float:
    """Return the best evaluations per second over ``repeats`` timed runs."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return evaluations / best


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=2000, help="networks priced per timed run")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs; the best is reported")
    args = parser.parse_args()

    configs = hardware_sweep(args.evaluations)
    pairs = [(VGG8, hw) for hw in configs]

    # Warm up and check that both paths agree before timing them.
    single = [estimate_cost(VGG8, hw) for hw in configs[:50]]
    batched = estimate_cost_batch(pairs[:50])
    assert [r.to_dict() for r in single] == [r.to_dict() for r in batched]

    single_rate = best_rate(lambda: [estimate_cost(VGG8, hw) for hw in configs], len(configs), args.repeats)
    batch_rate = best_rate(lambda: estimate_cost_batch(pairs), len(pairs), args.repeats)

    # The C++ batch alone, on inputs converted once: the ceiling the Python reports sit on.
    estimator = AnalyticalEstimator()
    core_pairs = [(estimator._core_layers(layers), estimator._core_hardware(hw)) for layers, hw in pairs]
    core_tech = estimator.tech.to_core()
    core_rate = best_rate(lambda: core.estimate_batch(core_pairs, core_tech), len(pairs), args.repeats)
    energies = np.array([r.energy_pj for r in estimate_cost_batch(pairs)])

    results = {
        "benchmark": "cost model, full-network evaluations per second",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "threads": {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "unset")},
        "versions": {"imcnas": imcnas.__version__, "core": imcnas.core_version, "numpy": np.__version__},
        "network": "VGG-8, 8 layers",
        "evaluations": len(pairs),
        "repeats": args.repeats,
        "single_evals_per_s": single_rate,
        "batch_evals_per_s": batch_rate,
        "batch_over_single": batch_rate / single_rate,
        "core_batch_evals_per_s": core_rate,
        "core_batch_over_single": core_rate / single_rate,
        "energy_pj_range": [float(energies.min()), float(energies.max())],
    }
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(results, indent=2) + "\n")

    print(f"single: {single_rate:,.0f} networks/s")
    print(f"batch:  {batch_rate:,.0f} networks/s ({batch_rate / single_rate:.2f}x)")
    print(f"C++ batch without Python reports: {core_rate:,.0f} networks/s ({core_rate / single_rate:.1f}x)")
    print(f"wrote {RESULTS_PATH}")


if __name__ == "__main__":
    main()
