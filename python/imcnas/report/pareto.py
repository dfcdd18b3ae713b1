"""Pareto-front reports of a sweep: a printed table, CSV files and a PNG plot."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from imcnas.config import OBJECTIVES

# Columns of the CSV files, after the candidate key; metrics missing from a record are left empty.
METRIC_COLUMNS = (
    "accuracy",
    "accuracy_std",
    "accuracy_software",
    "energy_pj",
    "latency_ns",
    "area_mm2",
    "edp",
    "tops_per_w",
    "crossbars",
)
CANDIDATE_COLUMNS = (
    "network",
    "w_bits",
    "prune",
    "xbar",
    "cell_bits",
    "dac_bits",
    "adc_bits",
    "adc_mode",
    "cols_per_adc",
    "device",
)


def objective_matrix(records: Sequence[Any], objectives: Sequence[str]) -> np.ndarray:
    """Return an (n, m) array of the objectives of ``records``, every column minimised."""
    matrix = np.empty((len(records), len(objectives)), dtype=np.float64)
    for i, record in enumerate(records):
        for j, name in enumerate(objectives):
            value = float(record.metrics[name])
            matrix[i, j] = -value if OBJECTIVES[name][0] == "max" else value
    return matrix


def pareto_front(records: Sequence[Any], objectives: Sequence[str]) -> list[Any]:
    """Return the non-dominated records, sorted by the second objective (ascending)."""
    from imcnas.search.kernels import pareto_mask

    if not records:
        return []
    mask = pareto_mask(objective_matrix(records, objectives))
    front = [record for record, keep in zip(records, mask) if keep]
    return sorted(front, key=lambda record: record.metrics[objectives[1]])


def candidate_summary(candidate: Any) -> dict[str, str]:
    """Return short text columns that describe a candidate's network, compression and hardware."""
    network = candidate.network
    if network.kind == "cnn":
        convs = "-".join(f"c{c}k{k}" for c, k in zip(network.channels, network.kernels))
        layers = "-".join([convs, *(str(width) for width in network.hidden)])
    else:
        layers = "-".join(str(width) for width in network.hidden)
    hw = candidate.hardware
    return {
        "network": f"{network.kind}:{layers}",
        "w_bits": "/".join(str(bits) for bits in candidate.w_bits),
        "prune": "/".join(f"{ratio:g}" for ratio in candidate.prune),
        "xbar": f"{hw.xbar_rows}x{hw.xbar_cols}",
        "cell_bits": str(hw.cell_bits),
        "dac_bits": str(hw.dac_bits),
        "adc_bits": str(hw.adc_bits),
        "adc_mode": hw.adc_mode,
        "cols_per_adc": str(hw.cols_per_adc),
        "device": hw.device,
    }


def format_pareto_table(front: Sequence[Any]) -> str:
    """Format the Pareto front as a fixed-width text table."""
    header = (
        f"{'#':>2} {'accuracy':>9} {'energy_nJ':>10} {'latency_us':>10} {'area_mm2':>9}  "
        f"{'network':<22} {'w_bits':<10} {'prune':<14} {'xbar':<8} {'cell':>4} {'dac':>3} {'adc':>3} {'adc_mode':<10} device"
    )
    lines = [header, "-" * len(header)]
    for index, record in enumerate(front):
        metrics = record.metrics
        text = candidate_summary(record.candidate)
        accuracy = f"{metrics['accuracy']:.4f}"
        lines.append(
            f"{index:>2} {accuracy:>9} {metrics['energy_pj'] / 1e3:>10.3f} "
            f"{metrics['latency_ns'] / 1e3:>10.3f} {metrics['area_mm2']:>9.4f}  "
            f"{text['network']:<22} {text['w_bits']:<10} {text['prune']:<14} {text['xbar']:<8} "
            f"{text['cell_bits']:>4} {text['dac_bits']:>3} {text['adc_bits']:>3} {text['adc_mode']:<10} {text['device']}"
        )
    return "\n".join(lines)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        # mkstemp creates the file private (0600); give it the permissions of a normal new file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_csv(path: Path, records: Sequence[Any], front_keys: set[str]) -> None:
    """Write one row per record: key, Pareto flag, metrics, candidate description."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["key", "pareto", *METRIC_COLUMNS, *CANDIDATE_COLUMNS])
    for record in records:
        metrics = record.metrics
        values = ["" if metrics.get(name) is None else repr(float(metrics[name])) for name in METRIC_COLUMNS]
        text = candidate_summary(record.candidate)
        writer.writerow(
            [record.key, int(record.key in front_keys), *values, *(text[name] for name in CANDIDATE_COLUMNS)]
        )
    _write_atomically(path, buffer.getvalue().encode())


def plot_pareto(path: Path, records: Sequence[Any], front: Sequence[Any], *, title: str) -> None:
    """Plot accuracy against energy per inference for all records, with the Pareto front highlighted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7.0, 4.5), dpi=120)
    energy = np.array([record.metrics["energy_pj"] / 1e3 for record in records])
    accuracy = np.array([record.metrics["accuracy"] for record in records])
    axes.scatter(energy, accuracy, s=18, color="0.6", label="evaluated")
    front_energy = [record.metrics["energy_pj"] / 1e3 for record in front]
    front_accuracy = [record.metrics["accuracy"] for record in front]
    axes.plot(front_energy, front_accuracy, "o-", color="tab:red", label="Pareto front", drawstyle="steps-post")
    for record, x, y in zip(front, front_energy, front_accuracy):
        hw = record.candidate.hardware
        axes.annotate(
            f"{hw.xbar_rows}x{hw.xbar_cols} c{hw.cell_bits} d{hw.dac_bits} a{hw.adc_bits}",
            (x, y),
            textcoords="offset points",
            xytext=(4, -10),
            fontsize=7,
        )
    axes.set_xscale("log")
    axes.set_xlabel("energy per inference (nJ)")
    axes.set_ylabel("accuracy on simulated chip")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="lower right")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    _write_atomically(path, buffer.getvalue())
