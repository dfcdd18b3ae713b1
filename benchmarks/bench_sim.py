"""Bit-sliced crossbar MVM vs the float32 GEMM of the same layer, and vs the NumPy reference.

Layer: 512x512, w_bits=8 stored as four 2-bit differential slices (7 magnitude bits),
8-bit unsigned inputs streamed bit-serially (dac_bits=1), adc_bits=8 after every input
cycle, 128x128 crossbars, batch 256. Writes ``benchmarks/results/bench_sim.json`` with the
ratios, machine, thread settings, package versions and the command.

Run: ``OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_sim.py``
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

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "bench_sim.json"
DEFAULT_THREADS = 2

# libgomp reads OMP_NUM_THREADS once, when the C++ core loads, so it is pinned first.
os.environ.setdefault("OMP_NUM_THREADS", str(DEFAULT_THREADS))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

import imcnas  # noqa: E402
from imcnas.hardware import HardwareConfig  # noqa: E402
from imcnas.hardware.devices import DEVICE_PRESETS  # noqa: E402
from imcnas.sim import program_layer, reference  # noqa: E402

HW = HardwareConfig(xbar_rows=128, xbar_cols=128, cell_bits=2, dac_bits=1, adc_bits=8,
                    adc_mode="full_range", adc_conversion="difference", device="rram")
N_OUT = N_IN = 512
BATCH = 256
W_BITS = IN_BITS = 8


def median_seconds(run: Callable[[], Any], repeats: int) -> float:
    """Return the median wall time of ``repeats`` runs, after one untimed warm-up run."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    return {
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per case; the median is reported")
    parser.add_argument("--reference-repeats", type=int, default=2, help="timed runs of the NumPy reference")
    args = parser.parse_args()
    threads = int(os.environ["OMP_NUM_THREADS"])

    rng = np.random.default_rng(2024)
    weights = rng.normal(size=(N_OUT, N_IN))
    x = rng.uniform(0.0, 1.0, size=(BATCH, N_IN))
    x_int = rng.integers(0, 2**IN_BITS, size=(BATCH, N_IN))
    ideal = program_layer(weights, HW, w_bits=W_BITS)
    noisy = program_layer(weights, HW, w_bits=W_BITS, device=DEVICE_PRESETS["rram"], seed=1)
    w32 = weights.astype(np.float32)
    x32 = x.astype(np.float32)

    # The timed paths must agree before their speed means anything.
    expected = reference.forward_int(ideal.weight_int, x_int, HW, w_bits=W_BITS, in_bits=IN_BITS)
    np.testing.assert_array_equal(ideal.forward_int(x_int, in_bits=IN_BITS), expected)

    with threadpool_limits(limits=threads, user_api="blas"):
        times = {
            "numpy_float32_gemm_s": median_seconds(lambda: x32 @ w32.T, args.repeats * 10),
            "simulator_forward_int_s": median_seconds(
                lambda: ideal.forward_int(x_int, in_bits=IN_BITS), args.repeats),
            "simulator_forward_s": median_seconds(lambda: ideal.forward(x, in_bits=IN_BITS), args.repeats),
            "simulator_rram_noise_s": median_seconds(
                lambda: noisy.forward(x, in_bits=IN_BITS, read_seed=3), args.repeats),
            "numpy_reference_s": median_seconds(
                lambda: reference.forward_int(ideal.weight_int, x_int, HW, w_bits=W_BITS, in_bits=IN_BITS),
                args.reference_repeats),
        }
        blas = threadpool_info()

    gemm = times["numpy_float32_gemm_s"]
    simulator = times["simulator_forward_int_s"]
    results = {
        "benchmark": "crossbar simulator vs float32 GEMM and the NumPy reference",
        "command": " ".join([f"OMP_NUM_THREADS={threads}", Path(sys.executable).name, *sys.argv]),
        "layer": {
            "n_out": N_OUT, "n_in": N_IN, "batch": BATCH, "w_bits": W_BITS, "in_bits": IN_BITS,
            "weight_slices": ideal.slices, "input_cycles": HW.input_cycles(IN_BITS),
            "hardware": HW.to_dict(),
        },
        "machine": machine(),
        "threads": {
            "OMP_NUM_THREADS": threads,
            "blas": [{key: info.get(key) for key in ("internal_api", "num_threads", "version")} for info in blas],
        },
        "versions": {"imcnas": imcnas.__version__, "core": imcnas.core_version, "numpy": np.__version__},
        "repeats": args.repeats,
        "times_s": times,
        "ratios": {
            "simulator_over_float32_gemm": simulator / gemm,
            "reference_over_simulator": times["numpy_reference_s"] / simulator,
            "rram_noise_over_ideal": times["simulator_rram_noise_s"] / times["simulator_forward_s"],
        },
        "layer_macs_per_s": {
            "simulator": N_OUT * N_IN * BATCH / simulator,
            "numpy_float32_gemm": N_OUT * N_IN * BATCH / gemm,
        },
    }
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(results, indent=2) + "\n")

    for name, seconds in times.items():
        print(f"{name:28s} {seconds * 1e3:9.2f} ms")
    for name, ratio in results["ratios"].items():
        print(f"{name:28s} {ratio:9.2f}x")
    print(f"wrote {RESULTS_PATH}")


if __name__ == "__main__":
    main()
