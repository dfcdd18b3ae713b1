"""Search kernels against pymoo on the same random fronts: sorting, Pareto mask, crowding, hypervolume.

For n = 100, 1000, 5000 points and m = 2, 3 objectives (uniform in [0, 1)), each imcnas
numba kernel is timed beside the pymoo call that computes the same thing (pymoo 0.6
delegates sorting and hypervolume to the moocore C library) and beside the imcnas NumPy
version where its O(n^2 m) memory allows. Results are checked to agree before timing and
the JIT is compiled before any timing. Writes ``benchmarks/results/bench_kernels.json``
with the machine, thread settings, versions and the command.

Run: ``OMP_NUM_THREADS=2 NUMBA_NUM_THREADS=2 .venv/bin/python benchmarks/bench_kernels.py``
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

import numba
import numpy as np
import pymoo
from pymoo.indicators.hv import HV
from pymoo.operators.survival.rank_and_crowding.metrics import calc_crowding_distance
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from imcnas.search import kernels

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "bench_kernels.json"

NUMPY_MAX_POINTS = 1000
"""Largest n for the NumPy versions, whose domination matrix takes O(n^2 m) memory."""


def best_seconds(function: Callable[[], Any], min_seconds: float, repeats: int) -> float:
    """Return the best time per call over ``repeats`` runs of enough calls to last ``min_seconds``."""
    start = time.perf_counter()
    function()
    single = max(time.perf_counter() - start, 1e-7)
    calls = max(1, int(min_seconds / single))

    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def pymoo_ranks(F: np.ndarray) -> np.ndarray:
    return NonDominatedSorting().do(F, return_rank=True)[1]


def pymoo_pareto_mask(F: np.ndarray) -> np.ndarray:
    mask = np.zeros(len(F), dtype=bool)
    mask[NonDominatedSorting().do(F, only_non_dominated_front=True)] = True
    return mask


def check_agreement(F: np.ndarray, reference: np.ndarray) -> None:
    """Stop the benchmark if imcnas and pymoo disagree on this front."""
    m = F.shape[1]
    if not np.array_equal(kernels.non_dominated_sort(F), pymoo_ranks(F)):
        raise AssertionError("non_dominated_sort differs from pymoo")
    if not np.array_equal(kernels.pareto_mask(F), pymoo_pareto_mask(F)):
        raise AssertionError("pareto_mask differs from pymoo")
    # pymoo averages the per-objective crowding terms; Deb et al. (2002) and imcnas sum them.
    np.testing.assert_allclose(kernels.crowding_distance(F), calc_crowding_distance(F) * m, rtol=1e-12)
    if m == 2:
        ours = kernels.hypervolume_2d(F, reference)
        theirs = HV(ref_point=reference)(F)
        if not np.isclose(ours, theirs, rtol=1e-12, atol=0):
            raise AssertionError(f"hypervolume_2d {ours} differs from pymoo {theirs}")


def bench_front(F: np.ndarray, min_seconds: float, repeats: int) -> list[dict[str, Any]]:
    n, m = F.shape
    reference = np.full(m, 1.1)
    check_agreement(F, reference)

    cases: list[tuple[str, Callable[[], Any], Callable[[], Any], Callable[[], Any] | None]] = [
        ("non_dominated_sort", lambda: kernels.non_dominated_sort(F), lambda: pymoo_ranks(F),
         lambda: kernels.non_dominated_sort_numpy(F)),
        ("pareto_mask", lambda: kernels.pareto_mask(F), lambda: pymoo_pareto_mask(F),
         lambda: kernels.pareto_mask_numpy(F)),
        ("crowding_distance", lambda: kernels.crowding_distance(F), lambda: calc_crowding_distance(F),
         lambda: kernels.crowding_distance_numpy(F)),
    ]
    if m == 2:
        indicator = HV(ref_point=reference)
        cases.append(("hypervolume_2d", lambda: kernels.hypervolume_2d(F, reference), lambda: indicator(F),
                      lambda: kernels.hypervolume_2d_numpy(F, reference)))

    rows = []
    for name, numba_call, pymoo_call, numpy_call in cases:
        numba_s = best_seconds(numba_call, min_seconds, repeats)
        pymoo_s = best_seconds(pymoo_call, min_seconds, repeats)
        row = {"kernel": name, "n": n, "m": m, "numba_s": numba_s, "pymoo_s": pymoo_s,
               "pymoo_over_numba": pymoo_s / numba_s}
        if numpy_call is not None and (n <= NUMPY_MAX_POINTS or name == "crowding_distance"):
            numpy_s = best_seconds(numpy_call, min_seconds, repeats)
            row.update(numpy_s=numpy_s, numpy_over_numba=numpy_s / numba_s)
        rows.append(row)
        print(
            f"{name:20s} n={n:5d} m={m}  numba {numba_s * 1e3:9.3f} ms  pymoo {pymoo_s * 1e3:9.3f} ms"
            f"  pymoo/numba {row['pymoo_over_numba']:7.2f}"
            + (f"  numpy/numba {row['numpy_over_numba']:7.2f}" if "numpy_s" in row else "")
        )
    return rows


def warm_up() -> None:
    """Compile every numba kernel (or load it from the cache) before any timing."""
    F = np.random.default_rng(0).random((8, 2))
    kernels.non_dominated_sort(F)
    kernels.pareto_mask(F)
    kernels.crowding_distance(F)
    kernels.hypervolume_2d(F, [1.1, 1.1])


def environment() -> dict[str, Any]:
    import moocore

    return {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
        },
        "threads": {
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
            "NUMBA_NUM_THREADS": os.environ.get("NUMBA_NUM_THREADS"),
            "numba_threads_in_use": numba.get_num_threads(),
            "note": "every timed kernel runs on one thread",
        },
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "numba": numba.__version__,
            "pymoo": pymoo.__version__,
            "moocore": moocore.__version__,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000], help="numbers of points")
    parser.add_argument("--objectives", type=int, nargs="+", default=[2, 3], help="numbers of objectives")
    parser.add_argument("--min-seconds", type=float, default=0.2, help="minimum duration of one timed run, in s")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per kernel; the best is reported")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="JSON file to write")
    args = parser.parse_args()

    warm_up()
    rng = np.random.default_rng(args.seed)
    rows = []
    for m in args.objectives:
        for n in args.sizes:
            rows += bench_front(rng.random((n, m)), args.min_seconds, args.repeats)

    result = {
        "benchmark": "search kernels: imcnas numba vs pymoo (and imcnas NumPy) on the same fronts",
        "data": "uniform random points in [0, 1)^m; hypervolume reference point 1.1 in each objective",
        "timing": f"best of {args.repeats} runs, each at least {args.min_seconds} s; seconds per call",
        **environment(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "seed": args.seed,
        "results": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
